-- 0020_previews.sql: a deployment per pull request (issue 18). A preview is an app of its own
-- beside the project's: its own GitOps folder, Argo CD application, containers and host, named
-- by lib/naming (naming_preview_name: "<project>-pr-<number>", shortened with a hash when it
-- would pass a project name's 32 characters), with its own deployment history (deployments whose
-- preview_id is set). lib/model/preview.c is the one writer.
--
-- projects.previews: a verified pull_request webhook for the project's repository and branch
--   deploys the pull request's head (off by default).
-- projects.preview_forks: pull requests from forks too, then without the project's env (its
--   values are secrets; a fork's code must never see them). Off by default.
ALTER TABLE projects
    ADD COLUMN previews      boolean NOT NULL DEFAULT false,
    ADD COLUMN preview_forks boolean NOT NULL DEFAULT false;

-- state: active (deployed on every new head) or removed (the pull request closed, the limit, the
-- idle expiry, a person or the project's deletion removed it; removed_reason says which). A
-- removed preview stays as history of its deployments; the same pull request opened again gets a
-- new row. name and host are unique among active previews of one user, as project names are
-- (projects_user_name_idx): release names and hosts do not carry the workspace.
CREATE TABLE previews (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id        uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id           text NOT NULL REFERENCES users(id),
    number            integer NOT NULL CHECK (number BETWEEN 1 AND 999999999),
    name              text NOT NULL CHECK (name ~ '^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$'),
    title             text NOT NULL DEFAULT '',
    head_sha          text NOT NULL CHECK (head_sha ~ '^[0-9a-f]{40}$'),
    head_ref          text NOT NULL DEFAULT '',
    head_repo         text NOT NULL DEFAULT '',
    fork              boolean NOT NULL DEFAULT false,
    state             text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'removed')),
    removed_reason    text CHECK (removed_reason IN ('closed', 'merged', 'limit', 'idle',
                                                     'deleted', 'project_deleted')),
    github_comment_id bigint,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    removed_at        timestamptz,
    CHECK ((state = 'removed') = (removed_at IS NOT NULL))
);
CREATE UNIQUE INDEX previews_open_idx ON previews (project_id, number) WHERE state = 'active';
CREATE UNIQUE INDEX previews_name_idx ON previews (user_id, name) WHERE state = 'active';
CREATE INDEX previews_idle_idx ON previews (updated_at) WHERE state = 'active';

ALTER TABLE deployments ADD COLUMN preview_id uuid REFERENCES previews(id) ON DELETE CASCADE;
CREATE INDEX deployments_preview_idx ON deployments (preview_id, seq) WHERE preview_id IS NOT NULL;

-- The name a deployment's app goes by in GitOps, Argo CD, podman and hosts: the preview's, else
-- the project's. One definition for every statement of the chain.
CREATE FUNCTION deployment_app_name(preview uuid, project_name text) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT v.name FROM previews v WHERE v.id = preview), project_name)
$$;
