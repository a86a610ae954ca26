/* config.c: the typed settings table, its validators, the YAML file reader and the environment */
#include "config.h"

#include "buf.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

extern char **environ;

enum setting_type {
	SET_GROUP, /* not a setting: a heading of the README table */
	SET_STR,
	SET_SECRET, /* a string never logged */
	SET_NUM,
	SET_BOOL,
	SET_ENUM,
	SET_PATH,
	SET_URL,
	SET_DUR_S,  /* a duration kept in seconds */
	SET_DUR_MS, /* a duration kept in milliseconds */
};

/* A validator of a string value beyond its type: 0, or -1 with a reason in `why`. */
typedef int (*setting_check_fn)(const char *value, char *why, size_t n);

struct setting {
	const char *name;
	enum setting_type type;
	size_t offset;
	const char *def;	/* the default value, or NULL */
	unsigned procs;		/* enum config_proc: the processes that read it */
	long min, max;		/* numbers and durations, in the field's unit */
	const char *values;	/* enum: the allowed values, "a|b|c"; URL: the schemes */
	setting_check_fn check; /* an extra check of strings, or NULL */
	const char *doc_def;	/* the README's default column when `def` does not say it */
	const char *doc;	/* the README's meaning column */
};

static int check_listen(const char *v, char *why, size_t n);
static int check_host_port(const char *v, char *why, size_t n);
static int check_host(const char *v, char *why, size_t n);
static int check_conninfo(const char *v, char *why, size_t n);

#define A      CONFIG_API
#define W      CONFIG_WORKER
#define C      CONFIG_CTL
#define OFF(n) offsetof(struct config, n)

/* The table reads best one setting per row: keep clang-format out of it. */
/* clang-format off */
#define GROUP(title) {title, SET_GROUP, 0, NULL, 0, 0, 0, NULL, NULL, NULL, NULL}
#define STR(n, d, p, chk, dd, doc) {#n, SET_STR, OFF(n), d, p, 0, 0, NULL, chk, dd, doc}
#define SECRET(n, p, chk, dd, doc) {#n, SET_SECRET, OFF(n), NULL, p, 0, 0, NULL, chk, dd, doc}
#define NUM(n, d, lo, hi, p, dd, doc) {#n, SET_NUM, OFF(n), d, p, lo, hi, NULL, NULL, dd, doc}
#define BOOL(n, d, p, doc) {#n, SET_BOOL, OFF(n), d, p, 0, 1, NULL, NULL, NULL, doc}
#define ENUM(n, d, vals, p, dd, doc) {#n, SET_ENUM, OFF(n), d, p, 0, 0, vals, NULL, dd, doc}
#define PATH(n, d, p, dd, doc) {#n, SET_PATH, OFF(n), d, p, 0, 0, NULL, NULL, dd, doc}
#define URL(n, d, schemes, p, dd, doc) {#n, SET_URL, OFF(n), d, p, 0, 0, schemes, NULL, dd, doc}
#define SECS(n, d, lo, hi, p, dd, doc) {#n, SET_DUR_S, OFF(n), d, p, lo, hi, NULL, NULL, dd, doc}
#define MS(n, d, lo, hi, p, dd, doc) {#n, SET_DUR_MS, OFF(n), d, p, lo, hi, NULL, NULL, dd, doc}
#define DAY (24L * 3600)
#define MIB (1024L * 1024)

static const struct setting settings[] = {
	GROUP("Every process"),
	SECRET(database_url, A | W | C, check_conninfo, "(required)", "PostgreSQL connection URL (or `key=value` conninfo)"),
	SECRET(secret_key, A | W | C, NULL, "(required for the API)", "master secret: GitHub tokens, env values and webhook secrets are sealed with keys derived from it (changing it signs everyone out of GitHub)"),
	STR(domain, "apps.localhost", A | W | C, check_host, NULL, "generated hosts are `<project>-<user>.<domain>`"),
	ENUM(live_url_scheme, "https", "https|http", A | W, NULL, "the scheme of the live URLs the API, notifications and GitHub show (the dev stack: `http`)"),
	NUM(live_url_port, "0", 0, 65535, A | W, "`0` (the scheme's own)", "the port in live URLs (the dev stack: its nginx port)"),
	URL(public_url, NULL, "http|https", A | W | C, NULL, "the platform's public base URL (callbacks, links, the browser's origin; auto-deploy needs it)"),
	ENUM(log_level, NULL, "debug|info|warn|error", A | W | C, "`info` (`platformctl`: `warn`)", "the lowest level logged"),
	SECS(db_connect_timeout, "3", 1, 60, A | W | C, NULL, "how long to wait for PostgreSQL"),

	GROUP("The API (platform-api)"),
	STR(listen, "127.0.0.1:9000", A, check_listen, NULL, "the API's FastCGI socket: `host:port` or a unix socket path (a change needs a restart)"),
	NUM(workers, "0", 0, 1024, A, "one per core", "API pool children"),
	NUM(max_body, "1048576", 1024, 64 * MIB, A, NULL, "largest API request body in bytes (413 above)"),
	NUM(api_cache_bytes, "4194304", 0, 1024 * MIB, A, NULL, "bytes of hot-read answers each API child keeps in memory (0: none); see \"Hot reads\""),
	SECS(session_ttl, "1209600", 60, 365 * DAY, A, "`1209600` (14 days)", "session lifetime"),
	URL(github_url, "https://github.com", "http|https|file", A | W, NULL, "GitHub web base (OAuth; repository URLs must start with it)"),
	URL(github_api_url, "https://api.github.com", "http|https", A | W, NULL, "GitHub REST API base"),
	STR(github_client_id, NULL, A, NULL, NULL, "OAuth App client id (sign-in with a code)"),
	SECRET(github_client_secret, A | W, NULL, NULL, "OAuth App client secret"),
	SECRET(github_webhook_secret, A | W, NULL, NULL, "optional platform-wide webhook secret"),
	BOOL(deploy_supersede, "1", A, "a new deploy (from the API, a webhook or a rollback) supersedes the project's queued/building/pushed ones"),
	STR(image_prefix, NULL, A, NULL, NULL, "the registry path every image a pipeline reports must sit under (e.g. `harbor.example.com/platform`); unset: any registry, the repository name is still checked (see \"Tenant checks\")"),
	STR(api_metrics_listen, NULL, A, check_host_port, "(none: no metrics)", "`host:port` of the API's metrics listener, e.g. `127.0.0.1:9464` (`0.0.0.0:9464` in a pod, behind a NetworkPolicy)"),
	BOOL(local_signin, "0", A | C, "`1`: `platformctl signin-link` links sign in (`POST /api/auth/local`); local stacks only (`scripts/dev-stack` sets it), never production"),

	GROUP("The worker: jobs, housekeeping, live logs"),
	SECS(worker_lease, "30", 2, 3600, W, NULL, "how long a job lease lasts (renewed at a third of it)"),
	SECS(worker_poll, "5", 1, 3600, W, NULL, "time between job polls when no NOTIFY arrives"),
	NUM(worker_max_builds, "500", 1, 100000, W, NULL, "builds one worker follows at once"),
	SECS(housekeep_interval, "3600", 0, 7 * DAY, W, NULL, "time between the worker's clean-ups of expired sessions and OAuth states, old webhook deliveries and rejection counts, finished jobs (0: never; `platformctl housekeep` runs one now)"),
	NUM(webhook_retention_days, "30", 1, 3650, W | C, NULL, "webhook deliveries are kept this many days (GitHub redelivers within 3)"),
	URL(nchan_publish_url, NULL, "http|https", W, NULL, "nginx's loopback nchan publisher server, e.g. `http://127.0.0.1:8091` (channels are under `/pub/`)"),
	MS(publish_timeout_ms, "3000", 50, 600000, W, NULL, "one POST to the nchan publisher"),
	NUM(publish_queue_kb, "4096", 64, 1024L * 1024, W, NULL, "log kilobytes queued per channel before the oldest are dropped"),
	NUM(log_retention, "50", 0, 1000000, W, NULL, "finished deployments per project whose logs are kept (0: all)"),
	STR(worker_metrics_listen, NULL, W, check_host_port, "(none: no metrics)", "the same for a worker (`127.0.0.1:9465`); a second worker on one host that finds it taken runs on without one"),

	GROUP("Builds through Jenkins"),
	ENUM(build_driver, NULL, "local|jenkins|none", W, "jenkins if `PLATFORM_JENKINS_URL` is set, else local", "the build driver (none: a worker that builds nothing, e.g. for webhook processing and benchmarks)"),
	URL(jenkins_url, NULL, "http|https", W, NULL, "Jenkins base URL (unset: the local builder)"),
	STR(jenkins_user, NULL, W, NULL, NULL, "Jenkins user for the API token"),
	SECRET(jenkins_token, W, NULL, NULL, "Jenkins API token"),
	STR(jenkins_job, "platform-deploy", W, NULL, NULL, "the pipeline job (folders as `a/b`)"),
	URL(jenkins_callback_url, NULL, "http|https", W, "`$PLATFORM_PUBLIC_URL/internal/jenkins/events`", "where the pipeline posts its events"),
	MS(jenkins_poll_ms, "2000", 50, 600000, W, NULL, "how often each followed build is polled"),
	MS(jenkins_watched_poll_ms, "100", 20, 600000, W, NULL, "how often a build's log is polled while someone watches it (its nchan channel has subscribers; needs `PLATFORM_NCHAN_PUBLISH_URL`)"),
	MS(jenkins_watch_check_ms, "1000", 100, 600000, W, NULL, "at most how often the worker asks nchan whether a followed build has subscribers"),
	MS(jenkins_timeout_ms, "15000", 100, 600000, W, NULL, "one call to Jenkins"),
	NUM(jenkins_retries, "6", 0, 1000, W, NULL, "consecutive failed calls before the deployment fails"),
	MS(jenkins_retry_ms, "1000", 10, 600000, W, NULL, "first back-off after a failed call (doubles, up to a minute)"),
	SECS(jenkins_queue_timeout, "1800", 1, 7 * DAY, W, NULL, "how long a build may wait in the Jenkins queue"),
	SECS(jenkins_build_timeout, "3600", 1, 7 * DAY, W, NULL, "how long a build may run (the local builder too)"),
	SECS(callback_grace, "30", 0, 3600, W, NULL, "how long to wait for the release event after a SUCCESS"),
	SECRET(callback_token, C, NULL, NULL, "set by the pipeline for `platformctl gitops` inside a build: the build's callback token (never on a command line)"),

	GROUP("The local builder"),
	STR(registry_url, NULL, W, NULL, "(required for local)", "where images are pushed: `host[:port][/project]`, `http://` for plain HTTP"),
	STR(registry_user, NULL, W, NULL, NULL, "registry login (passed in a 0600 auth file)"),
	SECRET(registry_password, W, NULL, NULL, "its password"),
	PATH(build_dir, "/var/tmp/platform-builds", W, NULL, "per-deployment build folders (removed after the build)"),
	BOOL(allow_local_repos, "0", A | W, "`1`: file://, paths and http:// repositories (development only)"),
	ENUM(builder_tool, "buildah", "buildah|docker", W, NULL, "the image builder (`docker` where an engine runs)"),
	PATH(builder_storage, NULL, W, "(buildah's default)", "buildah `--root`/`--runroot` base folder"),
	PATH(builder_templates, NULL, W, "`builder/templates` of the build", "the Dockerfile templates"),
	PATH(build_helper, NULL, W, "`platform-build` next to the worker (`builder/` in the build tree)", "the program that runs one build"),
	STR(base_image_node, "node:20-alpine", W, NULL, NULL, "base image of Node.js and Next.js"),
	STR(base_image_python, "python:3.12-slim", W, NULL, NULL, "base image of Django, Flask, FastAPI"),
	STR(base_image_go, "golang:1.22-alpine", W, NULL, NULL, "Go build stage"),
	STR(base_image_static, "busybox:1.36", W, NULL, "`busybox:1.36` (the dev stack: its registry's `platform/busybox:1`)", "static sites (busybox httpd)"),
	STR(base_image_runtime, "gcr.io/distroless/static-debian12", W, NULL, NULL, "Go run stage"),

	GROUP("Releases: GitOps, Argo CD, rollbacks"),
	SECRET(gitops_url, A | W | C, NULL, NULL, "the GitOps repository (file://, https with a token, ssh)"),
	STR(gitops_branch, NULL, A | W | C, NULL, "`main`", "the branch releases are committed to"),
	STR(gitops_author_name, NULL, W | C, NULL, "`platform`", "the author of release commits"),
	STR(gitops_author_email, NULL, W | C, NULL, "`platform`", "its email"),
	PATH(gitops_ssh_key, NULL, A | W | C, NULL, "private key (path) for ssh remotes"),
	SECRET(gitops_ssh_passphrase, A | W | C, NULL, NULL, "its passphrase"),
	PATH(gitops_cache, NULL, A | W | C, "`~/.cache/platform/gitops`", "the bare cache releases are built in"),
	STR(sealed_secrets_cert, NULL, W | C, NULL, NULL, "the sealed-secrets controller's certificate (PEM text or a path); required to release a project that has env"),
	URL(argocd_url, NULL, "http|https", W, NULL, "Argo CD base URL (unset: `released` is the last state)"),
	SECRET(argocd_token, W, NULL, NULL, "Argo CD bearer token"),
	MS(argocd_poll_ms, "2000", 50, 600000, W, NULL, "how often a syncing deployment's Application is read"),
	SECS(argocd_timeout, "600", 1, DAY, W, NULL, "time from `released` until it must be live"),
	ENUM(rollback_mode, "direct", "direct|jenkins", W, NULL, "`direct`: the worker writes the rollback's release; `jenkins`: the pipeline does (`ACTION=rollback`)"),

	GROUP("Pull-request previews"),
	NUM(preview_max, "10", 0, 1000, W, NULL, "open previews per project; the oldest goes when a new pull request passes it (0: no limit)"),
	NUM(preview_idle_days, "14", 0, 3650, W, NULL, "a preview whose pull request had no new commit for this many days is removed (0: never)"),

	GROUP("The after-release runtime"),
	ENUM(runtime, NULL, "argocd|podman|none", W, "argocd when `PLATFORM_ARGOCD_URL` is set, else none", "the after-release stage (`none`: `released` is final)"),
	SECS(runtime_resync, "30", 1, DAY, W, NULL, "time between the podman runtime's repairs"),
	SECS(runtime_ready_timeout, "60", 1, 3600, W, NULL, "how long a new version has to answer its probe"),
	MS(runtime_logs_poll_ms, "2000", 200, 60000, W, NULL, "how often the worker reads what the running versions printed (runtime logs: podman logs, or the pods' logs through Argo CD)"),
	NUM(runtime_logs_keep, "1000", 10, 100000, W, NULL, "the newest runtime log lines kept per project"),
	PATH(runtime_routes_dir, NULL, W, "(required for podman)", "where the per-app nginx files go (nginx includes `*.conf` there)"),
	STR(runtime_nginx_listen, NULL, W, check_host_port, "(required for podman)", "the platform nginx's listen address the app servers use, e.g. `127.0.0.1:8080`"),
	PATH(runtime_nginx_pid, NULL, W, NULL, "nginx's pid file, signalled (HUP) after a route changed"),
	STR(podman, "podman", W, NULL, NULL, "the podman program"),
	STR(podman_flags, NULL, W, NULL, NULL, "global podman flags, split on blanks; on this project's build machines `--root R --runroot RR --storage-driver vfs --cgroup-manager cgroupfs --runtime runc`"),
	STR(podman_run_flags, NULL, W, NULL, NULL, "extra `podman run` flags, e.g. `--ulimit nofile=1024:1024 --ulimit nproc=1024:1024`"),

	GROUP("Tenant checks and notifications"),
	STR(dns_server, NULL, W, check_host_port, NULL, "`a.b.c.d[:port]`: the one DNS server custom domain checks ask (tests point it at their own); unset: the system's resolvers"),
	SECS(domain_check_interval, "300", 1, 7 * DAY, W, NULL, "time between two checks of a custom domain's TXT record"),
	BOOL(notify_allow_private, "0", A | W, "`1`: notification URLs may reach loopback and private addresses"),
	MS(notify_timeout_ms, "10000", 100, 120000, W, NULL, "one delivery attempt"),
	MS(notify_retry_ms, "30000", 10, 3600000, W, NULL, "the first wait after a failed attempt (doubles, up to an hour)"),
	SECS(notify_retry_for, "86400", 1, 7 * DAY, W, NULL, "time after the event until a delivery is given up"),

	GROUP("Deployments on GitHub"),
	BOOL(github_deployments, "1", A | W, "`1`: every deployment of a project whose repository is under `PLATFORM_GITHUB_URL` (http or https) and whose owner signed in with GitHub is shown on GitHub (Deployments API, see \"Deployments on GitHub\"); `0`: nothing is queued"),
	MS(github_deployments_timeout_ms, "10000", 100, 120000, W, NULL, "one call to the GitHub API"),
	MS(github_deployments_retry_ms, "5000", 10, 3600000, W, NULL, "the first wait after a failed call (doubles, up to an hour)"),
	SECS(github_deployments_retry_for, "86400", 1, 7 * DAY, W, NULL, "time after the state change until a call is given up"),
};
/* clang-format on */

#undef A
#undef W
#undef C

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

/* PLATFORM_* variables that are not settings and are not warned about: the configuration file,
 * and the dev stack's and the tests' own variables (scripts/dev-stack, tests/lib.sh). */
static const char *const not_settings[] = {
    "PLATFORM_CONFIG",	   "PLATFORM_URL",	     "PLATFORM_URL_*",	 "PLATFORM_*_BIN",
    "PLATFORM_*_PID",	   "PLATFORM_*_PORT",	     "PLATFORM_PG_*",	 "PLATFORM_NGINX*",
    "PLATFORM_REDIS_*",	   "PLATFORM_STACK_*",	     "PLATFORM_TEST_*",	 "PLATFORM_NCHAN_REDIS*",
    "PLATFORM_API_LISTEN", "PLATFORM_*_METRICS_URL", "PLATFORM_*_URL_2", "PLATFORM_PODMAN_STORAGE",
};

/* ---------------------------------------------------------------- the table */

static const struct setting *setting_find(const char *name)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (settings[i].type != SET_GROUP && !strcmp(settings[i].name, name))
			return &settings[i];
	}
	return NULL;
}

static int is_long(const struct setting *s)
{
	return s->type == SET_NUM || s->type == SET_BOOL || s->type == SET_DUR_S ||
	       s->type == SET_DUR_MS;
}

static char **str_slot(struct config *cfg, const struct setting *s)
{
	return (char **)((char *)cfg + s->offset);
}

static long *long_slot(struct config *cfg, const struct setting *s)
{
	return (long *)((char *)cfg + s->offset);
}

static void env_name(const char *name, char *out, size_t n)
{
	size_t i = 0;

	snprintf(out, n, "PLATFORM_");
	i = strlen(out);
	for (; *name && i + 1 < n; name++)
		out[i++] = (char)toupper((unsigned char)*name);
	out[i] = '\0';
}

/* Levenshtein distance of two short names (longer ones are cut at 63 characters). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strnlen(a, 63), lb = strnlen(b, 63), row[64];

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

const char *config_closest(const char *name)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;

	for (size_t i = 0; i < NSETTINGS; i++) {
		size_t d;

		if (settings[i].type == SET_GROUP)
			continue;
		d = distance(name, settings[i].name);
		if (d < best_d) {
			best_d = d;
			best = settings[i].name;
		}
	}
	return best;
}

/* ---------------------------------------------------------------- validators */

/* "a|b|c" as "a, b or c" */
static void values_text(const char *values, struct buf *out)
{
	const char *p = values;

	while (*p) {
		size_t n = strcspn(p, "|");

		if (p != values)
			buf_addstr(out, strchr(p + n, '|') || p[n] ? ", " : " or ");
		buf_add(out, p, n);
		p += n;
		if (*p == '|')
			p++;
	}
}

/* The allowed value `v` stands for (any case), copied into `out`; -1 when none. */
static int enum_match(const char *values, const char *v, char *out, size_t n)
{
	const char *p = values;

	while (*p) {
		size_t len = strcspn(p, "|");

		if (strlen(v) == len && !strncasecmp(p, v, len) && len < n) {
			memcpy(out, p, len);
			out[len] = '\0';
			return 0;
		}
		p += len;
		if (*p == '|')
			p++;
	}
	return -1;
}

static int check_host(const char *v, char *why, size_t n)
{
	for (const char *p = v; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-') {
			snprintf(why, n, "must be a host name (letters, digits, dots and hyphens)");
			return -1;
		}
	}
	return 0;
}

static int check_host_port(const char *v, char *why, size_t n)
{
	const char *colon = strrchr(v, ':');
	char *end;
	long port;

	if (!colon) /* a resolver without a port uses 53 */
		return 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon == v || errno || end == colon + 1 || *end || port < 1 || port > 65535) {
		snprintf(why, n, "must be host:port with a port from 1 to 65535");
		return -1;
	}
	return 0;
}

static int check_listen(const char *v, char *why, size_t n)
{
	if (v[0] == '/' || v[0] == '.')
		return 0; /* a unix socket */
	if (!strchr(v, ':')) {
		snprintf(why, n, "must be host:port or a unix socket path");
		return -1;
	}
	return check_host_port(v, why, n);
}

static int check_conninfo(const char *v, char *why, size_t n)
{
	if (!strncmp(v, "postgresql://", 13) || !strncmp(v, "postgres://", 11) || strchr(v, '='))
		return 0;
	snprintf(why, n, "must be a postgresql:// URL or key=value connection settings");
	return -1;
}

/* A file or folder name: no control characters (a pasted newline would name another file). */
static int check_path(const char *v, char *why, size_t n)
{
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(why, n, "must be a path (no control characters)");
			return -1;
		}
	}
	return 0;
}

static int check_url(const char *schemes, const char *v, char *why, size_t n)
{
	size_t len = strcspn(v, ":");
	char scheme[16];
	struct buf allowed = BUF_INIT;

	if (len && len < sizeof(scheme) && !strncmp(v + len, "://", 3) && v[len + 3]) {
		memcpy(scheme, v, len);
		scheme[len] = '\0';
		if (enum_match(schemes, scheme, scheme, sizeof(scheme)) == 0 &&
		    !strpbrk(v, " \t\r\n"))
			return 0;
	}
	values_text(schemes, &allowed);
	snprintf(why, n, "must be a URL (%s)", allowed.buf);
	buf_release(&allowed);
	return -1;
}

/* A whole number, with a unit suffix for durations (ms, s, m, h, d; none: the field's unit),
 * into the field's unit. -1 when not a number, a fraction of the unit or out of long. */
static int parse_number(const struct setting *s, const char *v, long *out)
{
	static const struct {
		const char *suffix;
		long ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
	long unit_ms = s->type == SET_DUR_S ? 1000 : 1, n;
	char *end;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v)
		return -1;
	if (*end && (s->type == SET_DUR_S || s->type == SET_DUR_MS)) {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (!strcmp(end, units[i].suffix))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return -1;
		if (n > 0 && n > LONG_MAX / units[i].ms)
			return -1;
		n *= units[i].ms;
		if (n % unit_ms)
			return -1;
		n /= unit_ms;
		end += strlen(end);
	}
	if (*end)
		return -1;
	*out = n;
	return 0;
}

static int parse_bool(const char *v, long *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
			*out = !strcasecmp(v, yes[i]);
			return 0;
		}
	}
	return -1;
}

/* Why `v` is not a value of `s`, as "must be ..." into `why`; 0 when it is one. */
static int setting_check_long(const struct setting *s, const char *v, long *out, char *why,
			      size_t n)
{
	const char *unit = s->type == SET_DUR_S ? " seconds" : s->type == SET_DUR_MS ? " ms" : "";

	if (s->type == SET_BOOL) {
		if (parse_bool(v, out) == 0)
			return 0;
		snprintf(why, n, "must be 1 or 0 (true/false, yes/no, on/off)");
		return -1;
	}
	if (parse_number(s, v, out) == 0 && *out >= s->min && *out <= s->max)
		return 0;
	if (s->type == SET_NUM)
		snprintf(why, n, "must be a whole number from %ld to %ld", s->min, s->max);
	else
		snprintf(why, n,
			 "must be a duration from %ld to %ld%s (a number of%s, or with a unit: "
			 "ms, s, m, h, d)",
			 s->min, s->max, unit, unit);
	return -1;
}

/* ---------------------------------------------------------------- loading */

/* Store `value` (NULL: the default) into the setting, or say why it cannot be one. `where`
 * names the source: "PLATFORM_X" for the environment, "file:line: x" for the file. A setting
 * none of `procs` reads is warned about and keeps its default. */
static int setting_store(struct config *cfg, const struct setting *s, const char *value,
			 const char *where, unsigned procs, struct err *e)
{
	char why[200] = "", canon[32];
	long v = 0;
	int bad = 0;

	if (!value || !*value)
		value = s->def;
	if (is_long(s)) {
		bad = value && setting_check_long(s, value, &v, why, sizeof(why)) < 0;
	} else if (value && s->type == SET_ENUM) {
		if (enum_match(s->values, value, canon, sizeof(canon)) == 0) {
			value = canon;
		} else {
			struct buf allowed = BUF_INIT;

			values_text(s->values, &allowed);
			snprintf(why, sizeof(why), "must be %s (got '%.40s')", allowed.buf, value);
			buf_release(&allowed);
			bad = 1;
		}
	} else if (value && s->type == SET_URL) {
		bad = check_url(s->values, value, why, sizeof(why)) < 0;
	} else if (value && s->type == SET_PATH) {
		bad = check_path(value, why, sizeof(why)) < 0;
	} else if (value && s->check) {
		bad = s->check(value, why, sizeof(why)) < 0;
	}
	if (bad && !(s->procs & procs)) {
		log_warn("setting ignored: no process here reads it, and its value is bad", "name",
			 where, "reason", why, NULL);
		return setting_store(cfg, s, NULL, where, procs, e);
	}
	if (bad)
		return err_set(e, 500, "bad_config", "%s %s", where, why);
	if (is_long(s)) {
		*long_slot(cfg, s) = v;
	} else {
		char **slot = str_slot(cfg, s);

		free(*slot);
		*slot = value ? xstrdup(value) : NULL;
	}
	return 0;
}

/* One `key: value` of the file. */
static int file_setting(struct config *cfg, const char *key, const char *val, const char *where,
			unsigned procs, struct err *e)
{
	const struct setting *s = setting_find(key);
	char name[640];

	if (!s)
		return err_set(e, 500, "bad_config", "%s: unknown setting '%s' (closest: '%s')",
			       where, key, config_closest(key));
	snprintf(name, sizeof(name), "%s: %s", where, key);
	return setting_store(cfg, s, *val ? val : NULL, name, procs, e);
}

/* Read a flat YAML mapping of scalars: `key: value` lines. */
static int config_read_file(struct config *cfg, const char *path, unsigned procs, struct err *e)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	FILE *f = fopen(path, "rb");
	char *key = NULL;
	int depth = 0, ret = -1, done = 0, bad = 0;
	char where[512];

	if (!f)
		return err_set(e, 500, "bad_config", "cannot open config file '%s': %s", path,
			       strerror(errno));
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			err_set(e, 500, "bad_config", "%s:%zu: %s", path,
				parser.problem_mark.line + 1,
				parser.problem ? parser.problem : "invalid YAML");
			goto out;
		}
		snprintf(where, sizeof(where), "%s:%zu", path, ev.start_mark.line + 1);
		if (ev.type == YAML_STREAM_END_EVENT) {
			done = 1;
		} else if (ev.type == YAML_MAPPING_START_EVENT && ++depth > 1) {
			bad = err_set(e, 500, "bad_config", "%s: nested mappings are not settings",
				      where);
		} else if (ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		} else if (ev.type == YAML_SEQUENCE_START_EVENT) {
			bad = err_set(e, 500, "bad_config", "%s: lists are not settings", where);
		} else if (ev.type == YAML_SCALAR_EVENT && !key) {
			key = xstrdup((const char *)ev.data.scalar.value);
		} else if (ev.type == YAML_SCALAR_EVENT) {
			bad = file_setting(cfg, key, (const char *)ev.data.scalar.value, where,
					   procs, e);
			free(key);
			key = NULL;
		}
		yaml_event_delete(&ev);
		if (bad < 0)
			goto out;
	}
	ret = 0;
out:
	free(key);
	yaml_parser_delete(&parser);
	fclose(f);
	return ret;
}

static int not_a_setting(const char *var)
{
	for (size_t i = 0; i < sizeof(not_settings) / sizeof(not_settings[0]); i++) {
		if (!fnmatch(not_settings[i], var, 0))
			return 1;
	}
	return 0;
}

/* Warn about PLATFORM_* variables that are no setting: a typo would otherwise be silent. */
static void warn_unknown_env(void)
{
	char var[96], lower[96], closest[96];

	for (char **p = environ; p && *p; p++) {
		size_t n = strcspn(*p, "=");

		if (strncmp(*p, "PLATFORM_", 9) || n >= sizeof(var))
			continue;
		memcpy(var, *p, n);
		var[n] = '\0';
		for (size_t i = 9; i <= n; i++)
			lower[i - 9] = (char)tolower((unsigned char)var[i]);
		if (setting_find(lower) || not_a_setting(var))
			continue;
		env_name(config_closest(lower), closest, sizeof(closest));
		log_warn("unknown setting in the environment", "name", var, "closest", closest,
			 NULL);
	}
}

int config_load(struct config *cfg, const char *path, unsigned procs, struct err *e)
{
	char name[96];

	memset(cfg, 0, sizeof(*cfg));
	err_clear(e);
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (settings[i].type != SET_GROUP &&
		    setting_store(cfg, &settings[i], NULL, "default", CONFIG_ALL, e) < 0)
			return -1;
	}
	warn_unknown_env(); /* first: a typo is named even when another setting stops the start */
	if (!path)
		path = getenv("PLATFORM_CONFIG");
	if (path && *path && config_read_file(cfg, path, procs, e) < 0)
		return -1;
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *v;

		if (settings[i].type == SET_GROUP)
			continue;
		env_name(settings[i].name, name, sizeof(name));
		v = getenv(name);
		if (v && setting_store(cfg, &settings[i], v, name, procs, e) < 0)
			return -1;
	}
	return 0;
}

void config_release(struct config *cfg)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (settings[i].type != SET_GROUP && !is_long(&settings[i])) {
			char **slot = str_slot(cfg, &settings[i]);

			free(*slot);
			*slot = NULL;
		}
	}
}

void config_live_url(const struct config *cfg, const char *host, struct buf *out)
{
	const char *scheme = cfg->live_url_scheme ? cfg->live_url_scheme : "https";

	buf_addf(out, "%s://%s", scheme, host);
	if (cfg->live_url_port > 0)
		buf_addf(out, ":%ld", cfg->live_url_port);
}

const char *config_get(const struct config *cfg, const char *name)
{
	const struct setting *s = setting_find(name);

	if (!s || is_long(s))
		return NULL;
	return *str_slot((struct config *)cfg, s);
}

int config_require(const struct config *cfg, const char *const *names, struct err *e)
{
	char env[96];

	for (; *names; names++) {
		const char *v = config_get(cfg, *names);

		if (!v || !*v) {
			env_name(*names, env, sizeof(env));
			return err_set(e, 500, "missing_setting",
				       "required setting %s is not set (environment variable %s or "
				       "'%s:' in the config file)",
				       env, env, *names);
		}
	}
	return 0;
}

/* A URL without its password: scheme://user:secret@host -> scheme://user:[redacted]@host */
static void add_url_redacted(struct buf *b, const char *url)
{
	const char *at = strchr(url, '@'), *sep = strstr(url, "://");
	const char *colon = sep && at ? memchr(sep + 3, ':', (size_t)(at - sep - 3)) : NULL;

	if (!colon) {
		buf_addstr(b, url);
		return;
	}
	buf_add(b, url, (size_t)(colon - url + 1));
	buf_addstr(b, "[redacted]");
	buf_addstr(b, at);
}

void config_log(const struct config *cfg)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		const char *v;

		if (s->type == SET_GROUP)
			continue;
		buf_reset(&b);
		v = is_long(s) ? NULL : *str_slot((struct config *)cfg, s);
		if (is_long(s))
			buf_addf(&b, "%ld", *long_slot((struct config *)cfg, s));
		else if (!v)
			buf_addstr(&b, "(unset)");
		else if (s->type == SET_SECRET)
			buf_addstr(&b, "[redacted]");
		else if (s->type == SET_URL)
			add_url_redacted(&b, v);
		else
			buf_addstr(&b, v);
		log_debug("setting", "name", s->name, "value", b.buf, NULL);
	}
	buf_release(&b);
}

/* ---------------------------------------------------------------- the README's tables */

static void doc_type(const struct setting *s, struct buf *out)
{
	static const char *const names[] = {
	    [SET_STR] = "string", [SET_SECRET] = "secret", [SET_PATH] = "path",
	    [SET_BOOL] = "bool",  [SET_NUM] = "number",	   [SET_URL] = "URL",
	};

	if (s->type == SET_ENUM) {
		buf_addstr(out, "one of `");
		for (const char *p = s->values; *p; p++) {
			if (*p == '|')
				buf_addstr(out, "`, `");
			else
				buf_addch(out, *p);
		}
		buf_addstr(out, "`");
	} else if (s->type == SET_NUM) {
		buf_addf(out, "number %ld..%ld", s->min, s->max);
	} else if (s->type == SET_DUR_S || s->type == SET_DUR_MS) {
		buf_addf(out, "duration %ld..%ld %s", s->min, s->max,
			 s->type == SET_DUR_S ? "s" : "ms");
	} else if (s->type == SET_URL) {
		buf_addstr(out, "URL (");
		values_text(s->values, out);
		buf_addstr(out, ")");
	} else {
		buf_addstr(out, names[s->type]);
	}
}

static void doc_row(const struct setting *s, struct buf *out)
{
	char var[96];

	env_name(s->name, var, sizeof(var));
	buf_addf(out, "| `%s` | ", var);
	doc_type(s, out);
	buf_addstr(out, " | ");
	if (s->doc_def)
		buf_addstr(out, s->doc_def);
	else if (s->def)
		buf_addf(out, "`%s`", s->def);
	buf_addstr(out, " | ");
	buf_addf(out, "%s%s%s", s->procs & CONFIG_API ? "api " : "",
		 s->procs & CONFIG_WORKER ? "worker " : "", s->procs & CONFIG_CTL ? "ctl " : "");
	buf_truncate(out, out->len - 1); /* the last blank */
	buf_addf(out, " | %s |\n", s->doc);
}

void config_docs(struct buf *out)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (settings[i].type == SET_GROUP) {
			buf_addf(out, "%s**%s**\n\n", i ? "\n" : "", settings[i].name);
			buf_addstr(out, "| variable | type | default | read by | meaning |\n"
					"|---|---|---|---|---|\n");
			continue;
		}
		doc_row(&settings[i], out);
	}
}
