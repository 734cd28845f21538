-- Summaries behind the Overview and the Reasons & causes pages (src/identify loss report and state counts,
-- src/causes Pareto and trends). On a million customers those reports read 300,000 losses with three index probes
-- each (the effective reason), every lifecycle transition (active customers per period) and every order (the
-- revenue base): 2–6 s each. These tables hold the same figures pre-aggregated, so a report reads a few thousand
-- rows.
--
-- They are kept by statement-level triggers on the tables they summarise, in the same transaction as the write,
-- whoever writes (the recompute, a recorded call, an import, a test fixture): a summary can never disagree with
-- what a reader of the same snapshot sees. Each trigger works per statement on its transition tables (one
-- aggregate per statement, not per row), and every change to a summary is one upsert of the net difference.
-- The summaries' writers are serialised by one transaction-level advisory lock (winback_summaries), so two
-- transactions never take their rows' locks in opposite orders.
--
-- Customer counts in the loss reports are distinct customers over a period, which do not add up across days.
-- Customers with a single loss ever (almost all of them) are counted per day in loss_days; the losses of the
-- few customers with more than one (loss_facts.multi) are read one by one and counted distinct. Both come from
-- loss_facts: one row per transition to lost or sleeping with its effective reason, exactly as src/causes
-- defines it (the verified code of the contract that ended, else a confirmed reason of a recovery call after
-- the loss, else the mapped code, else the imported code, else 'unknown'). The effective reason depends on the
-- customer's transitions, contracts, contract reasons and recovery calls, so a change to any of them recomputes
-- that customer's rows (winback_refresh_losses).

CREATE TABLE loss_facts (
  transition_id   bigint PRIMARY KEY,
  customer_id     bigint NOT NULL,
  to_state        text NOT NULL,
  effective_at    timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL,
  currency        text,
  value_lost      bigint,
  forecast_value  bigint,
  contract_id     bigint,
  mapping         text,
  mapped_code     text,
  verified_code   text,
  original_text   text,
  confirmed_code  text,
  code            text NOT NULL,
  source          text NOT NULL,
  -- The customer has more than one loss: counted one by one, not in loss_days.
  multi           boolean NOT NULL
);
CREATE INDEX loss_facts_customer_idx ON loss_facts (customer_id);
CREATE INDEX loss_facts_effective_idx ON loss_facts (effective_at);
CREATE INDEX loss_facts_multi_idx ON loss_facts (effective_at) WHERE multi;

-- Losses of single-loss customers per UTC day, state, currency and effective reason.
CREATE TABLE loss_days (
  day             date NOT NULL,
  to_state        text NOT NULL,
  currency        text,
  code            text NOT NULL,
  losses          bigint NOT NULL,
  value_lost      bigint NOT NULL,
  forecast_value  bigint NOT NULL,
  forecast_count  bigint NOT NULL,
  CONSTRAINT loss_days_key UNIQUE NULLS NOT DISTINCT (day, to_state, currency, code)
);
-- Keys whose losses all moved away, removed after each change.
CREATE INDEX loss_days_empty_idx ON loss_days (day) WHERE losses = 0;

-- Customers entering an active state (active, at_risk, won_back) minus customers leaving one, per UTC month of
-- the change: the loss report's "active at the period start" is the sum of the months before it.
CREATE TABLE active_deltas (
  month  date PRIMARY KEY,
  delta  bigint NOT NULL
);

-- Annualised contract value per currency, as changes: a contract adds its value from the first month start after
-- it began and takes it away from the first month start at or after it ended, so the value running at a month
-- start is the sum of the changes up to it. contracts counts the running contracts the same way.
CREATE TABLE contract_value_deltas (
  month      date NOT NULL,
  currency   text NOT NULL,
  value      bigint NOT NULL,
  contracts  bigint NOT NULL,
  PRIMARY KEY (month, currency)
);

-- Order revenue per UTC month and currency.
CREATE TABLE order_revenue_months (
  month     date NOT NULL,
  currency  text NOT NULL,
  amount    bigint NOT NULL,
  orders    bigint NOT NULL,
  PRIMARY KEY (month, currency)
);

-- Customers per lifecycle state (customer_states), with how many must not be contacted (contact_preferences)
-- and how many show latent need.
CREATE TABLE state_counts (
  state           text PRIMARY KEY,
  customers       bigint NOT NULL,
  do_not_contact  bigint NOT NULL,
  latent_need     bigint NOT NULL
);

CREATE FUNCTION winback_lock_summaries() RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(hashtext('winback_summaries:' || current_schema()));
$$;

-- The losses of the given customers with their effective reasons (src/causes/repository.ts lossesCte reads
-- loss_facts; this is the one definition of the effective reason).
CREATE FUNCTION winback_losses_of(ids bigint[]) RETURNS SETOF loss_facts LANGUAGE sql STABLE AS $$
  SELECT t.id, t.customer_id, t.to_state, t.effective_at, t.recorded_at, t.currency::text, t.value_lost, t.forecast_value,
         cr.contract_id, cr.source, cr.mapped_code, cr.verified_code, cr.original_text, cc.diagnosed_reason,
         coalesce(cr.verified_code, cc.diagnosed_reason, cr.mapped_code, t.reason_code, 'unknown'),
         CASE WHEN cr.verified_code IS NOT NULL THEN 'verified' WHEN cc.diagnosed_reason IS NOT NULL THEN 'call'
              WHEN cr.mapped_code IS NOT NULL THEN 'mapped' WHEN t.reason_code IS NOT NULL THEN 'import' ELSE 'none' END,
         count(*) OVER (PARTITION BY t.customer_id) > 1
  FROM (SELECT DISTINCT id FROM unnest(ids) AS u(id)) u
  JOIN state_transitions t ON t.customer_id = u.id AND t.to_state IN ('lost', 'sleeping')
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
        SELECT 1 FROM state_transitions n
        WHERE n.customer_id = t.customer_id AND n.to_state IN ('lost', 'sleeping')
          AND n.effective_at > t.effective_at AND n.effective_at <= rc.occurred_at)
      AND rc.reason_confirmed AND rc.diagnosed_reason IS NOT NULL
    ORDER BY rc.occurred_at DESC, rc.id DESC
    LIMIT 1
  ) cc ON true;
$$;

-- Adds (sign 1) or takes away (sign -1) the single-loss customers' losses among the given customers' loss_facts.
CREATE FUNCTION winback_count_loss_days(ids bigint[], sign int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO loss_days AS d (day, to_state, currency, code, losses, value_lost, forecast_value, forecast_count)
  SELECT (f.effective_at AT TIME ZONE 'UTC')::date, f.to_state, f.currency, f.code, sign * count(*),
         sign * coalesce(sum(f.value_lost), 0), sign * coalesce(sum(f.forecast_value), 0), sign * count(f.forecast_value)
  FROM loss_facts f JOIN (SELECT DISTINCT id FROM unnest(ids) AS u(id)) u ON f.customer_id = u.id
  WHERE NOT f.multi
  GROUP BY 1, 2, 3, 4
  ORDER BY 1, 2, 3, 4
  ON CONFLICT ON CONSTRAINT loss_days_key DO UPDATE SET
    losses = d.losses + excluded.losses, value_lost = d.value_lost + excluded.value_lost,
    forecast_value = d.forecast_value + excluded.forecast_value, forecast_count = d.forecast_count + excluded.forecast_count;
$$;

-- Recomputes the loss_facts rows of the given customers and moves their single losses in loss_days.
CREATE FUNCTION winback_refresh_losses(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN; END IF;
  PERFORM winback_lock_summaries();
  PERFORM winback_count_loss_days(ids, -1);
  DELETE FROM loss_facts f USING (SELECT DISTINCT id FROM unnest(ids) AS u(id)) u WHERE f.customer_id = u.id;
  INSERT INTO loss_facts SELECT * FROM winback_losses_of(ids);
  PERFORM winback_count_loss_days(ids, 1);
  DELETE FROM loss_days WHERE losses = 0;
END $$;

-- The contribution of the given customers' transitions (but `excluded`) to active_deltas: +1 in the month a
-- customer enters an active state, -1 in the month of their next transition (src/identify activeDeltas).
CREATE FUNCTION winback_active_contribution(ids bigint[], excluded bigint[]) RETURNS TABLE (month date, delta bigint) LANGUAGE sql STABLE AS $$
  WITH t AS (
    SELECT t.to_state, t.effective_at, lead(t.effective_at) OVER (PARTITION BY t.customer_id ORDER BY t.effective_at, t.id) AS next_at
    FROM (SELECT DISTINCT id FROM unnest(ids) AS u(id)) u
    JOIN state_transitions t ON t.customer_id = u.id
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

CREATE FUNCTION winback_state_transitions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  customers bigint[];
  new_ids bigint[];
BEGIN
  SELECT array_agg(DISTINCT customer_id), array_agg(id) INTO customers, new_ids FROM new_rows;
  IF customers IS NULL THEN RETURN NULL; END IF;
  PERFORM winback_lock_summaries();
  INSERT INTO active_deltas AS a (month, delta)
  SELECT month, sum(delta) FROM (
    SELECT month, delta FROM winback_active_contribution(customers, '{}')
    UNION ALL
    SELECT month, -delta FROM winback_active_contribution(customers, new_ids)
  ) c GROUP BY month HAVING sum(delta) <> 0 ORDER BY month
  ON CONFLICT (month) DO UPDATE SET delta = a.delta + excluded.delta;
  PERFORM winback_refresh_losses(array(SELECT DISTINCT customer_id FROM new_rows WHERE to_state IN ('lost', 'sleeping')));
  RETURN NULL;
END $$;
CREATE TRIGGER state_transitions_summaries AFTER INSERT ON state_transitions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION winback_state_transitions_inserted();

-- Rebuilds the summaries of the transitions from scratch (the migration, and should transitions — append-only —
-- ever be changed or deleted).
CREATE FUNCTION winback_rebuild_transition_summaries() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM winback_lock_summaries();
  DELETE FROM active_deltas;
  INSERT INTO active_deltas (month, delta)
  SELECT month, sum(delta) FROM winback_active_contribution(array(SELECT DISTINCT customer_id FROM state_transitions), '{}')
  GROUP BY month HAVING sum(delta) <> 0;
  DELETE FROM loss_facts;
  DELETE FROM loss_days;
  PERFORM winback_refresh_losses(array(SELECT DISTINCT customer_id FROM state_transitions WHERE to_state IN ('lost', 'sleeping')));
END $$;
CREATE FUNCTION winback_state_transitions_rewritten() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM winback_rebuild_transition_summaries();
  RETURN NULL;
END $$;
CREATE TRIGGER state_transitions_rewritten AFTER UPDATE OR DELETE OR TRUNCATE ON state_transitions
  FOR EACH STATEMENT EXECUTE FUNCTION winback_state_transitions_rewritten();

-- A customer's contracts, contract reasons or recovery calls changed: their losses' effective reasons may have.
-- (A trigger has only the transition tables of its event, so each event reads its own.)
CREATE FUNCTION winback_reasons_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM winback_refresh_losses(array(SELECT DISTINCT n.customer_id FROM new_rows n WHERE EXISTS (SELECT 1 FROM loss_facts f WHERE f.customer_id = n.customer_id)));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM winback_refresh_losses(array(
      SELECT c.customer_id FROM (SELECT customer_id FROM new_rows UNION SELECT customer_id FROM old_rows) c
      WHERE EXISTS (SELECT 1 FROM loss_facts f WHERE f.customer_id = c.customer_id)));
  ELSE
    PERFORM winback_refresh_losses(array(SELECT DISTINCT o.customer_id FROM old_rows o WHERE EXISTS (SELECT 1 FROM loss_facts f WHERE f.customer_id = o.customer_id)));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER contract_reasons_losses_ins AFTER INSERT ON contract_reasons REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_reasons_changed();
CREATE TRIGGER contract_reasons_losses_upd AFTER UPDATE ON contract_reasons REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_reasons_changed();
CREATE TRIGGER contract_reasons_losses_del AFTER DELETE ON contract_reasons REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_reasons_changed();
CREATE TRIGGER recovery_calls_losses_ins AFTER INSERT ON recovery_calls REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_reasons_changed();
CREATE TRIGGER recovery_calls_losses_upd AFTER UPDATE ON recovery_calls REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_reasons_changed();
CREATE TRIGGER recovery_calls_losses_del AFTER DELETE ON recovery_calls REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_reasons_changed();

-- Contracts: the changes of running contract value, and the effective reasons of their customers' losses.
CREATE FUNCTION winback_contract_deltas(v_started timestamptz, v_end timestamptz, v_value bigint) RETURNS TABLE (month date, value bigint, contracts bigint)
LANGUAGE sql IMMUTABLE AS $$
  -- Running at a month start P when started < P < end (end: ends_at, else cancelled_at, else never): from the first
  -- month start after the start, until the first month start at or after the end.
  WITH k AS (
    SELECT (date_trunc('month', v_started AT TIME ZONE 'UTC') + interval '1 month')::date AS first_month,
           CASE WHEN v_end IS NULL OR v_end = 'infinity' THEN NULL
                WHEN date_trunc('month', v_end AT TIME ZONE 'UTC') = v_end AT TIME ZONE 'UTC' THEN (v_end AT TIME ZONE 'UTC')::date
                ELSE (date_trunc('month', v_end AT TIME ZONE 'UTC') + interval '1 month')::date END AS end_month
  )
  SELECT first_month, v_value * 12, 1::bigint FROM k WHERE end_month IS NULL OR first_month < end_month
  UNION ALL
  SELECT end_month, -v_value * 12, -1::bigint FROM k WHERE end_month IS NOT NULL AND first_month < end_month;
$$;

CREATE FUNCTION winback_contracts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM winback_lock_summaries();
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO contract_value_deltas AS d (month, currency, value, contracts)
    SELECT x.month, c.currency::text, sum(x.value), sum(x.contracts)
    FROM new_rows c CROSS JOIN LATERAL winback_contract_deltas(c.started_at, coalesce(c.ends_at, c.cancelled_at), c.monthly_value) x
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (month, currency) DO UPDATE SET value = d.value + excluded.value, contracts = d.contracts + excluded.contracts;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO contract_value_deltas AS d (month, currency, value, contracts)
    SELECT x.month, c.currency::text, -sum(x.value), -sum(x.contracts)
    FROM old_rows c CROSS JOIN LATERAL winback_contract_deltas(c.started_at, coalesce(c.ends_at, c.cancelled_at), c.monthly_value) x
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (month, currency) DO UPDATE SET value = d.value + excluded.value, contracts = d.contracts + excluded.contracts;
  END IF;
  -- Before the first loss is recorded (an initial import) there is nothing to re-reason.
  IF EXISTS (SELECT 1 FROM loss_facts) THEN
    IF TG_OP = 'INSERT' THEN
      PERFORM winback_refresh_losses(array(SELECT DISTINCT n.customer_id FROM new_rows n WHERE EXISTS (SELECT 1 FROM loss_facts f WHERE f.customer_id = n.customer_id)));
    ELSIF TG_OP = 'UPDATE' THEN
      PERFORM winback_refresh_losses(array(
        SELECT c.customer_id FROM (SELECT customer_id FROM new_rows UNION SELECT customer_id FROM old_rows) c
        WHERE EXISTS (SELECT 1 FROM loss_facts f WHERE f.customer_id = c.customer_id)));
    ELSE
      PERFORM winback_refresh_losses(array(SELECT DISTINCT o.customer_id FROM old_rows o WHERE EXISTS (SELECT 1 FROM loss_facts f WHERE f.customer_id = o.customer_id)));
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER contracts_summaries_ins AFTER INSERT ON contracts REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_contracts_changed();
CREATE TRIGGER contracts_summaries_upd AFTER UPDATE ON contracts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_contracts_changed();
CREATE TRIGGER contracts_summaries_del AFTER DELETE ON contracts REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_contracts_changed();

-- Orders: revenue per month and currency.
CREATE FUNCTION winback_orders_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM winback_lock_summaries();
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO order_revenue_months AS m (month, currency, amount, orders)
    SELECT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date, currency::text, sum(amount), count(*)
    FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (month, currency) DO UPDATE SET amount = m.amount + excluded.amount, orders = m.orders + excluded.orders;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO order_revenue_months AS m (month, currency, amount, orders)
    SELECT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date, currency::text, -sum(amount), -count(*)
    FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (month, currency) DO UPDATE SET amount = m.amount + excluded.amount, orders = m.orders + excluded.orders;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER orders_summaries_ins AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_orders_changed();
CREATE TRIGGER orders_summaries_upd AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_orders_changed();
CREATE TRIGGER orders_summaries_del AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_orders_changed();

-- State counts: a customer counts in the state of their customer_states row, as do-not-contact when their
-- contact_preferences say so.
CREATE FUNCTION winback_count_states(rows_state text[], rows_dnc boolean[], rows_latent boolean[], sign int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO state_counts AS s (state, customers, do_not_contact, latent_need)
  SELECT state, sign * count(*), sign * count(*) FILTER (WHERE dnc), sign * count(*) FILTER (WHERE latent)
  FROM unnest(rows_state, rows_dnc, rows_latent) AS r(state, dnc, latent)
  GROUP BY state ORDER BY state
  ON CONFLICT (state) DO UPDATE SET customers = s.customers + excluded.customers, do_not_contact = s.do_not_contact + excluded.do_not_contact,
    latent_need = s.latent_need + excluded.latent_need;
$$;

CREATE FUNCTION winback_customer_states_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  st text[]; dn boolean[]; la boolean[];
BEGIN
  PERFORM winback_lock_summaries();
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT array_agg(n.state), array_agg(coalesce(p.do_not_contact, false)), array_agg(n.latent_need) INTO st, dn, la
    FROM new_rows n LEFT JOIN contact_preferences p ON p.customer_id = n.customer_id;
    PERFORM winback_count_states(st, dn, la, 1);
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT array_agg(o.state), array_agg(coalesce(p.do_not_contact, false)), array_agg(o.latent_need) INTO st, dn, la
    FROM old_rows o LEFT JOIN contact_preferences p ON p.customer_id = o.customer_id;
    PERFORM winback_count_states(st, dn, la, -1);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER customer_states_summaries_ins AFTER INSERT ON customer_states REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_customer_states_changed();
CREATE TRIGGER customer_states_summaries_upd AFTER UPDATE ON customer_states REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_customer_states_changed();
CREATE TRIGGER customer_states_summaries_del AFTER DELETE ON customer_states REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_customer_states_changed();

CREATE FUNCTION winback_contact_preferences_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  st text[]; dn boolean[]; la boolean[];
BEGIN
  PERFORM winback_lock_summaries();
  -- Only the do-not-contact flag counts: the customers whose flag changed move between the counts.
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT array_agg(s.state), array_agg(n.do_not_contact), array_agg(s.latent_need) INTO st, dn, la
    FROM new_rows n JOIN customer_states s ON s.customer_id = n.customer_id;
    PERFORM winback_count_states(st, dn, la, 1);
    SELECT array_agg(s.state), array_agg(false), array_agg(s.latent_need) INTO st, dn, la
    FROM new_rows n JOIN customer_states s ON s.customer_id = n.customer_id;
    PERFORM winback_count_states(st, dn, la, -1);
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT array_agg(s.state), array_agg(o.do_not_contact), array_agg(s.latent_need) INTO st, dn, la
    FROM old_rows o JOIN customer_states s ON s.customer_id = o.customer_id;
    PERFORM winback_count_states(st, dn, la, -1);
    SELECT array_agg(s.state), array_agg(false), array_agg(s.latent_need) INTO st, dn, la
    FROM old_rows o JOIN customer_states s ON s.customer_id = o.customer_id;
    PERFORM winback_count_states(st, dn, la, 1);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER contact_preferences_summaries_ins AFTER INSERT ON contact_preferences REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_contact_preferences_changed();
CREATE TRIGGER contact_preferences_summaries_upd AFTER UPDATE ON contact_preferences REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_contact_preferences_changed();
CREATE TRIGGER contact_preferences_summaries_del AFTER DELETE ON contact_preferences REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_contact_preferences_changed();

-- What the database already holds.
SELECT winback_rebuild_transition_summaries();
INSERT INTO contract_value_deltas (month, currency, value, contracts)
SELECT x.month, c.currency::text, sum(x.value), sum(x.contracts)
FROM contracts c CROSS JOIN LATERAL winback_contract_deltas(c.started_at, coalesce(c.ends_at, c.cancelled_at), c.monthly_value) x
GROUP BY 1, 2;
INSERT INTO order_revenue_months (month, currency, amount, orders)
SELECT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date, currency::text, sum(amount), count(*) FROM orders GROUP BY 1, 2;
INSERT INTO state_counts (state, customers, do_not_contact, latent_need)
SELECT s.state, count(*), count(*) FILTER (WHERE p.do_not_contact), count(*) FILTER (WHERE s.latent_need)
FROM customer_states s LEFT JOIN contact_preferences p ON p.customer_id = s.customer_id GROUP BY s.state;
ANALYZE loss_facts, loss_days, active_deltas, contract_value_deltas, order_revenue_months, state_counts;
