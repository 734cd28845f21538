-- Reporting currency and exchange rates (src/currency/): amounts stay in their own currency everywhere (minor
-- units + ISO 4217 code); where amounts of several currencies are ranked or summed — the prioritised recovery
-- list, the loss report — they are converted into one reporting currency at these rates. Small reference tables.

-- The one reporting currency (a single row: `singleton` is always true).
CREATE TABLE reporting_currency (
  singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO reporting_currency (currency, updated_by) VALUES ('EUR', 'migration 0006');

-- rate = value of one major unit of `currency` in major units of the reporting currency (1 GBP = 1.17 EUR).
-- The reporting currency itself has no row (its rate is 1 by definition); changing the reporting currency
-- re-expresses every rate in the new one (src/currency/service.ts). A currency without a row is not converted.
CREATE TABLE exchange_rates (
  currency    char(3) PRIMARY KEY CHECK (currency ~ '^[A-Z]{3}$'),
  rate        numeric NOT NULL CHECK (rate > 0),
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- Approximate mid-2025 reference rates for the currencies of the demo company; users set their own.
INSERT INTO exchange_rates (currency, rate, updated_by) VALUES
  ('GBP', 1.17, 'migration 0006 (approximate mid-2025 rate)'),
  ('CHF', 1.07, 'migration 0006 (approximate mid-2025 rate)'),
  ('USD', 0.88, 'migration 0006 (approximate mid-2025 rate)'),
  ('PLN', 0.235, 'migration 0006 (approximate mid-2025 rate)');

-- Recovery scores also in the reporting currency, as of their scoring: the rate used is kept on the row (NULL:
-- the customer's currency had no rate, and the *_reporting amounts are NULL). The list ranks and filters on
-- expected_value_reporting, so its indexes move from the amounts in mixed currencies to the converted ones.
ALTER TABLE recovery_scores
  ADD COLUMN reporting_currency            char(3),
  ADD COLUMN exchange_rate                 numeric,
  ADD COLUMN value_if_recovered_reporting  bigint,
  ADD COLUMN cost_reporting                bigint,
  ADD COLUMN expected_value_reporting      bigint;
-- Scores computed before this migration: converted at the seeded rates (every seeded currency and EUR have two
-- decimals, so the rate is also the factor between minor units); rescoring adds the conversion to the
-- explanation.
UPDATE recovery_scores s SET
  reporting_currency = 'EUR',
  exchange_rate = x.rate,
  value_if_recovered_reporting = round(s.value_if_recovered * x.rate)::bigint,
  cost_reporting = round(s.cost * x.rate)::bigint,
  expected_value_reporting = round(s.expected_value * x.rate)::bigint
FROM (SELECT currency, rate FROM exchange_rates UNION ALL SELECT 'EUR', 1) x
WHERE x.currency = s.currency;
UPDATE recovery_scores SET reporting_currency = 'EUR' WHERE reporting_currency IS NULL;
ALTER TABLE recovery_scores ALTER COLUMN reporting_currency SET NOT NULL;

DROP INDEX recovery_scores_ev_idx;
DROP INDEX recovery_scores_value_idx;
DROP INDEX recovery_scores_state_ev_idx;
DROP INDEX recovery_scores_segment_ev_idx;
DROP INDEX recovery_scores_reason_ev_idx;
DROP INDEX recovery_scores_team_ev_idx;
-- Descending with NULLs last as the list sorts; the list reads the non-NULL and the NULL part separately, so
-- ascending order (a backward scan) keeps unconverted scores last too.
CREATE INDEX recovery_scores_ev_idx ON recovery_scores (expected_value_reporting DESC NULLS LAST, customer_id);
CREATE INDEX recovery_scores_value_idx ON recovery_scores (value_if_recovered_reporting DESC NULLS LAST, customer_id);
CREATE INDEX recovery_scores_state_ev_idx ON recovery_scores (state, expected_value_reporting DESC NULLS LAST, customer_id);
CREATE INDEX recovery_scores_segment_ev_idx ON recovery_scores (segment, expected_value_reporting DESC NULLS LAST, customer_id);
CREATE INDEX recovery_scores_reason_ev_idx ON recovery_scores (reason_code, expected_value_reporting DESC NULLS LAST, customer_id);
CREATE INDEX recovery_scores_team_ev_idx ON recovery_scores (team_id, expected_value_reporting DESC NULLS LAST, customer_id);
