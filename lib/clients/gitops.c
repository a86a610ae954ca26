/* gitops.c: release commits into the GitOps repository with libgit2, no work tree */
#include "gitops.h"

#include "log.h"
#include "metrics.h"
#include "naming.h"
#include "yamldoc.h"
#include "yamlout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TAG_MAX	     128
#define LINE_MAX_LEN 256 /* trailers, image repository, framework, paths in values */

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
static int check_line(const char *field, const char *s, int required, size_t max, struct err *e)
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
	if (check_line("image", s, 1, LINE_MAX_LEN, e) < 0)
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

static int check_app(const struct gitops_app *app, struct err *e)
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

	if (check_app(app, e) < 0 || check_repository(v->image_repository, e) < 0 ||
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
	    check_line("framework", v->framework, 0, 64, e) < 0 ||
	    check_line("ingress_class", v->ingress_class, 0, 253, e) < 0 ||
	    check_line("health_path", v->health_path, 0, LINE_MAX_LEN, e) < 0 ||
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

static const char *str_or(const char *s, const char *def)
{
	return s && *s ? s : def;
}

/* The names derived from the app, computed once. */
struct names {
	struct buf app, release, ns, host, path, secret;
};

static void names_release(struct names *n)
{
	buf_release(&n->app);
	buf_release(&n->release);
	buf_release(&n->ns);
	buf_release(&n->host);
	buf_release(&n->path);
	buf_release(&n->secret);
}

static int names_init(struct names *n, const struct gitops_app *app, const struct gitops_values *v,
		      struct err *e)
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
	if (v && naming_host(&n->host, app->project, app->user, str_or(v->domain, "apps.localhost"),
			     v->custom_domain, e) < 0)
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
	pair_str(y, "cpu", str_or(v->cpu_request, "50m"));
	pair_str(y, "memory", str_or(v->memory_request, "64Mi"));
	yamlout_map_end(y);
	yamlout_key(y, "limits");
	yamlout_map_start(y);
	pair_str(y, "cpu", str_or(v->cpu_limit, "500m"));
	pair_str(y, "memory", str_or(v->memory_limit, "256Mi"));
	yamlout_map_end(y);
	yamlout_map_end(y);
}

static void values_ingress(struct yamlout *y, const struct gitops_values *v, const struct names *n)
{
	yamlout_key(y, "ingress");
	yamlout_map_start(y);
	pair_bool(y, "enabled", 1);
	pair_str(y, "className", str_or(v->ingress_class, "nginx"));
	pair_str(y, "host", n->host.buf);
	kv_map(y, "annotations", v->annotations, v->n_annotations);
	yamlout_key(y, "tls");
	yamlout_map_start(y);
	pair_bool(y, "enabled", v->tls);
	pair_str(y, "secretName", str_or(v->tls_secret, ""));
	yamlout_map_end(y);
	yamlout_map_end(y);
}

static void values_body(struct yamlout *y, const struct gitops_app *app,
			const struct gitops_values *v, const struct names *n)
{
	yamlout_map_start(y);
	yamlout_key(y, "app");
	yamlout_map_start(y);
	pair_str(y, "name", n->app.buf);
	pair_str(y, "workspace", app->workspace);
	pair_str(y, "user", app->user);
	pair_str(y, "project", app->project);
	pair_str(y, "releaseName", n->release.buf);
	pair_str(y, "framework", str_or(v->framework, ""));
	yamlout_map_end(y);
	pair_str(y, "namespace", n->ns.buf);
	yamlout_key(y, "image");
	yamlout_map_start(y);
	pair_str(y, "repository", v->image_repository);
	pair_str(y, "tag", v->image_tag);
	pair_str(y, "pullPolicy", "IfNotPresent");
	pair_str(y, "pullSecret", str_or(v->pull_secret, ""));
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
	pair_str(y, "path", str_or(v->health_path, "/"));
	yamlout_map_end(y);
	yamlout_map_end(y);
}

int gitops_values_yaml(struct buf *out, const struct gitops_app *app, const struct gitops_values *v,
		       struct err *e)
{
	struct names n;
	struct yamlout y;
	size_t start = out->len;
	int rc = -1;

	if (gitops_check(app, v, e) < 0)
		return -1;
	if (names_init(&n, app, v, e) < 0)
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
	names_release(&n);
	return rc;
}

int gitops_chart_yaml(struct buf *out, const struct gitops_app *app, const char *tag, long long seq,
		      struct err *e)
{
	struct yamlout y;
	size_t start = out->len;
	int rc;

	if (check_app(app, e) < 0 || check_tag("tag", tag, e) < 0)
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

/* ---- remote URLs: credentials out, before libgit2 or a message sees them ---- */

struct remote_url {
	char *clean; /* handed to libgit2: no password */
	char *shown; /* for messages: no user information at all */
	char *user;  /* from the URL, or NULL */
	char *pass;  /* token or password from the URL, or NULL */
	char *path;  /* local remotes: the repository folder; else NULL */
};

static void remote_url_release(struct remote_url *u)
{
	free(u->clean);
	free(u->shown);
	free(u->user);
	if (u->pass) {
		explicit_bzero(u->pass, strlen(u->pass));
		free(u->pass);
	}
	free(u->path);
	memset(u, 0, sizeof(*u));
}

static int is_local_url(const char *url)
{
	const char *colon = strchr(url, ':');
	const char *slash = strchr(url, '/');

	if (!strncmp(url, "file://", 7))
		return 1;
	/* scp-like "host:path" has a ':' before any '/'. */
	return !strstr(url, "://") && (!colon || (slash && slash < colon));
}

static int url_parse_local(struct remote_url *u, const char *url, struct err *e)
{
	const char *p = !strncmp(url, "file://", 7) ? url + 7 : url;
	char real[PATH_MAX];

	if (!realpath(p, real))
		return err_set(e, 502, "remote_unreachable", "cannot open the gitops remote %s: %s",
			       p, strerror(errno));
	u->path = xstrdup(real);
	u->clean = xstrdup(real);
	u->shown = xstrdup(real);
	return 0;
}

/* Split "scheme://user:pass@host/path". scp-like "user@host:path" keeps its
 * user (no secret there) but shows without it. */
static int url_parse(struct remote_url *u, const char *url, struct err *e)
{
	const char *sep, *host, *at, *slash;
	struct buf b = BUF_INIT;

	memset(u, 0, sizeof(*u));
	if (!url || !*url)
		return err_field(e, 400, "invalid_value", "gitops_url",
				 "no gitops remote: set PLATFORM_GITOPS_URL or --remote");
	if (is_local_url(url))
		return url_parse_local(u, url, e);
	sep = strstr(url, "://");
	if (!sep) {
		at = strchr(url, '@');
		u->clean = xstrdup(url);
		u->shown = xstrdup(at && at < strchr(url, ':') ? at + 1 : url);
		return 0;
	}
	host = sep + 3;
	slash = strchr(host, '/');
	at = memchr(host, '@', slash ? (size_t)(slash - host) : strlen(host));
	if (!at) {
		u->clean = xstrdup(url);
		u->shown = xstrdup(url);
		return 0;
	}
	{
		const char *colon = memchr(host, ':', (size_t)(at - host));

		u->user = xstrndup(host, (size_t)((colon ? colon : at) - host));
		if (colon)
			u->pass = xstrndup(colon + 1, (size_t)(at - colon - 1));
	}
	buf_add(&b, url, (size_t)(host - url));
	buf_addstr(&b, at + 1);
	u->shown = xstrdup(b.buf);
	/* ssh takes the user from the URL; http gets it from the callback. */
	if (!strncmp(url, "ssh://", 6)) {
		buf_reset(&b);
		buf_add(&b, url, (size_t)(host - url));
		buf_addstr(&b, u->user);
		buf_addstr(&b, at);
	}
	u->clean = buf_detach(&b, NULL);
	return 0;
}

void gitops_url_redact(struct buf *out, const char *url)
{
	struct remote_url u;

	if (!url) {
		buf_addstr(out, "(none)");
		return;
	}
	if (is_local_url(url)) {
		buf_addstr(out, url);
		return;
	}
	if (url_parse(&u, url, NULL) < 0) {
		buf_addstr(out, "(invalid url)");
		return;
	}
	buf_addstr(out, u.shown);
	remote_url_release(&u);
}

void gitops_default_cache_dir(struct buf *out, const char *url)
{
	const char *base;
	struct buf shown = BUF_INIT;
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];

	/* PLATFORM_GITOPS_CACHE reaches here as opts.cache_dir (the callers' settings) */
	if ((base = getenv("XDG_CACHE_HOME")) && *base) {
		buf_addf(out, "%s/platform/gitops", base);
	} else {
		buf_addf(out, "%s/.cache/platform/gitops", str_or(getenv("HOME"), "/tmp"));
	}
	gitops_url_redact(&shown, url);
	git_odb_hash(&oid, shown.buf, shown.len, GIT_OBJECT_BLOB);
	git_oid_tostr(hex, sizeof(hex), &oid);
	buf_addf(out, "/%.16s", hex);
	buf_release(&shown);
}

/* ---- libgit2 errors ---- */

static const char *git_msg(void)
{
	const git_error *ge = git_error_last();

	return ge && ge->message ? ge->message : "unknown libgit2 error";
}

static int git_fail(struct err *e, const char *what)
{
	return err_set(e, 500, "gitops_error", "%s: %s", what, git_msg());
}

/* ---- a session: the cache, its lock, the remote, credentials ---- */

struct session {
	const struct gitops_opts *o;
	struct remote_url url;
	git_repository *repo;
	int lock_fd;
	int git_inited;
	char branch[NAMING_BRANCH_MAX + 1];
	char head_ref[NAMING_BRANCH_MAX + 16];	/* refs/heads/<branch> */
	char track_ref[NAMING_BRANCH_MAX + 24]; /* refs/remotes/origin/<branch> */
	int secret_tries;			/* credentials handed out this connection */
	int auth_failed;
	int borrowing;	       /* a local remote's objects are an alternate of the cache's */
	char push_status[256]; /* a ref rejection from the server */
};

static int mkdir_p(const char *path, struct err *e)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return err_set(e, 500, "gitops_error", "cache path too long");
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return err_set(e, 500, "gitops_error", "cannot create %s: %s", tmp,
				       strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return err_set(e, 500, "gitops_error", "cannot create %s: %s", tmp,
			       strerror(errno));
	return 0;
}

/* Open (or create) the bare cache and hold its lock until session_close. */
static int cache_open(struct session *s, struct err *e)
{
	struct buf dir = BUF_INIT, lock = BUF_INIT;
	int rc = -1;

	if (s->o->cache_dir && *s->o->cache_dir)
		buf_addstr(&dir, s->o->cache_dir);
	else
		gitops_default_cache_dir(&dir, s->o->url);
	if (mkdir_p(dir.buf, e) < 0)
		goto out;
	buf_addf(&lock, "%s/platform.lock", dir.buf);
	s->lock_fd = open(lock.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX) < 0) {
		err_set(e, 500, "gitops_error", "cannot lock the cache %s: %s", dir.buf,
			strerror(errno));
		goto out;
	}
	if (git_repository_open_bare(&s->repo, dir.buf) < 0 &&
	    git_repository_init(&s->repo, dir.buf, 1) < 0) {
		git_fail(e, "cannot open the gitops cache");
		goto out;
	}
	rc = 0;
out:
	buf_release(&dir);
	buf_release(&lock);
	return rc;
}

static void session_close(struct session *s)
{
	git_repository_free(s->repo);
	s->repo = NULL;
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* drops the flock */
	s->lock_fd = -1;
	remote_url_release(&s->url);
	if (s->git_inited)
		git_libgit2_shutdown();
	s->git_inited = 0;
}

static int session_open(struct session *s, const struct gitops_opts *o, int want_cache,
			struct err *e)
{
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	s->o = o;
	snprintf(s->branch, sizeof(s->branch), "%s", str_or(o->branch, GITOPS_DEFAULT_BRANCH));
	if (naming_check_branch("branch", s->branch, e) < 0)
		return -1;
	snprintf(s->head_ref, sizeof(s->head_ref), "refs/heads/%s", s->branch);
	snprintf(s->track_ref, sizeof(s->track_ref), "refs/remotes/origin/%s", s->branch);
	if (url_parse(&s->url, o->url, e) < 0)
		return -1;
	git_libgit2_init();
	s->git_inited = 1;
	if (want_cache && cache_open(s, e) < 0) {
		session_close(s);
		return -1;
	}
	return 0;
}

void gitops_process_init(void)
{
	git_libgit2_init();
}

void gitops_process_end(void)
{
	git_libgit2_shutdown();
}

static int cred_cb(git_credential **out, const char *url, const char *user_from_url,
		   unsigned int allowed, void *payload)
{
	struct session *s = payload;
	const char *user = str_or(user_from_url, str_or(s->url.user, "git"));

	(void)url;
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	/* libgit2 asks again after each refusal: one try, then give up. */
	if (s->secret_tries++ > 0) {
		s->auth_failed = 1;
		git_error_set_str(GIT_ERROR_NET, "the remote refused the credentials");
		return GIT_EAUTH;
	}
	if ((allowed & GIT_CREDENTIAL_SSH_KEY) && s->o->ssh_key)
		return git_credential_ssh_key_new(out, user, s->o->ssh_pubkey, s->o->ssh_key,
						  s->o->ssh_passphrase);
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && s->url.user)
		return git_credential_userpass_plaintext_new(out, s->url.user,
							     str_or(s->url.pass, ""));
	s->auth_failed = 1;
	git_error_set_str(GIT_ERROR_NET, "the remote asks for credentials and none were given");
	return GIT_EAUTH;
}

static void callbacks_init(struct session *s, git_remote_callbacks *cb)
{
	git_remote_init_callbacks(cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb->credentials = cred_cb;
	cb->payload = s;
	s->secret_tries = 0;
	s->auth_failed = 0;
}

/* A failed connection, fetch or push: say whether it was the credentials or
 * the network, naming the remote without its secrets. */
static int remote_fail(struct session *s, int rc, const char *what, struct err *e)
{
	if (s->auth_failed || rc == GIT_EAUTH)
		return err_set(e, 502, "auth_failed", "cannot %s the gitops remote %s: %s", what,
			       s->url.shown, "authentication failed");
	return err_set(e, 502, "remote_unreachable", "cannot %s the gitops remote %s: %s", what,
		       s->url.shown, git_msg());
}

/* ---- fetch ---- */

/* A local remote: read its branch and borrow its objects (an alternate object database of
 * the cache) instead of copying them. libgit2's local transport builds the pack for a fetch
 * by marking every tree of the tip we already have as uninteresting, which reads the whole
 * tree of the repository (80 ms at 10,000 apps) to bring in a commit or two. */
static int fetch_local(struct session *s, git_oid *tip, int *have, struct err *e)
{
	git_repository *remote = NULL;
	git_odb *odb = NULL;
	git_buf objdir = GIT_BUF_INIT;
	int rc = -1;

	if (git_repository_open_bare(&remote, s->url.path) < 0) {
		err_set(e, 502, "remote_unreachable",
			"cannot open the gitops remote %s (a bare repository): %s", s->url.shown,
			git_msg());
		goto out;
	}
	*have = git_reference_name_to_id(tip, remote, s->head_ref) == 0;
	git_error_clear();
	if (!*have) {
		rc = 0;
		goto out;
	}
	if (!s->borrowing &&
	    (git_repository_item_path(&objdir, remote, GIT_REPOSITORY_ITEM_OBJECTS) < 0 ||
	     git_repository_odb(&odb, s->repo) < 0 ||
	     git_odb_add_disk_alternate(odb, objdir.ptr) < 0)) {
		git_fail(e, "cannot read the objects of the gitops remote");
		goto out;
	}
	s->borrowing = 1;
	if (git_reference_create(NULL, s->repo, s->track_ref, tip, 1, "fetch") < 0) {
		git_fail(e, "cannot record the fetched tip");
		goto out;
	}
	rc = 0;
out:
	git_buf_dispose(&objdir);
	git_odb_free(odb);
	git_repository_free(remote);
	return rc;
}

/* Bring the remote branch into the cache; *have is 0 when the remote has no
 * such branch yet (an empty repository). */
static int fetch_tip(struct session *s, git_oid *tip, int *have, struct err *e)
{
	git_remote *r = NULL;
	git_remote_callbacks cb;
	const git_remote_head **heads;
	size_t n;
	git_odb *odb = NULL;
	int rc = -1, err;

	*have = 0;
	if (s->url.path)
		return fetch_local(s, tip, have, e);
	callbacks_init(s, &cb);
	if (git_remote_create_anonymous(&r, s->repo, s->url.clean) < 0) {
		git_fail(e, "cannot set up the gitops remote");
		goto out;
	}
	if ((err = git_remote_connect(r, GIT_DIRECTION_FETCH, &cb, NULL, NULL)) < 0 ||
	    (err = git_remote_ls(&heads, &n, r)) < 0) {
		remote_fail(s, err, "reach", e);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(heads[i]->name, s->head_ref)) {
			git_oid_cpy(tip, &heads[i]->oid);
			*have = 1;
		}
	}
	if (!*have) {
		rc = 0;
		goto out;
	}
	if (git_repository_odb(&odb, s->repo) < 0) {
		git_fail(e, "cannot open the cache objects");
		goto out;
	}
	if (!git_odb_exists(odb, tip)) {
		char spec[sizeof(s->head_ref) + sizeof(s->track_ref) + 2];
		char *specs[] = {spec};
		git_strarray arr = {specs, 1};
		git_fetch_options fo;

		snprintf(spec, sizeof(spec), "+%s:%s", s->head_ref, s->track_ref);
		git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
		fo.callbacks = cb;
		if ((err = git_remote_download(r, &arr, &fo)) < 0) {
			remote_fail(s, err, "fetch from", e);
			goto out;
		}
	}
	if (git_reference_create(NULL, s->repo, s->track_ref, tip, 1, "fetch") < 0) {
		git_fail(e, "cannot record the fetched tip");
		goto out;
	}
	rc = 0;
out:
	if (r)
		git_remote_disconnect(r);
	git_odb_free(odb);
	git_remote_free(r);
	return rc;
}

/* ---- the change: a list of tree updates ---- */

struct change {
	git_tree_update *ups;
	size_t n, alloc;
};

static void change_add(struct change *c, git_tree_update_t action, const git_oid *id,
		       git_filemode_t mode, const char *path)
{
	if (c->n == c->alloc) {
		c->alloc = c->alloc ? 2 * c->alloc : 16;
		c->ups = xrealloc(c->ups, c->alloc * sizeof(*c->ups));
	}
	memset(&c->ups[c->n], 0, sizeof(c->ups[0]));
	c->ups[c->n].action = action;
	if (id)
		git_oid_cpy(&c->ups[c->n].id, id);
	c->ups[c->n].filemode = mode;
	c->ups[c->n].path = xstrdup(path);
	c->n++;
}

static void change_release(struct change *c)
{
	for (size_t i = 0; i < c->n; i++)
		free((char *)c->ups[i].path);
	free(c->ups);
	memset(c, 0, sizeof(*c));
}

/* The entry at `path` of `tree` (NULL tree: none). Returns 1 found, 0 not. */
static int tree_has(git_tree *tree, const char *path, git_object_t *type, git_oid *id)
{
	git_tree_entry *ent = NULL;

	if (!tree || git_tree_entry_bypath(&ent, tree, path) < 0) {
		git_error_clear();
		return 0;
	}
	if (type)
		*type = git_tree_entry_type(ent);
	if (id)
		git_oid_cpy(id, git_tree_entry_id(ent));
	git_tree_entry_free(ent);
	return 1;
}

/* The contents of the blob at `path`, appended to `out`; 0 when absent. */
static int tree_read(git_repository *repo, git_tree *tree, const char *path, struct buf *out)
{
	git_object_t type;
	git_oid id;
	git_blob *blob = NULL;

	if (!tree_has(tree, path, &type, &id) || type != GIT_OBJECT_BLOB)
		return 0;
	if (git_blob_lookup(&blob, repo, &id) < 0) {
		git_error_clear();
		return 0;
	}
	buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return 1;
}

/* The image tag the app's values.yaml names in `tree`, or "". */
static void previous_tag(git_repository *repo, git_tree *tree, const char *app_path, char *out,
			 size_t outsz)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct yamldoc d;

	out[0] = '\0';
	buf_addf(&path, "%s/values.yaml", app_path);
	if (tree_read(repo, tree, path.buf, &text) &&
	    yamldoc_load(&d, text.buf, text.len, NULL) == 0) {
		snprintf(out, outsz, "%s", str_or(yamldoc_scalar(&d, "image.tag"), ""));
		yamldoc_release(&d);
	}
	buf_release(&path);
	buf_release(&text);
}

/* The deployment seq the app's Chart.yaml in `tree` records, or 0. */
static long long previous_seq(git_repository *repo, git_tree *tree, const char *app_path)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct yamldoc d;
	long long seq = 0;

	buf_addf(&path, "%s/Chart.yaml", app_path);
	if (tree_read(repo, tree, path.buf, &text) &&
	    yamldoc_load(&d, text.buf, text.len, NULL) == 0) {
		seq = atoll(str_or(yamldoc_scalar(&d, "annotations.deployment-seq"), "0"));
		yamldoc_release(&d);
	}
	buf_release(&path);
	buf_release(&text);
	return seq;
}

/* ---- what a release writes ---- */

struct release_job {
	const struct gitops_app *app;
	const struct gitops_values *v;
	struct buf chart, values;
	struct gitops_file *files; /* owned copies when read from a folder */
	const struct gitops_file *use;
	size_t nfiles;
	struct names names;
};

static void release_job_release(struct release_job *j)
{
	buf_release(&j->chart);
	buf_release(&j->values);
	for (size_t i = 0; j->files && i < j->nfiles; i++) {
		free((char *)j->files[i].path);
		free((void *)j->files[i].data);
	}
	free(j->files);
	names_release(&j->names);
}

static int read_file(const char *path, struct buf *out, struct err *e)
{
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return err_set(e, 500, "gitops_error", "cannot read %s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	fclose(f);
	return 0;
}

static void job_add_file(struct release_job *j, const char *rel, struct buf *data)
{
	size_t len;

	j->files = xrealloc(j->files, (j->nfiles + 1) * sizeof(*j->files));
	j->files[j->nfiles].path = xstrdup(rel);
	j->files[j->nfiles].data = (unsigned char *)buf_detach(data, &len);
	j->files[j->nfiles].len = len;
	j->nfiles++;
}

/* Take values.schema.json and templates/ from a chart folder instead of the
 * built-in copy (a platform operator's own chart). */
static int load_templates(struct release_job *j, const char *dir, struct err *e)
{
	struct buf path = BUF_INIT, data = BUF_INIT;
	DIR *d = NULL;
	struct dirent *de;
	int rc = -1;

	buf_addf(&path, "%s/values.schema.json", dir);
	if (access(path.buf, R_OK) == 0) {
		if (read_file(path.buf, &data, e) < 0)
			goto out;
		job_add_file(j, "values.schema.json", &data);
	}
	buf_reset(&path);
	buf_addf(&path, "%s/templates", dir);
	if (!(d = opendir(path.buf))) {
		err_set(e, 500, "gitops_error", "cannot read %s: %s", path.buf, strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		struct buf file = BUF_INIT, rel = BUF_INIT;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		buf_addf(&file, "%s/%s", path.buf, de->d_name);
		buf_addf(&rel, "templates/%s", de->d_name);
		if (stat(file.buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    read_file(file.buf, &data, e) == 0)
			job_add_file(j, rel.buf, &data);
		buf_release(&file);
		buf_release(&rel);
	}
	rc = 0;
out:
	if (d)
		closedir(d);
	buf_release(&path);
	buf_release(&data);
	return rc;
}

static int blob_put(git_repository *repo, struct change *c, const char *path, const void *data,
		    size_t len, struct err *e)
{
	git_oid id;

	if (git_blob_create_from_buffer(&id, repo, data, len) < 0)
		return git_fail(e, "cannot write a blob");
	change_add(c, GIT_TREE_UPDATE_UPSERT, &id, GIT_FILEMODE_BLOB, path);
	return 0;
}

static int job_has_file(const struct release_job *j, const char *rel)
{
	for (size_t i = 0; i < j->nfiles; i++) {
		if (!strcmp(j->use[i].path, rel))
			return 1;
	}
	return 0;
}

/* Templates that left the chart leave the app folder too. */
static int drop_stale_templates(git_repository *repo, git_tree *base, const struct release_job *j,
				struct change *c, struct err *e)
{
	struct buf path = BUF_INIT, rel = BUF_INIT;
	git_object_t type;
	git_oid id;
	git_tree *t = NULL;

	buf_addf(&path, "%s/templates", j->names.path.buf);
	if (tree_has(base, path.buf, &type, &id) && type == GIT_OBJECT_TREE) {
		if (git_tree_lookup(&t, repo, &id) < 0) {
			buf_release(&path);
			return git_fail(e, "cannot read the templates tree");
		}
		for (size_t i = 0; i < git_tree_entrycount(t); i++) {
			const char *name = git_tree_entry_name(git_tree_entry_byindex(t, i));

			buf_reset(&rel);
			buf_addf(&rel, "templates/%s", name);
			if (!job_has_file(j, rel.buf)) {
				buf_reset(&rel);
				buf_addf(&rel, "%s/templates/%s", j->names.path.buf, name);
				change_add(c, GIT_TREE_UPDATE_REMOVE, NULL, 0, rel.buf);
			}
		}
		git_tree_free(t);
	}
	buf_release(&path);
	buf_release(&rel);
	return 0;
}

static int release_changes(git_repository *repo, git_tree *base, const struct release_job *j,
			   struct change *c, struct err *e)
{
	struct buf path = BUF_INIT;
	git_object_t type;
	int rc = -1;

	if (tree_has(base, j->names.path.buf, &type, NULL) && type != GIT_OBJECT_TREE) {
		err_set(e, 409, "gitops_conflict",
			"%s exists in the gitops repository and is not a folder",
			j->names.path.buf);
		goto out;
	}
	buf_addf(&path, "%s/Chart.yaml", j->names.path.buf);
	if (blob_put(repo, c, path.buf, j->chart.buf, j->chart.len, e) < 0)
		goto out;
	buf_reset(&path);
	buf_addf(&path, "%s/values.yaml", j->names.path.buf);
	if (blob_put(repo, c, path.buf, j->values.buf, j->values.len, e) < 0)
		goto out;
	for (size_t i = 0; i < j->nfiles; i++) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s", j->names.path.buf, j->use[i].path);
		if (blob_put(repo, c, path.buf, j->use[i].data, j->use[i].len, e) < 0)
			goto out;
	}
	rc = drop_stale_templates(repo, base, j, c, e);
out:
	buf_release(&path);
	return rc;
}

/* Removing the app folder also removes the user and workspace folders it
 * leaves empty (git keeps no empty folders; an empty tree would be noise). */
static int remove_changes(git_repository *repo, git_tree *base, const char *app_path,
			  struct change *c)
{
	char path[PATH_MAX];
	char *slash;

	if (!tree_has(base, app_path, NULL, NULL))
		return 0;
	snprintf(path, sizeof(path), "%s", app_path);
	/* Climb while the parent holds only this entry, but keep apps/ itself. */
	while ((slash = strrchr(path, '/')) && strchr(path, '/') != slash) {
		git_object_t type;
		git_oid id;
		git_tree *parent = NULL;
		size_t count = 0;

		*slash = '\0';
		if (tree_has(base, path, &type, &id) && type == GIT_OBJECT_TREE &&
		    git_tree_lookup(&parent, repo, &id) == 0) {
			count = git_tree_entrycount(parent);
			git_tree_free(parent);
		}
		if (count != 1) {
			*slash = '/';
			break;
		}
	}
	change_add(c, GIT_TREE_UPDATE_REMOVE, NULL, 0, path);
	return 1;
}

/* ---- commit ---- */

static void trailers(struct buf *msg, const struct gitops_meta *m)
{
	if (m && m->deployment_id && *m->deployment_id)
		buf_addf(msg, "Deployment-Id: %s\n", m->deployment_id);
	if (m && m->triggered_by && *m->triggered_by)
		buf_addf(msg, "Triggered-By: %s\n", m->triggered_by);
}

static void release_message(struct buf *msg, const struct release_job *j, const char *prev,
			    const struct gitops_meta *m)
{
	buf_addf(msg, "%s %s: %s (was %s)\n\n", m && m->rollback ? "rollback" : "release",
		 j->names.app.buf, j->v->image_tag, *prev ? prev : "none");
	buf_addf(msg, "App: %s\nImage: %s:%s\nPrevious-Tag: %s\n", j->names.app.buf,
		 j->v->image_repository, j->v->image_tag, *prev ? prev : "none");
	trailers(msg, m);
}

static int check_meta(const struct gitops_meta *m, struct err *e)
{
	if (!m)
		return 0;
	if (check_line("deployment_id", m->deployment_id, 0, 128, e) < 0 ||
	    check_line("triggered_by", m->triggered_by, 0, 128, e) < 0)
		return -1;
	return 0;
}

static int make_commit(struct session *s, const git_oid *tree_id, const git_oid *parent_id,
		       const char *msg, git_oid *out, struct err *e)
{
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	const git_commit *parents[1];
	int rc = -1;

	if (git_signature_now(&sig, str_or(s->o->author_name, GITOPS_DEFAULT_AUTHOR_NAME),
			      str_or(s->o->author_email, GITOPS_DEFAULT_AUTHOR_EMAIL)) < 0) {
		err_set(e, 422, "invalid_value", "invalid commit author: %s", git_msg());
		goto out;
	}
	if (git_tree_lookup(&tree, s->repo, tree_id) < 0 ||
	    (parent_id && git_commit_lookup(&parent, s->repo, parent_id) < 0)) {
		git_fail(e, "cannot read the new tree");
		goto out;
	}
	parents[0] = parent;
	if (git_commit_create(out, s->repo, NULL, sig, sig, NULL, msg, tree, parent ? 1 : 0,
			      parents) < 0 ||
	    git_reference_create(NULL, s->repo, s->head_ref, out, 1, "commit") < 0) {
		git_fail(e, "cannot write the commit");
		goto out;
	}
	rc = 0;
out:
	git_commit_free(parent);
	git_tree_free(tree);
	git_signature_free(sig);
	return rc;
}

/* ---- push ---- */

enum push_result { PUSH_OK = 0, PUSH_RETRY = 1 };

static int push_status_cb(const char *refname, const char *status, void *payload)
{
	struct session *s = payload;

	if (status && !s->push_status[0])
		snprintf(s->push_status, sizeof(s->push_status), "%s: %s", refname, status);
	return 0;
}

/* Server-side rejections that mean "someone pushed first". */
static int status_is_race(const char *status)
{
	static const char *const words[] = {
	    "non-fast-forward", "fetch first", "failed to update",	   "failed to lock",
	    "cannot lock",	"stale info",  "reference already exists", NULL};

	for (int i = 0; words[i]; i++) {
		if (strstr(status, words[i]))
			return 1;
	}
	return 0;
}

static int push_network(struct session *s, struct err *e)
{
	git_remote *r = NULL;
	git_push_options po;
	char spec[2 * sizeof(s->head_ref) + 2];
	char *specs[] = {spec};
	git_strarray arr = {specs, 1};
	int rc = -1, err;

	s->push_status[0] = '\0';
	snprintf(spec, sizeof(spec), "%s:%s", s->head_ref, s->head_ref);
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	callbacks_init(s, &po.callbacks);
	po.callbacks.push_update_reference = push_status_cb;
	if (git_remote_create_anonymous(&r, s->repo, s->url.clean) < 0) {
		git_fail(e, "cannot set up the gitops remote");
		goto out;
	}
	err = git_remote_push(r, &arr, &po);
	if (err == GIT_ENONFASTFORWARD) {
		rc = PUSH_RETRY;
	} else if (err < 0) {
		remote_fail(s, err, "push to", e);
	} else if (s->push_status[0] && status_is_race(s->push_status)) {
		rc = PUSH_RETRY;
	} else if (s->push_status[0]) {
		err_set(e, 409, "push_rejected", "the gitops remote %s refused the push: %s",
			s->url.shown, s->push_status);
	} else {
		rc = PUSH_OK;
	}
out:
	git_remote_free(r);
	return rc;
}

/* Add to `pb` the objects of `tree` that `old` (may be NULL) does not have,
 * descending only into subtrees that changed: the cost is the changed path. */
static int pack_new_objects(git_packbuilder *pb, git_repository *repo, git_tree *tree,
			    git_tree *old)
{
	int rc = 0;

	if (git_packbuilder_insert(pb, git_tree_id(tree), NULL) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);
		const git_tree_entry *oe =
		    old ? git_tree_entry_byname(old, git_tree_entry_name(te)) : NULL;
		git_tree *sub = NULL, *oldsub = NULL;

		if (oe && git_oid_equal(git_tree_entry_id(oe), git_tree_entry_id(te)))
			continue;
		if (git_tree_entry_type(te) == GIT_OBJECT_BLOB) {
			rc = git_packbuilder_insert(pb, git_tree_entry_id(te), NULL);
			continue;
		}
		if (git_tree_entry_type(te) != GIT_OBJECT_TREE)
			continue;
		if (git_tree_lookup(&sub, repo, git_tree_entry_id(te)) < 0)
			return -1;
		if (oe && git_tree_entry_type(oe) == GIT_OBJECT_TREE &&
		    git_tree_lookup(&oldsub, repo, git_tree_entry_id(oe)) < 0)
			oldsub = NULL;
		rc = pack_new_objects(pb, repo, sub, oldsub);
		git_tree_free(oldsub);
		git_tree_free(sub);
	}
	return rc;
}

static int write_pack(struct session *s, git_repository *remote, const git_oid *base,
		      const git_oid *commit_id, struct err *e)
{
	git_packbuilder *pb = NULL;
	git_commit *commit = NULL, *old = NULL;
	git_tree *tree = NULL, *old_tree = NULL;
	git_buf objdir = GIT_BUF_INIT;
	struct buf packdir = BUF_INIT;
	int rc = -1;

	if (git_packbuilder_new(&pb, s->repo) < 0 ||
	    git_commit_lookup(&commit, s->repo, commit_id) < 0 ||
	    git_commit_tree(&tree, commit) < 0 ||
	    (base &&
	     (git_commit_lookup(&old, s->repo, base) < 0 || git_commit_tree(&old_tree, old) < 0)) ||
	    git_packbuilder_insert(pb, commit_id, NULL) < 0 ||
	    pack_new_objects(pb, s->repo, tree, old_tree) < 0 ||
	    git_repository_item_path(&objdir, remote, GIT_REPOSITORY_ITEM_OBJECTS) < 0) {
		git_fail(e, "cannot pack the new objects");
		goto out;
	}
	buf_addf(&packdir, "%s/pack", objdir.ptr);
	if (git_packbuilder_write(pb, packdir.buf, 0, NULL, NULL) < 0) {
		err_set(e, 502, "remote_unreachable", "cannot write to the gitops remote %s: %s",
			s->url.shown, git_msg());
		goto out;
	}
	rc = 0;
out:
	buf_release(&packdir);
	git_buf_dispose(&objdir);
	git_tree_free(old_tree);
	git_commit_free(old);
	git_tree_free(tree);
	git_commit_free(commit);
	git_packbuilder_free(pb);
	return rc;
}

/* A local remote: copy the new objects, then move the branch with a
 * compare-and-swap on its old value (libgit2's local transport would
 * overwrite it and lose a concurrent writer's commit). */
static int push_local(struct session *s, const git_oid *base, const git_oid *commit_id,
		      struct err *e)
{
	git_repository *remote = NULL;
	git_reference *ref = NULL;
	git_oid cur;
	int have_cur, rc = -1, err;

	if (git_repository_open_bare(&remote, s->url.path) < 0) {
		err_set(e, 502, "remote_unreachable",
			"cannot open the gitops remote %s (a bare repository): %s", s->url.shown,
			git_msg());
		goto out;
	}
	have_cur = git_reference_name_to_id(&cur, remote, s->head_ref) == 0;
	git_error_clear();
	if (have_cur != (base != NULL) || (base && !git_oid_equal(&cur, base))) {
		rc = PUSH_RETRY;
		goto out;
	}
	if (write_pack(s, remote, base, commit_id, e) < 0)
		goto out;
	if (base)
		err = git_reference_create_matching(&ref, remote, s->head_ref, commit_id, 1, base,
						    "push");
	else
		err = git_reference_create(&ref, remote, s->head_ref, commit_id, 0, "push");
	if (err == GIT_EMODIFIED || err == GIT_EEXISTS || err == GIT_ELOCKED) {
		rc = PUSH_RETRY;
	} else if (err < 0) {
		err_set(e, 502, "remote_unreachable",
			"cannot update %s in the gitops remote %s: %s", s->head_ref, s->url.shown,
			git_msg());
	} else {
		rc = PUSH_OK;
	}
out:
	git_reference_free(ref);
	git_repository_free(remote);
	return rc;
}

static int push(struct session *s, const git_oid *base, const git_oid *commit_id, struct err *e)
{
	int rc = s->url.path ? push_local(s, base, commit_id, e) : push_network(s, e);

	if (rc == PUSH_OK &&
	    git_reference_create(NULL, s->repo, s->track_ref, commit_id, 1, "push") < 0)
		git_error_clear(); /* only the cache's bookkeeping; the next fetch fixes it */
	return rc;
}

/* ---- the retry loop ---- */

enum job_kind { JOB_RELEASE, JOB_REMOVE };

struct job {
	enum job_kind kind;
	struct release_job *rel; /* JOB_RELEASE */
	const char *app_path;
	const char *app_name;
	const struct gitops_meta *meta;
};

static void backoff(int attempt)
{
	unsigned int seed =
	    (unsigned int)getpid() ^ (unsigned int)time(NULL) ^ (unsigned int)attempt;
	long cap_ms = 20L << (attempt < 6 ? attempt : 6); /* 40 ms .. 1.3 s */
	long ms = (long)(rand_r(&seed) % (unsigned int)cap_ms);
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Build the change on `base` into a commit; *changed 0 when nothing to do. */
static int build_commit(struct session *s, const struct job *j, git_tree *base,
			const git_oid *parent, git_oid *commit_id, int *changed,
			struct gitops_result *res, struct err *e)
{
	struct change c = {0};
	struct buf msg = BUF_INIT;
	git_oid tree_id;
	int rc = -1;

	previous_tag(s->repo, base, j->app_path, res->previous_tag, sizeof(res->previous_tag));
	*changed = 1;
	if (j->kind == JOB_RELEASE && j->meta && j->meta->seq > 0) {
		long long held = previous_seq(s->repo, base, j->app_path);

		/* checked on every attempt: a retry rebuilds on a tip another writer moved */
		if (held > j->meta->seq) {
			err_set(
			    e, 409, "stale_release",
			    "%s already holds deployment #%lld; #%lld is older and is not written",
			    j->app_name, held, j->meta->seq);
			goto out;
		}
	}
	if (j->kind == JOB_RELEASE) {
		if (release_changes(s->repo, base, j->rel, &c, e) < 0)
			goto out;
		release_message(&msg, j->rel, res->previous_tag, j->meta);
	} else {
		if (!remove_changes(s->repo, base, j->app_path, &c)) {
			*changed = 0;
			rc = 0;
			goto out;
		}
		buf_addf(&msg, "remove %s (was %s)\n\nApp: %s\nPrevious-Tag: %s\n", j->app_name,
			 *res->previous_tag ? res->previous_tag : "none", j->app_name,
			 *res->previous_tag ? res->previous_tag : "none");
		trailers(&msg, j->meta);
	}
	if (git_tree_create_updated(&tree_id, s->repo, base, c.n, c.ups) < 0) {
		git_fail(e, "cannot build the new tree");
		goto out;
	}
	rc = make_commit(s, &tree_id, parent, msg.buf, commit_id, e);
out:
	change_release(&c);
	buf_release(&msg);
	return rc;
}

static int empty_tree(git_repository *repo, git_tree **out)
{
	git_treebuilder *tb = NULL;
	git_oid id;
	int rc = -1;

	if (git_treebuilder_new(&tb, repo, NULL) == 0 && git_treebuilder_write(&id, tb) == 0 &&
	    git_tree_lookup(out, repo, &id) == 0)
		rc = 0;
	git_treebuilder_free(tb);
	return rc;
}

static int tip_tree(git_repository *repo, const git_oid *tip, git_tree **out)
{
	git_commit *c = NULL;
	int rc = -1;

	if (git_commit_lookup(&c, repo, tip) == 0 && git_commit_tree(out, c) == 0)
		rc = 0;
	git_commit_free(c);
	return rc;
}

/* One attempt: fetch, build, push. 0 done, 1 rejected (retry), -1 failed. */
static int attempt_once(struct session *s, const struct job *j, struct gitops_result *res,
			struct err *e)
{
	git_oid tip, commit_id;
	git_tree *base = NULL;
	int have, changed, rc = -1;

	if (fetch_tip(s, &tip, &have, e) < 0)
		return -1;
	if ((have ? tip_tree(s->repo, &tip, &base) : empty_tree(s->repo, &base)) < 0) {
		git_fail(e, "cannot read the fetched tree");
		return -1;
	}
	if (build_commit(s, j, base, have ? &tip : NULL, &commit_id, &changed, res, e) < 0)
		goto out;
	if (!changed) {
		res->changed = 0;
		if (have)
			git_oid_tostr(res->commit, sizeof(res->commit), &tip);
		rc = 0;
		goto out;
	}
	res->attempts++;
	rc = push(s, have ? &tip : NULL, &commit_id, e);
	if (rc == PUSH_OK) {
		res->changed = 1;
		git_oid_tostr(res->commit, sizeof(res->commit), &commit_id);
	}
out:
	git_tree_free(base);
	return rc;
}

static int run_job(const struct gitops_opts *o, const struct job *j, struct gitops_result *res,
		   struct err *e)
{
	struct session s;
	int max = o->max_attempts > 0 ? o->max_attempts : GITOPS_DEFAULT_ATTEMPTS;
	int rc;

	if (session_open(&s, o, 1, e) < 0)
		return -1;
	for (int attempt = 1;; attempt++) {
		rc = attempt_once(&s, j, res, e);
		if (rc <= 0)
			break;
		metrics_gitops_retry();
		log_info("gitops push rejected, retrying", "app", j->app_name, "remote",
			 s.url.shown, NULL);
		if (attempt >= max) {
			rc = err_set(e, 409, "push_rejected",
				     "the gitops remote %s kept moving: gave up after %d attempts",
				     s.url.shown, attempt);
			break;
		}
		backoff(attempt);
	}
	if (rc == 0)
		log_info(res->changed ? "gitops commit pushed" : "gitops: nothing to change", "app",
			 j->app_name, "commit", res->commit, "remote", s.url.shown, NULL);
	session_close(&s);
	return rc;
}

static void result_init(struct gitops_result *res)
{
	memset(res, 0, sizeof(*res));
}

int gitops_release(const struct gitops_opts *o, const struct gitops_app *app,
		   const struct gitops_values *v, const struct gitops_meta *m,
		   struct gitops_result *res, struct err *e)
{
	struct release_job rj;
	struct job j = {JOB_RELEASE, &rj, NULL, NULL, m};
	int rc = -1;

	result_init(res);
	memset(&rj, 0, sizeof(rj));
	buf_init(&rj.chart, 0);
	buf_init(&rj.values, 0);
	/* Every name and value is checked here, before any path or git call. */
	if (check_meta(m, e) < 0 || gitops_values_yaml(&rj.values, app, v, e) < 0 ||
	    gitops_chart_yaml(&rj.chart, app, v->image_tag, m ? m->seq : 0, e) < 0 ||
	    names_init(&rj.names, app, v, e) < 0)
		goto out;
	rj.app = app;
	rj.v = v;
	if (o->templates_dir && *o->templates_dir) {
		if (load_templates(&rj, o->templates_dir, e) < 0)
			goto out;
		rj.use = rj.files;
	} else {
		rj.use = gitops_builtin_files(&rj.nfiles);
	}
	j.app_path = rj.names.path.buf;
	j.app_name = rj.names.app.buf;
	rc = run_job(o, &j, res, e);
out:
	release_job_release(&rj);
	return rc;
}

int gitops_remove(const struct gitops_opts *o, const struct gitops_app *app,
		  const struct gitops_meta *m, struct gitops_result *res, struct err *e)
{
	struct names n;
	struct job j = {JOB_REMOVE, NULL, NULL, NULL, m};
	int rc = -1;

	result_init(res);
	memset(&n, 0, sizeof(n));
	if (check_meta(m, e) < 0 || check_app(app, e) < 0 || names_init(&n, app, NULL, e) < 0)
		goto out;
	j.app_path = n.path.buf;
	j.app_name = n.app.buf;
	rc = run_job(o, &j, res, e);
out:
	names_release(&n);
	return rc;
}

/* ---- reading a repository (for doctor) ---- */

struct walk {
	git_repository *repo;
	const char *prefix;
	const char *const *names;
	gitops_file_fn fn;
	void *arg;
	int stop;
	int failed;
};

static int name_wanted(const char *const *names, const char *name)
{
	for (int i = 0; names[i]; i++) {
		if (!strcmp(names[i], name))
			return 1;
	}
	return 0;
}

static int walk_cb(const char *root, const git_tree_entry *te, void *payload)
{
	struct walk *w = payload;
	struct buf path = BUF_INIT;
	git_blob *blob = NULL;
	size_t plen = strlen(w->prefix);

	buf_addf(&path, "%s%s", root, git_tree_entry_name(te));
	if (git_tree_entry_type(te) == GIT_OBJECT_TREE) {
		/* Descend only into the prefix ("apps/") and below it. */
		int skip = 0;

		buf_addch(&path, '/');
		if (path.len < plen ? strncmp(path.buf, w->prefix, path.len) != 0
				    : strncmp(path.buf, w->prefix, plen) != 0)
			skip = 1;
		buf_release(&path);
		return skip;
	}
	if (git_tree_entry_type(te) == GIT_OBJECT_BLOB && !strncmp(path.buf, w->prefix, plen) &&
	    name_wanted(w->names, git_tree_entry_name(te))) {
		if (git_blob_lookup(&blob, w->repo, git_tree_entry_id(te)) < 0) {
			w->failed = 1;
		} else {
			w->stop = w->fn(path.buf, git_blob_rawcontent(blob),
					(size_t)git_blob_rawsize(blob), w->arg);
			git_blob_free(blob);
		}
	}
	buf_release(&path);
	return (w->stop || w->failed) ? -1 : 0;
}

static int walk_tip(git_repository *repo, const git_oid *tip, const char *prefix,
		    const char *const *names, gitops_file_fn fn, void *arg, struct err *e)
{
	struct walk w = {repo, prefix ? prefix : "", names, fn, arg, 0, 0};
	git_tree *tree = NULL;
	int rc;

	if (tip_tree(repo, tip, &tree) < 0)
		return git_fail(e, "cannot read the tip of the gitops repository");
	git_tree_walk(tree, GIT_TREEWALK_PRE, walk_cb, &w);
	git_tree_free(tree);
	if (w.failed)
		return git_fail(e, "cannot read a file of the gitops repository");
	rc = w.stop;
	return rc;
}

static int read_local(struct session *s, const char *prefix, const char *const *names,
		      gitops_file_fn fn, void *arg, char *commit, struct err *e)
{
	git_repository *repo = NULL;
	git_oid tip;
	int rc = -1;

	if (git_repository_open_ext(&repo, s->url.path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		err_set(e, 502, "remote_unreachable", "cannot open the gitops repository %s: %s",
			s->url.shown, git_msg());
		goto out;
	}
	if (git_reference_name_to_id(&tip, repo, s->head_ref) < 0 &&
	    git_reference_name_to_id(&tip, repo, "HEAD") < 0) {
		git_error_clear();
		rc = 0; /* an empty repository */
		goto out;
	}
	if (commit)
		git_oid_tostr(commit, 41, &tip);
	rc = walk_tip(repo, &tip, prefix, names, fn, arg, e);
out:
	git_repository_free(repo);
	return rc;
}

int gitops_read_files(const struct gitops_opts *o, const char *prefix, const char *const *names,
		      gitops_file_fn fn, void *arg, char *commit, struct err *e)
{
	struct session s;
	git_oid tip;
	int have, rc = -1;

	if (commit)
		commit[0] = '\0';
	if (session_open(&s, o, 0, e) < 0)
		return -1;
	if (s.url.path) {
		rc = read_local(&s, prefix, names, fn, arg, commit, e);
		goto out;
	}
	if (cache_open(&s, e) < 0 || fetch_tip(&s, &tip, &have, e) < 0)
		goto out;
	rc = 0;
	if (have) {
		if (commit)
			git_oid_tostr(commit, 41, &tip);
		rc = walk_tip(s.repo, &tip, prefix, names, fn, arg, e);
	}
out:
	session_close(&s);
	return rc;
}

/* ---------------------------------------------------------------- commit check */

/* 1 when `hex` names a commit on the branch (its tip or an ancestor of it) whose tree holds
 * the app's folder and differs there from its first parent's; 0 when not. */
static int commit_touches(git_repository *repo, const git_oid *tip, const char *hex,
			  const char *app_path)
{
	git_oid id;
	git_commit *c = NULL, *parent = NULL;
	git_tree *t = NULL, *pt = NULL;
	git_tree_entry *te = NULL, *pte = NULL;
	int rc = 0;

	if (strlen(hex) != GIT_OID_HEXSZ || git_oid_fromstr(&id, hex) < 0)
		goto out;
	if (!git_oid_equal(&id, tip) && git_graph_descendant_of(repo, tip, &id) != 1)
		goto out;
	if (git_commit_lookup(&c, repo, &id) < 0 || git_commit_tree(&t, c) < 0 ||
	    git_tree_entry_bypath(&te, t, app_path) < 0)
		goto out;
	if (git_commit_parentcount(c) == 0 || git_commit_parent(&parent, c, 0) < 0 ||
	    git_commit_tree(&pt, parent) < 0 || git_tree_entry_bypath(&pte, pt, app_path) < 0) {
		rc = 1; /* the commit made the folder */
		goto out;
	}
	rc = !git_oid_equal(git_tree_entry_id(te), git_tree_entry_id(pte));
out:
	git_error_clear();
	git_tree_entry_free(te);
	git_tree_entry_free(pte);
	git_tree_free(t);
	git_tree_free(pt);
	git_commit_free(c);
	git_commit_free(parent);
	return rc;
}

int gitops_commit_touches(const struct gitops_opts *o, const struct gitops_app *app,
			  const char *commit, struct err *e)
{
	struct session s;
	struct buf path = BUF_INIT;
	git_repository *local = NULL;
	git_oid tip;
	int have = 0, rc = -1;

	if (check_app(app, e) < 0 ||
	    naming_app_path(&path, app->workspace, app->user, app->project, e) < 0) {
		buf_release(&path);
		return -1;
	}
	if (session_open(&s, o, 0, e) < 0) {
		buf_release(&path);
		return -1;
	}
	if (s.url.path) {
		if (git_repository_open_ext(&local, s.url.path, GIT_REPOSITORY_OPEN_NO_SEARCH,
					    NULL) < 0) {
			err_set(e, 502, "remote_unreachable",
				"cannot open the gitops repository %s: %s", s.url.shown, git_msg());
			goto out;
		}
		have = git_reference_name_to_id(&tip, local, s.head_ref) == 0;
		rc = have ? commit_touches(local, &tip, commit, path.buf) : 0;
	} else {
		if (cache_open(&s, e) < 0 || fetch_tip(&s, &tip, &have, e) < 0)
			goto out;
		rc = have ? commit_touches(s.repo, &tip, commit, path.buf) : 0;
	}
out:
	git_error_clear();
	git_repository_free(local);
	session_close(&s);
	buf_release(&path);
	return rc;
}
