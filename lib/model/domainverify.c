/* domainverify.c: custom domain verification by DNS TXT record */
#include "domainverify.h"

#include "log.h"
#include "mproj.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void domainverify_record_name(struct buf *out, const char *domain)
{
	buf_addf(out, "%s%s", DOMAINVERIFY_RECORD_PREFIX, domain);
}

void domainverify_record_value(struct buf *out, const char *token)
{
	buf_addf(out, "%s%s", DOMAINVERIFY_VALUE_PREFIX, token);
}

const char *domainverify_route(const char *domain, const char *status)
{
	return domain && *domain && status && !strcmp(status, "verified") ? domain : NULL;
}

/* "a.b.c.d[:port]" into the resolver's only name server. */
static int use_server(struct __res_state *rs, const char *server, struct err *e)
{
	char host[64];
	const char *colon = strrchr(server, ':');
	size_t hlen = colon ? (size_t)(colon - server) : strlen(server);
	long port = 53;
	struct in_addr a;

	if (colon) {
		char *end;

		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535)
			hlen = sizeof(host);
	}
	if (hlen >= sizeof(host))
		return err_set(
		    e, 500, "invalid_setting",
		    "PLATFORM_DNS_SERVER must be an IPv4 address with an optional :port");
	memcpy(host, server, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		return err_set(
		    e, 500, "invalid_setting",
		    "PLATFORM_DNS_SERVER must be an IPv4 address with an optional :port");
	memset(&rs->nsaddr_list[0], 0, sizeof(rs->nsaddr_list[0]));
	rs->nsaddr_list[0].sin_family = AF_INET;
	rs->nsaddr_list[0].sin_addr = a;
	rs->nsaddr_list[0].sin_port = htons((unsigned short)port);
	rs->nscount = 1;
	return 0;
}

/* The character-strings of one TXT rdata, joined; 0, or -1 when they overrun it. */
static int txt_join(const unsigned char *p, size_t len, struct buf *out)
{
	size_t i = 0;

	while (i < len) {
		size_t n = p[i++];

		if (n > len - i)
			return -1;
		buf_add(out, p + i, n);
		i += n;
	}
	return 0;
}

static int answer_has(const unsigned char *ans, int len, const char *value)
{
	ns_msg msg;
	struct buf txt = BUF_INIT;
	int found = 0;

	if (ns_initparse(ans, len, &msg) < 0)
		return 0;
	for (int i = 0; !found && i < ns_msg_count(msg, ns_s_an); i++) {
		ns_rr rr;

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			break;
		if (ns_rr_type(rr) != ns_t_txt || ns_rr_class(rr) != ns_c_in)
			continue;
		buf_reset(&txt);
		if (txt_join(ns_rr_rdata(rr), ns_rr_rdlen(rr), &txt) == 0 &&
		    txt.len == strlen(value) && !memcmp(txt.buf, value, txt.len))
			found = 1;
	}
	buf_release(&txt);
	return found;
}

int domainverify_txt_has(const char *name, const char *value, const char *server, struct err *e)
{
	struct __res_state rs;
	unsigned char ans[8192];
	int n, ret = -1;

	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) < 0)
		return err_set(e, 502, "dns_unavailable", "the resolver could not be set up");
	/* a worker loop waits on this: answer or give up quickly, try again next round */
	rs.retrans = 2;
	rs.retry = 2;
	if (server && *server && use_server(&rs, server, e) < 0)
		goto out;
	n = res_nquery(&rs, name, ns_c_in, ns_t_txt, ans, sizeof(ans));
	if (n < 0) {
		if (rs.res_h_errno == HOST_NOT_FOUND || rs.res_h_errno == NO_DATA) {
			ret = 0;
			goto out;
		}
		err_set(e, 502, "dns_unavailable", "the DNS lookup of %.200s failed (%s)", name,
			rs.res_h_errno == TRY_AGAIN ? "no answer in time, or SERVFAIL"
						    : "the server refused it");
		goto out;
	}
	ret = answer_has(ans, n > (int)sizeof(ans) ? (int)sizeof(ans) : n, value);
out:
	res_nclose(&rs);
	return ret;
}

/* Claim the due domains (their check time moves now, so another worker skips them). */
static PGresult *claim_due(struct db *db, long interval, int limit, struct err *e)
{
	char iv[24], lim[16];
	const char *p[2] = {iv, lim};

	snprintf(iv, sizeof(iv), "%ld", interval);
	snprintf(lim, sizeof(lim), "%d", limit);
	return mproj_domains_due(db, p, e);
}

/* Store what one lookup found, if the project still has that domain. */
static int store(struct db *db, const char *id, const char *domain, int found, const char *why,
		 struct err *e)
{
	const char *p[4] = {id, domain, found ? "t" : "f", why};

	/* found: verified; not found: failed if it was verified or failed, else still pending */
	return mproj_domain_result(db, p, e) < 0 ? -1 : 0;
}

static int store_error(struct db *db, const char *id, const char *why, struct err *e)
{
	const char *p[2] = {id, why};

	return mproj_domain_error(db, p, e) < 0 ? -1 : 0;
}

int domainverify_check_due(struct db *db, const char *server, long interval, int limit,
			   struct err *e)
{
	PGresult *res = claim_due(db, interval, limit, e);
	int n;

	if (!res)
		return -1;
	n = PQntuples(res);
	for (int i = 0; i < n; i++) {
		const char *id = PQgetvalue(res, i, 0), *domain = PQgetvalue(res, i, 1);
		struct buf name = BUF_INIT, value = BUF_INIT, why = BUF_INIT;
		struct err le = ERR_INIT;
		int found;

		domainverify_record_name(&name, domain);
		domainverify_record_value(&value, PQgetvalue(res, i, 2));
		found = domainverify_txt_has(name.buf, value.buf, server, &le);
		if (found < 0) {
			/* the resolver is away: keep what we knew, say why on the project */
			log_warn("custom domain check failed", "project_id", id, "domain", domain,
				 "reason", le.msg, NULL);
			buf_addstr(&why, le.msg);
		} else if (!found) {
			buf_addf(&why, "no TXT record %s holding %s", name.buf, value.buf);
		}
		if ((found >= 0 ? store(db, id, domain, found, found ? NULL : why.buf, e)
				: store_error(db, id, why.buf, e)) < 0) {
			buf_release(&name);
			buf_release(&value);
			buf_release(&why);
			PQclear(res);
			return -1;
		}
		if (found >= 0)
			log_info("custom domain checked", "project_id", id, "domain", domain,
				 "found", found ? "yes" : "no", NULL);
		buf_release(&name);
		buf_release(&value);
		buf_release(&why);
	}
	PQclear(res);
	return n;
}
