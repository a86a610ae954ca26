-- 0006_housekeeping.sql: indexes for the periodic clean-up of rows nobody needs any more
-- (lib/housekeep: expired sessions and OAuth states, old webhook deliveries and rejection
-- counts, finished jobs).
CREATE INDEX webhook_deliveries_received_idx ON webhook_deliveries (received_at);
CREATE INDEX jobs_finished_idx ON jobs (updated_at) WHERE state IN ('done', 'failed');
