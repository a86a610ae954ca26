/* test_config.c: settings from defaults, a YAML file and the environment */
#include "buf.h"
#include "config.h"
#include "log.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

/* Load with one variable set: 0 or -1, the message in `e`. */
static int load_with(struct config *cfg, const char *var, const char *value, unsigned procs,
		     struct err *e)
{
	int rc;

	setenv(var, value, 1);
	rc = config_load(cfg, NULL, procs, e);
	unsetenv(var);
	return rc;
}

/* A value of a variable is refused for `procs`, with a message naming `want`. */
static void refused(const char *var, const char *value, unsigned procs, const char *want)
{
	struct config cfg;
	struct err e = ERR_INIT;

	ok(load_with(&cfg, var, value, procs, &e) == -1 && strstr(e.msg, var) &&
	       strstr(e.msg, want),
	   "%s=%s is refused: %s", var, value, e.msg);
	config_release(&cfg);
}

/* The validators of each type, through the environment. */
static void test_types(void)
{
	struct config cfg;
	struct err e = ERR_INIT;

	refused("PLATFORM_BUILD_DRIVER", "jnkins", CONFIG_WORKER, "must be local, jenkins or none");
	refused("PLATFORM_LOG_LEVEL", "verbose", CONFIG_API, "debug, info, warn or error");
	refused("PLATFORM_RUNTIME", "podmn", CONFIG_WORKER, "argocd, podman or none");
	ok(load_with(&cfg, "PLATFORM_BUILD_DRIVER", "jnkins", CONFIG_API, &e) == 0,
	   "a bad value of a setting the process does not read is only a warning");
	ok(cfg.build_driver == NULL, "and leaves the default");
	config_release(&cfg);
	ok(load_with(&cfg, "PLATFORM_BUILD_DRIVER", "LOCAL", CONFIG_WORKER, &e) == 0,
	   "an enum in another case");
	is_str(cfg.build_driver, "local", "is stored as the allowed value");
	config_release(&cfg);

	ok(load_with(&cfg, "PLATFORM_DEPLOY_SUPERSEDE", "no", CONFIG_API, &e) == 0, "bool: no");
	is_int(cfg.deploy_supersede, 0, "is 0");
	config_release(&cfg);
	refused("PLATFORM_DEPLOY_SUPERSEDE", "maybe", CONFIG_API, "must be 1 or 0");

	ok(load_with(&cfg, "PLATFORM_WORKER_LEASE", "2m", CONFIG_WORKER, &e) == 0,
	   "a duration with a unit");
	is_int(cfg.worker_lease, 120, "2m is 120 seconds");
	config_release(&cfg);
	ok(load_with(&cfg, "PLATFORM_JENKINS_POLL_MS", "2s", CONFIG_WORKER, &e) == 0,
	   "a duration in ms with a unit");
	is_int(cfg.jenkins_poll_ms, 2000, "2s is 2000 ms");
	config_release(&cfg);
	ok(load_with(&cfg, "PLATFORM_WORKER_POLL", "7", CONFIG_WORKER, &e) == 0,
	   "a duration without a unit");
	is_int(cfg.worker_poll, 7, "is in the setting's unit");
	config_release(&cfg);
	refused("PLATFORM_WORKER_LEASE", "1500ms", CONFIG_WORKER, "must be a duration from 2 to");
	refused("PLATFORM_WORKER_LEASE", "1", CONFIG_WORKER, "must be a duration from 2 to");
	refused("PLATFORM_WORKER_LEASE", "30 parsecs", CONFIG_WORKER, "with a unit");

	refused("PLATFORM_PUBLIC_URL", "example.com", CONFIG_API, "must be a URL (http or https)");
	refused("PLATFORM_JENKINS_URL", "ftp://jenkins", CONFIG_WORKER, "must be a URL");
	ok(load_with(&cfg, "PLATFORM_GITHUB_URL", "file:///srv/repos", CONFIG_API, &e) == 0,
	   "file:// is a GitHub URL (local repositories)");
	config_release(&cfg);

	refused("PLATFORM_LISTEN", "nonsense", CONFIG_API, "host:port or a unix socket path");
	refused("PLATFORM_LISTEN", "127.0.0.1:70000", CONFIG_API, "port from 1 to 65535");
	ok(load_with(&cfg, "PLATFORM_LISTEN", "/run/platform.sock", CONFIG_API, &e) == 0,
	   "a unix socket to listen on");
	config_release(&cfg);
	refused("PLATFORM_DATABASE_URL", "db.example", CONFIG_API, "postgresql://");
	refused("PLATFORM_DOMAIN", "apps example", CONFIG_API, "host name");
	refused("PLATFORM_BUILD_DIR", "/var/tmp/builds\n", CONFIG_WORKER, "must be a path");

	ok(load_with(&cfg, "PLATFORM_DOMAIN", "", CONFIG_API, &e) == 0, "an empty variable");
	is_str(cfg.domain, "apps.localhost", "means the default");
	config_release(&cfg);
}

/* Unknown PLATFORM_* variables are named with the closest setting. */
static void test_unknown_env(void)
{
	struct config cfg;
	struct err e = ERR_INIT;
	FILE *logf = tmpfile();
	char text[4096] = "";
	size_t n;

	is_str(config_closest("build_drver"), "build_driver", "the closest setting of a typo");
	log_init("test", LOG_INFO, logf);
	ok(load_with(&cfg, "PLATFORM_BUILD_DRVER", "local", CONFIG_WORKER, &e) == 0,
	   "an unknown variable does not stop the start");
	config_release(&cfg);
	setenv("PLATFORM_STACK_DIR", "/tmp/stack", 1);
	ok(config_load(&cfg, NULL, CONFIG_WORKER, &e) == 0, "a dev-stack variable loads");
	config_release(&cfg);
	unsetenv("PLATFORM_STACK_DIR");
	log_init("test", LOG_INFO, stderr);
	rewind(logf);
	n = fread(text, 1, sizeof(text) - 1, logf);
	text[n] = '\0';
	fclose(logf);
	ok(strstr(text, "\"PLATFORM_BUILD_DRVER\"") && strstr(text, "\"PLATFORM_BUILD_DRIVER\""),
	   "it is warned about, naming the closest setting: %s", text);
	ok(!strstr(text, "PLATFORM_STACK_DIR"), "the dev stack's own variables are not");
}

/* The README's tables come from the table: every setting once, with its type. */
static void test_docs(void)
{
	struct buf b = BUF_INIT;

	config_docs(&b);
	ok(strstr(b.buf, "| `PLATFORM_BUILD_DRIVER` | one of `local`, `jenkins`, `none` |") != NULL,
	   "an enum row lists its values");
	ok(strstr(b.buf, "| `PLATFORM_SECRET_KEY` | secret |") != NULL, "a secret row");
	{
		const char *first = strstr(b.buf, "| `PLATFORM_DOMAIN` |");

		ok(first && !strstr(first + 1, "| `PLATFORM_DOMAIN` |"), "a setting has one row");
	}
	buf_release(&b);
}

int main(void)
{
	struct config cfg;
	struct err e = ERR_INIT;
	static const char *const need[] = {"database_url", "secret_key", NULL};
	int fd;

	snprintf(path, sizeof(path), "/tmp/test-config.XXXXXX");
	fd = mkstemp(path);
	close(fd);
	unsetenv("PLATFORM_CONFIG");
	unsetenv("PLATFORM_DATABASE_URL");
	unsetenv("PLATFORM_SECRET_KEY");
	unsetenv("PLATFORM_DOMAIN");
	unsetenv("PLATFORM_WORKERS");

	ok(config_load(&cfg, NULL, CONFIG_ALL, &e) == 0,
	   "defaults load with no file and no environment");
	is_str(cfg.domain, "apps.localhost", "a default string");
	is_int(cfg.max_body, 1048576, "a default number");
	ok(config_require(&cfg, need, &e) == -1, "a missing required setting is refused");
	ok(strstr(e.msg, "PLATFORM_DATABASE_URL") != NULL, "the message names the variable: %s",
	   e.msg);
	config_release(&cfg);

	write_file(
	    "# a comment\ndatabase_url: postgresql://db/x\ndomain: \"example.org\"\nworkers: 3\n");
	ok(config_load(&cfg, path, CONFIG_ALL, &e) == 0, "a YAML file loads");
	is_str(cfg.database_url, "postgresql://db/x", "a file setting");
	is_str(cfg.domain, "example.org", "a quoted file setting");
	is_int(cfg.workers, 3, "a number from the file");
	config_release(&cfg);

	setenv("PLATFORM_DOMAIN", "env.example", 1);
	setenv("PLATFORM_SECRET_KEY", "k", 1);
	ok(config_load(&cfg, path, CONFIG_ALL, &e) == 0, "file and environment load together");
	is_str(cfg.domain, "env.example", "the environment wins over the file");
	ok(config_require(&cfg, need, &e) == 0, "required settings from file and environment");
	is_str(config_get(&cfg, "secret_key"), "k", "config_get by name");
	ok(config_get(&cfg, "no_such") == NULL, "config_get of an unknown name");
	config_release(&cfg);

	setenv("PLATFORM_WORKERS", "many", 1);
	ok(config_load(&cfg, path, CONFIG_ALL, &e) == -1, "a number that is not one is refused");
	ok(strstr(e.msg, "PLATFORM_WORKERS") != NULL, "naming the variable: %s", e.msg);
	config_release(&cfg);
	unsetenv("PLATFORM_WORKERS");

	write_file("database_url: host=/tmp\nbuild_drver: local\n");
	ok(config_load(&cfg, path, CONFIG_ALL, &e) == -1, "an unknown key in the file is refused");
	ok(strstr(e.msg, ":2:") && strstr(e.msg, "build_drver"), "with file:line and key: %s",
	   e.msg);
	ok(strstr(e.msg, "closest: 'build_driver'") != NULL, "and the closest setting: %s", e.msg);
	config_release(&cfg);

	write_file("database_url: [a, b]\n");
	ok(config_load(&cfg, path, CONFIG_ALL, &e) == -1, "a list value is refused");
	config_release(&cfg);

	write_file("database_url: \"unterminated\n");
	ok(config_load(&cfg, path, CONFIG_ALL, &e) == -1, "invalid YAML is refused");
	ok(strstr(e.msg, path) != NULL, "naming the file: %s", e.msg);
	config_release(&cfg);

	ok(config_load(&cfg, "/nonexistent/platform.yaml", CONFIG_ALL, &e) == -1,
	   "a missing file is refused");
	config_release(&cfg);
	unlink(path);

	test_types();
	test_unknown_env();
	test_docs();
	return tap_done();
}
