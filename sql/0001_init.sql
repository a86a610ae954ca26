-- 0001_init.sql: the first schema: accounts, tenancy, projects, deployments, the job queue,
-- webhook deliveries and the audit log. Never edit once released; add 0002_... instead.

-- Users: GitHub id is the natural key; `id` is our short, immutable, DNS-safe id that reaches
-- namespaces, hosts and GitOps paths (lib/naming).
CREATE TABLE users (
    id              text PRIMARY KEY CHECK (id ~ '^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$'),
    github_id       bigint NOT NULL UNIQUE,
    login           text NOT NULL,
    name            text,
    avatar_url      text,
    github_token    bytea,          -- AES-256-GCM ciphertext (nonce || tag || data), never plain
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_login_idx ON users (lower(login));

-- Sessions: only the SHA-256 of the token is stored.
CREATE TABLE sessions (
    token_hash      bytea PRIMARY KEY,
    user_id         text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    request_id      text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

CREATE TABLE workspaces (
    id              text PRIMARY KEY CHECK (id ~ '^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    personal_of     text UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    created_by      text REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE members (
    workspace_id    text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id         text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role            text NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX members_user_idx ON members (user_id);

CREATE TABLE projects (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id    text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id         text NOT NULL REFERENCES users(id),
    name            text NOT NULL CHECK (name ~ '^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$'),
    repo_url        text NOT NULL,
    branch          text NOT NULL DEFAULT 'main',
    port            integer NOT NULL DEFAULT 3000 CHECK (port BETWEEN 1 AND 65535),
    framework       text NOT NULL DEFAULT 'auto',
    custom_domain   text UNIQUE,
    auto_deploy     boolean NOT NULL DEFAULT false,
    auto_deploy_paused boolean NOT NULL DEFAULT false,
    replicas        integer NOT NULL DEFAULT 1 CHECK (replicas BETWEEN 0 AND 50),
    resources       jsonb NOT NULL DEFAULT '{}'::jsonb,
    env             jsonb NOT NULL DEFAULT '{}'::jsonb,   -- values encrypted, base64
    webhook_secret  bytea,                                -- encrypted
    deploy_seq      integer NOT NULL DEFAULT 0,
    deleted_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- One live project of a name per user, which keeps every derived name unique.
CREATE UNIQUE INDEX projects_user_name_idx ON projects (workspace_id, user_id, name) WHERE deleted_at IS NULL;
CREATE INDEX projects_workspace_idx ON projects (workspace_id);
CREATE INDEX projects_repo_idx ON projects (lower(repo_url), branch) WHERE deleted_at IS NULL;

CREATE TABLE deployments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id      uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    seq             integer NOT NULL,
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN
                    ('queued', 'building', 'pushed', 'released', 'syncing', 'live',
                     'failed', 'cancelled', 'superseded')),
    trigger         text NOT NULL CHECK (trigger IN ('manual', 'webhook', 'rollback', 'api')),
    triggered_by    text REFERENCES users(id) ON DELETE SET NULL,
    branch          text,
    commit_sha      text,
    commit_message  text,
    commit_author   text,
    rollback_of     uuid REFERENCES deployments(id),
    idempotency_key text,
    jenkins_queue_id bigint,
    jenkins_build   bigint,
    image           text,
    tag             text,
    digest          text,
    gitops_commit   text,
    error           text,
    callback_token_hash bytea,
    log_offset      bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    queued_at       timestamptz NOT NULL DEFAULT now(),
    building_at     timestamptz,
    pushed_at       timestamptz,
    released_at     timestamptz,
    syncing_at      timestamptz,
    live_at         timestamptz,
    failed_at       timestamptz,
    cancelled_at    timestamptz,
    superseded_at   timestamptz,
    finished_at     timestamptz,
    UNIQUE (project_id, seq)
);
CREATE UNIQUE INDEX deployments_idem_idx ON deployments (project_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX deployments_project_idx ON deployments (project_id, seq DESC);
CREATE INDEX deployments_active_idx ON deployments (state) WHERE state IN ('queued', 'building', 'pushed', 'released', 'syncing');

-- Build log chunks; `byte_offset` is where the chunk starts in the build's full log, so a
-- restarted worker resumes exactly and a reader can page by offset.
CREATE TABLE deployment_logs (
    deployment_id   uuid NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    byte_offset     bigint NOT NULL,
    chunk           text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (deployment_id, byte_offset)
);

-- The job queue: claimed with FOR UPDATE SKIP LOCKED, held by a renewed lease.
CREATE TABLE jobs (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL,
    deployment_id   uuid REFERENCES deployments(id) ON DELETE CASCADE,
    payload         jsonb NOT NULL DEFAULT '{}'::jsonb,
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    run_after       timestamptz NOT NULL DEFAULT now(),
    locked_by       text,
    lease_until     timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_ready_idx ON jobs (run_after, id) WHERE state = 'queued';
CREATE INDEX jobs_lease_idx ON jobs (lease_until) WHERE state = 'running';

CREATE TABLE webhook_deliveries (
    delivery_id     text PRIMARY KEY,
    event           text NOT NULL,
    repo_full_name  text,
    ref             text,
    after_sha       text,
    outcome         text NOT NULL,
    deployments     uuid[] NOT NULL DEFAULT '{}',
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_repo_idx ON webhook_deliveries (lower(repo_full_name), received_at DESC);

-- Rejected webhook deliveries are counted, not stored (their bodies are untrusted).
CREATE TABLE webhook_rejections (
    day             date NOT NULL,
    reason          text NOT NULL,
    count           bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, reason)
);

CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    workspace_id    text REFERENCES workspaces(id) ON DELETE CASCADE,
    actor_id        text REFERENCES users(id) ON DELETE SET NULL,
    action          text NOT NULL,
    target_type     text,
    target_id       text,
    details         jsonb NOT NULL DEFAULT '{}'::jsonb,
    request_id      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_workspace_idx ON audit_log (workspace_id, id DESC);
