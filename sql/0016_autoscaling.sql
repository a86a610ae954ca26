-- 0016_autoscaling.sql: a project may scale on CPU (a HorizontalPodAutoscaler in its release)
-- instead of running a fixed number of replicas, and replicas are 0 to 20 in the database as in
-- the API, the OpenAPI description, platformctl and the chart's values schema.
--
-- autoscaling: NULL (fixed replicas) or {"min_replicas": 1..20, "max_replicas": 1..20,
--   "target_cpu": 1..100} as the API canonicalised it (fcgi/h_projects.c). The deployment's
--   settings snapshot carries it, so a rollback restores it with the rest.
ALTER TABLE projects
    ADD COLUMN autoscaling jsonb CHECK (autoscaling IS NULL OR jsonb_typeof(autoscaling) = 'object');

UPDATE projects SET replicas = 20 WHERE replicas > 20;
ALTER TABLE projects DROP CONSTRAINT projects_replicas_check,
    ADD CONSTRAINT projects_replicas_check CHECK (replicas BETWEEN 0 AND 20);

CREATE OR REPLACE FUNCTION project_snapshot(p projects) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('port', p.port, 'replicas', p.replicas, 'resources', p.resources,
                              'custom_domain', p.custom_domain, 'framework', p.framework,
                              'autoscaling', p.autoscaling)
$$;
