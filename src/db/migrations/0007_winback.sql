-- Step 4 of customer recovery: offers, rescue cycles with their targets and random holdout, the call queue, the
-- guided recovery call; and the contact log every contact (made or refused) goes through. See src/winback/ and
-- src/contact/.
--
-- Small reference tables: offers, rescue_cycles, rescue_cycle_members. Large tables carry customer_id and are read
-- by it: cycle_targets, recovery_calls, contact_log.

-- The offer catalogue. `type` says what the offer is and `terms` holds its type's parameters (validated by the
-- discriminated union in src/winback/offers.ts); `kind` separates material incentives from immaterial gestures.
-- cost_per_unit: what one unit of an immaterial offer costs the company (minor units of cost_currency), e.g. an
-- advisor's month. Eligibility: NULL = any segment / any reason; a reason matches its descendants.
CREATE TABLE offers (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code               text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]*$'),
  name               text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('material', 'immaterial')),
  type               text NOT NULL CHECK (type IN ('discount_percent', 'account_credit', 'free_months', 'switching_bonus',
                                                   'apology', 'personal_advisor', 'priority_service', 'product_fix')),
  terms              jsonb NOT NULL DEFAULT '{}'::jsonb,
  eligible_segments  text[],
  eligible_reasons   text[],
  -- Raises P(recovery) by this factor when made (1 = no effect): the planner's assumption, shown as such.
  uplift             double precision NOT NULL DEFAULT 1 CHECK (uplift > 0 AND uplift <= 10),
  active             boolean NOT NULL DEFAULT true,
  description        text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'material') = (type IN ('discount_percent', 'account_credit', 'free_months', 'switching_bonus')))
);

INSERT INTO offers (code, name, kind, type, terms, eligible_segments, eligible_reasons, uplift, description) VALUES
  ('apology', 'Personal apology', 'immaterial', 'apology', '{}', NULL, NULL, 1.1,
   'Always available: acknowledge what went wrong. Costs nothing but the call.'),
  ('product_fix', 'Fix the problem that drove the customer away', 'immaterial', 'product_fix', '{}', NULL,
   ARRAY['product', 'billing', 'service'], 1.5, 'Show the fix or the date it ships; verify the reason first.'),
  ('personal_advisor', 'Personal advisor for six months', 'immaterial', 'personal_advisor',
   '{"months": 6, "costPerMonth": {"amount": 2000, "currency": "EUR"}}', ARRAY['true_friends', 'barnacles'], NULL, 1.3,
   'A named contact person who calls back within a day.'),
  ('priority_service', 'Priority service for a year', 'immaterial', 'priority_service',
   '{"months": 12, "costPerMonth": {"amount": 500, "currency": "EUR"}}', NULL, ARRAY['service'], 1.3,
   'Support tickets jump the queue.'),
  ('discount_20_6m', '20 % off for six months', 'material', 'discount_percent', '{"percent": 20, "months": 6}',
   ARRAY['true_friends', 'butterflies'], ARRAY['price', 'competitor'], 1.6, 'For price-driven exits.'),
  ('free_month', 'One month free', 'material', 'free_months', '{"months": 1}', NULL, NULL, 1.3,
   'A goodwill gesture for any reason.'),
  ('credit_50', 'Account credit of 50.00', 'material', 'account_credit', '{"amount": {"amount": 5000, "currency": "EUR"}}',
   NULL, ARRAY['billing', 'service'], 1.4, 'Compensation for a billing error or a service failure.'),
  ('switching_bonus', 'Switching-back bonus', 'material', 'switching_bonus', '{"amount": {"amount": 10000, "currency": "EUR"}}',
   ARRAY['true_friends', 'butterflies'], ARRAY['competitor'], 1.5, 'Covers the cost of leaving the competitor.');

-- A rescue cycle: a period, a target rule, an offer budget and the people working it. Starting it selects the
-- targets from the prioritised recovery list and draws the holdout with the recorded seed. budget_committed is
-- what accepted offers have used: the CHECK makes overspending impossible, even for concurrent acceptances.
CREATE TABLE rescue_cycles (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name               text NOT NULL,
  period_start       timestamptz NOT NULL,
  period_end         timestamptz NOT NULL,
  status             text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'closed')),
  target_rule        jsonb NOT NULL,
  holdout_share      double precision NOT NULL DEFAULT 0.1 CHECK (holdout_share >= 0 AND holdout_share < 1),
  holdout_seed       bigint,
  executive_targets  integer NOT NULL DEFAULT 5 CHECK (executive_targets BETWEEN 1 AND 10),
  currency           char(3) NOT NULL,
  offer_budget       bigint NOT NULL CHECK (offer_budget >= 0),
  budget_committed   bigint NOT NULL DEFAULT 0 CHECK (budget_committed >= 0 AND budget_committed <= offer_budget),
  claim_minutes      integer NOT NULL DEFAULT 30 CHECK (claim_minutes BETWEEN 1 AND 1440),
  max_attempts       integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 20),
  retry_hours        integer NOT NULL DEFAULT 24 CHECK (retry_hours BETWEEN 1 AND 720),
  created_by         bigint REFERENCES employees (id),
  started_at         timestamptz,
  closed_at          timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (period_end > period_start),
  CHECK ((status = 'draft') = (started_at IS NULL)),
  CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
-- At most one active cycle per period overlap is not enforced: cycles may run side by side (e.g. per team).

CREATE TABLE rescue_cycle_members (
  cycle_id     bigint NOT NULL REFERENCES rescue_cycles (id),
  employee_id  bigint NOT NULL REFERENCES employees (id),
  role         text NOT NULL CHECK (role IN ('agent', 'executive', 'manager')),
  PRIMARY KEY (cycle_id, employee_id)
);

-- The targets of a cycle as selected at its start (rank and value as they were then), the holdout draw, the
-- executive a target is assigned to (NULL = the team queue), and the queue state: a claim is exclusive and
-- expires; callbacks and retries set due_at.
CREATE TABLE cycle_targets (
  cycle_id            bigint NOT NULL REFERENCES rescue_cycles (id),
  customer_id         bigint NOT NULL REFERENCES customers (id),
  rank                integer NOT NULL,
  state_at_start      text NOT NULL,
  segment             text,
  reason_code         text,
  currency            char(3),
  p_recovery          double precision NOT NULL,
  value_if_recovered  bigint NOT NULL,
  expected_value      bigint NOT NULL,
  holdout             boolean NOT NULL,
  assigned_to         bigint REFERENCES employees (id),
  status              text NOT NULL CHECK (status IN ('holdout', 'open', 'claimed', 'callback', 'done', 'unreachable', 'blocked')),
  due_at              timestamptz NOT NULL,
  attempts            integer NOT NULL DEFAULT 0,
  claimed_by          bigint REFERENCES employees (id),
  claimed_at          timestamptz,
  claim_expires_at    timestamptz,
  outcome             text,
  completed_at        timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (cycle_id, customer_id),
  CHECK (holdout = (status = 'holdout')),
  CHECK ((status = 'claimed') = (claimed_by IS NOT NULL AND claim_expires_at IS NOT NULL))
);
-- The queue: the highest-ranked due target that nobody holds.
CREATE INDEX cycle_targets_queue_idx ON cycle_targets (cycle_id, rank) WHERE status IN ('open', 'callback', 'claimed');
CREATE INDEX cycle_targets_customer_idx ON cycle_targets (customer_id);

-- The guided recovery call, one row per call, append-only: apology, the customer's explanation in their words,
-- the diagnosed reason and whether the customer confirmed it, the support extended, the offer and its answer, the
-- outcome and the next step.
CREATE TABLE recovery_calls (
  id                    bigint GENERATED ALWAYS AS IDENTITY,
  customer_id           bigint NOT NULL REFERENCES customers (id),
  cycle_id              bigint REFERENCES rescue_cycles (id),
  employee_id           bigint NOT NULL REFERENCES employees (id),
  channel               text NOT NULL,
  occurred_at           timestamptz NOT NULL,
  apology_made          boolean NOT NULL,
  customer_explanation  text,
  diagnosed_reason      text REFERENCES reasons (code),
  reason_confirmed      boolean,
  support_extended      text,
  offer_id              bigint REFERENCES offers (id),
  offer_response        text CHECK (offer_response IN ('accepted', 'declined', 'considering')),
  offer_cost            bigint,
  offer_currency        char(3),
  outcome               text NOT NULL CHECK (outcome IN ('won_back', 'considering', 'declined', 'unreachable', 'asked_not_to_be_contacted')),
  next_step             text,
  callback_at           timestamptz,
  notes                 text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id),
  CHECK ((offer_id IS NULL) = (offer_response IS NULL)),
  CHECK ((offer_cost IS NULL) = (offer_currency IS NULL))
);
CREATE INDEX recovery_calls_cycle_idx ON recovery_calls (cycle_id, occurred_at);
CREATE INDEX recovery_calls_employee_idx ON recovery_calls (employee_id, occurred_at);

-- Every contact the system scheduled, made or refused, append-only. A refusal names the rule that forbade it.
-- Contacts made that reached the customer count towards the maximum contact frequency; an unanswered call
-- (reached = false) does not.
CREATE TABLE contact_log (
  id           bigint GENERATED ALWAYS AS IDENTITY,
  customer_id  bigint NOT NULL REFERENCES customers (id),
  occurred_at  timestamptz NOT NULL,
  channel      text NOT NULL,
  action       text NOT NULL CHECK (action IN ('schedule', 'contact')),
  employee_id  bigint REFERENCES employees (id),
  cycle_id     bigint REFERENCES rescue_cycles (id),
  allowed      boolean NOT NULL,
  reached      boolean,
  rule         text,
  detail       text,
  call_id      bigint,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id),
  CHECK (allowed = (rule IS NULL))
);
CREATE INDEX contact_log_made_idx ON contact_log (customer_id, occurred_at) WHERE allowed AND action = 'contact' AND reached IS NOT FALSE;
CREATE INDEX contact_log_refused_idx ON contact_log (occurred_at) WHERE NOT allowed;
