/* cadence.c: fast log polling while someone watches, the slow rate otherwise */
#include "cadence.h"

#include "buf.h"
#include "http.h"
#include "log.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define SLOTS 4096

struct slot {
	char id[40];
	long subscribers; /* -1: unknown */
	double checked;	  /* when nchan was last asked */
	double used;	  /* when the slot was last asked about */
};

static struct slot slots[SLOTS];

static unsigned long id_hash(const char *s)
{
	unsigned long h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* The slot of `id`, or a free or the least recently used one in its probe window when
 * `make` is set; NULL when absent and not made. */
static struct slot *find(const char *id, int make)
{
	unsigned long h = id_hash(id);
	struct slot *victim = NULL;

	for (int i = 0; i < 16; i++) {
		struct slot *s = &slots[(h + (unsigned long)i) % SLOTS];

		if (!strcmp(s->id, id))
			return s;
		if (!victim || !s->id[0] || (victim->id[0] && s->used < victim->used))
			victim = s;
	}
	if (!make)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->id, sizeof(victim->id), "%s", id);
	victim->subscribers = -1;
	victim->checked = -1e9;
	return victim;
}

/* Ask nchan how many subscribers the deployment's channel has; -1 when it cannot tell. */
static long ask_nchan(const struct config *cfg, const char *id)
{
	static const char *const headers[] = {"Accept: application/json", NULL};
	struct http_request rq = {0};
	struct http_response rs;
	struct buf url = BUF_INIT;
	struct err e = ERR_INIT;
	struct json_object *o = NULL, *n;
	long count = -1;

	buf_addf(&url, "%s/pub/deployment-%s", cfg->nchan_publish_url, id);
	rq.url = url.buf;
	rq.headers = headers;
	rq.timeout_ms = 500;
	rq.max_body = 4096;
	http_response_init(&rs);
	if (http_do("nchan", &rq, &rs, &e) < 0)
		goto out;
	if (rs.status == 404) {
		count = 0; /* no channel: nobody subscribed and nothing published yet */
		goto out;
	}
	if (rs.status != 200)
		goto out;
	o = json_tokener_parse(rs.body.buf);
	if (o && json_object_object_get_ex(o, "subscribers", &n))
		count = (long)json_object_get_int64(n);
out:
	json_object_put(o);
	http_response_release(&rs);
	buf_release(&url);
	return count;
}

double cadence_interval(const struct config *cfg, const char *deployment_id, double slow,
			double now)
{
	double fast = (double)cfg->jenkins_watched_poll_ms / 1000.0;
	double every = (double)cfg->jenkins_watch_check_ms / 1000.0;
	struct slot *s;

	if (!cfg->nchan_publish_url || !*cfg->nchan_publish_url || fast >= slow)
		return slow;
	s = find(deployment_id, 1);
	s->used = now;
	if (now - s->checked >= every) {
		s->subscribers = ask_nchan(cfg, deployment_id);
		s->checked = now;
	}
	if (s->subscribers > 0)
		return fast;
	/* Unwatched: the slow rate. A person who opens the log is noticed at the next poll
	 * (within one slow interval), and from then on polled fast. */
	return slow;
}

long cadence_subscribers(const char *deployment_id)
{
	struct slot *s = find(deployment_id, 0);

	return s ? s->subscribers : -1;
}
