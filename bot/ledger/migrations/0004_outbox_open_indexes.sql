-- Schema version 4: find due outbox rows without scanning finished ones.
-- SQLite cannot prove that "status = 'pending'" implies the v1 index's
-- "status IN ('pending', 'in_progress')", so that index was never used and the sweeper scanned
-- every finished action. One partial index per open status matches the queries exactly.

DROP INDEX action_outbox_open;
CREATE INDEX action_outbox_pending ON action_outbox (next_attempt_us) WHERE status = 'pending';
CREATE INDEX action_outbox_claimed ON action_outbox (lease_until_us) WHERE status = 'in_progress';
