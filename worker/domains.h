/* domains.h: the worker's periodic checks of custom domains (prefix domains_).
 *
 * Every PLATFORM_DOMAIN_CHECK_INTERVAL seconds the worker looks up the DNS TXT records of the
 * custom domains due (lib/model/domainverify) and stores what it found, a few at a time so that the
 * builds it follows are not held up by a slow resolver.
 */
#ifndef PLATFORM_WORKER_DOMAINS_H
#define PLATFORM_WORKER_DOMAINS_H

#include "build.h"

/* Run the checks that are due at `now` (seconds, build_now()); *next gets when to call again. */
void domains_tick(struct worker *w, double now, double *next);

#endif
