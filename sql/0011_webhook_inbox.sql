-- 0011_webhook_inbox.sql: GitHub deliveries are stored by the API and processed by the worker.
--
-- The API verifies a delivery, stores it here in one INSERT (state 'received', with its JSON
-- payload) and answers 202: nothing it does waits on the worker or takes a lock on a row
-- another request needs. The worker (lib/delivery.h) takes the received deliveries in `seq`
-- order, matches projects and queues deployments in the same transaction that moves the
-- delivery to 'processed', 'ignored' or 'failed' and drops its payload. A trigger wakes the
-- worker on the job channel it already listens on.

ALTER TABLE webhook_deliveries ADD COLUMN seq bigserial;
ALTER TABLE webhook_deliveries ADD COLUMN state text NOT NULL DEFAULT 'processed'
    CHECK (state IN ('received', 'processed', 'ignored', 'failed'));
ALTER TABLE webhook_deliveries ADD COLUMN payload text;
ALTER TABLE webhook_deliveries ADD COLUMN processed_at timestamptz;
UPDATE webhook_deliveries SET processed_at = received_at,
    state = CASE WHEN outcome IN ('queued', 'already_queued', 'pong') THEN 'processed' ELSE 'ignored' END;

-- the worker's scan: only the few rows waiting
CREATE INDEX webhook_deliveries_waiting_idx ON webhook_deliveries (seq) WHERE state = 'received';

CREATE FUNCTION webhook_deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('platform_jobs', 'webhook');
    RETURN NULL;
END
$$;
-- the payload is always the same: NOTIFY folds those of one transaction into one
CREATE TRIGGER webhook_deliveries_notify_insert AFTER INSERT ON webhook_deliveries
    FOR EACH ROW WHEN (NEW.state = 'received') EXECUTE FUNCTION webhook_deliveries_notify();
