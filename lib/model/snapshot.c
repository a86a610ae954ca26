/* snapshot.c: a deployment's settings snapshot, resolved into the release it writes */
#include "snapshot.h"

#include "crypto.h"
#include "jsonutil.h"
#include "naming.h"
#include "sealed.h"
#include "deploy.h"
#include "secret_purpose.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The row of `id`, or NULL with 404 (or a database error). */
static PGresult *load_row(struct db *db, const char *id, struct err *e)
{
	const char *p[1] = {id};
	PGresult *res;

	if (!naming_is_uuid(id)) {
		err_set(e, 404, "deployment_not_found", "no such deployment");
		return NULL;
	}
	if (!(res = deploy_release_row(db, p, e)))
		return NULL;
	if (PQntuples(res) != 1) {
		PQclear(res);
		err_set(e, 404, "deployment_not_found", "no such deployment");
		return NULL;
	}
	return res;
}

/* Open one stored env value (base64 of a crypto_seal blob) into `plain`. */
static int open_value(const char *secret_key, const char *b64, struct buf *plain)
{
	struct buf sealed = BUF_INIT;
	int rc = -1;

	if (b64 && crypto_unbase64(b64, strlen(b64), &sealed) == 0 &&
	    crypto_open(secret_key, PURPOSE_PROJECT_ENV, sealed.buf, sealed.len, plain) == 0)
		rc = 0;
	buf_release(&sealed);
	return rc;
}

static void wipe(struct buf *b)
{
	if (b->len)
		explicit_bzero(b->buf, b->len);
	buf_reset(b);
}

/* {"NAME": sealed for the cluster} from the stored env: each value opened with the
 * platform's key and sealed again for <namespace>/<secret> (strict scope). */
static int reseal_env(struct json_object *stored, const struct config *cfg, const char *ns,
		      const char *secret, struct json_object *out, struct err *e)
{
	struct sealed_key key = {0};
	struct buf plain = BUF_INIT, sealed = BUF_INIT;
	int rc = -1;

	if (!json_object_object_length(stored))
		return 0;
	/* The local runtime starts containers with the env it opens from the snapshot itself
	 * (worker/runtime.c): nothing reads env from git there, so none is written. */
	if ((!cfg->sealed_secrets_cert || !*cfg->sealed_secrets_cert) && cfg->runtime &&
	    !strcmp(cfg->runtime, "podman"))
		return 0;
	if (!cfg->sealed_secrets_cert || !*cfg->sealed_secrets_cert)
		return err_set(
		    e, 500, "missing_setting",
		    "the project has env variables but PLATFORM_SEALED_SECRETS_CERT is "
		    "not set: env values reach git only sealed for the cluster (set it to "
		    "the sealed-secrets controller's certificate, kubeseal --fetch-cert)");
	if (!cfg->secret_key || sealed_key_init(&key, cfg->sealed_secrets_cert, e) < 0)
		goto out;
	json_object_object_foreach(stored, name, v)
	{
		wipe(&plain);
		buf_reset(&sealed);
		if (open_value(cfg->secret_key, json_object_get_string(v), &plain) < 0) {
			err_set(e, 500, "env_unreadable",
				"env %s does not open with PLATFORM_SECRET_KEY", name);
			goto out;
		}
		if (sealed_seal(&key, ns, secret, plain.buf, plain.len, &sealed, e) < 0)
			goto out;
		json_object_object_add(out, name, json_object_new_string(sealed.buf));
	}
	rc = 0;
out:
	wipe(&plain);
	buf_release(&plain);
	buf_release(&sealed);
	sealed_key_release(&key);
	return rc;
}

static void add_settings(struct json_object *doc, struct json_object *settings)
{
	static const char *const keys[] = {"port",	"replicas",    "resources", "custom_domain",
					   "framework", "autoscaling", NULL};

	for (int i = 0; keys[i]; i++) {
		struct json_object *v = NULL;

		json_object_object_get_ex(settings, keys[i], &v);
		json_object_object_add(doc, keys[i], json_object_get(v));
	}
}

/* The description of the row (see snapshot.h) into *out. */
static int describe(const PGresult *row, const struct config *cfg, struct json_object **out,
		    struct err *e)
{
	struct json_object *doc = json_object_new_object(), *app = json_object_new_object();
	struct json_object *settings = json_tokener_parse(db_value(row, 0, 11));
	struct json_object *stored = json_tokener_parse(db_value(row, 0, 12));
	struct json_object *env = json_object_new_object();
	struct gitops_app a = {db_value(row, 0, 8), db_value(row, 0, 9), db_value(row, 0, 10)};
	struct buf secret = BUF_INIT, ns = BUF_INIT;
	int rc = -1;

	ju_add_str(doc, "deployment_id", db_value(row, 0, 0));
	json_object_object_add(doc, "seq", json_object_new_int64(atoll(db_value(row, 0, 1))));
	ju_add_str(doc, "state", db_value(row, 0, 2));
	json_object_object_add(doc, "rollback",
			       json_object_new_boolean(!strcmp(db_value(row, 0, 3), "rollback")));
	ju_add_str(doc, "triggered_by", db_value(row, 0, 7));
	ju_add_str(doc, "gitops_commit", db_value(row, 0, 6));
	ju_add_str(app, "workspace", a.workspace);
	ju_add_str(app, "user", a.user);
	ju_add_str(app, "project", a.project);
	json_object_object_add(doc, "app", app);
	ju_add_str(doc, "image", db_value(row, 0, 4));
	ju_add_str(doc, "tag", db_value(row, 0, 5));
	ju_add_str(doc, "domain", cfg->domain);
	if (!json_object_is_type(settings, json_type_object) ||
	    !json_object_is_type(stored, json_type_object)) {
		err_set(e, 500, "internal_error",
			"the deployment's settings snapshot is unreadable");
		goto out;
	}
	add_settings(doc, settings);
	ju_add_str(doc, "custom_domain", db_value(row, 0, 13));
	if (gitops_env_secret_name(&secret, &a, e) < 0 || naming_namespace(&ns, a.user, e) < 0)
		goto out;
	ju_add_str(doc, "env_secret", secret.buf);
	if (reseal_env(stored, cfg, ns.buf, secret.buf, env, e) < 0)
		goto out;
	json_object_object_add(doc, "env", json_object_get(env));
	*out = json_object_get(doc);
	rc = 0;
out:
	buf_release(&secret);
	buf_release(&ns);
	json_object_put(env);
	json_object_put(settings);
	json_object_put(stored);
	json_object_put(doc);
	return rc;
}

int snapshot_release_load(struct snapshot_release *r, struct db *db, const struct config *cfg,
			  const char *id, struct err *e)
{
	struct json_object *doc = NULL;
	PGresult *row;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!(row = load_row(db, id, e)))
		return -1;
	if (!db_value(row, 0, 4) || !db_value(row, 0, 5)) {
		PQclear(row);
		return err_set(e, 409, "nothing_to_release",
			       "the deployment has no image and tag to release yet");
	}
	if (*db_value(row, 0, 14) == 't') {
		PQclear(row);
		return err_set(
		    e, 409, "preview_removed",
		    "the pull request's preview was removed; its release is not written");
	}
	rc = describe(row, cfg, &doc, e);
	PQclear(row);
	if (rc < 0)
		return -1;
	return snapshot_release_from_json(r, doc, e);
}

/* ---- reading a description ---- */

static const char *str_at(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int int_at(struct json_object *o, const char *key, long lo, long hi, int *out, struct err *e)
{
	long v;

	if (ju_int(o, key, JU_REQUIRED, lo, hi, &v, e) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* autoscaling: absent or null for fixed replicas (snapshots from before migration 0016 have
 * none), else the API's canonical {"min_replicas", "max_replicas", "target_cpu"}. */
static int read_autoscaling(struct snapshot_release *r, struct json_object *doc, struct err *e)
{
	struct json_object *a = NULL;

	if (!json_object_object_get_ex(doc, "autoscaling", &a) || !a)
		return 0;
	if (!json_object_is_type(a, json_type_object))
		return err_field(e, 422, "invalid_type", "autoscaling",
				 "autoscaling must be an object or null");
	r->v.autoscaling = 1;
	if (int_at(a, "min_replicas", 1, GITOPS_MAX_REPLICAS, &r->v.min_replicas, e) < 0 ||
	    int_at(a, "max_replicas", 1, GITOPS_MAX_REPLICAS, &r->v.max_replicas, e) < 0 ||
	    int_at(a, "target_cpu", 1, 100, &r->v.target_cpu, e) < 0)
		return -1;
	return 0;
}

static void read_resources(struct snapshot_release *r, struct json_object *res)
{
	struct json_object *req = NULL, *lim = NULL;

	if (!json_object_is_type(res, json_type_object))
		return;
	if (json_object_object_get_ex(res, "requests", &req)) {
		r->v.cpu_request = str_at(req, "cpu");
		r->v.memory_request = str_at(req, "memory");
	}
	if (json_object_object_get_ex(res, "limits", &lim)) {
		r->v.cpu_limit = str_at(lim, "cpu");
		r->v.memory_limit = str_at(lim, "memory");
	}
}

static int read_env(struct snapshot_release *r, struct json_object *env, struct err *e)
{
	size_t n = 0;

	if (!env || json_object_is_type(env, json_type_null))
		return 0;
	if (!json_object_is_type(env, json_type_object))
		return err_field(e, 422, "invalid_type", "env", "env must be an object");
	r->env = xcalloc((size_t)json_object_object_length(env) + 1, sizeof(*r->env));
	json_object_object_foreach(env, name, v)
	{
		if (!json_object_is_type(v, json_type_string))
			return err_field(e, 422, "invalid_type", "env",
					 "env %s must be a sealed string", name);
		r->env[n].key = name;
		r->env[n].value = json_object_get_string(v);
		n++;
	}
	r->v.sealed_env = r->env;
	r->v.n_sealed_env = n;
	return 0;
}

int snapshot_release_from_json(struct snapshot_release *r, struct json_object *doc, struct err *e)
{
	struct json_object *app = NULL, *res = NULL, *env = NULL, *seq = NULL, *rb = NULL;

	memset(r, 0, sizeof(*r));
	r->doc = doc;
	if (!json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "app", &app) ||
	    !json_object_is_type(app, json_type_object))
		return err_field(e, 422, "invalid_value", "app",
				 "the release description has no app");
	r->app.workspace = str_at(app, "workspace");
	r->app.user = str_at(app, "user");
	r->app.project = str_at(app, "project");
	r->v.image_repository = str_at(doc, "image");
	r->v.image_tag = str_at(doc, "tag");
	r->v.domain = str_at(doc, "domain");
	r->v.custom_domain = str_at(doc, "custom_domain");
	r->v.framework = str_at(doc, "framework");
	if (int_at(doc, "port", 1, 65535, &r->v.port, e) < 0 ||
	    int_at(doc, "replicas", 0, GITOPS_MAX_REPLICAS, &r->v.replicas, e) < 0)
		return -1;
	json_object_object_get_ex(doc, "resources", &res);
	read_resources(r, res);
	if (read_autoscaling(r, doc, e) < 0)
		return -1;
	json_object_object_get_ex(doc, "env", &env);
	if (read_env(r, env, e) < 0)
		return -1;
	r->m.deployment_id = str_at(doc, "deployment_id");
	r->m.triggered_by = str_at(doc, "triggered_by");
	if (json_object_object_get_ex(doc, "seq", &seq))
		r->m.seq = json_object_get_int64(seq);
	if (json_object_object_get_ex(doc, "rollback", &rb))
		r->m.rollback = json_object_get_boolean(rb);
	r->state = str_at(doc, "state");
	r->gitops_commit = str_at(doc, "gitops_commit");
	if (!r->app.workspace || !r->app.user || !r->app.project || !r->v.image_repository ||
	    !r->v.image_tag)
		return err_field(e, 422, "invalid_value", "app",
				 "the release description lacks the app, image or tag");
	return 0;
}

void snapshot_release_clear(struct snapshot_release *r)
{
	free(r->env);
	json_object_put(r->doc);
	memset(r, 0, sizeof(*r));
}

int snapshot_check_token(struct db *db, const char *id, const char *token, struct err *e)
{
	const char *p[1] = {id};
	unsigned char got[32];
	struct buf want = BUF_INIT;
	const char *state;
	PGresult *res = NULL;
	int rc = -1;

	if (!naming_is_uuid(id) || !token || !*token)
		return err_set(e, 401, "invalid_callback_token",
			       "the callback token does not belong to this deployment");
	res = deploy_callback_row(db, p, e);
	if (!res)
		return -1;
	crypto_sha256(token, strlen(token), got);
	if (PQntuples(res) != 1 || !db_value(res, 0, 1) ||
	    crypto_unhex(db_value(res, 0, 1), strlen(db_value(res, 0, 1)), &want) < 0 ||
	    !crypto_equal(want.buf, want.len, got, sizeof(got))) {
		err_set(e, 401, "invalid_callback_token",
			"the callback token does not belong to this deployment");
		goto out;
	}
	state = db_value(res, 0, 0);
	if (strcmp(state, "queued") && strcmp(state, "building") && strcmp(state, "pushed")) {
		err_set(e, 409, "deployment_finished",
			"the deployment is %s; it has no release to write", state);
		goto out;
	}
	rc = 0;
out:
	buf_release(&want);
	PQclear(res);
	return rc;
}

/* ---- env in clear ---- */

int snapshot_env_open(struct db *db, const char *secret_key, const char *id,
		      struct snapshot_env *out, struct err *e)
{
	struct json_object *stored = NULL;
	struct buf plain = BUF_INIT;
	PGresult *row;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!(row = load_row(db, id, e)))
		return -1;
	stored = json_tokener_parse(db_value(row, 0, 12));
	if (!json_object_is_type(stored, json_type_object) || !secret_key) {
		err_set(e, 500, "env_unreadable", "the deployment's env snapshot is unreadable");
		goto out;
	}
	out->items = xcalloc((size_t)json_object_object_length(stored) + 1, sizeof(*out->items));
	json_object_object_foreach(stored, name, v)
	{
		wipe(&plain);
		if (open_value(secret_key, json_object_get_string(v), &plain) < 0) {
			err_set(e, 500, "env_unreadable",
				"env %s does not open with PLATFORM_SECRET_KEY", name);
			goto out;
		}
		out->items[out->n].key = xstrdup(name);
		out->items[out->n].value = xstrndup(plain.buf ? plain.buf : "", plain.len);
		out->n++;
	}
	rc = 0;
out:
	if (rc < 0)
		snapshot_env_release(out);
	wipe(&plain);
	buf_release(&plain);
	json_object_put(stored);
	PQclear(row);
	return rc;
}

void snapshot_env_release(struct snapshot_env *env)
{
	for (size_t i = 0; i < env->n; i++) {
		char *v = (char *)env->items[i].value;

		explicit_bzero(v, strlen(v));
		free(v);
		free((char *)env->items[i].key);
	}
	free(env->items);
	memset(env, 0, sizeof(*env));
}
