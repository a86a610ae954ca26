/* rtlogs.c: the runtime log collector: podman logs of the running containers, into
 * PostgreSQL and nchan */
#include "rtlogs.h"

#include "buf.h"
#include "db.h"
#include "deploy.h"
#include "jsonutil.h"
#include "log.h"
#include "mrtlog.h"
#include "podman.h"
#include "publish.h"
#include "redact.h"
#include "snapshot.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STAMP_MAX    48
#define LINE_MAX_LEN 16384 /* bytes of one stored line; longer ones are cut */
#define PUBLISH_MAX  500   /* lines in one live message */

/* One line podman printed: "<RFC 3339 stamp> <text>". */
struct rt_line {
	char stamp[STAMP_MAX];
	char key[32]; /* "YYYY-MM-DDTHH:MM:SS" + 9 fraction digits: sorts as the time does */
	const char *text;
	size_t len;
	const char *stream;
};

struct rt_lines {
	struct rt_line *v;
	size_t n, alloc;
};

struct rtlogs {
	const struct config *cfg; /* borrowed */
	struct publisher *pub;	  /* borrowed, may be NULL */
	struct db db;
	unsigned locked_gen; /* the connection generation that holds the collector lock, 0 none */
	pthread_t thread;
	atomic_int stop;
};

/* The sort key of a stamp: podman (Go's RFC3339Nano) drops trailing zeros of the fraction,
 * so "…:05.5Z" and "…:05.25Z" only compare right once the fraction is padded to 9 digits. */
static int stamp_key(const char *stamp, size_t n, char key[32])
{
	size_t i = 19, d = 0;

	if (n < 20 || stamp[4] != '-' || stamp[10] != 'T')
		return -1;
	memcpy(key, stamp, 19);
	if (stamp[19] == '.') {
		for (i = 20; i < n && d < 9 && stamp[i] >= '0' && stamp[i] <= '9'; i++, d++)
			key[19 + d] = stamp[i];
	}
	for (; d < 9; d++)
		key[19 + d] = '0';
	key[28] = '\0';
	return 0;
}

/* Split podman's output into lines (pointing into `out`, which must outlive them). */
static void split_lines(const struct buf *out, const char *stream, struct rt_lines *ls)
{
	const char *p = out->buf, *end = out->buf + out->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end, *sp = memchr(p, ' ', (size_t)(stop - p));
		struct rt_line l = {.stream = stream};

		if (sp && (size_t)(sp - p) < STAMP_MAX &&
		    stamp_key(p, (size_t)(sp - p), l.key) == 0) {
			memcpy(l.stamp, p, (size_t)(sp - p));
			l.stamp[sp - p] = '\0';
			l.text = sp + 1;
			l.len = (size_t)(stop - sp - 1);
			if (ls->n == ls->alloc) {
				ls->alloc = ls->alloc ? 2 * ls->alloc : 64;
				ls->v = xrealloc(ls->v, ls->alloc * sizeof(*ls->v));
			}
			ls->v[ls->n++] = l;
		}
		p = nl ? nl + 1 : end;
	}
}

static int line_cmp(const void *a, const void *b)
{
	const struct rt_line *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	/* one stream's lines keep their order: podman prints each stream in time order */
	return c ? c : (x < y ? -1 : x > y);
}

/* The values this container's lines must never show: its deployment's env and the platform's
 * credentials. */
static void load_secrets(struct rtlogs *r, const char *deployment_id, struct redact *rd)
{
	static const char *const credentials[] = {"jenkins_token",
						  "argocd_token",
						  "github_client_secret",
						  "github_webhook_secret",
						  "registry_password",
						  "secret_key",
						  NULL};
	struct snapshot_env env;
	struct err e = ERR_INIT;

	for (int i = 0; credentials[i]; i++)
		redact_add_str(rd, config_get(r->cfg, credentials[i]));
	if (!*deployment_id ||
	    snapshot_env_open(&r->db, r->cfg->secret_key, deployment_id, &env, &e) < 0)
		return;
	for (size_t i = 0; i < env.n; i++)
		redact_add_str(rd, env.items[i].value);
	snapshot_env_release(&env);
}

/* podman logs of `c` since `since` ("" : its last `keep` lines), both streams, sorted. */
static int read_container(struct rtlogs *r, const struct podman_container *c, const char *since,
			  struct buf *out, struct buf *errout, struct rt_lines *ls)
{
	char keep[24];
	const char *tail_args[] = {"logs", "--timestamps", "--tail", keep, c->name, NULL};
	const char *since_args[] = {"logs", "--timestamps", "--since", since, c->name, NULL};
	struct err e = ERR_INIT;

	snprintf(keep, sizeof(keep), "%ld", r->cfg->runtime_logs_keep);
	if (podman_exec(r->cfg, *since ? since_args : tail_args, 20, out, errout, &e) != 0)
		return -1; /* gone meanwhile, or podman is busy: the next round tries again */
	split_lines(out, "stdout", ls);
	split_lines(errout, "stderr", ls);
	if (ls->n > 1)
		qsort(ls->v, ls->n, sizeof(*ls->v), line_cmp);
	return 0;
}

/* Append line `l`, masked and valid UTF-8, as [stream, stamp, text] to `rows` and as a live
 * line to `live`. */
static void add_line(const struct podman_container *c, const struct redact *rd,
		     const struct rt_line *l, struct json_object *rows, struct json_object *live)
{
	struct buf raw = BUF_INIT, clean = BUF_INIT;
	struct json_object *row = json_object_new_array(), *o;

	buf_add(&raw, l->text, l->len < LINE_MAX_LEN ? l->len : LINE_MAX_LEN);
	redact_mask(rd, raw.buf, raw.len, raw.len, 1);
	deploy_log_clean(raw.buf, raw.len, &clean);
	json_object_array_add(row, json_object_new_string(l->stream));
	json_object_array_add(row, json_object_new_string(l->stamp));
	json_object_array_add(row, json_object_new_string_len(clean.buf, (int)clean.len));
	json_object_array_add(rows, row);
	if (json_object_array_length(live) < PUBLISH_MAX) {
		o = json_object_new_object();
		ju_add_str(o, "at", l->stamp);
		ju_add_str(o, "deployment_id", *c->deployment ? c->deployment : NULL);
		ju_add_str(o, "container", c->name);
		ju_add_str(o, "stream", l->stream);
		json_object_object_add(o, "text",
				       json_object_new_string_len(clean.buf, (int)clean.len));
		json_object_array_add(live, o);
	}
	buf_release(&raw);
	buf_release(&clean);
}

static void publish_lines(struct rtlogs *r, const char *project, struct json_object *live)
{
	struct json_object *msg;
	char channel[80];

	if (!r->pub || !json_object_array_length(live))
		return;
	msg = json_object_new_object();
	ju_add_str(msg, "type", "runtime_log");
	ju_add_str(msg, "project_id", project);
	json_object_object_add(msg, "lines", json_object_get(live));
	snprintf(channel, sizeof(channel), "runtime-%s", project);
	publish_json(r->pub, channel, project,
		     json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(msg);
}

/* Store and publish what container `c` printed since its last stored line. */
static void collect_one(struct rtlogs *r, const struct podman_container *c)
{
	const char *p[1] = {c->name};
	struct buf out = BUF_INIT, errout = BUF_INIT, keep = BUF_INIT;
	struct rt_lines ls = {0};
	struct redact rd = REDACT_INIT;
	struct json_object *rows = json_object_new_array(), *live = json_object_new_array();
	struct err e = ERR_INIT;
	char since[STAMP_MAX] = "";
	PGresult *res = mrtlog_last_stamp(&r->db, p, &e);

	if (!res)
		goto out;
	if (PQntuples(res) == 1)
		snprintf(since, sizeof(since), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (read_container(r, c, since, &out, &errout, &ls) < 0 || ls.n == 0)
		goto out;
	load_secrets(r, c->deployment, &rd);
	for (size_t i = 0; i < ls.n; i++)
		add_line(c, &rd, &ls.v[i], rows, live);
	buf_addf(&keep, "%ld", r->cfg->runtime_logs_keep);
	{
		const char *ins[] = {c->project, *c->deployment ? c->deployment : NULL, c->name,
				     json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PLAIN)};
		const char *trim[] = {c->project, keep.buf};

		if (mrtlog_insert(&r->db, ins, &e) < 0 || mrtlog_trim(&r->db, trim, &e) < 0) {
			log_warn("runtime logs: cannot store", "container", c->name, "reason",
				 e.msg, NULL);
			goto out;
		}
	}
	publish_lines(r, c->project, live);
out:
	redact_release(&rd);
	json_object_put(rows);
	json_object_put(live);
	free(ls.v);
	buf_release(&out);
	buf_release(&errout);
	buf_release(&keep);
}

/* 1 when this connection is the collector (several workers share one database). */
static int is_collector(struct rtlogs *r)
{
	struct err e = ERR_INIT;
	PGresult *res;
	int got;

	if (db_ensure(&r->db, &e) < 0)
		return 0;
	if (r->locked_gen == r->db.generation)
		return 1;
	res = mrtlog_collector_lock(&r->db, NULL, &e);
	got = res && PQntuples(res) == 1 && *PQgetvalue(res, 0, 0) == 't';
	PQclear(res);
	if (got)
		r->locked_gen = r->db.generation;
	return got;
}

static void collect_all(struct rtlogs *r)
{
	struct podman_list l = {0};
	struct err e = ERR_INIT;

	if (!is_collector(r) || podman_list(r->cfg, NULL, &l, &e) < 0)
		return;
	for (size_t i = 0; i < l.n && !atomic_load(&r->stop); i++) {
		if (l.items[i].running && *l.items[i].project)
			collect_one(r, &l.items[i]);
	}
	podman_list_release(&l);
}

static void *thread_main(void *arg)
{
	struct rtlogs *r = arg;

	while (!atomic_load(&r->stop)) {
		long left = r->cfg->runtime_logs_poll_ms;

		collect_all(r);
		/* sleep in short steps so that a stop is seen soon */
		while (left > 0 && !atomic_load(&r->stop)) {
			long step = left < 100 ? left : 100;
			struct timespec ts = {0, step * 1000000L};

			nanosleep(&ts, NULL);
			left -= step;
		}
	}
	return NULL;
}

struct rtlogs *rtlogs_start(const struct config *cfg, struct publisher *pub)
{
	struct rtlogs *r = xcalloc(1, sizeof(*r));
	struct err e = ERR_INIT;
	int rc;

	r->cfg = cfg;
	r->pub = pub;
	atomic_init(&r->stop, 0);
	/* a failure here is retried by the thread (db_ensure) */
	if (db_open(&r->db, cfg->database_url, (int)cfg->db_connect_timeout, &e) < 0)
		log_warn("runtime logs: database not reachable yet", "reason", e.msg, NULL);
	rc = pthread_create(&r->thread, NULL, thread_main, r);
	if (rc) {
		log_error("cannot start the runtime log collector", "reason", strerror(rc), NULL);
		db_release(&r->db);
		free(r);
		return NULL;
	}
	return r;
}

void rtlogs_stop(struct rtlogs *r)
{
	if (!r)
		return;
	atomic_store(&r->stop, 1);
	pthread_join(r->thread, NULL);
	db_release(&r->db);
	free(r);
}
