-- 0010_api_cache.sql: tell the API pool children when a cached answer may have changed.
--
-- Each child keeps whole answers to hot reads (fcgi/rcache.h) and LISTENs on `platform_cache`.
-- These triggers send a NOTIFY in the same transaction as every change that could alter such
-- an answer or who may read it, so the notification is sent exactly when the change commits
-- and never for a change rolled back. The payload is the table; children empty their whole
-- cache on any of them. NOTIFY folds identical notifications of one transaction into one.

CREATE FUNCTION platform_cache_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('platform_cache', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

-- Sessions: an end (logout, expiry sweep) or a change; a new session changes no answer.
CREATE TRIGGER sessions_cache AFTER UPDATE OR DELETE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION platform_cache_notify();
CREATE TRIGGER sessions_cache_truncate AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION platform_cache_notify();

-- Membership and roles, projects, users (logins), workspaces.
CREATE TRIGGER members_cache AFTER INSERT OR UPDATE OR DELETE ON members
    FOR EACH STATEMENT EXECUTE FUNCTION platform_cache_notify();
CREATE TRIGGER members_cache_truncate AFTER TRUNCATE ON members
    FOR EACH STATEMENT EXECUTE FUNCTION platform_cache_notify();
CREATE TRIGGER projects_cache AFTER INSERT OR UPDATE OR DELETE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION platform_cache_notify();
CREATE TRIGGER projects_cache_truncate AFTER TRUNCATE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION platform_cache_notify();
CREATE TRIGGER users_cache AFTER UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION platform_cache_notify();
CREATE TRIGGER users_cache_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION platform_cache_notify();
CREATE TRIGGER workspaces_cache AFTER UPDATE OR DELETE ON workspaces
    FOR EACH STATEMENT EXECUTE FUNCTION platform_cache_notify();
CREATE TRIGGER workspaces_cache_truncate AFTER TRUNCATE ON workspaces
    FOR EACH STATEMENT EXECUTE FUNCTION platform_cache_notify();

-- Deployments: new and removed rows, and updates of anything but the log offset, which moves
-- with every relayed log chunk and is in no cached answer (columns added later are covered).
CREATE TRIGGER deployments_cache AFTER INSERT OR DELETE ON deployments
    FOR EACH STATEMENT EXECUTE FUNCTION platform_cache_notify();
CREATE TRIGGER deployments_cache_truncate AFTER TRUNCATE ON deployments
    FOR EACH STATEMENT EXECUTE FUNCTION platform_cache_notify();
CREATE TRIGGER deployments_cache_update AFTER UPDATE ON deployments
    FOR EACH ROW WHEN ((to_jsonb(OLD) - 'log_offset') IS DISTINCT FROM (to_jsonb(NEW) - 'log_offset'))
    EXECUTE FUNCTION platform_cache_notify();
