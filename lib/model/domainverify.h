/* domainverify.h: custom domain ownership, proved by a DNS TXT record (prefix domainverify_).
 *
 * A project's custom domain is routed (written as an ingress host in releases) only once its
 * owner has shown control of the domain's DNS: a TXT record named
 * "_platform-verify.<domain>" holding "platform-verify=<token>", the token being the
 * project's own (projects.custom_domain_token). The worker looks the record up with the
 * system resolver (libresolv), or the one PLATFORM_DNS_SERVER names, every
 * PLATFORM_DOMAIN_CHECK_INTERVAL seconds: found, the domain is `verified`; gone after it was,
 * `failed`; never seen yet, `pending`. A resolver that does not answer changes nothing.
 *
 * Strings are borrowed; results are appended to caller-owned buffers.
 */
#ifndef PLATFORM_DOMAINVERIFY_H
#define PLATFORM_DOMAINVERIFY_H

#include "buf.h"
#include "db.h"
#include "err.h"

#define DOMAINVERIFY_RECORD_PREFIX "_platform-verify."
#define DOMAINVERIFY_VALUE_PREFIX  "platform-verify="

/* Append the record name, "_platform-verify.<domain>". */
void domainverify_record_name(struct buf *out, const char *domain);
/* Append the record value, "platform-verify=<token>". */
void domainverify_record_value(struct buf *out, const char *token);

/* The custom domain a release routes: `domain` when its status is "verified", else NULL
 * (the generated host only). The SQL function custom_domain_route() is the same rule. */
const char *domainverify_route(const char *domain, const char *status);

/* Does a TXT record of `name` hold exactly `value` (its strings joined, as RFC 7208 reads
 * them)? `server` is "a.b.c.d:port" (or "a.b.c.d", port 53) to ask instead of the system's
 * resolvers, or NULL. 1 yes, 0 no (no such name, no such record or value), -1 the lookup
 * failed (timeout, SERVFAIL; 502 dns_unavailable) or `server` is malformed (500). */
int domainverify_txt_has(const char *name, const char *value, const char *server, struct err *e);

/* One round of checks: up to `limit` custom domains not checked for `interval` seconds
 * are looked up and their status stored. Returns how many were checked, -1 on a database
 * error. Several workers may run it at once: each domain is claimed first. */
int domainverify_check_due(struct db *db, const char *server, long interval, int limit,
			   struct err *e);

#endif
