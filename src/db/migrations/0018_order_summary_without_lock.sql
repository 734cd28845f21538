-- Orders' revenue per month (order_revenue_months) is kept by increments that commute: each statement adds its
-- rows' sums, upserting the months in one order. It needs no exclusive section, and taking the summaries' lock made
-- every other writer of a summary wait for a whole orders import to commit — a recovery agent's recorded call
-- waited the length of a five-million-row import. The increments' row locks are enough: two imports touching the
-- same month take its row in turn, in the same order, so they cannot deadlock.
CREATE OR REPLACE FUNCTION winback_orders_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
