/* gitops_values.c: the checks of an app's values, and its Chart.yaml and values.yaml through
 * libyaml */
#include "gitops.h"
#include "gitops_int.h"

#include "naming.h"
#include "yamlout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_MAX	     128
#define LINE_MAX_LEN 256 /* image repository, framework, paths in values */

/* ---- checks of values that are not names (names are lib/rules/naming's) ---- */

static int is_tag_char(unsigned char c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
		return 1;
	return !first && (c == '.' || c == '-');
}

/* An image tag as the registry API allows it: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
static int check_tag(const char *field, const char *s, struct err *e)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > TAG_MAX)
		return err_field(e, 422, "invalid_value", field, "%s must be 1 to %d characters",
				 field, TAG_MAX);
	for (size_t i = 0; i < n; i++) {
		if (!is_tag_char((unsigned char)s[i], i == 0))
			return err_field(
			    e, 422, "invalid_value", field,
			    "%s may hold letters, digits, '_', '.' and '-' and must not "
			    "start with '.' or '-'",
			    field);
	}
	return 0;
}

/* One line of printable text, no control characters: it goes into a commit
 * message trailer or a YAML value that a person reads. */
int gitops_check_line(const char *field, const char *s, int required, size_t max, struct err *e)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0) {
		if (required)
			return err_field(e, 422, "invalid_value", field, "%s is required", field);
		return 0;
	}
	if (n > max)
		return err_field(e, 422, "invalid_value", field, "%s is longer than %zu", field,
				 max);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return err_field(e, 422, "invalid_value", field,
					 "%s must be one line without control characters", field);
	}
	return 0;
}

/* An image repository: host[:port]/path, lowercase path parts, no spaces. */
static int check_repository(const char *s, struct err *e)
{
	if (gitops_check_line("image", s, 1, LINE_MAX_LEN, e) < 0)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p == ' ' || *p == '@' || *p == '"' || *p == '\\')
			return err_field(e, 422, "invalid_value", "image",
					 "image must be a repository without tag or digest, e.g. "
					 "registry:5000/ws/app");
	}
	if (s[strlen(s) - 1] == '/' || s[0] == '/')
		return err_field(e, 422, "invalid_value", "image",
				 "image must not start or end with '/'");
	return 0;
}

/* A Kubernetes quantity such as 250m, 0.5, 128Mi or 1G. */
static int check_quantity(const char *field, const char *s, struct err *e)
{
	static const char *const suffixes[] = {"",   "m",  "k",	 "M",  "G", "T",
					       "Ki", "Mi", "Gi", "Ti", NULL};
	const char *p = s;
	int digits = 0;

	if (!s)
		return 0;
	while (*p >= '0' && *p <= '9')
		p++, digits++;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++, digits++;
	}
	for (int i = 0; digits && suffixes[i]; i++) {
		if (!strcmp(p, suffixes[i]) && strlen(s) <= 32)
			return 0;
	}
	return err_field(e, 422, "invalid_value", field,
			 "%s must be a Kubernetes quantity such as 250m, 0.5 or 128Mi", field);
}

/* An annotation key: [prefix/]name with letters, digits, '-', '_', '.'. */
static int check_annotation_key(const char *k, struct err *e)
{
	size_t n = k ? strlen(k) : 0;

	if (n == 0 || n > 253 + 1 + 63)
		return err_field(e, 422, "invalid_value", "annotations",
				 "an annotation key must be 1 to 317 characters");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == '/'))
			return err_field(e, 422, "invalid_value", "annotations",
					 "annotation key '%.64s' has a character outside "
					 "[A-Za-z0-9._/-]",
					 k);
	}
	return 0;
}

static int check_range(const char *field, int v, int lo, int hi, struct err *e)
{
	if (v < lo || v > hi)
		return err_field(e, 422, "invalid_value", field, "%s must be %d to %d", field, lo,
				 hi);
	return 0;
}

int gitops_check_app(const struct gitops_app *app, struct err *e)
{
	if (naming_check_id("workspace_id", app->workspace, e) < 0 ||
	    naming_check_id("user_id", app->user, e) < 0 ||
	    naming_check_project("name", app->project, e) < 0)
		return -1;
	return 0;
}

/* A sealed value is base64 of kubeseal's blob: nothing else may pass for one. */
static int is_sealed_value(const char *s)
{
	size_t n = s ? strlen(s) : 0, pad = 0;

	if (n < 4 || n % 4)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '=' && i + 2 >= n)
			pad++;
		else if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				  (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return 0;
	}
	return 1;
}

static int check_kvs(const struct gitops_values *v, struct err *e)
{
	for (size_t i = 0; i < v->n_sealed_env; i++) {
		if (naming_check_env_name("env", v->sealed_env[i].key, e) < 0)
			return -1;
		if (!is_sealed_value(v->sealed_env[i].value))
			return err_field(
			    e, 422, "invalid_value", "env",
			    "env %s is not a sealed value (base64 of kubeseal's format)",
			    v->sealed_env[i].key);
	}
	for (size_t i = 0; i < v->n_annotations; i++) {
		if (check_annotation_key(v->annotations[i].key, e) < 0)
			return -1;
		if (!v->annotations[i].value)
			return err_field(e, 422, "invalid_value", "annotations",
					 "annotation %s has no value", v->annotations[i].key);
	}
	return 0;
}

int gitops_check(const struct gitops_app *app, const struct gitops_values *v, struct err *e)
{
	struct buf host = BUF_INIT;
	int rc;

	if (gitops_check_app(app, e) < 0 || check_repository(v->image_repository, e) < 0 ||
	    check_tag("tag", v->image_tag, e) < 0 ||
	    check_range("port", v->port, 0, 65535, e) < 0 ||
	    check_range("replicas", v->replicas, 0, GITOPS_MAX_REPLICAS, e) < 0 ||
	    check_range("min_replicas", v->min_replicas, 0, 100, e) < 0 ||
	    check_range("max_replicas", v->max_replicas, 0, 100, e) < 0 ||
	    check_range("target_cpu", v->target_cpu, 0, 100, e) < 0 ||
	    check_quantity("cpu_request", v->cpu_request, e) < 0 ||
	    check_quantity("memory_request", v->memory_request, e) < 0 ||
	    check_quantity("cpu_limit", v->cpu_limit, e) < 0 ||
	    check_quantity("memory_limit", v->memory_limit, e) < 0 ||
	    gitops_check_line("framework", v->framework, 0, 64, e) < 0 ||
	    gitops_check_line("ingress_class", v->ingress_class, 0, 253, e) < 0 ||
	    gitops_check_line("health_path", v->health_path, 0, LINE_MAX_LEN, e) < 0 ||
	    check_kvs(v, e) < 0)
		return -1;
	if (v->autoscaling &&
	    (v->min_replicas ? v->min_replicas : 1) > (v->max_replicas ? v->max_replicas : 3))
		return err_field(e, 422, "invalid_value", "max_replicas",
				 "max_replicas must not be below min_replicas");
	if (v->tls_secret && *v->tls_secret && !naming_is_dns_name(v->tls_secret))
		return err_field(e, 422, "invalid_value", "tls_secret",
				 "tls_secret must be a DNS-1123 name");
	if (v->pull_secret && *v->pull_secret && !naming_is_dns_name(v->pull_secret))
		return err_field(e, 422, "invalid_value", "pull_secret",
				 "pull_secret must be a DNS-1123 name");
	rc = naming_host(&host, app->project, app->user, v->domain ? v->domain : "apps.localhost",
			 v->custom_domain, e);
	buf_release(&host);
	return rc;
}

/* ---- Chart.yaml and values.yaml, through libyaml ---- */

static void kv_map(struct yamlout *y, const char *key, const struct gitops_kv *kv, size_t n)
{
	yamlout_key(y, key);
	if (!n) {
		yamlout_empty_map(y);
		return;
	}
	yamlout_map_start(y);
	for (size_t i = 0; i < n; i++) {
		yamlout_key(y, kv[i].key);
		yamlout_str(y, kv[i].value);
	}
	yamlout_map_end(y);
}

static void pair_str(struct yamlout *y, const char *key, const char *value)
{
	yamlout_key(y, key);
	yamlout_str(y, value);
}

static void pair_int(struct yamlout *y, const char *key, long value)
{
	yamlout_key(y, key);
	yamlout_int(y, value);
}

static void pair_bool(struct yamlout *y, const char *key, int value)
{
	yamlout_key(y, key);
	yamlout_bool(y, value);
}

const char *gitops_str_or(const char *s, const char *def)
{
	return s && *s ? s : def;
}

void gitops_names_release(struct gitops_names *n)
{
	buf_release(&n->app);
	buf_release(&n->release);
	buf_release(&n->ns);
	buf_release(&n->host);
	buf_release(&n->path);
	buf_release(&n->secret);
}

int gitops_names_init(struct gitops_names *n, const struct gitops_app *app,
		      const struct gitops_values *v, struct err *e)
{
	buf_init(&n->app, 0);
	buf_init(&n->release, 0);
	buf_init(&n->ns, 0);
	buf_init(&n->host, 0);
	buf_init(&n->path, 0);
	buf_init(&n->secret, 0);
	if (gitops_env_secret_name(&n->secret, app, e) < 0 ||
	    naming_app_name(&n->app, app->workspace, app->user, app->project, e) < 0 ||
	    naming_release_name(&n->release, app->user, app->project, e) < 0 ||
	    naming_namespace(&n->ns, app->user, e) < 0 ||
	    naming_app_path(&n->path, app->workspace, app->user, app->project, e) < 0)
		return -1;
	if (v && naming_host(&n->host, app->project, app->user,
			     gitops_str_or(v->domain, "apps.localhost"), v->custom_domain, e) < 0)
		return -1;
	return 0;
}

int gitops_env_secret_name(struct buf *out, const struct gitops_app *app, struct err *e)
{
	if (naming_release_name(out, app->user, app->project, e) < 0)
		return -1;
	buf_addstr(out, "-env"); /* a release is at most 53: the name stays a DNS label */
	return 0;
}

static void values_resources(struct yamlout *y, const struct gitops_values *v)
{
	yamlout_key(y, "resources");
	yamlout_map_start(y);
	yamlout_key(y, "requests");
	yamlout_map_start(y);
	pair_str(y, "cpu", gitops_str_or(v->cpu_request, "50m"));
	pair_str(y, "memory", gitops_str_or(v->memory_request, "64Mi"));
	yamlout_map_end(y);
	yamlout_key(y, "limits");
	yamlout_map_start(y);
	pair_str(y, "cpu", gitops_str_or(v->cpu_limit, "500m"));
	pair_str(y, "memory", gitops_str_or(v->memory_limit, "256Mi"));
	yamlout_map_end(y);
	yamlout_map_end(y);
}

static void values_ingress(struct yamlout *y, const struct gitops_values *v,
			   const struct gitops_names *n)
{
	yamlout_key(y, "ingress");
	yamlout_map_start(y);
	pair_bool(y, "enabled", 1);
	pair_str(y, "className", gitops_str_or(v->ingress_class, "nginx"));
	pair_str(y, "host", n->host.buf);
	kv_map(y, "annotations", v->annotations, v->n_annotations);
	yamlout_key(y, "tls");
	yamlout_map_start(y);
	pair_bool(y, "enabled", v->tls);
	pair_str(y, "secretName", gitops_str_or(v->tls_secret, ""));
	yamlout_map_end(y);
	yamlout_map_end(y);
}

static void values_body(struct yamlout *y, const struct gitops_app *app,
			const struct gitops_values *v, const struct gitops_names *n)
{
	yamlout_map_start(y);
	yamlout_key(y, "app");
	yamlout_map_start(y);
	pair_str(y, "name", n->app.buf);
	pair_str(y, "workspace", app->workspace);
	pair_str(y, "user", app->user);
	pair_str(y, "project", app->project);
	pair_str(y, "releaseName", n->release.buf);
	pair_str(y, "framework", gitops_str_or(v->framework, ""));
	yamlout_map_end(y);
	pair_str(y, "namespace", n->ns.buf);
	yamlout_key(y, "image");
	yamlout_map_start(y);
	pair_str(y, "repository", v->image_repository);
	pair_str(y, "tag", v->image_tag);
	pair_str(y, "pullPolicy", "IfNotPresent");
	pair_str(y, "pullSecret", gitops_str_or(v->pull_secret, ""));
	yamlout_map_end(y);
	pair_int(y, "port", v->port ? v->port : 8080);
	pair_int(y, "replicas", v->replicas);
	values_ingress(y, v, n);
	yamlout_key(y, "sealedEnv");
	yamlout_map_start(y);
	pair_str(y, "secretName", n->secret.buf);
	kv_map(y, "encryptedData", v->sealed_env, v->n_sealed_env);
	yamlout_map_end(y);
	values_resources(y, v);
	yamlout_key(y, "autoscaling");
	yamlout_map_start(y);
	pair_bool(y, "enabled", v->autoscaling);
	pair_int(y, "minReplicas", v->min_replicas ? v->min_replicas : 1);
	pair_int(y, "maxReplicas", v->max_replicas ? v->max_replicas : 3);
	pair_int(y, "targetCPUUtilizationPercentage", v->target_cpu ? v->target_cpu : 80);
	yamlout_map_end(y);
	yamlout_key(y, "probes");
	yamlout_map_start(y);
	pair_bool(y, "enabled", !v->no_probes);
	pair_str(y, "path", gitops_str_or(v->health_path, "/"));
	yamlout_map_end(y);
	yamlout_map_end(y);
}

int gitops_values_yaml(struct buf *out, const struct gitops_app *app, const struct gitops_values *v,
		       struct err *e)
{
	struct gitops_names n;
	struct yamlout y;
	size_t start = out->len;
	int rc = -1;

	if (gitops_check(app, v, e) < 0)
		return -1;
	if (gitops_names_init(&n, app, v, e) < 0)
		goto out_names;
	buf_addstr(out,
		   "# values.yaml: written by the platform (lib/clients/gitops) on each release\n");
	yamlout_init(&y, out);
	values_body(&y, app, v, &n);
	rc = yamlout_finish(&y, e);
	yamlout_release(&y);
	if (rc < 0)
		buf_truncate(out, start);
out_names:
	gitops_names_release(&n);
	return rc;
}

int gitops_chart_yaml(struct buf *out, const struct gitops_app *app, const char *tag, long long seq,
		      struct err *e)
{
	struct yamlout y;
	size_t start = out->len;
	int rc;

	if (gitops_check_app(app, e) < 0 || check_tag("tag", tag, e) < 0)
		return -1;
	yamlout_init(&y, out);
	yamlout_map_start(&y);
	yamlout_key(&y, "apiVersion");
	yamlout_str(&y, "v2");
	pair_str(&y, "name", app->project);
	pair_str(&y, "description", "platform app");
	pair_str(&y, "type", "application");
	pair_str(&y, "version", "1.0.0");
	pair_str(&y, "appVersion", tag);
	if (seq > 0) {
		char n[24];

		snprintf(n, sizeof(n), "%lld", seq);
		yamlout_key(&y, "annotations");
		yamlout_map_start(&y);
		pair_str(&y, "deployment-seq", n);
		yamlout_map_end(&y);
	}
	yamlout_map_end(&y);
	rc = yamlout_finish(&y, e);
	yamlout_release(&y);
	if (rc < 0)
		buf_truncate(out, start);
	return rc;
}