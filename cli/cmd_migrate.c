/* cmd_migrate.c: platformctl migrate (placeholder until lib/migrate lands) */
#include "cmd.h"

#include <stdio.h>

int cmd_migrate(int argc, char **argv)
{
	fprintf(stderr, "platformctl migrate: not built yet\n");
	return 1;
}
