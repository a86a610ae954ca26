-- 0004_webhooks.sql: one GitHub hook per repository serves every project on it; its secret
-- is sealed (AES-256-GCM, lib/crypto). repo_key is lower('owner/repo').

CREATE TABLE repo_hooks (
    repo_key        text PRIMARY KEY,
    hook_id         bigint,
    secret          bytea NOT NULL,
    created_by      text REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE projects ADD COLUMN repo_key text;
UPDATE projects SET repo_key = lower(regexp_replace(repo_url, '^.*/([^/]+/[^/]+)$', '\1'));
CREATE INDEX projects_repo_key_idx ON projects (repo_key, branch) WHERE deleted_at IS NULL;

ALTER TABLE webhook_deliveries ADD COLUMN repo_key text;
ALTER TABLE webhook_deliveries ADD COLUMN reason text;
ALTER TABLE webhook_deliveries ADD COLUMN request_id text;
CREATE INDEX webhook_deliveries_repo_key_idx ON webhook_deliveries (repo_key, received_at DESC);
