/* cmd_gitops.c: platformctl gitops (placeholder until lib/gitops lands) */
#include "cmd.h"

#include <stdio.h>

int cmd_gitops(int argc, char **argv)
{
	fprintf(stderr, "platformctl gitops: not built yet\n");
	return 2;
}
