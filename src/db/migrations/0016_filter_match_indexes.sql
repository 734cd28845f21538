-- The customer list's filters, read from the filter's side: when few customers match (or the walk in sort order
-- outruns its budget) the list takes a filter's matches first and then reads each one's sort key
-- (src/customers/list.ts). The state and segment indexes did not hold the customer id, so listing the 87,000 lost
-- customers of a million read 18,000 table pages (0.5 s from a cold cache); with the id in the index it reads 340
-- index pages and no table page (20 ms).
CREATE INDEX customer_states_state_customer_idx ON customer_states (state, customer_id);
DROP INDEX customer_segments_segment_idx;
CREATE INDEX customer_segments_segment_idx ON customer_segments (segment, customer_id);
