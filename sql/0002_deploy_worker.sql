-- 0002_deploy_worker.sql: what the deploy worker and the Jenkins driver need on top of 0001:
-- crash-safe trigger bookkeeping, cancel requests, pipeline stages, and NOTIFY on new jobs.

-- trigger_started_at: set (with the callback token's hash) just before buildWithParameters is
--   sent. A worker that finds it set without a queue id does not trigger again blindly: it
--   first looks for a queue item or build carrying this DEPLOYMENT_ID.
-- triggered_at: Jenkins accepted the trigger (the queue wait limit counts from here).
-- cancel_requested_at: a person asked to cancel; the worker cancels the queue item or stops
--   the build and ends in 'cancelled' when Jenkins confirms.
-- stage / stage_at: the pipeline stage last reported on the callback endpoint.
-- superseded_by: the deployment that superseded this one.
-- action: 'build' or 'rollback' (ACTION build parameter).
ALTER TABLE deployments
    ADD COLUMN trigger_started_at  timestamptz,
    ADD COLUMN triggered_at        timestamptz,
    ADD COLUMN cancel_requested_at timestamptz,
    ADD COLUMN cancel_requested_by text REFERENCES users(id) ON DELETE SET NULL,
    ADD COLUMN stage               text,
    ADD COLUMN stage_at            timestamptz,
    ADD COLUMN superseded_by       uuid REFERENCES deployments(id) ON DELETE SET NULL,
    ADD COLUMN action              text NOT NULL DEFAULT 'build' CHECK (action IN ('build', 'rollback'));

-- The worker wakes on this channel instead of polling; the payload is the job kind.
-- A trigger, so that every inserter (API, webhooks, CLI) notifies in its own transaction.
CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('platform_jobs', NEW.kind);
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs
    FOR EACH ROW EXECUTE FUNCTION jobs_notify();

-- One deploy job per deployment: a retried request can never queue a second one.
CREATE UNIQUE INDEX jobs_deployment_kind_idx ON jobs (deployment_id, kind) WHERE deployment_id IS NOT NULL;

-- Times in API answers: RFC 3339 UTC with milliseconds ("2024-05-01T12:00:00.000Z"), NULL stays NULL.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text LANGUAGE sql STABLE STRICT AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
