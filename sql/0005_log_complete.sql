-- 0005_log_complete.sql: when the worker has read a build's log to its end. A deployment can
-- be released (by the pipeline's callback) before its last lines are read, so the state does
-- not say whether the stored log is whole; this column does.
ALTER TABLE deployments ADD COLUMN log_complete_at timestamptz;
