/* notify.c: notification events, the outbox rows of a state change, and URL address rules */
#include "notify.h"

#include "log.h"
#include "mnotify.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const notify_events[] = {
    "deployment.building",  "deployment.released",   "deployment.live", "deployment.failed",
    "deployment.cancelled", "deployment.superseded", "preview.ready",	NULL,
};

int notify_event_known(const char *event)
{
	for (int i = 0; event && notify_events[i]; i++) {
		if (!strcmp(event, notify_events[i]))
			return 1;
	}
	return 0;
}

const char *notify_event_of_state(const char *state)
{
	static const char *const map[][2] = {
	    {"building", "deployment.building"},   {"released", "deployment.released"},
	    {"live", "deployment.live"},	   {"failed", "deployment.failed"},
	    {"cancelled", "deployment.cancelled"}, {"superseded", "deployment.superseded"},
	};

	for (size_t i = 0; state && i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcmp(state, map[i][0]))
			return map[i][1];
	}
	return NULL;
}

/* ---------------------------------------------------------------- the outbox */

/* What an event says about its deployment, read in the state change's transaction (so the
 * new state and the error it stored are seen). The live URL and links are added by the
 * sender, which knows the platform's domain and public URL. */
long notify_enqueue(struct db *db, const char *deployment_id, const char *state, struct err *e)
{
	const char *event = notify_event_of_state(state);
	const char *p[2] = {deployment_id, event};
	PGresult *res;
	long n;

	if (!event)
		return 0;
	res = mnotify_enqueue(db, p, e);
	if (!res)
		return -1;
	n = atol(PQcmdTuples(res));
	PQclear(res);
	if (!strcmp(state, "live")) {
		const char *q[2] = {deployment_id, "preview.ready"};

		/* queues rows only for a preview's deployment (the statement says so) */
		if (!(res = mnotify_enqueue(db, q, e)))
			return -1;
		n += atol(PQcmdTuples(res));
		PQclear(res);
	}
	return n;
}

int notify_enqueue_test(struct db *db, const char *workspace_id, const char *notification_id,
			struct buf *delivery_id, struct err *e)
{
	const char *p[3] = {notification_id, workspace_id, NOTIFY_EVENT_TEST};
	PGresult *res = mnotify_enqueue_test(db, p, e);

	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return err_set(e, 404, "notification_not_found", "no such notification");
	}
	buf_addstr(delivery_id, db_value(res, 0, 0));
	PQclear(res);
	return 0;
}

/* ---------------------------------------------------------------- address rules */

struct range4 {
	uint32_t net;
	int bits;
	const char *what;
};

/* Everything that is not the public internet (RFC 6890's special-purpose registry). */
static const struct range4 blocked4[] = {
    {0x00000000u, 8, "a \"this network\" address"},
    {0x0a000000u, 8, "a private address (RFC 1918)"},
    {0x64400000u, 10, "a shared (CGNAT) address"},
    {0x7f000000u, 8, "a loopback address"},
    {0xa9fea9feu, 32, "the cloud metadata address"},
    {0xa9fe0000u, 16, "a link-local address"},
    {0xac100000u, 12, "a private address (RFC 1918)"},
    {0xc0000000u, 24, "an IETF protocol address"},
    {0xc0000200u, 24, "a documentation address"},
    {0xc0a80000u, 16, "a private address (RFC 1918)"},
    {0xc6120000u, 15, "a benchmarking address"},
    {0xc6336400u, 24, "a documentation address"},
    {0xcb007100u, 24, "a documentation address"},
    {0xe0000000u, 4, "a multicast address"},
    {0xf0000000u, 4, "a reserved address"},
};

static const char *blocked_v4(uint32_t a)
{
	for (size_t i = 0; i < sizeof(blocked4) / sizeof(blocked4[0]); i++) {
		uint32_t mask = blocked4[i].bits ? ~0u << (32 - blocked4[i].bits) : 0;

		if ((a & mask) == blocked4[i].net)
			return blocked4[i].what;
	}
	return NULL;
}

static const char *blocked_v6(const unsigned char *b)
{
	static const unsigned char zero[16];
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};

	if (!memcmp(b, zero, 15) && (b[15] == 0 || b[15] == 1))
		return b[15] ? "a loopback address" : "the unspecified address";
	/* an IPv4 address in IPv6 clothing obeys the IPv4 rules */
	if (!memcmp(b, mapped, 12) || !memcmp(b, nat64, 12) || !memcmp(b, zero, 12)) {
		uint32_t a =
		    (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];

		return blocked_v4(a) ? blocked_v4(a) : NULL;
	}
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "a link-local address";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return "a site-local address";
	if ((b[0] & 0xfe) == 0xfc)
		return "a private address (ULA)";
	if (b[0] == 0xff)
		return "a multicast address";
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return "a documentation address";
	if (b[0] == 0x01 && !memcmp(b + 1, zero, 7))
		return "a discard-only address";
	return NULL;
}

int notify_addr_blocked(const struct sockaddr *sa, char *why, size_t why_len)
{
	char text[INET6_ADDRSTRLEN] = "?";
	const char *what = "an address of an unknown family";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
		what = blocked_v4(ntohl(in->sin_addr.s_addr));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
		what = blocked_v6(in6->sin6_addr.s6_addr);
	}
	if (!what)
		return 0;
	if (why && why_len)
		snprintf(why, why_len, "%s is %s", text, what);
	return 1;
}

/* The URL's parts, checked; `host` gets the host without IPv6 brackets. */
static int parse_url(const char *url, struct buf *host, struct err *e)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL, *user = NULL, *pw = NULL;
	int ret = -1;

	if (!u)
		return err_set(e, 500, "internal_error", "cannot parse a URL");
	/* curl reads "http:///x" as host x; a receiver's URL is written out in full */
	for (const char *c = url; *c; c++) {
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c == 0x7f || *c == '\\') {
			err_field(e, 422, "invalid_url", "url",
				  "url must not contain spaces, control characters or backslashes");
			goto out;
		}
	}
	if (!strstr(url, "://") || strstr(url, "://")[3] == '/' || !strstr(url, "://")[3]) {
		err_field(e, 422, "invalid_url", "url",
			  "url must be an absolute http or https URL with a host");
		goto out;
	}
	if (strlen(url) > NOTIFY_URL_MAX || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || !*h) {
		err_field(e, 422, "invalid_url", "url",
			  "url must be an absolute http or https URL of at most %d characters",
			  NOTIFY_URL_MAX);
		goto out;
	}
	if (strcasecmp(scheme, "http") && strcasecmp(scheme, "https")) {
		err_field(e, 422, "invalid_url", "url", "url must be http or https");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK) {
		err_field(e, 422, "invalid_url", "url",
			  "url must not carry a user or password: receivers check the signature");
		goto out;
	}
	if (h[0] == '[') {
		size_t n = strlen(h);

		buf_add(host, h + 1, n > 2 ? n - 2 : 0);
	} else {
		buf_addstr(host, h);
	}
	ret = 0;
out:
	curl_free(scheme);
	curl_free(h);
	curl_free(user);
	curl_free(pw);
	curl_url_cleanup(u);
	return ret;
}

int notify_check_url(const char *url, int allow_private, struct err *e)
{
	struct buf host = BUF_INIT;
	struct addrinfo hints, *res = NULL;
	char why[128];
	int ret = -1;

	if (parse_url(url, &host, e) < 0)
		goto out;
	ret = 0;
	if (allow_private)
		goto out;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host.buf, NULL, &hints, &res) != 0)
		goto out; /* not resolvable now: the sender checks at every attempt */
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (notify_addr_blocked(ai->ai_addr, why, sizeof(why))) {
			ret = err_field(e, 422, "url_not_allowed", "url",
					"notifications are not sent to %s (%s)", host.buf, why);
			break;
		}
	}
	freeaddrinfo(res);
out:
	buf_release(&host);
	return ret;
}
