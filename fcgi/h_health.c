/* h_health.c: liveness (the process answers) and readiness (database and schema) */
#include "handlers.h"

#include "migrate.h"

void h_healthz(struct req *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string("ok"));
	req_json(r, 200, o);
	json_object_put(o);
}

void h_readyz(struct req *r)
{
	struct err e = ERR_INIT;
	struct json_object *o;
	int version;

	if (migrate_current(&r->app->db, &version, &e) < 0) {
		req_error(r, &e);
		return;
	}
	if (version < migrate_latest()) {
		req_fail(r, 503, "schema_outdated",
			 "the database schema is at version %d, this build needs %d: run "
			 "'platformctl migrate'",
			 version, migrate_latest());
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("ready"));
	json_object_object_add(o, "schema_version", json_object_new_int(version));
	req_json(r, 200, o);
	json_object_put(o);
}

/* api/openapi.yaml, embedded at build time (scripts/embed-file) */
extern const char openapi_yaml[];
extern const size_t openapi_yaml_len;

void h_openapi(struct req *r)
{
	req_send(r, 200, "application/yaml", openapi_yaml, openapi_yaml_len);
}
