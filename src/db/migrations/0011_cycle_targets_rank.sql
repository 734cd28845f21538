-- The targets of a rescue cycle are listed in rank order (the cycle page, `winback cycle targets`), filtered by
-- status or by who they are assigned to; the queue index covers only the callable statuses.
CREATE INDEX cycle_targets_rank_idx ON cycle_targets (cycle_id, rank);
