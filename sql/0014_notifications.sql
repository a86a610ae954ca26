-- 0014_notifications.sql: per-workspace outgoing webhooks (notifications) and their delivery
-- outbox. A deployment's state change and the deliveries it causes are written in one
-- transaction (lib/deploy.c -> lib/notify.c); platform-worker sends them (worker/notify.c) with
-- retries whose state lives here, so a restarted worker carries on.

-- secret: the HMAC key of X-Platform-Signature-256, sealed with lib/crypto (purpose
-- "notification-secret"); never returned after creation.
-- seq: the order of the workspace's list and its cursor.
CREATE TABLE notifications (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    workspace_id    text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    url             text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    events          text[] NOT NULL CHECK (cardinality(events) >= 1),
    format          text NOT NULL DEFAULT 'json' CHECK (format IN ('json', 'slack')),
    secret          bytea NOT NULL,
    created_by      text REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_workspace_idx ON notifications (workspace_id, seq);

-- One row per (notification, event occurrence): the outbox and the delivery log at once.
-- payload: what the event says, captured in the state change's transaction; the body is
--   rendered from it at each attempt (the same bytes every time).
-- state: pending (due at next_attempt_at), delivered (a 2xx), failed (gave up).
-- next_attempt_at also leases a claimed row: a sender that dies mid-call leaves it due again.
CREATE TABLE notification_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    notification_id uuid NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    event           text NOT NULL,
    deployment_id   uuid REFERENCES deployments(id) ON DELETE CASCADE,
    payload         jsonb NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    response_status integer,
    response_ms     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    finished_at     timestamptz
);
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notification_deliveries_list_idx ON notification_deliveries (notification_id, seq DESC);
CREATE INDEX notification_deliveries_finished_idx ON notification_deliveries (finished_at) WHERE state <> 'pending';

-- Wake the senders at commit; once per statement, however many rows it queued.
CREATE FUNCTION notification_deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('platform_notify', '');
    RETURN NULL;
END $$;

CREATE TRIGGER notification_deliveries_notify_insert AFTER INSERT ON notification_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION notification_deliveries_notify();
