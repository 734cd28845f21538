-- The summary triggers of 0012 recompute the losses and active months of the customers a statement touched. Their
-- queries joined those customers (an unnested array) to state_transitions and loss_facts, and the planner — which
-- guesses 10 to 200 elements for an array it cannot see and, during a recompute, has statistics of a table still
-- being filled — chose to read every lost and sleeping transition (a sort spilling to disk), or every transition,
-- for each statement: 1.7 s per batch of 10,000 customers at 1.6 million transitions, growing with the table (a
-- first `analyze` of a million customers spent most of its half hour there), and most of a second for one recorded
-- call. Now:
-- - each customer is read through its own index probe (a LATERAL subquery the planner cannot flatten: OFFSET 0), so
--   the work follows the customers touched, not the size of the tables;
-- - the plpgsql functions that run these queries plan each statement with its arrays' values (force_custom_plan:
--   the SQL functions are inlined with constant arrays, whose sizes the planner then knows — the transitions a
--   statement added are set aside by a hash, not by rescanning the array per row);
-- - JIT is off there: the cost estimates of a large batch crossed its threshold, and compiling took 0.5 s per
--   statement for queries that run in milliseconds.

CREATE OR REPLACE FUNCTION winback_losses_of(ids bigint[]) RETURNS SETOF loss_facts LANGUAGE sql STABLE AS $$
  SELECT t.id, t.customer_id, t.to_state, t.effective_at, t.recorded_at, t.currency::text, t.value_lost, t.forecast_value,
         cr.contract_id, cr.source, cr.mapped_code, cr.verified_code, cr.original_text, cc.diagnosed_reason,
         coalesce(cr.verified_code, cc.diagnosed_reason, cr.mapped_code, t.reason_code, 'unknown'),
         CASE WHEN cr.verified_code IS NOT NULL THEN 'verified' WHEN cc.diagnosed_reason IS NOT NULL THEN 'call'
              WHEN cr.mapped_code IS NOT NULL THEN 'mapped' WHEN t.reason_code IS NOT NULL THEN 'import' ELSE 'none' END,
         count(*) OVER (PARTITION BY t.customer_id) > 1
  FROM (SELECT DISTINCT id FROM unnest(ids) AS u(id)) u
  -- The state filter stays outside the probe: inside, the planner ANDs the partial index of all losses into it
  -- (0.3 million entries read per customer when it misjudges that index as small).
  CROSS JOIN LATERAL (SELECT * FROM state_transitions s WHERE s.customer_id = u.id OFFSET 0) t
  -- The contract that ended: the customer's contract whose end is the loss's effective date; a verified one first.
  LEFT JOIN LATERAL (
    SELECT r.contract_id, r.source, r.mapped_code, r.verified_code, r.original_text
    FROM contracts c JOIN contract_reasons r ON r.contract_id = c.id
    WHERE c.customer_id = t.customer_id
      AND date_trunc('milliseconds', coalesce(c.ends_at, c.cancelled_at)) = date_trunc('milliseconds', t.effective_at)
    ORDER BY (r.verified_code IS NOT NULL) DESC, c.cancelled_at DESC NULLS LAST, c.id DESC
    LIMIT 1
  ) cr ON true
  -- The latest confirmed diagnosis of a recovery call of this loss: at or after it, before the customer's next loss.
  LEFT JOIN LATERAL (
    SELECT rc.diagnosed_reason FROM recovery_calls rc
    WHERE rc.customer_id = t.customer_id AND rc.occurred_at >= t.effective_at
      AND NOT EXISTS (
        SELECT 1 FROM (SELECT * FROM state_transitions n WHERE n.customer_id = t.customer_id OFFSET 0) n
        WHERE n.to_state IN ('lost', 'sleeping') AND n.effective_at > t.effective_at AND n.effective_at <= rc.occurred_at)
      AND rc.reason_confirmed AND rc.diagnosed_reason IS NOT NULL
    ORDER BY rc.occurred_at DESC, rc.id DESC
    LIMIT 1
  ) cc ON true
  WHERE t.to_state IN ('lost', 'sleeping');
$$;

CREATE OR REPLACE FUNCTION winback_count_loss_days(ids bigint[], sign int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO loss_days AS d (day, to_state, currency, code, losses, value_lost, forecast_value, forecast_count)
  SELECT (f.effective_at AT TIME ZONE 'UTC')::date, f.to_state, f.currency, f.code, sign * count(*),
         sign * coalesce(sum(f.value_lost), 0), sign * coalesce(sum(f.forecast_value), 0), sign * count(f.forecast_value)
  FROM (SELECT DISTINCT id FROM unnest(ids) AS u(id)) u
  CROSS JOIN LATERAL (SELECT * FROM loss_facts l WHERE l.customer_id = u.id AND NOT l.multi OFFSET 0) f
  GROUP BY 1, 2, 3, 4
  ORDER BY 1, 2, 3, 4
  ON CONFLICT ON CONSTRAINT loss_days_key DO UPDATE SET
    losses = d.losses + excluded.losses, value_lost = d.value_lost + excluded.value_lost,
    forecast_value = d.forecast_value + excluded.forecast_value, forecast_count = d.forecast_count + excluded.forecast_count;
$$;

CREATE OR REPLACE FUNCTION winback_refresh_losses(ids bigint[]) RETURNS void LANGUAGE plpgsql
SET jit = off SET plan_cache_mode = force_custom_plan AS $$
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN; END IF;
  PERFORM winback_lock_summaries();
  PERFORM winback_count_loss_days(ids, -1);
  DELETE FROM loss_facts f WHERE f.customer_id = ANY (ids);
  INSERT INTO loss_facts SELECT * FROM winback_losses_of(ids);
  PERFORM winback_count_loss_days(ids, 1);
  DELETE FROM loss_days WHERE losses = 0;
END $$;

CREATE OR REPLACE FUNCTION winback_active_contribution(ids bigint[], excluded bigint[]) RETURNS TABLE (month date, delta bigint)
LANGUAGE sql STABLE AS $$
  WITH t AS (
    SELECT t.to_state, t.effective_at, lead(t.effective_at) OVER (PARTITION BY t.customer_id ORDER BY t.effective_at, t.id) AS next_at
    FROM (SELECT DISTINCT id FROM unnest(ids) AS u(id)) u
    CROSS JOIN LATERAL (SELECT * FROM state_transitions s WHERE s.customer_id = u.id OFFSET 0) t
    LEFT JOIN unnest(excluded) AS x(id) ON x.id = t.id
    WHERE x.id IS NULL
  ),
  d AS (
    SELECT effective_at AS at, 1 AS delta FROM t WHERE to_state IN ('active', 'at_risk', 'won_back')
    UNION ALL
    SELECT next_at, -1 FROM t WHERE to_state IN ('active', 'at_risk', 'won_back') AND next_at IS NOT NULL
  )
  SELECT date_trunc('month', at AT TIME ZONE 'UTC')::date, sum(delta)::bigint FROM d GROUP BY 1;
$$;

ALTER FUNCTION winback_state_transitions_inserted() SET jit = off;
ALTER FUNCTION winback_state_transitions_inserted() SET plan_cache_mode = force_custom_plan;
