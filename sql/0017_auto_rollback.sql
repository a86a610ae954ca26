-- 0017_auto_rollback.sql: a release that fails to go live is followed by a rollback to the last
-- version that did, so that git and what runs agree again (issue 16).
--
-- projects.auto_rollback: on by default. deploy_transition (lib/model/deploy.c) queues the
-- rollback in the same transaction that marks a released deployment failed: trigger
-- 'auto_rollback', rollback_of the newest deployment that went live before it, idempotency key
-- 'auto_rollback:<failed id>'. A failed auto_rollback is never followed by another one.
ALTER TABLE projects ADD COLUMN auto_rollback boolean NOT NULL DEFAULT true;

ALTER TABLE deployments DROP CONSTRAINT deployments_trigger_check,
    ADD CONSTRAINT deployments_trigger_check
        CHECK (trigger IN ('manual', 'webhook', 'rollback', 'api', 'auto_rollback'));
