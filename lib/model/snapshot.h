/* snapshot.h: what a deployment releases: the project's settings recorded when the
 * deployment was created (prefix snapshot_).
 *
 * A deployment row carries `settings` (port, replicas, resources, custom domain,
 * framework, autoscaling) and `env_sealed` (env names -> values sealed with PLATFORM_SECRET_KEY),
 * copied from the project by migration 0009's trigger when the row is inserted, or
 * from the version a rollback returns to (lib/model/deploy). Every release path writes
 * exactly that snapshot: the worker (worker/release.c: local builds and direct
 * rollbacks) with snapshot_release_load + gitops_release; the Jenkins pipeline with
 * `platformctl gitops release --deployment ID`, which reads the same description
 * from GET /internal/deployments/{id}/release (snapshot_release_load there, then
 * snapshot_release_from_json in platformctl). Nothing the pipeline passes itself can
 * make it drift.
 *
 * The description (JSON, snapshot_release_load fills r->doc):
 *   {"deployment_id", "seq", "state", "rollback", "triggered_by", "gitops_commit",
 *    "app": {"workspace", "user", "project"}, "image", "tag", "port", "replicas",
 *    "framework", "domain", "custom_domain",
 *    "resources": {"requests": {"cpu", "memory"}, "limits": {"cpu", "memory"}},
 *    "autoscaling": null | {"min_replicas", "max_replicas", "target_cpu"},
 *    "env_secret": "<release>-env", "env": {"NAME": "<sealed for the cluster>"}}
 * Env values in it are sealed for the cluster's sealed-secrets controller
 * (lib/clients/sealed, strict scope <namespace>/<env_secret>): the pipeline never sees one
 * in clear, and the release puts them in git as a SealedSecret only.
 *
 * Ownership: struct snapshot_release owns `doc`; the gitops structs inside point
 * into it and live until snapshot_release_clear. Arguments are borrowed.
 */
#ifndef PLATFORM_SNAPSHOT_H
#define PLATFORM_SNAPSHOT_H

#include "config.h"
#include "db.h"
#include "err.h"
#include "gitops.h"

#include <json-c/json.h>
#include <stddef.h>

struct snapshot_release {
	struct json_object *doc; /* the description; owns every string below */
	struct gitops_app app;
	struct gitops_values v; /* v.domain, v.custom_domain ... point into doc */
	struct gitops_meta m;
	struct gitops_kv *env;	   /* v.sealed_env: owned array, strings in doc */
	const char *state;	   /* the deployment's state when loaded */
	const char *gitops_commit; /* NULL until a release was recorded */
};

/* Load deployment `id`'s snapshot and resolve it into a release: env values are opened
 * with cfg->secret_key and sealed with cfg->sealed_secrets_cert. Errors: 404
 * deployment_not_found; 409 nothing_to_release (no image and tag yet); 500
 * missing_setting when the snapshot has env but PLATFORM_SEALED_SECRETS_CERT is unset
 * (env values never go to git in clear); 422 invalid_certificate; 500 for a stored env
 * that does not open. */
int snapshot_release_load(struct snapshot_release *r, struct db *db, const struct config *cfg,
			  const char *id, struct err *e);

/* Take a description (as GET /internal/deployments/{id}/release answers it; `doc` is
 * taken over, also on failure) and fill the structs: 0, or -1 with 422 naming the field. */
int snapshot_release_from_json(struct snapshot_release *r, struct json_object *doc, struct err *e);

void snapshot_release_clear(struct snapshot_release *r);

/* The pipeline's credential for deployment `id`: 0 when `token` is the callback token
 * handed to its build (only its SHA-256 is stored; compared in constant time) and the
 * deployment may still be released (queued, building or pushed). 401
 * invalid_callback_token (also for an unknown deployment: nothing is learnt without the
 * token), 409 deployment_finished. */
int snapshot_check_token(struct db *db, const char *id, const char *token, struct err *e);

/* ---- the env values in clear, for a runtime that passes them to the process itself ---- */

struct snapshot_env {
	struct gitops_kv *items; /* name -> value, both owned; values wiped on release */
	size_t n;
};

/* Open the env of deployment `id`'s snapshot with `secret_key` (PLATFORM_SECRET_KEY):
 * 404 deployment_not_found, 500 env_unreadable when a value does not open. The caller
 * must never log or store the values; snapshot_env_release wipes them. */
int snapshot_env_open(struct db *db, const char *secret_key, const char *id,
		      struct snapshot_env *out, struct err *e);
void snapshot_env_release(struct snapshot_env *env);

#endif
