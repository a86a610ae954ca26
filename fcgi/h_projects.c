/* h_projects.c: projects of a workspace: create, list, read, change, delete */
#include "handlers.h"

#include "access.h"
#include "audit.h"
#include "crypto.h"
#include "domainverify.h"
#include "jsonutil.h"
#include "list.h"
#include "log.h"
#include "naming.h"
#include "secret_purpose.h"
#include "webhook.h"
#include "mproj.h"
#include "preview.h"
#include "queue.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ENV_MASK      "********"
#define ENV_MAX_VARS  100
#define ENV_MAX_VALUE 32768

/* the deployment serving now (live, or released without Argo CD) and the newest one, joined
 * in the same query so a list of projects costs one statement, not one per project */

static const char *const frameworks[] = {"auto",  "nextjs",  "node", "static",	   "django",
					 "flask", "fastapi", "go",   "dockerfile", NULL};

/* Fields of a project as a request gives them; `set` says which were present. */
struct project_in {
	const char *name, *repo_url, *branch, *framework, *custom_domain;
	long port, replicas;
	int auto_deploy, auto_rollback, previews, preview_forks;
	struct json_object *resources, *env;
	char autoscaling[96]; /* canonical JSON, or "" for fixed replicas */
	unsigned set;
};

enum {
	F_NAME = 1 << 0,
	F_REPO = 1 << 1,
	F_BRANCH = 1 << 2,
	F_PORT = 1 << 3,
	F_FRAMEWORK = 1 << 4,
	F_DOMAIN = 1 << 5,
	F_AUTO = 1 << 6,
	F_REPLICAS = 1 << 7,
	F_RESOURCES = 1 << 8,
	F_ENV = 1 << 9,
	F_AUTOSCALE = 1 << 10,
	F_AUTOROLL = 1 << 11,
	F_PREVIEWS = 1 << 12,
	F_FORKS = 1 << 13,
};

static const char *const project_keys[] = {
    "name",	     "repo_url",      "branch",	  "port",	   "framework",
    "custom_domain", "auto_deploy",   "replicas", "resources",	   "env",
    "autoscaling",   "auto_rollback", "previews", "preview_forks", NULL};

/* https://github.com/<owner>/<repo>[.git] under the configured GitHub, into canonical form. */
static int check_repo_url(const char *github_url, const char *url, struct buf *canon, struct err *e)
{
	size_t blen = strlen(github_url);
	const char *p, *slash;
	size_t olen, rlen;

	if (strncmp(url, github_url, blen) || url[blen] != '/')
		return err_field(e, 422, "invalid_repo_url", "repo_url",
				 "repo_url must be a repository on %s, like %s/owner/repo",
				 github_url, github_url);
	p = url + blen + 1;
	slash = strchr(p, '/');
	if (!slash)
		return err_field(e, 422, "invalid_repo_url", "repo_url",
				 "repo_url must name an owner and a repository: %s/owner/repo",
				 github_url);
	olen = (size_t)(slash - p);
	rlen = strlen(slash + 1);
	if (rlen > 4 && !strcmp(slash + 1 + rlen - 4, ".git"))
		rlen -= 4;
	if (!olen || olen > 39 || p[0] == '-')
		return err_field(e, 422, "invalid_repo_url", "repo_url",
				 "the owner in repo_url must be 1 to 39 letters, digits or dashes");
	for (size_t i = 0; i < olen; i++) {
		if (!isalnum((unsigned char)p[i]) && p[i] != '-')
			return err_field(
			    e, 422, "invalid_repo_url", "repo_url",
			    "the owner in repo_url may hold only letters, digits and dashes");
	}
	if (!rlen || rlen > 100 || (rlen == 1 && slash[1] == '.') ||
	    (rlen == 2 && !strncmp(slash + 1, "..", 2)))
		return err_field(e, 422, "invalid_repo_url", "repo_url",
				 "the repository in repo_url must be 1 to 100 characters");
	for (size_t i = 0; i < rlen; i++) {
		char c = slash[1 + i];

		if (!isalnum((unsigned char)c) && c != '-' && c != '_' && c != '.')
			return err_field(e, 422, "invalid_repo_url", "repo_url",
					 "the repository in repo_url may hold only letters, "
					 "digits, '.', '-' and '_'");
	}
	buf_reset(canon);
	buf_addf(canon, "%s/%.*s/%.*s", github_url, (int)olen, p, (int)rlen, slash + 1);
	return 0;
}

static int check_quantity(const char *field, struct json_object *v, struct err *e)
{
	regex_t re;
	int ok;

	if (!json_object_is_type(v, json_type_string))
		return err_field(e, 422, "invalid_type", field,
				 "%s must be a string like \"250m\" or \"512Mi\"", field);
	regcomp(&re, "^[0-9]{1,9}(\\.[0-9]{1,3})?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$",
		REG_EXTENDED | REG_NOSUB);
	ok = !regexec(&re, json_object_get_string(v), 0, NULL, 0);
	regfree(&re);
	if (!ok)
		return err_field(
		    e, 422, "invalid_quantity", field,
		    "%s must be a Kubernetes quantity like \"250m\", \"1\" or \"512Mi\"", field);
	return 0;
}

/* {"requests": {"cpu", "memory"}, "limits": {"cpu", "memory"}} */
static int check_resources(struct json_object *res, struct err *e)
{
	static const char *const top[] = {"requests", "limits", NULL};
	static const char *const inner[] = {"cpu", "memory", NULL};
	struct err sub = ERR_INIT;
	char field[64];

	if (ju_only_keys(res, top, &sub) < 0) {
		snprintf(field, sizeof(field), "resources.%.40s", sub.field);
		return err_field(e, 422, "unknown_field", field,
				 "resources takes only requests and limits");
	}
	json_object_object_foreach(res, k, v)
	{
		snprintf(field, sizeof(field), "resources.%.40s", k);
		if (!json_object_is_type(v, json_type_object))
			return err_field(e, 422, "invalid_type", field, "%s must be an object",
					 field);
		if (ju_only_keys(v, inner, &sub) < 0) {
			snprintf(field, sizeof(field), "resources.%.10s.%.30s", k, sub.field);
			return err_field(e, 422, "unknown_field", field,
					 "%s: only cpu and memory are allowed", field);
		}
		json_object_object_foreach(v, k2, q)
		{
			snprintf(field, sizeof(field), "resources.%.10s.%.10s", k, k2);
			if (check_quantity(field, q, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* Names are checked; values are strings (null removes, the mask keeps, on update). */
static int check_env(struct json_object *env, int update, struct err *e)
{
	char field[160];
	int n = 0;

	json_object_object_foreach(env, k, v)
	{
		snprintf(field, sizeof(field), "env.%.140s", k);
		if (++n > ENV_MAX_VARS)
			return err_field(e, 422, "too_many_env", "env",
					 "at most %d environment variables", ENV_MAX_VARS);
		if (naming_check_env_name(field, k, e) < 0)
			return -1;
		if (!v && update)
			continue;
		if (!v || !json_object_is_type(v, json_type_string))
			return err_field(e, 422, "invalid_type", field, "%s must be a string",
					 field);
		if (json_object_get_string_len(v) > ENV_MAX_VALUE)
			return err_field(e, 422, "too_long", field, "%s must be at most %d bytes",
					 field, ENV_MAX_VALUE);
		if (memchr(json_object_get_string(v), '\0', (size_t)json_object_get_string_len(v)))
			return err_field(e, 422, "invalid_value", field, "%s must not contain NUL",
					 field);
	}
	return 0;
}

/* autoscaling: null (fixed replicas) or {"min_replicas", "max_replicas", "target_cpu"?}, into
 * its canonical form (every key, in one order) in in->autoscaling. */
static int check_autoscaling(struct json_object *body, struct project_in *in, struct err *e)
{
	static const char *const keys[] = {"min_replicas", "max_replicas", "target_cpu", NULL};
	struct json_object *a = NULL;
	long min = 0, max = 0, cpu = 80;
	int rc;

	if ((rc = ju_object(body, "autoscaling", JU_NULLABLE, &a, e)) < 0)
		return -1;
	if (!rc && !json_object_object_get_ex(body, "autoscaling", NULL))
		return 0;
	in->set |= F_AUTOSCALE;
	in->autoscaling[0] = '\0';
	if (!a)
		return 0; /* null: back to fixed replicas */
	if (ju_only_keys(a, keys, e) < 0 ||
	    ju_int(a, "min_replicas", JU_REQUIRED, 1, 20, &min, e) < 0 ||
	    ju_int(a, "max_replicas", JU_REQUIRED, 1, 20, &max, e) < 0 ||
	    ju_int(a, "target_cpu", 0, 1, 100, &cpu, e) < 0) {
		char field[sizeof(e->field)];

		snprintf(field, sizeof(field), "autoscaling.%.40s", e->field);
		snprintf(e->field, sizeof(e->field), "%s", field);
		return -1;
	}
	if (min > max)
		return err_field(e, 422, "invalid_value", "autoscaling.max_replicas",
				 "autoscaling.max_replicas must not be below min_replicas");
	snprintf(in->autoscaling, sizeof(in->autoscaling),
		 "{\"min_replicas\":%ld,\"max_replicas\":%ld,\"target_cpu\":%ld}", min, max, cpu);
	return 0;
}

static int check_framework(const char *f, struct err *e)
{
	for (const char *const *p = frameworks; *p; p++) {
		if (!strcmp(*p, f))
			return 0;
	}
	return err_field(e, 422, "invalid_framework", "framework",
			 "framework must be one of auto, nextjs, node, static, django, flask, "
			 "fastapi, go, dockerfile");
}

/* The project's on/off settings: each optional, marked in in->set when given. */
static int parse_switches(struct json_object *body, struct project_in *in, struct err *e)
{
	const struct {
		const char *key;
		unsigned flag;
		int *dst;
	} sw[] = {
	    {"auto_deploy", F_AUTO, &in->auto_deploy},
	    {"auto_rollback", F_AUTOROLL, &in->auto_rollback},
	    {"previews", F_PREVIEWS, &in->previews},
	    {"preview_forks", F_FORKS, &in->preview_forks},
	};
	int rc;

	for (size_t i = 0; i < sizeof(sw) / sizeof(sw[0]); i++) {
		if ((rc = ju_bool(body, sw[i].key, 0, sw[i].dst, e)) < 0)
			return -1;
		in->set |= rc ? sw[i].flag : 0;
	}
	return 0;
}

/* Read and check the body; `update` allows partial input and nulls. */
static int project_parse(struct req *r, struct json_object *body, int update, struct project_in *in,
			 struct buf *repo_canon, struct err *e)
{
	int flags = update ? 0 : JU_REQUIRED;
	int rc;

	memset(in, 0, sizeof(*in));
	if (ju_only_keys(body, project_keys, e) < 0)
		return -1;
	if ((rc = ju_string(body, "name", flags, 0, &in->name, e)) < 0)
		return -1;
	if (rc) {
		in->set |= F_NAME;
		if (naming_check_new_project("name", in->name, e) < 0)
			return -1;
	}
	if ((rc = ju_string(body, "repo_url", flags, 300, &in->repo_url, e)) < 0)
		return -1;
	if (rc) {
		in->set |= F_REPO;
		if (check_repo_url(r->app->cfg.github_url, in->repo_url, repo_canon, e) < 0)
			return -1;
		in->repo_url = repo_canon->buf;
	}
	if ((rc = ju_string(body, "branch", 0, 0, &in->branch, e)) < 0)
		return -1;
	if (rc) {
		in->set |= F_BRANCH;
		if (naming_check_branch("branch", in->branch, e) < 0)
			return -1;
	}
	if ((rc = ju_int(body, "port", 0, 1, 65535, &in->port, e)) < 0)
		return -1;
	in->set |= rc ? F_PORT : 0;
	if ((rc = ju_string(body, "framework", 0, 32, &in->framework, e)) < 0)
		return -1;
	if (rc) {
		in->set |= F_FRAMEWORK;
		if (check_framework(in->framework, e) < 0)
			return -1;
	}
	if ((rc = ju_string(body, "custom_domain", JU_NULLABLE, 253, &in->custom_domain, e)) < 0)
		return -1;
	if (rc || json_object_object_get_ex(body, "custom_domain", NULL)) {
		in->set |= F_DOMAIN;
		if (in->custom_domain && *in->custom_domain &&
		    naming_check_custom_domain("custom_domain", in->custom_domain, e) < 0)
			return -1;
		if (in->custom_domain && !*in->custom_domain)
			in->custom_domain = NULL;
	}
	if (parse_switches(body, in, e) < 0)
		return -1;
	if ((rc = ju_int(body, "replicas", 0, 0, 20, &in->replicas, e)) < 0)
		return -1;
	in->set |= rc ? F_REPLICAS : 0;
	if ((rc = ju_object(body, "resources", 0, &in->resources, e)) < 0)
		return -1;
	if (rc) {
		in->set |= F_RESOURCES;
		if (check_resources(in->resources, e) < 0)
			return -1;
	}
	if ((rc = ju_object(body, "env", 0, &in->env, e)) < 0)
		return -1;
	if (rc) {
		in->set |= F_ENV;
		if (check_env(in->env, update, e) < 0)
			return -1;
	}
	return check_autoscaling(body, in, e);
}

/* The env as stored: each value sealed and base64-encoded. `old` (may be NULL)
 * is the stored env, whose values survive a null-less update that sends the mask. */
static int env_seal(struct req *r, struct json_object *in, struct json_object *old, int update,
		    struct buf *out, struct err *e)
{
	struct json_object *o = json_object_new_object();
	struct buf sealed = BUF_INIT, b64 = BUF_INIT;
	int ret = -1;

	/* An update sends the whole env; names left out are removed. */
	json_object_object_foreach(in, k, v)
	{
		struct json_object *prev = NULL;

		if (!v)
			continue; /* null: remove */
		if (update && old && !strcmp(json_object_get_string(v), ENV_MASK) &&
		    json_object_object_get_ex(old, k, &prev)) {
			json_object_object_add(o, k, json_object_get(prev));
			continue;
		}
		buf_reset(&sealed);
		buf_reset(&b64);
		if (crypto_seal(r->app->cfg.secret_key, PURPOSE_PROJECT_ENV,
				json_object_get_string(v), (size_t)json_object_get_string_len(v),
				&sealed) < 0) {
			err_set(e, 500, "internal_error", "cannot protect the environment values");
			goto out;
		}
		crypto_base64(sealed.buf, sealed.len, &b64);
		json_object_object_add(o, k, json_object_new_string(b64.buf));
	}
	buf_addstr(out, ju_text(o));
	ret = 0;
out:
	json_object_put(o);
	buf_release(&sealed);
	buf_release(&b64);
	return ret;
}

/* An audit-safe summary of the input: which fields changed, env names only. */
static struct json_object *audit_details(const struct project_in *in)
{
	struct json_object *d = json_object_new_object(), *fields = json_object_new_array();

	for (int i = 0; project_keys[i]; i++) {
		if (in->set & (1u << i))
			json_object_array_add(fields, json_object_new_string(project_keys[i]));
	}
	json_object_object_add(d, "fields", fields);
	if (in->name)
		ju_add_str(d, "name", in->name);
	if (in->env) {
		struct json_object *names = json_object_new_array();

		json_object_object_foreach(in->env, k, v)
		{
			(void)v;
			json_object_array_add(names, json_object_new_string(k));
		}
		json_object_object_add(d, "env_names", names);
	}
	return d;
}

/* The brief of a deployment from columns col.. of the row (DEPLOY_BRIEF), or NULL. */
static struct json_object *deploy_brief(const PGresult *res, int row, int col, const char *when)
{
	struct json_object *d;

	if (PQgetisnull(res, row, col))
		return NULL;
	d = json_object_new_object();
	ju_add_str(d, "id", PQgetvalue(res, row, col));
	json_object_object_add(d, "seq", json_object_new_int(atoi(PQgetvalue(res, row, col + 1))));
	ju_add_str(d, "state", PQgetvalue(res, row, col + 2));
	ju_add_str(d, "image", db_value(res, row, col + 3));
	ju_add_str(d, "tag", db_value(res, row, col + 4));
	ju_add_str(d, "digest", db_value(res, row, col + 5));
	ju_add_str(d, when, db_value(res, row, col + 6));
	return d;
}

/* custom_domain_status, the TXT record that proves the domain and the last check
 * (columns 30.. of MPROJ_COLS, lib/model/mproj.h); all null without a custom domain. */
static void domain_fields(struct json_object *o, const PGresult *res, int row, const char *domain)
{
	struct json_object *v = NULL;

	ju_add_str(o, "custom_domain_status", domain ? db_value(res, row, 30) : NULL);
	if (domain) {
		struct buf name = BUF_INIT, value = BUF_INIT;

		domainverify_record_name(&name, domain);
		domainverify_record_value(&value, PQgetvalue(res, row, 31));
		v = json_object_new_object();
		ju_add_str(v, "name", name.buf);
		ju_add_str(v, "type", "TXT");
		ju_add_str(v, "value", value.buf);
		ju_add_str(v, "checked_at", db_value(res, row, 32));
		ju_add_str(v, "error", db_value(res, row, 33));
		buf_release(&name);
		buf_release(&value);
	}
	json_object_object_add(o, "custom_domain_verification", v);
}

/* null while git names the version that runs; else which release git holds (it failed to go
 * live) and which one still serves. */
static struct json_object *drift_json(const PGresult *res, int row)
{
	struct json_object *o;

	if (!db_value(res, row, 36))
		return NULL;
	o = json_object_new_object();
	ju_add_str(o, "git_deployment_id", db_value(res, row, 36));
	ju_add_str(o, "serving_deployment_id", db_value(res, row, 16));
	ju_add_str(o, "message",
		   "the release in git failed to go live; the previous version keeps serving "
		   "(roll back, or deploy a fix)");
	return o;
}

/* Render one project row (MPROJ_COLS, lib/model/mproj.h) with the derived names. */
static struct json_object *project_json(struct req *r, const PGresult *res, int row)
{
	struct json_object *o = json_object_new_object(), *env_out = json_object_new_object();
	struct json_object *env_in, *resources;
	struct buf app = BUF_INIT, rel = BUF_INIT, ns = BUF_INIT, host = BUF_INIT, url = BUF_INIT;
	const char *ws = PQgetvalue(res, row, 1), *user = PQgetvalue(res, row, 2);
	const char *name = PQgetvalue(res, row, 3), *domain = db_value(res, row, 8);

	ju_add_str(o, "id", PQgetvalue(res, row, 0));
	ju_add_str(o, "workspace_id", ws);
	ju_add_str(o, "user_id", user);
	ju_add_str(o, "name", name);
	ju_add_str(o, "repo_url", PQgetvalue(res, row, 4));
	ju_add_str(o, "branch", PQgetvalue(res, row, 5));
	json_object_object_add(o, "port", json_object_new_int(atoi(PQgetvalue(res, row, 6))));
	ju_add_str(o, "framework", PQgetvalue(res, row, 7));
	ju_add_str(o, "custom_domain", domain);
	json_object_object_add(o, "auto_deploy",
			       json_object_new_boolean(*PQgetvalue(res, row, 9) == 't'));
	json_object_object_add(o, "auto_deploy_paused",
			       json_object_new_boolean(*PQgetvalue(res, row, 10) == 't'));
	json_object_object_add(o, "replicas", json_object_new_int(atoi(PQgetvalue(res, row, 11))));
	resources = json_tokener_parse(PQgetvalue(res, row, 12));
	json_object_object_add(o, "resources", resources ? resources : json_object_new_object());
	json_object_object_add(
	    o, "autoscaling",
	    PQgetisnull(res, row, 34) ? NULL : json_tokener_parse(PQgetvalue(res, row, 34)));
	env_in = json_tokener_parse(PQgetvalue(res, row, 13));
	if (env_in) {
		json_object_object_foreach(env_in, k, v)
		{
			(void)v;
			json_object_object_add(env_out, k, json_object_new_string(ENV_MASK));
		}
		json_object_put(env_in);
	}
	json_object_object_add(o, "env", env_out);
	/* Names that fail to build (a platform domain changed to something odd)
	 * come out as null rather than breaking the whole answer. */
	ju_add_str(o, "app_name", naming_app_name(&app, ws, user, name, NULL) < 0 ? NULL : app.buf);
	ju_add_str(o, "release_name",
		   naming_release_name(&rel, user, name, NULL) < 0 ? NULL : rel.buf);
	ju_add_str(o, "namespace", naming_namespace(&ns, user, NULL) < 0 ? NULL : ns.buf);
	/* the host is the custom domain only once it is verified: until then releases route
	 * the generated host alone (lib/model/domainverify) */
	if (naming_host(&host, name, user, r->app->cfg.domain,
			domainverify_route(domain, db_value(res, row, 30)), NULL) < 0) {
		ju_add_str(o, "host", NULL);
		ju_add_str(o, "live_url", NULL);
	} else {
		config_live_url(&r->app->cfg, host.buf, &url);
		ju_add_str(o, "host", host.buf);
		ju_add_str(o, "live_url", url.buf);
	}
	ju_add_str(o, "created_at", PQgetvalue(res, row, 14));
	ju_add_str(o, "updated_at", PQgetvalue(res, row, 15));
	json_object_object_add(o, "current_deployment", deploy_brief(res, row, 16, "since"));
	json_object_object_add(o, "latest_deployment", deploy_brief(res, row, 23, "created_at"));
	domain_fields(o, res, row, domain);
	json_object_object_add(o, "auto_rollback",
			       json_object_new_boolean(*PQgetvalue(res, row, 35) == 't'));
	json_object_object_add(o, "drift", drift_json(res, row));
	json_object_object_add(o, "previews",
			       json_object_new_boolean(*PQgetvalue(res, row, 37) == 't'));
	json_object_object_add(o, "preview_forks",
			       json_object_new_boolean(*PQgetvalue(res, row, 38) == 't'));
	buf_release(&app);
	buf_release(&rel);
	buf_release(&ns);
	buf_release(&host);
	buf_release(&url);
	return o;
}

static void answer_project(struct req *r, const char *id, int status)
{
	const char *params[] = {id};
	struct err e = ERR_INIT;
	PGresult *res = mproj_one(&r->app->db, params, &e);

	list_answer_one(r, res, &e, project_json, status, "no such project");
}

/* Now as an RFC 3339 UTC time with microseconds, for PostgreSQL. */
static void request_time(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;
	char base[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%.19s.%06dZ", base, (int)(ts.tv_nsec / 1000) % 1000000);
}

/* Turn a unique violation into a 409 that names the field. */
static void conflict_field(struct req *r, struct err *e, const struct project_in *in)
{
	if (e->status != 409)
		return;
	if (strstr(r->app->db.constraint, "custom_domain"))
		err_field(e, 409, "domain_taken", "custom_domain",
			  "the custom domain %s is already used by another project",
			  in->custom_domain);
	else if (strstr(r->app->db.constraint, "name"))
		err_field(e, 409, "name_taken", "name",
			  "you already have a project named %s (names are unique per user)",
			  in->name);
}

/* A custom domain must not sit under the platform domain: it could take over
 * another tenant's generated host. */
static int check_domain_scope(struct req *r, const struct project_in *in, const char *name,
			      const char *user, struct err *e)
{
	struct buf host = BUF_INIT;
	int rc = naming_host(&host, name, user, r->app->cfg.domain, in->custom_domain, e);

	buf_release(&host);
	return rc;
}

/* The autoscaling and auto_rollback the request set, if it set them, in the caller's
 * transaction. */
static int store_settings(struct req *r, const char *id, const struct project_in *in, struct err *e)
{
	const char *params[] = {id, in->autoscaling[0] ? in->autoscaling : NULL};
	const char *roll[] = {id, in->auto_rollback ? "true" : "false"};
	const char *prev[] = {id, (in->set & F_PREVIEWS) ? (in->previews ? "true" : "false") : NULL,
			      (in->set & F_FORKS) ? (in->preview_forks ? "true" : "false") : NULL};

	if ((in->set & F_AUTOSCALE) && mproj_set_autoscaling(&r->app->db, params, e) < 0)
		return -1;
	if ((in->set & F_AUTOROLL) && mproj_set_auto_rollback(&r->app->db, roll, e) < 0)
		return -1;
	if ((in->set & (F_PREVIEWS | F_FORKS)) && mproj_set_previews(&r->app->db, prev, e) < 0)
		return -1;
	return 0;
}

void h_projects_create(struct req *r)
{
	struct err e = ERR_INIT;
	struct json_object *body = NULL, *details = NULL, *empty = json_object_new_object();
	struct project_in in = {0};
	struct buf canon = BUF_INIT, env = BUF_INIT, res_txt = BUF_INIT, port = BUF_INIT,
		   replicas = BUF_INIT, repo_key = BUF_INIT;
	PGresult *res = NULL;
	char id[40], started[48];
	int hooked;

	body = req_json_body(r, &e);
	if (!body || project_parse(r, body, 0, &in, &canon, &e) < 0 ||
	    ((in.set & F_DOMAIN) && check_domain_scope(r, &in, in.name, r->user.id, &e) < 0))
		goto fail;
	if (env_seal(r, in.env ? in.env : empty, NULL, 0, &env, &e) < 0)
		goto fail;
	webhook_url_repo_key(in.repo_url, &repo_key);
	request_time(started, sizeof(started));
	/* GitHub first, with the caller's own token: a repository they cannot read is not
	 * theirs to deploy, and if the hook cannot be made, the project is not stored. */
	hooked = in.auto_deploy || in.previews; /* both are fed by the repository's hook */
	if (hooks_verify_repo(r, r->user.id, repo_key.buf, hooked, &e) < 0 ||
	    (hooked && hooks_enable(r, r->user.id, repo_key.buf, &e) < 0))
		goto fail;
	buf_addstr(&res_txt, in.resources ? ju_text(in.resources) : "{}");
	buf_addf(&port, "%ld", in.set & F_PORT ? in.port : 3000);
	buf_addf(&replicas, "%ld", in.set & F_REPLICAS ? in.replicas : 1);
	{
		const char *params[] = {r->params[0],
					r->user.id,
					in.name,
					in.repo_url,
					in.branch ? in.branch : "main",
					port.buf,
					in.framework ? in.framework : "auto",
					in.custom_domain,
					in.auto_deploy ? "true" : "false",
					replicas.buf,
					res_txt.buf,
					env.buf,
					repo_key.buf,
					started};

		if (db_begin(&r->app->db, &e) < 0)
			goto fail;
		/* created_at is when the request began: a hook's ping, sent by GitHub as the
		 * hook is made, then belongs to the project's deliveries */
		res = mproj_insert(&r->app->db, params, &e);
	}
	if (!res) {
		conflict_field(r, &e, &in);
		goto fail_tx;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	if (store_settings(r, id, &in, &e) < 0)
		goto fail_tx;
	details = audit_details(&in);
	if (audit_record(&r->app->db, r->params[0], r->user.id, "project.create", "project", id,
			 details, r->request_id, &e) < 0 ||
	    db_commit(&r->app->db, &e) < 0)
		goto fail_tx;
	answer_project(r, id, 201);
	goto out;
fail_tx:
	db_rollback(&r->app->db);
fail:
	req_error(r, &e);
out:
	json_object_put(empty);
	json_object_put(details);
	json_object_put(body);
	PQclear(res);
	buf_release(&canon);
	buf_release(&env);
	buf_release(&repo_key);
	buf_release(&res_txt);
	buf_release(&port);
	buf_release(&replicas);
}

void h_projects_list(struct req *r)
{
	struct list_page pg;
	struct err e = ERR_INIT;
	char lim[16];
	PGresult *res;

	if (list_parse(r, &pg, LIST_CURSOR_UUID) < 0)
		return;
	{
		const char *params[] = {r->params[0], pg.cursor[0] ? pg.cursor : NULL,
					list_fetch(&pg, lim, sizeof(lim))};

		res = mproj_page(&r->app->db, params, &e);
	}
	list_answer_rows(r, res, &e, &pg, project_json, 0);
}

void h_project_get(struct req *r)
{

	answer_project(r, r->project.id, 200);
}

/* The repository and whether it needs our hook (auto-deploy or previews on) before and after
 * an update. */
static int hook_state(struct req *r, const struct project_ref *p, const struct project_in *in,
		      struct buf *old_key, struct buf *new_key, int *old_auto, int *new_auto,
		      struct err *e)
{
	const char *params[] = {p->id};
	PGresult *res = mproj_hook_state(&r->app->db, params, e);

	if (!res)
		return -1;
	if (PQgetisnull(res, 0, 0))
		webhook_url_repo_key(PQgetvalue(res, 0, 1), old_key);
	else
		buf_addstr(old_key, PQgetvalue(res, 0, 0));
	{
		int auto_deploy = *PQgetvalue(res, 0, 2) == 't';
		int previews = *PQgetvalue(res, 0, 3) == 't';

		*old_auto = auto_deploy || previews;
		*new_auto = (in->set & F_AUTO ? in->auto_deploy : auto_deploy) ||
			    (in->set & F_PREVIEWS ? in->previews : previews);
	}
	PQclear(res);
	if (in->set & F_REPO)
		webhook_url_repo_key(in->repo_url, new_key);
	else
		buf_addstr(new_key, old_key->buf);
	return 0;
}

/* The project's row after an update: only the fields the request set change; env is the sealed
 * env when it was set; repo_key the repository's key; verify: the caller's access to it was
 * checked with GitHub just now. -1 with e set (409 on a name or domain taken). */
static int update_row(struct req *r, const struct project_in *in, const char *env,
		      const char *repo_key, int verify, struct err *e)
{
	struct buf port = BUF_INIT, replicas = BUF_INIT;
	int rc;

	if (in->set & F_PORT)
		buf_addf(&port, "%ld", in->port);
	if (in->set & F_REPLICAS)
		buf_addf(&replicas, "%ld", in->replicas);
	{
		const char *params[] = {r->project.id,
					in->set & F_REPO ? in->repo_url : NULL,
					in->set & F_BRANCH ? in->branch : NULL,
					in->set & F_PORT ? port.buf : NULL,
					in->set & F_FRAMEWORK ? in->framework : NULL,
					in->set & F_DOMAIN ? "t" : "f",
					in->custom_domain,
					in->set & F_AUTO ? (in->auto_deploy ? "true" : "false")
							 : NULL,
					in->set & F_REPLICAS ? replicas.buf : NULL,
					in->set & F_RESOURCES ? ju_text(in->resources) : NULL,
					in->set & F_ENV ? env : NULL,
					repo_key,
					verify ? r->user.id : NULL};

		/* Turning auto-deploy on again also lifts a pause a rollback put on it. */
		rc = mproj_update(&r->app->db, params, e);
		if (rc < 0)
			conflict_field(r, e, in);
	}
	buf_release(&port);
	buf_release(&replicas);
	return rc < 0 ? -1 : 0;
}

void h_project_update(struct req *r)
{
	struct err e = ERR_INIT;
	struct json_object *body = NULL, *old_env = NULL, *details = NULL;
	struct project_in in;
	struct buf canon = BUF_INIT, env = BUF_INIT;
	struct buf old_key = BUF_INIT, new_key = BUF_INIT;
	int old_auto = 0, new_auto = 0, verify = 0;
	PGresult *res = NULL;

	body = req_json_body(r, &e);
	if (!body || project_parse(r, body, 1, &in, &canon, &e) < 0)
		goto fail;
	if ((in.set & F_NAME) && strcmp(in.name, r->project.name)) {
		err_field(&e, 422, "immutable_field", "name",
			  "a project's name cannot change (it names the app, its host and its "
			  "GitOps folder); create a new project instead");
		goto fail;
	}
	if ((in.set & F_DOMAIN) &&
	    check_domain_scope(r, &in, r->project.name, r->project.user_id, &e) < 0)
		goto fail;
	if (hook_state(r, &r->project, &in, &old_key, &new_key, &old_auto, &new_auto, &e) < 0)
		goto fail;
	/* GitHub first, with the caller's own token: another repository, or auto-deploy
	 * turned on, must be readable by the caller (and administrable when a hook has to be
	 * made); if the hook cannot be made, the project stays as it was. */
	verify = strcmp(old_key.buf, new_key.buf) || (new_auto && !old_auto);
	if (verify && hooks_verify_repo(r, r->user.id, new_key.buf, new_auto, &e) < 0)
		goto fail;
	/* previews turned on: the repository's hook may be one of push only (hooks_enable) */
	if (new_auto &&
	    (!old_auto || strcmp(old_key.buf, new_key.buf) ||
	     ((in.set & F_PREVIEWS) && in.previews)) &&
	    hooks_enable(r, r->user.id, new_key.buf, &e) < 0)
		goto fail;
	if (db_begin(&r->app->db, &e) < 0)
		goto fail;
	{
		const char *params[] = {r->project.id};

		res = mproj_lock_env(&r->app->db, params, &e);
		if (!res)
			goto fail_tx;
		old_env = json_tokener_parse(PQgetvalue(res, 0, 0));
		PQclear(res);
		res = NULL;
	}
	if ((in.set & F_ENV) && env_seal(r, in.env, old_env, 1, &env, &e) < 0)
		goto fail_tx;
	if (update_row(r, &in, env.buf, new_key.buf, verify, &e) < 0)
		goto fail_tx;
	if (store_settings(r, r->project.id, &in, &e) < 0)
		goto fail_tx;
	details = audit_details(&in);
	if (audit_record(&r->app->db, r->project.workspace_id, r->user.id, "project.update",
			 "project", r->project.id, details, r->request_id, &e) < 0 ||
	    db_commit(&r->app->db, &e) < 0)
		goto fail_tx;
	if (old_auto && (!new_auto || strcmp(old_key.buf, new_key.buf)))
		hooks_disable_if_unused(r, r->user.id, old_key.buf);
	answer_project(r, r->project.id, 200);
	goto out;
fail_tx:
	db_rollback(&r->app->db);
fail:
	req_error(r, &e);
out:
	json_object_put(details);
	json_object_put(old_env);
	json_object_put(body);
	PQclear(res);
	buf_release(&canon);
	buf_release(&env);
	buf_release(&old_key);
	buf_release(&new_key);
}

void h_project_delete(struct req *r)
{
	struct err e = ERR_INIT;
	struct json_object *payload;

	payload = json_object_new_object();
	ju_add_str(payload, "workspace_id", r->project.workspace_id);
	ju_add_str(payload, "user_id", r->project.user_id);
	ju_add_str(payload, "project", r->project.name);
	ju_add_str(payload, "triggered_by", r->user.id);
	{
		const char *params[] = {r->project.id};
		const char *job[] = {ju_text(payload)};

		/* The project row stays (its deployments are history); its GitOps
		 * folder is removed by the worker, and the name and domain are free
		 * again at once. */
		if (db_begin(&r->app->db, &e) < 0 ||
		    mproj_mark_deleted(&r->app->db, params, &e) < 0 ||
		    queue_add_gitops_remove(&r->app->db, job, &e) < 0 ||
		    preview_remove_all(&r->app->db, r->project.id, PREVIEW_PROJECT_DELETED, &e) <
			0 ||
		    audit_record(&r->app->db, r->project.workspace_id, r->user.id, "project.delete",
				 "project", r->project.id, NULL, r->request_id, &e) < 0 ||
		    db_commit(&r->app->db, &e) < 0) {
			db_rollback(&r->app->db);
			json_object_put(payload);
			req_error(r, &e);
			return;
		}
	}
	json_object_put(payload);
	{
		const char *params[] = {r->project.id};
		PGresult *res = mproj_repo_key(&r->app->db, params, &e);

		if (res && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
			hooks_disable_if_unused(r, r->user.id, PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	req_send(r, 204, NULL, "", 0);
}
