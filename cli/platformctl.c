/* platformctl.c: the admin and pipeline command line, a table of subcommands */
#include "cmd.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
    {"migrate", cmd_migrate, "apply the missing schema migrations (--status to list them)"},
    {"housekeep", cmd_housekeep, "remove expired sessions, old webhook deliveries, finished jobs"},
    {"gitops", cmd_gitops, "write, remove and check releases in the GitOps repository"},
    {"detect", cmd_detect, "the framework of a checkout and the file that decided it"},
    {"signin-link", cmd_signin, "a one-time sign-in URL for the web console (local stack)"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: platformctl <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nSettings come from PLATFORM_* environment variables (see README).\n");
}

int main(int argc, char **argv)
{
	enum log_level lvl = LOG_WARN;
	const char *env = getenv("PLATFORM_LOG_LEVEL");

	if (env)
		log_level_parse(env, &lvl);
	log_init("platformctl", lvl, stderr);
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
			return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "platformctl: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
