/* rtlogs.c: the runtime log collector: a source's new lines, masked, into PostgreSQL and nchan */
#include "rtlogs.h"

#include "buf.h"
#include "deploy.h"
#include "jsonutil.h"
#include "log.h"
#include "mrtlog.h"
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

#define LINE_MAX_LEN 16384 /* bytes of one stored line; longer ones are cut */
#define PUBLISH_MAX  500   /* lines in one live message */

struct rtlogs {
	const struct config *cfg;	 /* borrowed */
	struct publisher *pub;		 /* borrowed, may be NULL */
	const struct rtlogs_source *src; /* borrowed */
	struct db db;
	unsigned locked_gen; /* the connection generation that holds the collector lock, 0 none */
	pthread_t thread;
	atomic_int stop;
};

struct db *rtlogs_db(struct rtlogs *r)
{
	return &r->db;
}

const struct config *rtlogs_config(const struct rtlogs *r)
{
	return r->cfg;
}

int rtlogs_stopping(struct rtlogs *r)
{
	return atomic_load(&r->stop);
}

int rtlogs_stamp_key(const char *stamp, size_t n, char key[32])
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

void rtlogs_lines_add(struct rtlogs_lines *ls, const struct rtlogs_line *l)
{
	if (ls->n == ls->alloc) {
		ls->alloc = ls->alloc ? 2 * ls->alloc : 64;
		ls->v = xrealloc(ls->v, ls->alloc * sizeof(*ls->v));
	}
	ls->v[ls->n++] = *l;
}

static int line_cmp(const void *a, const void *b)
{
	const struct rtlogs_line *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	/* one stream's lines keep their order: a runtime prints each stream in time order */
	return c ? c : (x < y ? -1 : x > y);
}

void rtlogs_lines_sort(struct rtlogs_lines *ls)
{
	if (ls->n > 1)
		qsort(ls->v, ls->n, sizeof(*ls->v), line_cmp);
}

void rtlogs_lines_release(struct rtlogs_lines *ls)
{
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

/* The values these lines must never show: the deployments' env and the platform's
 * credentials. */
static void load_secrets(struct rtlogs *r, const char *const *secret_of, struct redact *rd)
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
	for (; secret_of && *secret_of; secret_of++) {
		if (!**secret_of ||
		    snapshot_env_open(&r->db, r->cfg->secret_key, *secret_of, &env, &e) < 0)
			continue;
		for (size_t i = 0; i < env.n; i++)
			redact_add_str(rd, env.items[i].value);
		snapshot_env_release(&env);
	}
}

/* Append line `l`, masked and valid UTF-8, as [container, stream, stamp, text] to `rows` and
 * as a live line to `live`. */
static void add_line(const char *deployment, const struct redact *rd, const struct rtlogs_line *l,
		     struct json_object *rows, struct json_object *live)
{
	struct buf raw = BUF_INIT, clean = BUF_INIT;
	struct json_object *row = json_object_new_array(), *o;

	buf_add(&raw, l->text, l->len < LINE_MAX_LEN ? l->len : LINE_MAX_LEN);
	redact_mask(rd, raw.buf, raw.len, raw.len, 1);
	deploy_log_clean(raw.buf, raw.len, &clean);
	json_object_array_add(row, json_object_new_string(l->container));
	json_object_array_add(row, json_object_new_string(l->stream));
	json_object_array_add(row, json_object_new_string(l->stamp));
	json_object_array_add(row, json_object_new_string_len(clean.buf, (int)clean.len));
	json_object_array_add(rows, row);
	if (json_object_array_length(live) < PUBLISH_MAX) {
		o = json_object_new_object();
		ju_add_str(o, "at", l->stamp);
		ju_add_str(o, "deployment_id", deployment);
		ju_add_str(o, "container", l->container);
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

int rtlogs_store(struct rtlogs *r, const char *project, const char *deployment,
		 const char *const *secret_of, const struct rtlogs_lines *ls)
{
	struct redact rd = REDACT_INIT;
	struct json_object *rows = json_object_new_array(), *live = json_object_new_array();
	struct buf keep = BUF_INIT;
	struct err e = ERR_INIT;
	int ret = -1;

	if (deployment && !*deployment)
		deployment = NULL;
	load_secrets(r, secret_of, &rd);
	for (size_t i = 0; i < ls->n; i++)
		add_line(deployment, &rd, &ls->v[i], rows, live);
	buf_addf(&keep, "%ld", r->cfg->runtime_logs_keep);
	{
		const char *ins[] = {project, deployment,
				     json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PLAIN)};
		const char *trim[] = {project, keep.buf};

		if (mrtlog_insert(&r->db, ins, &e) < 0 || mrtlog_trim(&r->db, trim, &e) < 0) {
			log_warn("runtime logs: cannot store", "project", project, "reason", e.msg,
				 NULL);
			goto out;
		}
	}
	publish_lines(r, project, live);
	ret = 0;
out:
	redact_release(&rd);
	json_object_put(rows);
	json_object_put(live);
	buf_release(&keep);
	return ret;
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

static void *thread_main(void *arg)
{
	struct rtlogs *r = arg;

	while (!atomic_load(&r->stop)) {
		long left = r->cfg->runtime_logs_poll_ms;

		if (is_collector(r))
			r->src->collect(r);
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

struct rtlogs *rtlogs_start(const struct config *cfg, struct publisher *pub,
			    const struct rtlogs_source *src)
{
	struct rtlogs *r = xcalloc(1, sizeof(*r));
	struct err e = ERR_INIT;
	int rc;

	r->cfg = cfg;
	r->pub = pub;
	r->src = src;
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
	log_info("runtime log collector started", "source", src->name, NULL);
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
