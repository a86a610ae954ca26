-- 0019_runtime_logs.sql: what a project's running containers print (issue 16), kept so that
-- GET /api/projects/{id}/runtime/logs answers without asking the runtime, and bounded: the
-- worker (worker/rtlogs.c) keeps the newest PLATFORM_RUNTIME_LOGS_KEEP lines per project.
--
-- container: the runtime's container name; stamp: the runtime's own timestamp of the line, as
-- it printed it (podman logs --timestamps), where a restarted worker resumes reading (--since).
-- Lines are redacted before they are stored.
CREATE TABLE runtime_logs (
    id            bigserial PRIMARY KEY,
    project_id    uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    deployment_id uuid,
    container     text NOT NULL,
    stream        text NOT NULL CHECK (stream IN ('stdout', 'stderr')),
    at            timestamptz NOT NULL,
    stamp         text NOT NULL,
    line          text NOT NULL
);
CREATE INDEX runtime_logs_project_idx ON runtime_logs (project_id, id);
CREATE INDEX runtime_logs_container_idx ON runtime_logs (container, id);
