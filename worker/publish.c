/* publish.c: a thread that POSTs log chunks and state changes to nchan, per channel in order */
#include "publish.h"

#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "rfc3339.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_INFLIGHT  32	   /* POSTs at once, over all channels */
#define MAX_TEXT      (64u * 1024) /* log bytes in one message (JSON escaping may grow it 6x) */
#define MAX_PROJECTS  4096	   /* deployment -> project pairs remembered */
#define IDLE_FORGET   60.0	   /* seconds an empty channel is kept */
#define BACKOFF_FIRST 0.1
#define BACKOFF_MAX   5.0

enum msg_kind { MSG_LOG, MSG_STATUS, MSG_END, MSG_JSON };

struct msg {
	struct msg *next;
	enum msg_kind kind;
	long long offset; /* MSG_LOG */
	char *data;	  /* MSG_LOG: the raw (redacted) bytes; MSG_JSON: the message */
	size_t len;
	char state[24];	     /* MSG_STATUS */
	char deployment[40]; /* MSG_STATUS */
	char project[40];    /* MSG_STATUS: "" when unknown */
	char at[RFC3339_LEN];
};

struct chan {
	struct chan *next;
	char name[80];
	char deployment[40]; /* a deployment's channel: its id, else "" */
	char project[40];    /* a project's channel: its id, else "" */
	struct msg *head, *tail;
	size_t bytes;
	/* lost messages, announced before the next one: log range [gap_from, gap_to) */
	int gap;
	long long gap_from, gap_to; /* -1 when only status messages were lost */
	/* the POST in flight */
	CURL *easy;
	struct curl_slist *hdrs;
	struct buf body;
	struct msg *sent; /* the messages it carries, or NULL for a gap marker alone */
	int sent_gap;
	long long sent_from, sent_to;
	int failures;
	double retry_at, used_at;
};

struct project_of {
	char deployment[40], project[40];
};

struct publisher {
	char *base;
	long timeout_ms;
	size_t queue_max;
	CURLM *multi;
	pthread_t thread;
	pthread_mutex_t mu;
	int stop;
	struct chan *chans;
	int inflight;
	struct project_of projects[MAX_PROJECTS];
	unsigned nprojects;
	struct publish_stats stats;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void msg_free(struct msg *m)
{
	while (m) {
		struct msg *next = m->next;

		free(m->data);
		free(m);
		m = next;
	}
}

/* ---------------------------------------------------------------- queues (caller holds mu) */

static struct chan *chan_get(struct publisher *p, const char *name, const char *deployment,
			     const char *project)
{
	struct chan *c;

	for (c = p->chans; c; c = c->next) {
		if (!strcmp(c->name, name))
			return c;
	}
	c = xcalloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->deployment, sizeof(c->deployment), "%s", deployment ? deployment : "");
	snprintf(c->project, sizeof(c->project), "%s", project ? project : "");
	buf_init(&c->body, 0);
	c->gap_from = c->gap_to = -1;
	c->used_at = now_s();
	c->next = p->chans;
	p->chans = c;
	return c;
}

/* Widen the gap to announce by the log range [from, to) (from < 0: no log bytes). */
static void gap_merge(struct chan *c, long long from, long long to)
{
	c->gap = 1;
	metrics_publish_gap();
	if (from < 0)
		return;
	if (c->gap_from < 0 || from < c->gap_from)
		c->gap_from = from;
	if (to > c->gap_to)
		c->gap_to = to;
}

/* Messages carrying log bytes [from, to) (from < 0: a status) will never be published. */
static void chan_lose(struct publisher *p, struct chan *c, long long from, long long to)
{
	if (from >= 0)
		p->stats.dropped_bytes += (unsigned long long)(to - from);
	gap_merge(c, from, to);
}

/* Drop the oldest queued messages until `need` more bytes fit. */
static void chan_make_room(struct publisher *p, struct chan *c, size_t need)
{
	while (c->head && c->bytes + need > p->queue_max) {
		struct msg *m = c->head;

		c->head = m->next;
		if (!c->head)
			c->tail = NULL;
		c->bytes -= m->len;
		chan_lose(p, c, m->kind == MSG_LOG ? m->offset : -1,
			  m->kind == MSG_LOG ? m->offset + (long long)m->len : -1);
		m->next = NULL;
		msg_free(m);
	}
}

static void chan_push(struct publisher *p, struct chan *c, struct msg *m)
{
	chan_make_room(p, c, m->len);
	if (c->bytes + m->len > p->queue_max) {
		/* bigger than the whole queue: it cannot wait, announce it as lost */
		chan_lose(p, c, m->kind == MSG_LOG ? m->offset : -1,
			  m->kind == MSG_LOG ? m->offset + (long long)m->len : -1);
		msg_free(m);
		return;
	}
	if (c->tail)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
	c->bytes += m->len;
	c->used_at = now_s();
}

static const char *project_lookup(struct publisher *p, const char *deployment)
{
	unsigned n = p->nprojects < MAX_PROJECTS ? p->nprojects : MAX_PROJECTS;

	for (unsigned i = 0; i < n; i++) {
		if (!strcmp(p->projects[i].deployment, deployment))
			return p->projects[i].project;
	}
	return "";
}

/* ---------------------------------------------------------------- the public calls */

void publish_project(struct publisher *p, const char *deployment_id, const char *project_id)
{
	struct project_of *slot;

	if (!p || !deployment_id || !project_id)
		return;
	pthread_mutex_lock(&p->mu);
	if (!*project_lookup(p, deployment_id)) {
		/* a ring: the oldest pair goes first */
		slot = &p->projects[p->nprojects++ % MAX_PROJECTS];
		snprintf(slot->deployment, sizeof(slot->deployment), "%s", deployment_id);
		snprintf(slot->project, sizeof(slot->project), "%s", project_id);
	}
	pthread_mutex_unlock(&p->mu);
}

void publish_log(struct publisher *p, const char *deployment_id, long long offset, const char *data,
		 size_t len)
{
	char name[80];

	if (!p)
		return;
	snprintf(name, sizeof(name), "deployment-%s", deployment_id);
	pthread_mutex_lock(&p->mu);
	if (!len) {
		struct msg *m = xcalloc(1, sizeof(*m));

		m->kind = MSG_END;
		m->offset = offset;
		m->len = 64; /* counts against the queue like a small log chunk */
		chan_push(p, chan_get(p, name, deployment_id, NULL), m);
	}
	/* one message per piece of at most MAX_TEXT bytes, cut between UTF-8 characters */
	while (len) {
		struct msg *m = xcalloc(1, sizeof(*m));
		size_t n = len;

		if (n > MAX_TEXT) {
			n = MAX_TEXT;
			while (n > 1 && ((unsigned char)data[n] & 0xc0) == 0x80)
				n--;
		}
		m->kind = MSG_LOG;
		m->offset = offset;
		m->data = xmalloc(n);
		memcpy(m->data, data, n);
		m->len = n;
		chan_push(p, chan_get(p, name, deployment_id, NULL), m);
		data += n;
		len -= n;
		offset += (long long)n;
	}
	pthread_mutex_unlock(&p->mu);
	curl_multi_wakeup(p->multi);
}

void publish_state(struct publisher *p, const char *deployment_id, const char *state)
{
	char name[80], at[RFC3339_LEN];
	const char *project;

	if (!p || !state)
		return;
	rfc3339_format(NULL, at);
	pthread_mutex_lock(&p->mu);
	project = project_lookup(p, deployment_id);
	for (int i = 0; i < 2; i++) {
		struct msg *m;

		if (i == 1 && !*project)
			break;
		m = xcalloc(1, sizeof(*m));
		m->kind = MSG_STATUS;
		snprintf(m->state, sizeof(m->state), "%s", state);
		snprintf(m->deployment, sizeof(m->deployment), "%s", deployment_id);
		snprintf(m->project, sizeof(m->project), "%s", project);
		memcpy(m->at, at, sizeof(m->at));
		m->len = 64; /* counts against the queue like a small log chunk */
		if (i == 0) {
			snprintf(name, sizeof(name), "deployment-%s", deployment_id);
			chan_push(p, chan_get(p, name, deployment_id, NULL), m);
		} else {
			snprintf(name, sizeof(name), "project-%s", project);
			chan_push(p, chan_get(p, name, NULL, project), m);
		}
	}
	pthread_mutex_unlock(&p->mu);
	curl_multi_wakeup(p->multi);
}

void publish_json(struct publisher *p, const char *channel, const char *project_id,
		  const char *json)
{
	struct msg *m;

	if (!p || !json)
		return;
	m = xcalloc(1, sizeof(*m));
	m->kind = MSG_JSON;
	m->len = strlen(json);
	m->data = xstrdup(json);
	pthread_mutex_lock(&p->mu);
	chan_push(p, chan_get(p, channel, NULL, project_id), m);
	pthread_mutex_unlock(&p->mu);
	curl_multi_wakeup(p->multi);
}

static void sink_chunk(void *arg, const char *id, long long offset, const char *data, size_t len)
{
	publish_log(arg, id, offset, data, len);
}

static void sink_state(void *arg, const char *id, const char *state)
{
	publish_state(arg, id, state);
}

struct log_sink publish_sink(struct publisher *p)
{
	struct log_sink s = {sink_chunk, sink_state, p};

	return s;
}

void publish_get_stats(struct publisher *p, struct publish_stats *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->stats;
	pthread_mutex_unlock(&p->mu);
}

/* ---------------------------------------------------------------- sending (the thread) */

static void add_offset(struct json_object *o, const char *key, long long v)
{
	json_object_object_add(o, key, v < 0 ? NULL : json_object_new_int64(v));
}

/* The gap message: everything queued comes after what was lost. What is lost while it is on
 * the way makes a new gap. */
static void compose_gap(struct chan *c, struct json_object *o)
{
	json_object_object_add(o, "type", json_object_new_string("gap"));
	if (*c->project)
		json_object_object_add(o, "project_id", json_object_new_string(c->project));
	else
		json_object_object_add(o, "deployment_id", json_object_new_string(c->deployment));
	add_offset(o, "offset", c->gap_from);
	add_offset(o, "next_offset", c->gap_to);
	c->sent_from = c->gap_from;
	c->sent_to = c->gap_to;
	c->gap = 0;
	c->gap_from = c->gap_to = -1;
}

/* The queue's first message, taken off it as the one being sent. */
static struct msg *take_head(struct chan *c)
{
	struct msg *m = c->head;

	c->head = m->next;
	m->next = NULL;
	c->sent = m;
	c->bytes -= m->len;
	return m;
}

/* Catch up: adjacent log chunks that waited go out as one message. */
static void compose_log(struct chan *c, struct json_object *o)
{
	struct buf raw = BUF_INIT, text = BUF_INIT;
	struct msg **tail = &c->sent;
	long long from = c->head->offset, next = from;

	while (c->head && c->head->kind == MSG_LOG && c->head->offset == next &&
	       (raw.len == 0 || raw.len + c->head->len <= MAX_TEXT)) {
		struct msg *m = c->head;

		c->head = m->next;
		m->next = NULL;
		*tail = m;
		tail = &m->next;
		c->bytes -= m->len;
		buf_add(&raw, m->data, m->len);
		next += (long long)m->len;
	}
	c->sent_from = from;
	c->sent_to = next;
	/* a WebSocket text frame must be valid UTF-8, as the stored log is */
	deploy_log_clean(raw.buf, raw.len, &text);
	json_object_object_add(o, "type", json_object_new_string("log"));
	json_object_object_add(o, "deployment_id", json_object_new_string(c->deployment));
	json_object_object_add(o, "offset", json_object_new_int64(from));
	json_object_object_add(o, "next_offset", json_object_new_int64(next));
	json_object_object_add(o, "text", json_object_new_string_len(text.buf, (int)text.len));
	buf_release(&raw);
	buf_release(&text);
}

/* The body of the channel's next POST into c->body; takes its messages off the queue. */
static void chan_compose(struct chan *c)
{
	struct json_object *o = json_object_new_object();

	buf_reset(&c->body);
	c->sent = NULL;
	c->sent_from = c->sent_to = -1;
	c->sent_gap = c->gap;
	if (c->gap) {
		compose_gap(c, o);
	} else if (c->head->kind == MSG_END) {
		struct msg *m = take_head(c);

		json_object_object_add(o, "type", json_object_new_string("end"));
		json_object_object_add(o, "deployment_id", json_object_new_string(c->deployment));
		json_object_object_add(o, "offset", json_object_new_int64(m->offset));
	} else if (c->head->kind == MSG_JSON) {
		struct msg *m = take_head(c);

		if (!c->head)
			c->tail = NULL;
		json_object_put(o);
		buf_add(&c->body, m->data, m->len);
		return;
	} else if (c->head->kind == MSG_STATUS) {
		struct msg *m = take_head(c);

		json_object_object_add(o, "type", json_object_new_string("status"));
		json_object_object_add(o, "deployment_id", json_object_new_string(m->deployment));
		json_object_object_add(o, "project_id",
				       *m->project ? json_object_new_string(m->project) : NULL);
		json_object_object_add(o, "state", json_object_new_string(m->state));
		json_object_object_add(o, "at", json_object_new_string(m->at));
	} else {
		compose_log(c, o);
	}
	if (!c->head)
		c->tail = NULL;
	buf_addstr(&c->body, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static size_t discard(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	(void)arg;
	return size * nmemb;
}

static void chan_send(struct publisher *p, struct chan *c)
{
	char url[512];

	chan_compose(c);
	snprintf(url, sizeof(url), "%s/pub/%s", p->base, c->name);
	c->easy = curl_easy_init();
	if (!c->easy)
		return; /* tick() reports it as a failed send */
	c->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	c->hdrs = curl_slist_append(c->hdrs, "Accept: application/json");
	c->hdrs = curl_slist_append(c->hdrs, "Expect:");
	curl_easy_setopt(c->easy, CURLOPT_URL, url);
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, c->body.buf);
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body.len);
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, p->timeout_ms);
	curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS,
			 p->timeout_ms < 1000 ? p->timeout_ms : 1000);
	curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
	curl_multi_add_handle(p->multi, c->easy);
	p->inflight++;
}

/* The POST of channel c ended with HTTP `status` (0: it failed on the way). */
static void chan_result(struct publisher *p, struct chan *c, long status, const char *error)
{
	c->used_at = now_s();
	if (status == 201 || status == 202) {
		p->stats.messages++;
		if (c->sent_gap)
			p->stats.gaps++;
		if (c->failures)
			log_info("nchan publishing works again", "channel", c->name, NULL);
		c->failures = 0;
		c->retry_at = 0;
	} else {
		char st[16];
		double wait = BACKOFF_FIRST;

		snprintf(st, sizeof(st), "%ld", status);
		if (!c->failures++)
			log_warn(
			    "nchan publish failed; the channel is lagging, clients will be told "
			    "to fetch the backlog",
			    "channel", c->name, "status", st, "error", error, NULL);
		p->stats.failures++;
		for (int i = 1; i < c->failures && wait < BACKOFF_MAX; i++)
			wait *= 2;
		c->retry_at = now_s() + (wait < BACKOFF_MAX ? wait : BACKOFF_MAX);
		if (c->sent_gap)
			gap_merge(c, c->sent_from, c->sent_to); /* announce it again */
		else
			chan_lose(p, c, c->sent_from, c->sent_to);
	}
	msg_free(c->sent);
	c->sent = NULL;
	c->sent_gap = 0;
}

static void chan_done(struct publisher *p, struct chan *c, CURLcode code)
{
	long status = 0;

	if (code == CURLE_OK)
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(p->multi, c->easy);
	curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->hdrs);
	c->easy = NULL;
	c->hdrs = NULL;
	p->inflight--;
	chan_result(p, c, status, code == CURLE_OK ? "" : curl_easy_strerror(code));
}

static void chan_free(struct chan *c)
{
	msg_free(c->head);
	msg_free(c->sent);
	buf_release(&c->body);
	free(c);
}

/* Start what can start; forget idle channels. Returns seconds until a back-off ends
 * (or 1). Caller holds mu. */
static double tick(struct publisher *p)
{
	double now = now_s(), wait = 1.0;
	struct chan **pc = &p->chans;

	while (*pc) {
		struct chan *c = *pc;

		if (!c->easy && (c->head || c->gap)) {
			if (c->retry_at > now) {
				if (c->retry_at - now < wait)
					wait = c->retry_at - now;
			} else if (p->inflight < MAX_INFLIGHT) {
				chan_send(p, c);
				if (!c->easy)
					chan_result(p, c, 0, "cannot make a curl handle");
			}
		}
		if (!c->easy && !c->head && !c->gap && now - c->used_at > IDLE_FORGET) {
			*pc = c->next;
			chan_free(c);
			continue;
		}
		pc = &c->next;
	}
	return wait;
}

static int pending(struct publisher *p)
{
	for (struct chan *c = p->chans; c; c = c->next) {
		if (c->easy || c->head)
			return 1;
	}
	return 0;
}

static void *run(void *arg)
{
	struct publisher *p = arg;
	double drain_until = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		double wait;
		int running, left;
		CURLMsg *msg;

		if (p->stop) {
			if (!drain_until)
				drain_until = now_s() + 1.0;
			if (!pending(p) || now_s() > drain_until)
				break;
		}
		wait = tick(p);
		pthread_mutex_unlock(&p->mu);
		curl_multi_poll(p->multi, NULL, 0, (int)(wait * 1000) + 1, NULL);
		curl_multi_perform(p->multi, &running);
		pthread_mutex_lock(&p->mu);
		while ((msg = curl_multi_info_read(p->multi, &left))) {
			char *priv = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			chan_done(p, (struct chan *)(void *)priv, msg->data.result);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct publisher *publish_start(const char *base_url, long timeout_ms, size_t queue_max,
				struct err *e)
{
	struct publisher *p;
	size_t n;

	if (!base_url || strncmp(base_url, "http", 4)) {
		err_set(e, 500, "bad_config", "the nchan publisher URL must be an http URL");
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	n = strlen(base_url);
	while (n && base_url[n - 1] == '/')
		n--;
	p->base = xstrndup(base_url, n);
	p->timeout_ms = timeout_ms > 0 ? timeout_ms : 3000;
	p->queue_max = queue_max ? queue_max : 4u << 20;
	p->multi = curl_multi_init();
	pthread_mutex_init(&p->mu, NULL);
	if (!p->multi) {
		err_set(e, 500, "internal_error", "cannot set up the nchan publisher");
		goto fail;
	}
	curl_multi_setopt(p->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)MAX_INFLIGHT);
	if (pthread_create(&p->thread, NULL, run, p)) {
		err_set(e, 500, "internal_error", "cannot start the nchan publisher thread");
		goto fail;
	}
	return p;
fail:
	if (p->multi)
		curl_multi_cleanup(p->multi);
	pthread_mutex_destroy(&p->mu);
	free(p->base);
	free(p);
	return NULL;
}

struct publisher *publish_from_config(const struct config *cfg)
{
	struct err e = ERR_INIT;
	struct publisher *p;

	if (!cfg->nchan_publish_url || !*cfg->nchan_publish_url) {
		log_info(
		    "PLATFORM_NCHAN_PUBLISH_URL is unset: build logs are stored, not published "
		    "live",
		    NULL);
		return NULL;
	}
	p = publish_start(cfg->nchan_publish_url, cfg->publish_timeout_ms,
			  (size_t)cfg->publish_queue_kb * 1024, &e);
	if (!p)
		log_warn("the nchan publisher did not start; build logs are stored, not published",
			 "reason", e.msg, NULL);
	else
		log_info("publishing build logs to nchan", "url", cfg->nchan_publish_url, NULL);
	return p;
}

void publish_stop(struct publisher *p)
{
	char m[24], f[24], g[24], d[24];

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_mutex_unlock(&p->mu);
	curl_multi_wakeup(p->multi);
	pthread_join(p->thread, NULL);
	while (p->chans) {
		struct chan *c = p->chans;

		p->chans = c->next;
		if (c->easy) {
			curl_multi_remove_handle(p->multi, c->easy);
			curl_easy_cleanup(c->easy);
			curl_slist_free_all(c->hdrs);
		}
		chan_free(c);
	}
	snprintf(m, sizeof(m), "%lu", p->stats.messages);
	snprintf(f, sizeof(f), "%lu", p->stats.failures);
	snprintf(g, sizeof(g), "%lu", p->stats.gaps);
	snprintf(d, sizeof(d), "%llu", p->stats.dropped_bytes);
	log_info("nchan publisher stopped", "messages", m, "failures", f, "gaps", g,
		 "dropped_bytes", d, NULL);
	curl_multi_cleanup(p->multi);
	pthread_mutex_destroy(&p->mu);
	free(p->base);
	free(p);
}
