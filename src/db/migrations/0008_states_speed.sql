-- Lifecycle states at scale (src/identify): the recompute writes state_transitions and customer_states in bulk —
-- a full recompute of a million customers appends some 1.7 million transitions and a million current states.
--
-- Their foreign keys are dropped: PostgreSQL checks a foreign key with a trigger per inserted row (an index probe
-- of the referenced table), and those checks were more than half of the server time of those inserts. What they
-- guarded is guaranteed by the only writers instead: the recompute takes customer ids from `customers` in the
-- statement that reads the batch, the recompute id from the state_recomputes row it has just inserted, the
-- analysis id from the current analysis run; recordTransition (src/identify/transitions.ts) writes the customer of
-- a recorded recovery call. Both tables stay keyed and read by customer_id, like every large table.
ALTER TABLE state_transitions DROP CONSTRAINT IF EXISTS state_transitions_customer_id_fkey;
ALTER TABLE state_transitions DROP CONSTRAINT IF EXISTS state_transitions_analysis_run_id_fkey;
ALTER TABLE state_transitions DROP CONSTRAINT IF EXISTS state_transitions_recompute_id_fkey;
ALTER TABLE customer_states DROP CONSTRAINT IF EXISTS customer_states_customer_id_fkey;
ALTER TABLE customer_states DROP CONSTRAINT IF EXISTS customer_states_recompute_id_fkey;

-- The period indexes hold only what is read by period: every query by effective_at (loss report, first loss,
-- src/causes) or by state (worth winning back) asks for lost or sleeping customers, a quarter of the transitions
-- and under a third of the states. Indexing every transition cost more than the rest of its insert: the keys are
-- dated across years, so each insert lands on a random page of a large index. A query by period for other states
-- would need an index of its own.
DROP INDEX state_transitions_effective_idx;
CREATE INDEX state_transitions_loss_idx ON state_transitions (effective_at, to_state) WHERE to_state IN ('lost', 'sleeping');
DROP INDEX customer_states_state_idx;
CREATE INDEX customer_states_gone_idx ON customer_states (state, entered_at) WHERE state IN ('lost', 'sleeping');
