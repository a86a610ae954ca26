/* cmd_config.c: platformctl config check|docs: the settings table (lib/config/config) from outside
 */
#include "cmd.h"

#include "buf.h"
#include "config.h"

#include <stdio.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: platformctl config check [--for api|worker|ctl|all]\n"
			"       platformctl config docs\n");
	return 2;
}

/* The settings as the named process would load them: 0 when it would start. */
static int check(int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned procs;
	} procs[] = {{"api", CONFIG_API},
		     {"worker", CONFIG_WORKER},
		     {"ctl", CONFIG_CTL},
		     {"all", CONFIG_ALL}};
	unsigned which = CONFIG_ALL;
	struct config cfg;
	struct err e = ERR_INIT;
	int rc;

	if (argc == 3 && !strcmp(argv[1], "--for")) {
		which = 0;
		for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++) {
			if (!strcmp(argv[2], procs[i].name))
				which = procs[i].procs;
		}
	}
	if (!which || (argc != 1 && argc != 3))
		return usage();
	rc = config_load(&cfg, NULL, which, &e) < 0 ? 1 : 0;
	if (rc)
		fprintf(stderr, "platformctl config: %s\n", e.msg);
	else
		printf("the settings are valid\n");
	config_release(&cfg);
	return rc;
}

int cmd_config(const struct config *cfg, int argc, char **argv)
{
	struct buf out = BUF_INIT;

	(void)cfg; /* loads the settings itself, for the process it is asked about */
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return check(argc - 1, argv + 1);
	if (argc != 2 || strcmp(argv[1], "docs"))
		return usage();
	config_docs(&out);
	fputs(out.buf, stdout);
	buf_release(&out);
	return 0;
}
