-- 0018_github_deployments.sql: deployments shown on GitHub (issue 18): the id of the GitHub
-- deployment a platform deployment created, and the outbox of the calls that create it and post
-- its statuses. A deployment's state change and the events it causes are written in one
-- transaction (lib/model/deploy.c -> lib/model/ghdeploy.c); platform-worker sends them
-- (worker/ghsender.c) in order, with retries whose state lives here, so a restarted worker
-- carries on and a GitHub that is down never delays a deploy.

-- github_deployment_id: GitHub's id of the deployment (POST /repos/{o}/{r}/deployments), once
-- the create event was sent; the statuses are posted to it.
ALTER TABLE deployments ADD COLUMN github_deployment_id bigint;

-- One row per call. kind: create (the GitHub deployment) or status (one deployment status).
-- state: the platform state the status reports (building, released, live, failed, cancelled,
--   superseded) or inactive (a newer deployment of the project went live); 'create' for the
--   create. The sender maps it to GitHub's state when it sends it (github_state: what it sent).
-- repo: "owner/name" on GitHub, taken from the project's repository URL when queued.
-- status: pending (due at next_attempt_at), sent (GitHub answered 2xx), failed (gave up, or GitHub
--   refused it for good: last_error says why).
-- next_attempt_at also leases a claimed row: a sender that dies mid-call leaves it due again.
-- A deployment's events are sent one at a time in seq order; the unique index makes each
-- (deployment, kind, state) queued once however often a state change is retried.
CREATE TABLE github_deployment_events (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    deployment_id   uuid NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('create', 'status')),
    state           text NOT NULL CHECK (state IN ('create', 'building', 'released', 'live',
                                                   'failed', 'cancelled', 'superseded', 'inactive')),
    repo            text NOT NULL CHECK (repo ~ '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$'),
    environment     text NOT NULL DEFAULT 'production',
    github_state    text,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    response_status integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    finished_at     timestamptz
);
CREATE UNIQUE INDEX github_deployment_events_once_idx ON github_deployment_events (deployment_id, kind, state);
CREATE INDEX github_deployment_events_due_idx ON github_deployment_events (next_attempt_at) WHERE status = 'pending';
CREATE INDEX github_deployment_events_finished_idx ON github_deployment_events (finished_at) WHERE status <> 'pending';

-- Wake the senders at commit; once per statement, however many rows it queued.
CREATE FUNCTION github_deployment_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('platform_github', '');
    RETURN NULL;
END $$;

CREATE TRIGGER github_deployment_events_notify_insert AFTER INSERT ON github_deployment_events
    FOR EACH STATEMENT EXECUTE FUNCTION github_deployment_events_notify();
