-- 0008_tenant_checks.sql: what a tenant must prove before the platform acts on its word
-- (issue 12): that it can read the repository it deploys from, that it owns the custom domain
-- it routes; and that one push queues one deployment per project, whatever its delivery id.

-- The user whose GitHub token showed read access to the repository (and admin where a hook
-- was made), and when. Webhook pushes deploy only projects that passed; rows from before this
-- migration did not, so their auto-deploy waits until someone turns it on again.
ALTER TABLE projects ADD COLUMN repo_verified_at timestamptz;
ALTER TABLE projects ADD COLUMN repo_verified_by text REFERENCES users(id) ON DELETE SET NULL;

-- Custom domains are routed only once a DNS TXT record _platform-verify.<domain> holds
-- "platform-verify=<custom_domain_token>" (checked by the worker, lib/domainverify).
ALTER TABLE projects ADD COLUMN custom_domain_token text NOT NULL
    DEFAULT replace(gen_random_uuid()::text, '-', '');
ALTER TABLE projects ADD COLUMN custom_domain_status text
    CHECK (custom_domain_status IN ('pending', 'verified', 'failed'));
ALTER TABLE projects ADD COLUMN custom_domain_checked_at timestamptz;
ALTER TABLE projects ADD COLUMN custom_domain_verified_at timestamptz;
ALTER TABLE projects ADD COLUMN custom_domain_error text;
UPDATE projects SET custom_domain_status = 'pending' WHERE custom_domain IS NOT NULL;
CREATE INDEX projects_domain_check_idx ON projects (custom_domain_checked_at NULLS FIRST)
    WHERE custom_domain IS NOT NULL AND deleted_at IS NULL;

-- The one rule releases read: the custom domain to route, or NULL (the generated host).
CREATE FUNCTION custom_domain_route(domain text, status text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN status = 'verified' THEN domain END $$;
