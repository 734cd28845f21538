-- The customer list's filters answered from indexes alone (src/customers/list.ts). A filtered page walks the sort's
-- index and checks every customer it passes against the filters — one probe by customer id per filter — until the
-- page is full; when few customers match, it takes the matches first and reads each one's sort key by customer id.
-- Through the primary key each probe also visited the table's row for the filtered column (a state, a segment, a
-- reason, a score): a random page per probe, 0.1–0.5 ms when the row is not cached, which made a walk of a thousand
-- customers cost a second on a million customers. With the column in the index the probe reads the index only.
CREATE INDEX customer_states_customer_state_idx ON customer_states (customer_id, state);
CREATE INDEX customer_segments_customer_segment_idx ON customer_segments (customer_id, segment);
CREATE INDEX recovery_scores_customer_reason_idx ON recovery_scores (customer_id, reason_code);

-- P(alive) and CLV ranges: the score of the customer in the current analysis, with the values the filter compares.
DROP INDEX customer_scores_customer_idx;
CREATE INDEX customer_scores_customer_idx ON customer_scores (customer_id, analysis_run_id DESC) INCLUDE (p_alive, clv, currency);

-- Team and employee: probed as (team, customer id) instead of reading the customer's row (names, addresses: the
-- widest row of all); the same indexes still list a team's or an employee's customers.
DROP INDEX customers_team_idx;
CREATE INDEX customers_team_idx ON customers (team_id, id);
DROP INDEX customers_employee_idx;
CREATE INDEX customers_employee_idx ON customers (employee_id, id);
