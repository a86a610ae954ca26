/* config.c: the settings table, the YAML file reader and the environment */
#include "config.h"

#include "buf.h"
#include "log.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

enum setting_type { SET_STR, SET_LONG };

struct setting {
	const char *name;
	enum setting_type type;
	size_t offset;
	const char *def; /* default, or NULL */
	int secret;	 /* never logged */
	long min, max;	 /* for numbers */
};

/* the settings table reads best one line each: keep clang-format out of it */
/* clang-format off */
#define S(n, d, sec) {#n, SET_STR, offsetof(struct config, n), d, sec, 0, 0}
#define N(n, d, lo, hi) {#n, SET_LONG, offsetof(struct config, n), d, 0, lo, hi}

static const struct setting settings[] = {
	S(database_url, NULL, 1),
	S(secret_key, NULL, 1),
	S(domain, "apps.localhost", 0),
	S(public_url, NULL, 0),
	S(github_url, "https://github.com", 0),
	S(github_api_url, "https://api.github.com", 0),
	S(github_client_id, NULL, 0),
	S(github_client_secret, NULL, 1),
	S(github_webhook_secret, NULL, 1),
	S(jenkins_url, NULL, 0),
	S(jenkins_user, NULL, 0),
	S(jenkins_token, NULL, 1),
	S(jenkins_job, "platform-deploy", 0),
	S(argocd_url, NULL, 0),
	S(argocd_token, NULL, 1),
	S(gitops_url, NULL, 1),
	S(gitops_branch, NULL, 0),
	S(gitops_author_name, NULL, 0),
	S(gitops_author_email, NULL, 0),
	S(gitops_ssh_key, NULL, 0),
	S(gitops_ssh_passphrase, NULL, 1),
	S(gitops_cache, NULL, 0),
	S(nchan_publish_url, NULL, 0),
	S(registry_url, NULL, 0),
	S(listen, "127.0.0.1:9000", 0),
	S(log_level, "info", 0),
	N(workers, "0", 0, 1024),
	N(max_body, "1048576", 1024, 64L * 1024 * 1024),
	N(api_cache_bytes, "4194304", 0, 1024L * 1024 * 1024),
	N(db_connect_timeout, "3", 1, 60),
	N(session_ttl, "1209600", 60, 365L * 86400),
	N(housekeep_interval, "3600", 0, 7L * 86400),
	N(webhook_retention_days, "30", 1, 3650),
	S(jenkins_callback_url, NULL, 0),
	N(jenkins_poll_ms, "2000", 50, 600000),
	N(jenkins_watched_poll_ms, "100", 20, 600000),
	N(jenkins_watch_check_ms, "1000", 100, 600000),
	N(jenkins_timeout_ms, "15000", 100, 600000),
	N(jenkins_retries, "6", 0, 1000),
	N(jenkins_retry_ms, "1000", 10, 600000),
	N(jenkins_queue_timeout, "1800", 1, 7L * 86400),
	N(jenkins_build_timeout, "3600", 1, 7L * 86400),
	N(callback_grace, "30", 0, 3600),
	N(worker_lease, "30", 2, 3600),
	N(worker_poll, "5", 1, 3600),
	N(worker_max_builds, "500", 1, 100000),
	N(deploy_supersede, "1", 0, 1),
    /* the local builder (worker/local.c) */
	S(build_driver, NULL, 0),
	S(build_dir, "/var/tmp/platform-builds", 0),
	N(allow_local_repos, "0", 0, 1),
	S(registry_user, NULL, 0),
	S(registry_password, NULL, 1),
	S(builder_tool, "buildah", 0),
	S(builder_storage, NULL, 0),
	S(builder_templates, NULL, 0),
	S(build_helper, NULL, 0),
	S(base_image_node, "node:20-alpine", 0),
	S(base_image_python, "python:3.12-slim", 0),
	S(base_image_go, "golang:1.22-alpine", 0),
	S(base_image_static, "busybox:1.36", 0),
	S(base_image_runtime, "gcr.io/distroless/static-debian12", 0),
	N(argocd_poll_ms, "2000", 50, 600000),
	N(argocd_timeout, "600", 1, 86400),
	S(rollback_mode, "direct", 0),
	N(publish_timeout_ms, "3000", 50, 600000),
	N(publish_queue_kb, "4096", 64, 1024L * 1024),
	N(log_retention, "50", 0, 1000000),
    /* the after-release runtime (worker/runtime.c) */
	S(runtime, NULL, 0),
	N(runtime_resync, "30", 1, 86400),
	N(runtime_ready_timeout, "60", 1, 3600),
	S(podman, "podman", 0),
	S(podman_flags, NULL, 0),
	S(podman_run_flags, NULL, 0),
	S(runtime_routes_dir, NULL, 0),
	S(runtime_nginx_listen, NULL, 0),
	S(runtime_nginx_pid, NULL, 0),
    /* tenant checks (issue 12) */
	S(image_prefix, NULL, 0),
	S(dns_server, NULL, 0),
	N(domain_check_interval, "300", 1, 7L * 86400),
	S(sealed_secrets_cert, NULL, 0),
    /* Prometheus metrics listeners (lib/metricsd.c); unset: none */
	S(api_metrics_listen, NULL, 0),
	S(worker_metrics_listen, NULL, 0),
	N(notify_allow_private, "0", 0, 1),
	N(notify_timeout_ms, "10000", 100, 120000),
	N(notify_retry_ms, "30000", 10, 3600000),
	N(notify_retry_for, "86400", 1, 7L * 86400),
    /* the web console (web/, cli/cmd_signin.c) */
	N(local_signin, "0", 0, 1),
};
/* clang-format on */

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static const struct setting *setting_find(const char *name)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (!strcmp(settings[i].name, name))
			return &settings[i];
	}
	return NULL;
}

static char **str_slot(struct config *cfg, const struct setting *s)
{
	return (char **)((char *)cfg + s->offset);
}

static long *long_slot(struct config *cfg, const struct setting *s)
{
	return (long *)((char *)cfg + s->offset);
}

/* Store `value` into the setting; `where` names the source for the message. */
static int setting_store(struct config *cfg, const struct setting *s, const char *value,
			 const char *where, struct err *e)
{
	if (s->type == SET_STR) {
		char **slot = str_slot(cfg, s);

		free(*slot);
		*slot = value ? xstrdup(value) : NULL;
		return 0;
	}
	{
		char *end;
		long v;

		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < s->min || v > s->max)
			return err_set(e, 500, "bad_config",
				       "%s: %s must be a whole number from %ld to %ld", where,
				       s->name, s->min, s->max);
		*long_slot(cfg, s) = v;
	}
	return 0;
}

static void env_name(const char *name, char *out, size_t n)
{
	size_t i = 0;

	snprintf(out, n, "PLATFORM_");
	i = strlen(out);
	for (; *name && i + 1 < n; name++)
		out[i++] = (char)((*name >= 'a' && *name <= 'z') ? *name - 32 : *name);
	out[i] = '\0';
}

/* Read a flat YAML mapping of scalars: `key: value` lines. */
static int config_read_file(struct config *cfg, const char *path, struct err *e)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	FILE *f = fopen(path, "rb");
	char *key = NULL;
	int depth = 0, ret = -1, done = 0;
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
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_MAPPING_START_EVENT:
			if (++depth > 1) {
				yaml_event_delete(&ev);
				err_set(e, 500, "bad_config",
					"%s: nested mappings are not settings", where);
				goto out;
			}
			break;
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SEQUENCE_START_EVENT:
			yaml_event_delete(&ev);
			err_set(e, 500, "bad_config", "%s: lists are not settings", where);
			goto out;
		case YAML_SCALAR_EVENT: {
			const char *val = (const char *)ev.data.scalar.value;

			if (!key) {
				key = xstrdup(val);
				break;
			}
			{
				const struct setting *s = setting_find(key);

				if (!s) {
					yaml_event_delete(&ev);
					err_set(e, 500, "bad_config", "%s: unknown setting '%s'",
						where, key);
					goto out;
				}
				if (setting_store(cfg, s, val, where, e) < 0) {
					yaml_event_delete(&ev);
					goto out;
				}
			}
			free(key);
			key = NULL;
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	ret = 0;
out:
	free(key);
	yaml_parser_delete(&parser);
	fclose(f);
	return ret;
}

int config_load(struct config *cfg, const char *path, struct err *e)
{
	char name[96];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (settings[i].def &&
		    setting_store(cfg, &settings[i], settings[i].def, "default", e) < 0)
			return -1;
	}
	if (!path)
		path = getenv("PLATFORM_CONFIG");
	if (path && *path && config_read_file(cfg, path, e) < 0)
		return -1;
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *v;

		env_name(settings[i].name, name, sizeof(name));
		v = getenv(name);
		if (!v)
			continue;
		if (settings[i].type == SET_LONG && !*v)
			continue;
		if (setting_store(cfg, &settings[i], *v ? v : NULL, name, e) < 0)
			return -1;
	}
	return 0;
}

void config_release(struct config *cfg)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (settings[i].type == SET_STR) {
			char **slot = str_slot(cfg, &settings[i]);

			free(*slot);
			*slot = NULL;
		}
	}
}

const char *config_get(const struct config *cfg, const char *name)
{
	const struct setting *s = setting_find(name);

	if (!s || s->type != SET_STR)
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

void config_log(const struct config *cfg)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];

		buf_reset(&b);
		if (s->type == SET_LONG)
			buf_addf(&b, "%ld", *long_slot((struct config *)cfg, s));
		else if (!*str_slot((struct config *)cfg, s))
			buf_addstr(&b, "(unset)");
		else if (s->secret)
			buf_addstr(&b, "[redacted]");
		else
			buf_addstr(&b, *str_slot((struct config *)cfg, s));
		log_debug("setting", "name", s->name, "value", b.buf, NULL);
	}
	buf_release(&b);
}
