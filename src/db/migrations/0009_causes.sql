-- Step 3 of customer recovery: fix the causes. Root-cause items are the work that follows from the reason Pareto:
-- a problem behind departures ("callbacks are not scheduled"), who owns it, where it stands, which reasons and
-- which lost customers it explains. See src/causes/.
--
-- All four tables are small (items × a few links); root_cause_item_customers carries customer_id and is indexed
-- by it, so "which items concern this customer" is one index read.

CREATE TABLE root_cause_items (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title              text NOT NULL CHECK (btrim(title) <> ''),
  description        text,
  owner_id           bigint REFERENCES employees (id),
  status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'fixed', 'wont_fix')),
  -- When the current status was entered; resolved_at is set while the item is fixed or won't be fixed.
  status_changed_at  timestamptz NOT NULL DEFAULT now(),
  resolved_at        timestamptz,
  created_by         bigint REFERENCES employees (id),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((status IN ('fixed', 'wont_fix')) = (resolved_at IS NOT NULL))
);
CREATE INDEX root_cause_items_status_idx ON root_cause_items (status, id);
CREATE INDEX root_cause_items_owner_idx ON root_cause_items (owner_id);

-- Every status an item has been in, append-only: the first row (from_status NULL) is its creation.
CREATE TABLE root_cause_item_history (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  item_id      bigint NOT NULL REFERENCES root_cause_items (id) ON DELETE CASCADE,
  from_status  text CHECK (from_status IN ('open', 'in_progress', 'fixed', 'wont_fix')),
  to_status    text NOT NULL CHECK (to_status IN ('open', 'in_progress', 'fixed', 'wont_fix')),
  changed_at   timestamptz NOT NULL DEFAULT now(),
  changed_by   bigint REFERENCES employees (id),
  note         text,
  CHECK (from_status IS DISTINCT FROM to_status)
);
CREATE INDEX root_cause_item_history_item_idx ON root_cause_item_history (item_id, changed_at, id);

-- The reasons an item explains. A link to a parent code ('service') concerns its children too.
CREATE TABLE root_cause_item_reasons (
  item_id      bigint NOT NULL REFERENCES root_cause_items (id) ON DELETE CASCADE,
  reason_code  text NOT NULL REFERENCES reasons (code),
  linked_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (item_id, reason_code)
);
CREATE INDEX root_cause_item_reasons_code_idx ON root_cause_item_reasons (reason_code);

-- The lost customers an item concerns (examples, or the ones to call back once it is fixed).
CREATE TABLE root_cause_item_customers (
  item_id      bigint NOT NULL REFERENCES root_cause_items (id) ON DELETE CASCADE,
  customer_id  bigint NOT NULL REFERENCES customers (id),
  linked_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (item_id, customer_id)
);
CREATE INDEX root_cause_item_customers_customer_idx ON root_cause_item_customers (customer_id);
