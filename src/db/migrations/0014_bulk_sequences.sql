-- Orders and interactions are the tables that grow by millions of rows per import. Their identity sequences hand
-- out ids to each session in blocks of 1,000 instead of one by one: nextval() on an uncached sequence locks and
-- reads the sequence's page for every row, a quarter of the time of inserting a million orders on PostgreSQL 15.
-- The ids stay unique; what changes is that they may have gaps (a session's unused block) and that two sessions
-- inserting at once interleave blocks — these ids are surrogate keys, never an order of events.
ALTER TABLE orders ALTER COLUMN id SET CACHE 1000;
ALTER TABLE interactions ALTER COLUMN id SET CACHE 1000;
