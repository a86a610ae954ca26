/* gitops_inproc.c: bench/gitops.sh's in-process releases: what the worker pays for one release
 * (lib/clients/gitops in a long-lived process, libgit2 initialised once), without a process start.
 *
 *   gitops-inproc < lines of "WORKSPACE USER PROJECT IMAGE TAG"
 *
 * Reads PLATFORM_GITOPS_URL, PLATFORM_GITOPS_CACHE and PLATFORM_DOMAIN; for each line writes one
 * release and prints the milliseconds it took (or "error: ..."), flushed, so the script can
 * interleave these releases with the git command line's.
 */
#include "err.h"
#include "gitops.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(void)
{
	struct gitops_opts o = {0};
	char ws[64], user[64], project[64], image[256], tag[130];

	o.url = getenv("PLATFORM_GITOPS_URL");
	o.cache_dir = getenv("PLATFORM_GITOPS_CACHE");
	if (!o.url) {
		fprintf(stderr, "gitops-inproc: set PLATFORM_GITOPS_URL\n");
		return 2;
	}
	gitops_process_init();
	while (scanf("%63s %63s %63s %255s %129s", ws, user, project, image, tag) == 5) {
		struct gitops_app app = {ws, user, project};
		struct gitops_values v = {0};
		struct gitops_result res;
		struct err e = ERR_INIT;
		double t0 = now_ms();

		v.image_repository = image;
		v.image_tag = tag;
		v.domain = getenv("PLATFORM_DOMAIN");
		v.replicas = 1;
		if (gitops_release(&o, &app, &v, NULL, &res, &e) < 0)
			printf("error: %s\n", e.msg);
		else
			printf("%.1f\n", now_ms() - t0);
		fflush(stdout);
	}
	gitops_process_end();
	return 0;
}
