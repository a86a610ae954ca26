/* domains.c: the worker's periodic custom domain checks */
#include "domains.h"

#include "domainverify.h"
#include "log.h"

/* Domains looked up per round: each lookup may wait about two seconds for a resolver that
 * does not answer, and the build loop waits with it. */
#define DOMAINS_PER_ROUND 8

void domains_tick(struct worker *w, double now, double *next)
{
	struct err e = ERR_INIT;
	long interval = w->cfg->domain_check_interval;
	int n = domainverify_check_due(&w->db, w->cfg->dns_server, interval, DOMAINS_PER_ROUND, &e);

	if (n < 0)
		log_warn("custom domain checks failed; trying again later", "reason", e.msg, NULL);
	/* a full round may have left more due: come back soon, else at the next interval (or a
	 * tenth of it, so that a domain added meanwhile is not left waiting a whole interval) */
	*next = now + (n == DOMAINS_PER_ROUND ? 1.0 : (double)(interval < 10 ? interval : interval / 10));
}
