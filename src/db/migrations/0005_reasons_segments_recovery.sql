-- Step 2 of customer recovery: why customers left (reason mapping), who they are (segments), and whether a
-- recovery attempt pays (recovery scores). See src/analyse/.
--
-- Small reference tables: reason_rules, recovery_priors, recovery_costs. Large tables carry customer_id and are
-- read by it: contract_reasons, customer_segments, recovery_outcomes, recovery_scores.

-- Editable mapping rules, free text → reason code. Tried in order of (position, id); the first match wins; no
-- match is the explicit code 'unknown'. pattern_type 'keyword': comma-separated keywords matched as whole words
-- (a trailing * = prefix); 'regex': a regular expression. Both run on the normalised text (see normalise.ts).
CREATE TABLE reason_rules (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  position      integer NOT NULL,
  pattern_type  text NOT NULL CHECK (pattern_type IN ('keyword', 'regex')),
  pattern       text NOT NULL CHECK (btrim(pattern) <> ''),
  reason_code   text NOT NULL REFERENCES reasons (code),
  active        boolean NOT NULL DEFAULT true,
  note          text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reason_rules_order_idx ON reason_rules (position, id);

-- The default rules (DEFAULT_REASON_RULES in src/analyse/rules.ts; a test keeps the two equal). They cover
-- the demo company's English and German phrasings, typos included; specific rules come before general ones.
INSERT INTO reason_rules (position, pattern_type, pattern, reason_code) VALUES
  (10, 'keyword', 'cheaper, cheeper, guenstiger, billiger, better price, cheaper offer', 'price.competitor_cheaper'),
  (20, 'regex', '\b\d+ ?(less|weniger)\b', 'price.competitor_cheaper'),
  (30, 'keyword', 'competitor*, konkurrenz, wettbewerber, another provider, other provider, anbieter*, anderem anbieter, gewechselt, switched, swiched, switching, someone else, another vendor, vendor', 'competitor.switched'),
  (40, 'keyword', 'expensiv*, teuer, pricey, price too high, too high, price increase, preiserhoehung, afford, too much, worth the money, preis leistung', 'price.too_expensive'),
  (50, 'keyword', 'price, prices, preis, pricing, prise, cost*, kosten*, budget, money, geld', 'price'),
  (60, 'keyword', 'billing, biling, invoice*, rechnung*, charged, abbuchung*, double charge*', 'billing.error'),
  (70, 'keyword', 'outage*, ausfall, ausfaelle, downtime, service down, was down, is down, not available, unavailable, nicht erreichbar, nicht verfuegbar', 'product.outages'),
  (80, 'keyword', 'complaint*, reklamation*, beschwerde*, not fixed, nobody fixed, not resolved, unresolved', 'service.unresolved_complaint'),
  (90, 'keyword', 'slow, response*, reponse, respond*, answer*, rueckmeldung, antwort*, call back, callback, rueckruf*, waited, waiting', 'service.slow_response'),
  (100, 'keyword', 'support, suport, hotline, ansprechpartner, rude, unfreundlich, unhelpful, staff', 'service.poor_support'),
  (110, 'keyword', 'service, servcie, servic, kundenservice', 'service'),
  (120, 'keyword', 'quality, qualtiy, qualitaet*, bug*, breaking, broken, kaputt, mangelhaft, defect*', 'product.quality'),
  (130, 'keyword', 'feature*, missing, mising, lacks, lacking, funktion*, fehlt, fehlende*, api, integration, schnittstelle*, what we need', 'product.missing_feature'),
  (140, 'keyword', 'product, produkt, products', 'product'),
  (150, 'keyword', 'closed, out of business, geschaeftsaufgabe, geschlossen, insolvenz, insolvent, bankrupt*, betrieb eingestellt, retired, retirement, ruhestand, rente', 'business_closed'),
  (160, 'keyword', 'moved, moving, reloc*, umzug, umgezogen, ziehen um', 'relocation'),
  (170, 'keyword', 'no longer, not needed, kein bedarf, keinen bedarf, brauchen, dont need, do not need, no need, not using, nutzen*, project ended, projekt beendet, projekt abgeschlossen', 'no_longer_needed'),
  (180, 'keyword', 'no reason, keine angabe, k a, n a, other, sonstig*, did not say, not given, unknown, unbekannt', 'unknown');

-- The reason of each contract that has one (cancelled, or carrying a reason): the original text, the code the
-- rules gave (or the import's explicit code), the rule that matched, and — kept beside it, never replacing it —
-- the code a recovery call verified. The effective reason is coalesce(verified_code, mapped_code).
-- source: 'import' = reason_code given in the imported file (kept as given); 'rule' = a rule matched;
-- 'none' = nothing matched (mapped_code 'unknown'). rule_id has no foreign key so that removing a rule keeps
-- the history of what it mapped; rule_pattern is the pattern as it was when it matched.
CREATE TABLE contract_reasons (
  contract_id    bigint PRIMARY KEY REFERENCES contracts (id),
  customer_id    bigint NOT NULL REFERENCES customers (id),
  original_text  text,
  source         text NOT NULL CHECK (source IN ('import', 'rule', 'none')),
  mapped_code    text NOT NULL REFERENCES reasons (code),
  rule_id        bigint,
  rule_pattern   text,
  mapped_at      timestamptz NOT NULL DEFAULT now(),
  verified_code  text REFERENCES reasons (code),
  verified_at    timestamptz,
  verified_by    bigint REFERENCES employees (id),
  CHECK ((verified_code IS NULL) = (verified_at IS NULL)),
  CHECK ((source = 'rule') = (rule_id IS NOT NULL))
);
CREATE INDEX contract_reasons_customer_idx ON contract_reasons (customer_id);
CREATE INDEX contract_reasons_code_idx ON contract_reasons (mapped_code);

-- Reinartz & Kumar segment and RFM scores per customer, as of a date (the latest computation; recomputing
-- replaces the rows). Thresholds used are kept on each row, so a row explains itself.
CREATE TABLE customer_segments (
  customer_id             bigint PRIMARY KEY REFERENCES customers (id),
  as_of                   timestamptz NOT NULL,
  tenure_days             integer NOT NULL CHECK (tenure_days >= 0),
  -- Margin over the relationship, minor units of currency.
  profit                  bigint NOT NULL,
  currency                char(3),
  tenure_threshold_days   double precision NOT NULL,
  profit_threshold        double precision NOT NULL,
  threshold_source        text NOT NULL CHECK (threshold_source IN ('median', 'explicit')),
  long_relationship       boolean NOT NULL,
  high_profit             boolean NOT NULL,
  segment                 text NOT NULL CHECK (segment IN ('true_friends', 'butterflies', 'barnacles', 'strangers')),
  recency_days            integer NOT NULL,
  frequency               integer NOT NULL,
  monetary                bigint NOT NULL,
  r_score                 smallint NOT NULL CHECK (r_score BETWEEN 1 AND 5),
  f_score                 smallint NOT NULL CHECK (f_score BETWEEN 1 AND 5),
  m_score                 smallint NOT NULL CHECK (m_score BETWEEN 1 AND 5),
  computed_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_segments_segment_idx ON customer_segments (segment);

-- Beta(alpha, beta) priors of P(recovery). segment NULL = any segment, reason_code NULL = any reason. The most
-- specific row applies: (segment, reason or its nearest ancestor), then (any segment, reason or ancestor), then
-- (segment, any reason), then (any, any). See src/analyse/recovery.ts for the rationale of the defaults.
CREATE TABLE recovery_priors (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  segment      text CHECK (segment IN ('true_friends', 'butterflies', 'barnacles', 'strangers')),
  reason_code  text REFERENCES reasons (code),
  alpha        double precision NOT NULL CHECK (alpha > 0),
  beta         double precision NOT NULL CHECK (beta > 0),
  rationale    text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE NULLS NOT DISTINCT (segment, reason_code)
);

-- Prior weight alpha + beta = 20 throughout: the company's own outcomes outweigh the prior after ~20 attempts
-- in a cell.
INSERT INTO recovery_priors (segment, reason_code, alpha, beta, rationale) VALUES
  (NULL, NULL, 2, 18, 'Any lost customer: about 1 in 10 recovery attempts succeeds'),
  ('true_friends', NULL, 6, 14, 'Long and profitable relationships: loyalty and habit make 30 % come back'),
  ('barnacles', NULL, 4, 16, 'Long but low-margin: used to the product, 20 % come back'),
  ('butterflies', NULL, 3, 17, 'Short, profitable, deal-seeking: 15 % come back, mostly for an offer'),
  ('strangers', NULL, 1.5, 18.5, 'Short and unprofitable: little attachment, 7.5 %'),
  (NULL, 'business_closed', 0.2, 19.8, 'A closed business cannot come back: 1 %'),
  (NULL, 'relocation', 1, 19, 'Moved out of the service area: 5 %'),
  (NULL, 'no_longer_needed', 1.5, 18.5, 'No need any more: 7.5 %'),
  (NULL, 'billing.error', 7, 13, 'A billing error is fixable and the customer left angry, not unhappy with the product: 35 %'),
  (NULL, 'service', 5, 15, 'Service failures can be apologised for and fixed: 25 %'),
  (NULL, 'price', 4, 16, 'Price-driven exits respond to an offer: 20 %'),
  (NULL, 'competitor', 3, 17, 'Moved to a competitor: the switching cost has just been paid, 15 %'),
  (NULL, 'product.missing_feature', 3, 17, 'Comes back when the feature ships: 15 %');

-- Outcomes of recovery attempts (written by the recovery-call step; recordRecoveryOutcome()). The segment and
-- reason are those at the time of the attempt, so the learning cell does not shift when segments are recomputed.
CREATE TABLE recovery_outcomes (
  id           bigint GENERATED ALWAYS AS IDENTITY,
  customer_id  bigint NOT NULL REFERENCES customers (id),
  occurred_at  timestamptz NOT NULL,
  segment      text CHECK (segment IN ('true_friends', 'butterflies', 'barnacles', 'strangers')),
  reason_code  text NOT NULL REFERENCES reasons (code),
  measure      text,
  won_back     boolean NOT NULL,
  note         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id)
);
CREATE INDEX recovery_outcomes_cell_idx ON recovery_outcomes (segment, reason_code);

-- Cost of one recovery measure, per currency (minor units).
CREATE TABLE recovery_costs (
  measure      text NOT NULL CHECK (measure ~ '^[a-z][a-z0-9_]*$'),
  currency     char(3) NOT NULL,
  amount       bigint NOT NULL CHECK (amount >= 0),
  description  text,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (measure, currency)
);
INSERT INTO recovery_costs (measure, currency, amount, description) VALUES
  ('agent_call', 'EUR', 1500, 'A recovery call by an agent: ~20 minutes with preparation and follow-up at a loaded cost of ~45/h'),
  ('agent_call', 'CHF', 1500, 'A recovery call by an agent'),
  ('agent_call', 'GBP', 1300, 'A recovery call by an agent'),
  ('agent_call', 'USD', 1600, 'A recovery call by an agent'),
  ('agent_call', 'PLN', 6500, 'A recovery call by an agent'),
  ('executive_call', 'EUR', 6000, 'A call by a manager or executive: ~30 minutes at ~120/h'),
  ('executive_call', 'CHF', 6000, 'A call by a manager or executive'),
  ('executive_call', 'GBP', 5100, 'A call by a manager or executive'),
  ('executive_call', 'USD', 6600, 'A call by a manager or executive'),
  ('executive_call', 'PLN', 26000, 'A call by a manager or executive'),
  ('offer', 'EUR', 2500, 'An agent call plus a win-back offer (e.g. one month free on a ~50 plan, expected cost)'),
  ('offer', 'CHF', 2500, 'An agent call plus a win-back offer'),
  ('offer', 'GBP', 2100, 'An agent call plus a win-back offer'),
  ('offer', 'USD', 2750, 'An agent call plus a win-back offer'),
  ('offer', 'PLN', 10750, 'An agent call plus a win-back offer');

-- The worth-winning-back score of each lost or sleeping customer (the latest scoring; rescoring replaces the
-- rows): expected_value = round(p_recovery · value_if_recovered) − cost, minor units of currency, with the
-- factors in explanation. Filter columns are copied here (state, segment, reason, team) so the prioritised list
-- is one indexed query without joins.
CREATE TABLE recovery_scores (
  customer_id         bigint PRIMARY KEY REFERENCES customers (id),
  as_of               timestamptz NOT NULL,
  state               text NOT NULL CHECK (state IN ('sleeping', 'lost')),
  state_since         timestamptz NOT NULL,
  segment             text,
  reason_code         text,
  team_id             bigint,
  currency            char(3),
  measure             text NOT NULL,
  p_recovery          double precision NOT NULL CHECK (p_recovery >= 0 AND p_recovery <= 1),
  value_if_recovered  bigint NOT NULL,
  cost                bigint NOT NULL,
  expected_value      bigint NOT NULL,
  explanation         jsonb NOT NULL,
  computed_at         timestamptz NOT NULL DEFAULT now()
);
-- One index per sort order (customer_id breaks ties and makes keyset paging exact), one per filter column
-- leading into the default order.
CREATE INDEX recovery_scores_ev_idx ON recovery_scores (expected_value DESC, customer_id);
CREATE INDEX recovery_scores_value_idx ON recovery_scores (value_if_recovered DESC, customer_id);
CREATE INDEX recovery_scores_p_idx ON recovery_scores (p_recovery DESC, customer_id);
CREATE INDEX recovery_scores_since_idx ON recovery_scores (state_since DESC, customer_id);
CREATE INDEX recovery_scores_state_ev_idx ON recovery_scores (state, expected_value DESC, customer_id);
CREATE INDEX recovery_scores_segment_ev_idx ON recovery_scores (segment, expected_value DESC, customer_id);
CREATE INDEX recovery_scores_reason_ev_idx ON recovery_scores (reason_code, expected_value DESC, customer_id);
CREATE INDEX recovery_scores_team_ev_idx ON recovery_scores (team_id, expected_value DESC, customer_id);
