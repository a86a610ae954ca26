/* jenkins.h: a non-blocking Jenkins remote-API client over the libcurl multi interface (prefix
 * jenkins_).
 *
 * One struct jenkins serves every build a worker follows: calls are started with
 * jenkins_<call>() and complete later, from jenkins_run(), by calling the callback
 * given to them exactly once (never from inside the starting call). The caller's event
 * loop waits in jenkins_wait(), which also watches one extra descriptor (the
 * database socket), so a single thread follows hundreds of builds.
 *
 * Protocol (docs: reference/protocols.md section 1):
 * - HTTP Basic with the user and API token; no redirects are followed (the queue item
 *   comes back in Location).
 * - A POST answered 403 "No valid crumb" makes the client fetch
 *   /crumbIssuer/api/json once (keeping the session cookie it is tied to) and send the
 *   call again with the crumb header; later POSTs carry it from the start.
 * - A completed call reports the HTTP status, or status 0 and a transport error
 *   message (refused, timeout...). Messages never hold the token.
 *
 * Ownership: jenkins_init copies its strings; jenkins_release drops the calls still in
 * flight without calling their callbacks. A struct jenkins_reply handed to a callback
 * is borrowed for the duration of the callback.
 */
#ifndef PLATFORM_JENKINS_H
#define PLATFORM_JENKINS_H

#include "buf.h"
#include "err.h"

#include <curl/curl.h>

struct jenkins_call;

struct jenkins {
	char *base;	    /* root URL without the trailing '/' */
	char *job_path;	    /* "/job/a/job/b", each segment URL-encoded */
	char *user, *token; /* Basic credentials, or NULL */
	char *crumb_header; /* "Jenkins-Crumb: ..." once learnt, else NULL */
	int crumb_fetching;
	long timeout_ms; /* per call */
	CURLM *multi;
	CURLSH *share;			    /* the cookie jar every handle shares (crumb session) */
	struct jenkins_call *calls;	    /* in flight */
	struct jenkins_call *crumb_waiters; /* POSTs waiting for a crumb */
	unsigned long ncalls;		    /* started since init, for statistics */
};

struct jenkins_reply {
	long status;		/* HTTP status; 0 when the call failed on the way */
	const char *error;	/* transport failure for a person; "" when status != 0 */
	const struct buf *body; /* the reply body (capped at 8 MiB) */
	const char *location;	/* Location header or "" */
	long long text_size;	/* X-Text-Size, -1 when absent */
	int more_data;		/* X-More-Data: true */
};

typedef void (*jenkins_cb)(void *arg, const struct jenkins_reply *reply);

/* `job` may name a folder job "a/b". -1 with 500 bad_config when the URL is unusable. */
int jenkins_init(struct jenkins *j, const char *url, const char *user, const char *token,
		 const char *job, long timeout_ms, struct err *e);
void jenkins_release(struct jenkins *j);

/* POST /job/<job>/buildWithParameters with a form body (see jenkins_form_add). */
void jenkins_trigger(struct jenkins *j, const char *form, jenkins_cb cb, void *arg);
/* GET /queue/item/<id>/api/json */
void jenkins_queue_item(struct jenkins *j, long long id, jenkins_cb cb, void *arg);
/* GET /job/<job>/<n>/api/json?tree=number,building,result,duration */
void jenkins_build(struct jenkins *j, long long number, jenkins_cb cb, void *arg);
/* GET /job/<job>/<n>/logText/progressiveText?start=<offset> */
void jenkins_log(struct jenkins *j, long long number, long long start, jenkins_cb cb, void *arg);
/* POST /queue/cancelItem?id=<id> */
void jenkins_cancel_item(struct jenkins *j, long long id, jenkins_cb cb, void *arg);
/* POST /job/<job>/<n>/stop */
void jenkins_stop(struct jenkins *j, long long number, jenkins_cb cb, void *arg);
/* GET /queue/api/json with each item's parameters (to find a trigger whose reply was lost) */
void jenkins_queue(struct jenkins *j, jenkins_cb cb, void *arg);
/* Builds per page of jenkins_builds_page. */
#define JENKINS_BUILDS_PAGE 100
/* GET /job/<job>/api/json with builds [from, from + JENKINS_BUILDS_PAGE) of the job, newest
 * first, with their start time and parameters (to find a trigger whose reply was lost, once it
 * left the queue: a busy job may have started many builds since, hence pages). */
void jenkins_builds_page(struct jenkins *j, long from, jenkins_cb cb, void *arg);

/* Wait up to `timeout_ms` for any transfer or for `extra_fd` (ignored when < 0) to be
 * readable; *extra_ready tells which. Then call jenkins_run. */
int jenkins_wait(struct jenkins *j, int extra_fd, int timeout_ms, int *extra_ready);
/* Move transfers on and call the callbacks of those that completed. */
void jenkins_run(struct jenkins *j);
/* Calls in flight (including those waiting for a crumb). */
int jenkins_pending(const struct jenkins *j);

/* ---- reading replies (pure functions) ---- */

/* The id in a queue item Location ".../queue/item/<id>/"; -1 when there is none. */
int jenkins_location_queue_id(const char *location, long long *id);

struct jenkins_queue_state {
	int left;	 /* the item left the queue */
	int cancelled;	 /* ... because it was cancelled */
	long long build; /* the build it became, 0 while none */
	char why[256];	 /* Jenkins's "why" while waiting, or "" */
};
int jenkins_parse_queue_item(const struct buf *body, struct jenkins_queue_state *out);

struct jenkins_build_state {
	int building;
	char result[16]; /* "" while running, else SUCCESS, FAILURE, UNSTABLE, NOT_BUILT, ABORTED */
};
int jenkins_parse_build(const struct buf *body, struct jenkins_build_state *out);

/* In a /queue/api/json ("items") or job ("builds") reply, the id or number of the entry
 * whose build parameter `name` equals `value`: 1 found, 0 not, -1 unreadable. */
/* In a jenkins_builds_page reply: as jenkins_find_by_param on "builds", and also the page's
 * length (*count) and its oldest build's start (*oldest_ms, epoch milliseconds; 0 if none). */
int jenkins_scan_builds(const struct buf *body, const char *name, const char *value,
			long long *found, size_t *count, long long *oldest_ms);
int jenkins_find_by_param(const struct buf *body, const char *list, const char *name,
			  const char *value, long long *found);

/* Append name=value to an x-www-form-urlencoded body. */
void jenkins_form_add(struct buf *form, const char *name, const char *value);

#endif
