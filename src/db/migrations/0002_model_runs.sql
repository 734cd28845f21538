-- Customer-base analysis: fitted models and the per-customer scores computed from them. Append-only history:
-- every analysis adds an analysis_runs row, its model_runs and its customer_scores; nothing is updated except
-- which analysis is current. "What did we believe about customer 42 in March?" is a query, not a backup.
--
-- analysis_runs and model_runs are small reference tables (one row per analysis / fitted model). customer_scores
-- is large, carries customer_id and is read by it, so it can be distributed by customer_id like orders.

-- One analysis: one calibration window, one set of options, the models fitted on it and the scores they gave.
CREATE TABLE analysis_runs (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  status             text NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'failed')),
  -- The analysis whose scores are "the current scores" (at most one; see current_customer_scores). A scoring
  -- analysis (no holdout) becomes current when it is written; validation analyses (with holdout) never do.
  is_current         boolean NOT NULL DEFAULT false,
  purchase_model     text NOT NULL CHECK (purchase_model IN ('bgnbd', 'paretonbd')),
  time_unit          text NOT NULL CHECK (time_unit IN ('day', 'week', 'month')),
  -- First purchase day in the data, calibration end (start of its UTC day; the whole day belongs to
  -- calibration), holdout end (validation analyses only).
  calibration_start  timestamptz,
  calibration_end    timestamptz NOT NULL,
  holdout_end        timestamptz,
  customers_scored   bigint NOT NULL,
  options            jsonb NOT NULL,
  -- Data range, margin used, warnings, validation summary, timings.
  summary            jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (holdout_end IS NULL OR holdout_end > calibration_end),
  CHECK (NOT is_current OR holdout_end IS NULL)
);
CREATE UNIQUE INDEX analysis_runs_one_current_idx ON analysis_runs ((true)) WHERE is_current;
CREATE INDEX analysis_runs_end_idx ON analysis_runs (calibration_end);

-- One fitted (or skipped, or failed) model of an analysis. The spend model is fitted per currency.
CREATE TABLE model_runs (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  analysis_run_id     bigint NOT NULL REFERENCES analysis_runs (id),
  model               text NOT NULL CHECK (model IN ('bgnbd', 'paretonbd', 'gammagamma')),
  status              text NOT NULL CHECK (status IN ('fitted', 'skipped', 'failed')),
  -- The purchase model whose scores were used (with model = 'auto' both are fitted, one is selected).
  selected            boolean NOT NULL DEFAULT false,
  currency            char(3),
  parameters          jsonb,
  standard_errors     jsonb,
  log_likelihood      double precision,
  converged           boolean,
  iterations          integer,
  message             text,
  time_unit           text NOT NULL CHECK (time_unit IN ('day', 'week', 'month')),
  calibration_start   timestamptz,
  calibration_end     timestamptz NOT NULL,
  holdout_end         timestamptz,
  customers           bigint NOT NULL,
  -- Distinct (x, t_x, T) histories (purchase models) or distinct (x, spend) rows (spend model) fitted on.
  distinct_rows       bigint,
  first_order_at      timestamptz,
  last_order_at       timestamptz,
  orders              bigint,
  details             jsonb NOT NULL DEFAULT '{}'::jsonb,
  fit_ms              double precision,
  created_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (status <> 'fitted' OR (parameters IS NOT NULL AND log_likelihood IS NOT NULL))
);
CREATE INDEX model_runs_analysis_idx ON model_runs (analysis_run_id);
CREATE INDEX model_runs_model_idx ON model_runs (model, created_at);

-- Per customer and analysis: the summary the scores rest on and the scores.
CREATE TABLE customer_scores (
  analysis_run_id            bigint NOT NULL REFERENCES analysis_runs (id),
  customer_id                bigint NOT NULL REFERENCES customers (id),
  model_run_id               bigint NOT NULL REFERENCES model_runs (id),
  spend_model_run_id         bigint REFERENCES model_runs (id),
  frequency                  integer NOT NULL CHECK (frequency >= 0),
  recency_days               integer NOT NULL CHECK (recency_days >= 0),
  age_days                   integer NOT NULL CHECK (age_days >= recency_days),
  p_alive                    double precision NOT NULL CHECK (p_alive >= 0 AND p_alive <= 1),
  expected_transactions_90d  double precision NOT NULL,
  expected_transactions_365d double precision NOT NULL,
  -- Expected amount per future transaction, minor units (float: it is an expectation).
  expected_spend             double precision NOT NULL,
  margin_ratio               double precision NOT NULL,
  -- Residual CLV over the analysis' horizon, rounded to minor units of `currency`.
  clv                        bigint NOT NULL,
  currency                   char(3) NOT NULL,
  computed_at                timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (analysis_run_id, customer_id)
);
-- "Latest scores of a customer" and P(alive) history: one index range per customer.
CREATE INDEX customer_scores_customer_idx ON customer_scores (customer_id, analysis_run_id DESC);

-- The scores of the current analysis: one row per scored customer.
CREATE VIEW current_customer_scores AS
  SELECT s.*, a.calibration_end AS as_of
  FROM customer_scores s
  JOIN analysis_runs a ON a.id = s.analysis_run_id
  WHERE a.is_current;
