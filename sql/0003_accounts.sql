-- 0003_accounts.sql: OAuth state for the sign-in flow, and one name per user across
-- workspaces (the Helm release <userId>-<projectName> and the host are per user).

CREATE TABLE oauth_states (
    state_hash      bytea PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);

DROP INDEX projects_user_name_idx;
CREATE UNIQUE INDEX projects_user_name_idx ON projects (user_id, name) WHERE deleted_at IS NULL;
