/* platformctl.c: the admin and pipeline command line, a table of subcommands */
#include "cmd.h"
#include "config.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(const struct config *cfg, int argc, char **argv);
	int reads_settings; /* 1: the settings are loaded and checked before it runs */
	const char *help;
};

static const struct command commands[] = {
    {"migrate", cmd_migrate, 1, "apply the missing schema migrations (--status to list them)"},
    {"housekeep", cmd_housekeep, 1,
     "remove expired sessions, old webhook deliveries, finished jobs"},
    {"gitops", cmd_gitops, 1, "write, remove and check releases in the GitOps repository"},
    {"detect", cmd_detect, 0, "the framework of a checkout and the file that decided it"},
    {"signin-link", cmd_signin, 1, "a one-time sign-in URL for the web console (local stack)"},
    {"config", cmd_config, 0, "check the settings of a process; print the README's tables"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: platformctl <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nSettings come from PLATFORM_* environment variables (see README).\n");
}

/* Load and check the settings once, as every process does at start; the log level is
 * platformctl's own default (warn) unless PLATFORM_LOG_LEVEL says another. */
static int run(const struct command *c, int argc, char **argv)
{
	struct config cfg;
	struct err e = ERR_INIT;
	enum log_level lvl = LOG_WARN;
	int rc;

	if (!c->reads_settings)
		return c->fn(NULL, argc, argv);
	if (config_load(&cfg, NULL, CONFIG_CTL, &e) < 0) {
		fprintf(stderr, "platformctl %s: %s\n", c->name, e.msg);
		config_release(&cfg);
		return 1;
	}
	if (cfg.log_level)
		log_level_parse(cfg.log_level, &lvl); /* checked by config_load */
	log_min_level = lvl;
	rc = c->fn(&cfg, argc, argv);
	config_release(&cfg);
	return rc;
}

int main(int argc, char **argv)
{
	log_init("platformctl", LOG_WARN, stderr);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name))
			return run(&commands[i], argc - 1, argv + 1);
	}
	fprintf(stderr, "platformctl: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
