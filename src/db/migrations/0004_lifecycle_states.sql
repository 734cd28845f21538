-- Step 1 of customer recovery: every customer's lifecycle state, and the append-only history of how it got there.
--
-- customer_states is the current state (one row per customer, a cache of the latest transition plus its evidence);
-- state_transitions is the history. Transitions are never updated or deleted: "who became lost in March" is a
-- query over effective_at (when it happened in reality), and "what did we know on 1 April" adds
-- recorded_at <= '2025-04-01'. New data adds transitions with their own recorded_at; it never rewrites old ones.
-- do_not_contact is not a state: it stays the orthogonal flag of contact_preferences.
--
-- Both large tables carry customer_id and are read by it (distributable by customer_id); state_recomputes is a
-- small log, one row per recompute.

CREATE TABLE state_recomputes (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The instant the states describe; a recompute for an earlier instant than the last one is refused.
  as_of            timestamptz NOT NULL,
  -- The analysis whose scores (P(alive), CLV) were used, if any.
  analysis_run_id  bigint REFERENCES analysis_runs (id),
  options          jsonb NOT NULL,
  customers        bigint NOT NULL DEFAULT 0,
  transitions      bigint NOT NULL DEFAULT 0,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);

CREATE TABLE customer_states (
  customer_id           bigint PRIMARY KEY REFERENCES customers (id),
  state                 text NOT NULL CHECK (state IN ('active', 'at_risk', 'sleeping', 'lost', 'won_back')),
  -- When the state was entered in reality (a contract's end, a purchase), not when we noticed.
  entered_at            timestamptz NOT NULL,
  -- Why: the rule that fired and the facts it saw.
  evidence              jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Lost or sleeping customers who still show need (usage or support after leaving, orders after a cancelled
  -- contract, a downgrade before the exit).
  latent_need           boolean NOT NULL DEFAULT false,
  latent_need_evidence  jsonb,
  recompute_id          bigint REFERENCES state_recomputes (id),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_states_state_idx ON customer_states (state, entered_at);

CREATE TABLE state_transitions (
  id                   bigint GENERATED ALWAYS AS IDENTITY,
  customer_id          bigint NOT NULL REFERENCES customers (id),
  from_state           text CHECK (from_state IN ('active', 'at_risk', 'sleeping', 'lost', 'won_back')),
  to_state             text NOT NULL CHECK (to_state IN ('active', 'at_risk', 'sleeping', 'lost', 'won_back')),
  effective_at         timestamptz NOT NULL,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  -- The rule and the facts it saw.
  reason               jsonb NOT NULL,
  analysis_run_id      bigint REFERENCES analysis_runs (id),
  recompute_id         bigint REFERENCES state_recomputes (id),
  -- What left with the customer (transitions to lost or sleeping), as known when recorded, so loss figures
  -- never change afterwards: annualised contract value (monthly value × 12 of the contracts that ended) or the
  -- trailing-12-month order revenue before the customer stopped; forecast = the model's CLV when scored.
  currency             char(3),
  value_lost           bigint,
  value_basis          text CHECK (value_basis IN ('contract_annualised', 'trailing_12m')),
  forecast_value       bigint,
  -- Groups for the loss report, as they were when recorded.
  reason_code          text,
  plan                 text,
  team_id              bigint,
  acquisition_channel  text,
  country              char(2),
  PRIMARY KEY (customer_id, id)
);
CREATE INDEX state_transitions_effective_idx ON state_transitions (effective_at, to_state);
