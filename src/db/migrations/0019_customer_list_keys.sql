-- The customer list's sort keys beside each customer's state, in one row per customer, kept by triggers in the
-- transaction of every write they copy (like the summaries of 0012).
--
-- Why: the list sorts by values that live in other tables than the filters (P(alive) and CLV in customer_scores,
-- the expected value in recovery_scores, the last order in orders) and the most used filter is the state. Where the
-- filter's matches hold few or none of the key's values — the lost customers of a contract business have no CLV,
-- no P(alive) and no orders; active customers have no recovery score — neither plan was fast on a million
-- customers: walking the key's index in order found no match and read it all, and intersecting the state's 87,000
-- customers with 600,000 scores took 0.3–0.8 s per page. With the state and the key in one row, an index on
-- (state, key, customer_id) answers "the lost customers by P(alive)" with one range, and an empty one at once.
--
-- The row is a copy: customer_states, the current analysis' customer_scores, recovery_scores and orders stay the
-- record; src/db/summaries.test.ts checks after every kind of write that each row equals winback_list_keys_of().
CREATE TABLE customer_list_keys (
  customer_id      bigint PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
  state            text,
  -- Scores of the current analysis (customer_list_keys_run names it).
  p_alive          double precision,
  clv              bigint,
  clv_currency     char(3),
  -- recovery_scores.expected_value_reporting; recovery_scored tells a score without a converted value from none.
  expected_value   bigint,
  recovery_scored  boolean NOT NULL DEFAULT false,
  last_order_at    timestamptz,
  -- What the list's ranks rely on to walk the NULLs of a key by customer id.
  CHECK ((clv IS NULL) = (clv_currency IS NULL)),
  CHECK (recovery_scored OR expected_value IS NULL)
);
-- One index per sort, led by the state: a filter on the state (or, without one, each state in turn) is a range.
-- The keys' NULLs (no score, no order) are a range too, walked by customer id; recovery_scored leads the expected
-- value's NULLs, so "active customers without a recovery score" is one range rather than a pass over every active
-- customer. The P(alive) and CLV filters are read from the index as well (INCLUDE): a walk checks them without
-- visiting the table.
CREATE INDEX customer_list_keys_p_alive_idx ON customer_list_keys (state, p_alive, customer_id) INCLUDE (clv_currency, clv);
CREATE INDEX customer_list_keys_clv_idx ON customer_list_keys (state, clv_currency, clv, customer_id) INCLUDE (p_alive);
CREATE INDEX customer_list_keys_ev_idx ON customer_list_keys (state, recovery_scored, expected_value DESC NULLS LAST, customer_id)
  INCLUDE (p_alive, clv_currency, clv);
CREATE INDEX customer_list_keys_last_order_idx ON customer_list_keys (state, last_order_at, customer_id) INCLUDE (p_alive, clv_currency, clv);

-- The analysis whose scores the rows hold (one row).
CREATE TABLE customer_list_keys_run (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  run_id     bigint
);

-- The rows of the given customers as the tables they copy hold them now: each customer read through its own index
-- probes (LATERAL … OFFSET 0, as in 0015), so the work follows the customers touched.
CREATE FUNCTION winback_list_keys_of(ids bigint[]) RETURNS SETOF customer_list_keys LANGUAGE sql STABLE AS $$
  SELECT u.id, st.state, sc.p_alive, sc.clv, sc.currency, rs.expected_value_reporting, rs.customer_id IS NOT NULL, lo.last_order_at
  FROM (SELECT DISTINCT id FROM unnest(ids) AS u(id)) u
  LEFT JOIN LATERAL (SELECT s.state FROM customer_states s WHERE s.customer_id = u.id OFFSET 0) st ON true
  LEFT JOIN LATERAL (
    SELECT s.p_alive, s.clv, s.currency FROM customer_scores s
    WHERE s.analysis_run_id = (SELECT a.id FROM analysis_runs a WHERE a.is_current) AND s.customer_id = u.id OFFSET 0
  ) sc ON true
  LEFT JOIN LATERAL (SELECT r.customer_id, r.expected_value_reporting FROM recovery_scores r WHERE r.customer_id = u.id OFFSET 0) rs ON true
  LEFT JOIN LATERAL (SELECT max(o.occurred_at) AS last_order_at FROM orders o WHERE o.customer_id = u.id) lo ON true;
$$;

-- Each table's trigger copies just its own columns, from its transition tables: a state recompute writing 10,000
-- states per statement updates those rows' state and reads nothing else (recomputing whole rows through
-- winback_list_keys_of cost 57 µs per customer: a minute on a million). Rows that did not change are not written.
-- (A trigger has only the transition tables of its event, so each event reads its own.)
CREATE FUNCTION winback_customer_states_list_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE customer_list_keys k SET state = n.state FROM new_rows n
    WHERE k.customer_id = n.customer_id AND k.state IS DISTINCT FROM n.state;
  ELSE
    UPDATE customer_list_keys k SET state = NULL FROM old_rows o
    WHERE k.customer_id = o.customer_id AND k.state IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM customer_states s WHERE s.customer_id = o.customer_id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER customer_states_list_keys_ins AFTER INSERT ON customer_states REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_customer_states_list_keys();
CREATE TRIGGER customer_states_list_keys_upd AFTER UPDATE ON customer_states REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_customer_states_list_keys();
CREATE TRIGGER customer_states_list_keys_del AFTER DELETE ON customer_states REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_customer_states_list_keys();

CREATE FUNCTION winback_recovery_scores_list_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE customer_list_keys k SET expected_value = n.expected_value_reporting, recovery_scored = true FROM new_rows n
    WHERE k.customer_id = n.customer_id AND (k.expected_value, k.recovery_scored) IS DISTINCT FROM (n.expected_value_reporting, true);
  ELSE
    UPDATE customer_list_keys k SET expected_value = NULL, recovery_scored = false FROM old_rows o
    WHERE k.customer_id = o.customer_id AND k.recovery_scored
      AND NOT EXISTS (SELECT 1 FROM recovery_scores r WHERE r.customer_id = o.customer_id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER recovery_scores_list_keys_ins AFTER INSERT ON recovery_scores REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_recovery_scores_list_keys();
CREATE TRIGGER recovery_scores_list_keys_upd AFTER UPDATE ON recovery_scores REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_recovery_scores_list_keys();
CREATE TRIGGER recovery_scores_list_keys_del AFTER DELETE ON recovery_scores REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_recovery_scores_list_keys();

-- Only the scores of the current analysis: an analysis writes its scores before it becomes current, and then
-- winback_list_keys_follow_run copies them all at once.
CREATE FUNCTION winback_customer_scores_list_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cur bigint := (SELECT id FROM analysis_runs WHERE is_current);
BEGIN
  IF cur IS NULL THEN RETURN NULL; END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE customer_list_keys k SET p_alive = n.p_alive, clv = n.clv, clv_currency = n.currency FROM new_rows n
    WHERE n.analysis_run_id = cur AND k.customer_id = n.customer_id
      AND (k.p_alive, k.clv, k.clv_currency) IS DISTINCT FROM (n.p_alive, n.clv, n.currency);
  ELSE
    UPDATE customer_list_keys k SET p_alive = NULL, clv = NULL, clv_currency = NULL FROM old_rows o
    WHERE o.analysis_run_id = cur AND k.customer_id = o.customer_id AND k.clv IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM customer_scores s WHERE s.analysis_run_id = cur AND s.customer_id = o.customer_id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER customer_scores_list_keys_ins AFTER INSERT ON customer_scores REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_customer_scores_list_keys();
CREATE TRIGGER customer_scores_list_keys_upd AFTER UPDATE ON customer_scores REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_customer_scores_list_keys();
CREATE TRIGGER customer_scores_list_keys_del AFTER DELETE ON customer_scores REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_customer_scores_list_keys();

-- New orders can only move a customer's last order later; a changed or deleted one means reading the latest again
-- (one probe of orders_customer_time_idx per customer).
CREATE FUNCTION winback_reread_last_orders(ids bigint[]) RETURNS void LANGUAGE sql AS $$
  UPDATE customer_list_keys k SET last_order_at = v.last_order_at
  FROM (SELECT u.id, (SELECT max(o.occurred_at) FROM orders o WHERE o.customer_id = u.id) AS last_order_at FROM unnest(ids) AS u(id)) v
  WHERE k.customer_id = v.id AND k.last_order_at IS DISTINCT FROM v.last_order_at;
$$;
CREATE FUNCTION winback_orders_list_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE customer_list_keys k SET last_order_at = n.last_order_at
    FROM (SELECT customer_id, max(occurred_at) AS last_order_at FROM new_rows GROUP BY customer_id) n
    WHERE k.customer_id = n.customer_id AND (k.last_order_at IS NULL OR k.last_order_at < n.last_order_at);
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM winback_reread_last_orders(array(SELECT customer_id FROM old_rows UNION SELECT customer_id FROM new_rows));
  ELSE
    PERFORM winback_reread_last_orders(array(SELECT DISTINCT customer_id FROM old_rows));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER orders_list_keys_ins AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_orders_list_keys();
-- An order moved to another customer (a correction) changes both: old_rows has the one, new_rows the other.
CREATE TRIGGER orders_list_keys_upd AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_orders_list_keys();
CREATE TRIGGER orders_list_keys_del AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_orders_list_keys();

-- TRUNCATE fires no row or statement trigger of INSERT, UPDATE or DELETE: emptying one of the copied tables empties
-- its columns here. (The same held for the state counts and the orders' monthly revenue of 0012, emptied with
-- their tables here too: a benchmark's TRUNCATE of customer_states left state_counts counting the states twice.)
CREATE FUNCTION winback_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  CASE TG_TABLE_NAME
    WHEN 'customer_states' THEN
      UPDATE customer_list_keys SET state = NULL WHERE state IS NOT NULL;
      DELETE FROM state_counts;
    WHEN 'recovery_scores' THEN
      UPDATE customer_list_keys SET expected_value = NULL, recovery_scored = false WHERE recovery_scored;
    WHEN 'customer_scores' THEN
      UPDATE customer_list_keys SET p_alive = NULL, clv = NULL, clv_currency = NULL WHERE clv IS NOT NULL;
    WHEN 'orders' THEN
      UPDATE customer_list_keys SET last_order_at = NULL WHERE last_order_at IS NOT NULL;
      DELETE FROM order_revenue_months;
  END CASE;
  RETURN NULL;
END $$;
CREATE TRIGGER customer_states_truncated AFTER TRUNCATE ON customer_states FOR EACH STATEMENT EXECUTE FUNCTION winback_truncated();
CREATE TRIGGER recovery_scores_truncated AFTER TRUNCATE ON recovery_scores FOR EACH STATEMENT EXECUTE FUNCTION winback_truncated();
CREATE TRIGGER customer_scores_truncated AFTER TRUNCATE ON customer_scores FOR EACH STATEMENT EXECUTE FUNCTION winback_truncated();
CREATE TRIGGER orders_truncated AFTER TRUNCATE ON orders FOR EACH STATEMENT EXECUTE FUNCTION winback_truncated();

-- A new customer has nothing to copy yet (every table above references the customer): an empty row.
CREATE FUNCTION winback_customers_inserted_list_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_list_keys (customer_id) SELECT n.id FROM new_rows n ORDER BY n.id ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER customers_list_keys_ins AFTER INSERT ON customers REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION winback_customers_inserted_list_keys();

-- When another analysis becomes current, every row takes its scores: set-based (a million customers in seconds),
-- at commit (an analysis first unsets the current run, then sets its own: copying after each would write every
-- score twice), and only when the current run differs from the one the rows hold.
CREATE FUNCTION winback_list_keys_follow_run() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  cur bigint := (SELECT id FROM analysis_runs WHERE is_current);
BEGIN
  IF cur IS NOT DISTINCT FROM (SELECT run_id FROM customer_list_keys_run) THEN RETURN NULL; END IF;
  UPDATE customer_list_keys k SET p_alive = s.p_alive, clv = s.clv, clv_currency = s.currency
  FROM customer_scores s
  WHERE s.analysis_run_id = cur AND s.customer_id = k.customer_id
    AND (k.p_alive, k.clv, k.clv_currency) IS DISTINCT FROM (s.p_alive, s.clv, s.currency);
  UPDATE customer_list_keys k SET p_alive = NULL, clv = NULL, clv_currency = NULL
  WHERE k.clv IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM customer_scores s WHERE s.analysis_run_id = cur AND s.customer_id = k.customer_id);
  UPDATE customer_list_keys_run SET run_id = cur;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER analysis_runs_list_keys AFTER INSERT OR UPDATE OR DELETE ON analysis_runs
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION winback_list_keys_follow_run();

-- What the database already holds.
INSERT INTO customer_list_keys_run (run_id) SELECT (SELECT id FROM analysis_runs WHERE is_current);
INSERT INTO customer_list_keys SELECT * FROM winback_list_keys_of(array(SELECT id FROM customers ORDER BY id)) ORDER BY customer_id;
ANALYZE customer_list_keys;
