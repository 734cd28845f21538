-- The system of record: who the customers are, what they bought or subscribed to, how they were served,
-- and how they want to be contacted. Money is integer minor units with an ISO 4217 currency; times are
-- timestamptz (UTC in, shown in the customer's or user's zone).
--
-- Large tables (contracts, orders, interactions, contact_preferences) carry customer_id and are read by it,
-- so they can be distributed by customer_id on a sharded PostgreSQL. Catalogues (teams, employees, reasons)
-- are small reference tables.

CREATE TABLE teams (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text NOT NULL UNIQUE,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE employees (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text NOT NULL UNIQUE,
  name        text NOT NULL,
  email       text,
  team_id     bigint REFERENCES teams (id),
  role        text NOT NULL DEFAULT 'frontline'
              CHECK (role IN ('agent', 'executive', 'manager', 'analyst', 'frontline')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Departure reasons: hierarchical dotted codes ('service.poor_support' is a child of 'service').
CREATE TABLE reasons (
  code         text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$'),
  parent_code  text REFERENCES reasons (code),
  label        text NOT NULL,
  description  text,
  created_at   timestamptz NOT NULL DEFAULT now()
);

INSERT INTO reasons (code, parent_code, label, description) VALUES
  ('price', NULL, 'Price', 'The customer found the offer too expensive'),
  ('price.too_expensive', 'price', 'Too expensive', 'The price is higher than the value the customer sees'),
  ('price.competitor_cheaper', 'price', 'Competitor cheaper', 'A competitor offers the same for less'),
  ('service', NULL, 'Service', 'The customer was dissatisfied with how they were served'),
  ('service.poor_support', 'service', 'Poor support', 'Support was unfriendly, incompetent or unhelpful'),
  ('service.unresolved_complaint', 'service', 'Unresolved complaint', 'A complaint was not resolved to the customer''s satisfaction'),
  ('service.slow_response', 'service', 'Slow response', 'The customer waited too long for an answer'),
  ('product', NULL, 'Product', 'The product did not meet the customer''s needs'),
  ('product.missing_feature', 'product', 'Missing feature', 'A feature the customer needs is missing'),
  ('product.quality', 'product', 'Quality problems', 'Defects or poor quality'),
  ('product.outages', 'product', 'Outages', 'The service was unavailable too often'),
  ('billing', NULL, 'Billing', 'Problems with invoices or payments'),
  ('billing.error', 'billing', 'Billing error', 'The customer was billed incorrectly'),
  ('relocation', NULL, 'Relocation', 'The customer moved out of the service area'),
  ('business_closed', NULL, 'Business closed', 'The customer''s business ceased trading'),
  ('no_longer_needed', NULL, 'No longer needed', 'The customer no longer needs the product'),
  ('competitor', NULL, 'Competitor', 'The customer moved to a competitor'),
  ('competitor.switched', 'competitor', 'Switched to competitor', 'The customer moved to a competitor (reason not stated)'),
  ('unknown', NULL, 'Unknown', 'No reason given or none recognised');

CREATE TABLE customers (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  external_id          text NOT NULL UNIQUE,
  name                 text,
  email                text,
  phone                text,
  company              text,
  country              char(2),
  timezone             text,
  acquired_at          timestamptz,
  acquisition_channel  text,
  team_id              bigint REFERENCES teams (id),
  employee_id          bigint REFERENCES employees (id),
  currency             char(3),
  attributes           jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_team_idx ON customers (team_id);
CREATE INDEX customers_employee_idx ON customers (employee_id);
CREATE INDEX customers_acquired_idx ON customers (acquired_at);

CREATE TABLE contracts (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id          bigint NOT NULL REFERENCES customers (id),
  external_id          text NOT NULL,
  plan                 text,
  started_at           timestamptz NOT NULL,
  ends_at              timestamptz,
  cancelled_at         timestamptz,
  cancellation_reason  text,
  reason_code          text REFERENCES reasons (code),
  monthly_value        bigint NOT NULL CHECK (monthly_value >= 0),
  currency             char(3) NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at IS NULL OR ends_at >= started_at),
  UNIQUE (external_id)
);
CREATE INDEX contracts_customer_idx ON contracts (customer_id, started_at);
CREATE INDEX contracts_cancelled_idx ON contracts (cancelled_at) WHERE cancelled_at IS NOT NULL;
CREATE INDEX contracts_ends_idx ON contracts (ends_at) WHERE ends_at IS NOT NULL;

-- order_key is the external id when the source has one, otherwise a stable key derived from the row's content
-- (and its occurrence number among identical rows), so that re-importing a file without ids changes nothing.
CREATE TABLE orders (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id  bigint NOT NULL REFERENCES customers (id),
  order_key    text NOT NULL,
  external_id  text,
  occurred_at  timestamptz NOT NULL,
  amount       bigint NOT NULL,
  margin       bigint,
  currency     char(3) NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (customer_id, order_key)
);
CREATE INDEX orders_customer_time_idx ON orders (customer_id, occurred_at);
CREATE INDEX orders_time_idx ON orders (occurred_at);

CREATE TABLE interactions (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id      bigint NOT NULL REFERENCES customers (id),
  interaction_key  text NOT NULL,
  external_id      text,
  type             text NOT NULL CHECK (type IN ('service_call', 'support_ticket', 'complaint', 'usage', 'other')),
  channel          text,
  occurred_at      timestamptz NOT NULL,
  severity         text CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  handled_by       bigint REFERENCES employees (id),
  summary          text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (customer_id, interaction_key)
);
CREATE INDEX interactions_customer_time_idx ON interactions (customer_id, occurred_at);
CREATE INDEX interactions_time_idx ON interactions (occurred_at);
CREATE INDEX interactions_handled_by_idx ON interactions (handled_by);

-- One row per customer: how (and whether) the customer wants to be contacted. Every contact the product
-- schedules or records is checked against this row.
CREATE TABLE contact_preferences (
  customer_id             bigint PRIMARY KEY REFERENCES customers (id),
  allowed_channels        text[] NOT NULL DEFAULT ARRAY['phone', 'email', 'sms', 'letter', 'visit']::text[],
  max_contacts            integer CHECK (max_contacts IS NULL OR max_contacts >= 0),
  per_days                integer CHECK (per_days IS NULL OR per_days > 0),
  preferred_employee_id   bigint REFERENCES employees (id),
  contact_hours_start     time,
  contact_hours_end       time,
  do_not_contact          boolean NOT NULL DEFAULT false,
  do_not_contact_at       timestamptz,
  do_not_contact_source   text,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  CHECK ((max_contacts IS NULL) = (per_days IS NULL)),
  CHECK (NOT do_not_contact OR do_not_contact_at IS NOT NULL)
);
CREATE INDEX contact_preferences_dnc_idx ON contact_preferences (customer_id) WHERE do_not_contact;

-- Every committed import: what was loaded, from which file (by content hash), with what result.
CREATE TABLE imports (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entity        text NOT NULL,
  file_name     text NOT NULL,
  file_sha256   text NOT NULL,
  rows_read     bigint NOT NULL,
  inserted      bigint NOT NULL,
  updated       bigint NOT NULL,
  unchanged     bigint NOT NULL,
  rejected      bigint NOT NULL,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz NOT NULL DEFAULT now()
);
