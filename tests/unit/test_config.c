/* test_config.c: settings from defaults, a YAML file and the environment */
#include "../../lib/config.h"
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

	ok(config_load(&cfg, NULL, &e) == 0, "defaults load with no file and no environment");
	is_str(cfg.domain, "apps.localhost", "a default string");
	is_int(cfg.max_body, 1048576, "a default number");
	ok(config_require(&cfg, need, &e) == -1, "a missing required setting is refused");
	ok(strstr(e.msg, "PLATFORM_DATABASE_URL") != NULL, "the message names the variable: %s",
	   e.msg);
	config_release(&cfg);

	write_file(
	    "# a comment\ndatabase_url: postgresql://db/x\ndomain: \"example.org\"\nworkers: 3\n");
	ok(config_load(&cfg, path, &e) == 0, "a YAML file loads");
	is_str(cfg.database_url, "postgresql://db/x", "a file setting");
	is_str(cfg.domain, "example.org", "a quoted file setting");
	is_int(cfg.workers, 3, "a number from the file");
	config_release(&cfg);

	setenv("PLATFORM_DOMAIN", "env.example", 1);
	setenv("PLATFORM_SECRET_KEY", "k", 1);
	ok(config_load(&cfg, path, &e) == 0, "file and environment load together");
	is_str(cfg.domain, "env.example", "the environment wins over the file");
	ok(config_require(&cfg, need, &e) == 0, "required settings from file and environment");
	is_str(config_get(&cfg, "secret_key"), "k", "config_get by name");
	ok(config_get(&cfg, "no_such") == NULL, "config_get of an unknown name");
	config_release(&cfg);

	setenv("PLATFORM_WORKERS", "many", 1);
	ok(config_load(&cfg, path, &e) == -1, "a number that is not one is refused");
	ok(strstr(e.msg, "PLATFORM_WORKERS") != NULL, "naming the variable: %s", e.msg);
	config_release(&cfg);
	unsetenv("PLATFORM_WORKERS");

	write_file("database_url: x\nfrobnicate: 1\n");
	ok(config_load(&cfg, path, &e) == -1, "an unknown key in the file is refused");
	ok(strstr(e.msg, ":2:") && strstr(e.msg, "frobnicate"), "with file:line and key: %s",
	   e.msg);
	config_release(&cfg);

	write_file("database_url: [a, b]\n");
	ok(config_load(&cfg, path, &e) == -1, "a list value is refused");
	config_release(&cfg);

	write_file("database_url: \"unterminated\n");
	ok(config_load(&cfg, path, &e) == -1, "invalid YAML is refused");
	ok(strstr(e.msg, path) != NULL, "naming the file: %s", e.msg);
	config_release(&cfg);

	ok(config_load(&cfg, "/nonexistent/platform.yaml", &e) == -1, "a missing file is refused");
	config_release(&cfg);
	unlink(path);
	return tap_done();
}
