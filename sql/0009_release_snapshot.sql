-- 0009_release_snapshot.sql: a deployment records the project's settings of the moment it was
-- created, and its release writes exactly those (lib/snapshot): a later edit of the project
-- does not change what an earlier version runs, and a rollback restores its version's settings.
--
-- settings: {"port", "replicas", "resources", "custom_domain", "framework"} (no secrets).
-- env_sealed: the env as the project stores it: {"NAME": base64 of the value sealed with
--   PLATFORM_SECRET_KEY (purpose "project-env")}. Names are shown, values never.
ALTER TABLE deployments
    ADD COLUMN settings   jsonb,
    ADD COLUMN env_sealed jsonb;

CREATE FUNCTION project_snapshot(p projects) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('port', p.port, 'replicas', p.replicas, 'resources', p.resources,
                              'custom_domain', p.custom_domain, 'framework', p.framework)
$$;

-- Every inserter (the API, webhooks, later ones) gets the snapshot without knowing of it; a
-- rollback sets both columns itself, from the version it returns to.
CREATE FUNCTION deployments_snapshot() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p projects;
BEGIN
    IF NEW.settings IS NULL OR NEW.env_sealed IS NULL THEN
        SELECT * INTO p FROM projects WHERE id = NEW.project_id;
        NEW.settings := coalesce(NEW.settings, project_snapshot(p));
        NEW.env_sealed := coalesce(NEW.env_sealed, p.env, '{}'::jsonb);
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER deployments_snapshot_insert BEFORE INSERT ON deployments
    FOR EACH ROW EXECUTE FUNCTION deployments_snapshot();

-- Deployments from before this migration: the project's settings now are the best record.
UPDATE deployments d SET settings = project_snapshot(p), env_sealed = p.env
    FROM projects p WHERE p.id = d.project_id AND d.settings IS NULL;

ALTER TABLE deployments
    ALTER COLUMN settings SET NOT NULL,
    ALTER COLUMN env_sealed SET NOT NULL;
