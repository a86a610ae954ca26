/* worker_metrics.c: the worker's families, and the queue gauges read from PostgreSQL */
#include "worker_metrics.h"

#include "db.h"
#include "log.h"
#include "metrics.h"
#include "metricsd.h"
#include "queue.h"

#include <stdlib.h>
#include <string.h>

/* Lives in the listener process only: it opens its own connection on the first scrape. */
struct scrape {
	const char *url;
	int timeout;
	struct db db;
	int opened;
};

static struct scrape scrape;

static int queue_gauges(struct scrape *s, struct buf *out)
{
	struct err e = ERR_INIT;
	PGresult *res;

	if (!s->opened) {
		s->opened = 1;
		if (db_open(&s->db, s->url, s->timeout, &e) < 0)
			return -1;
	}
	res = queue_counts(&s->db, NULL, &e);
	if (!res)
		return -1;
	metrics_family(out, "platform_jobs", "gauge", "jobs in the queue table, by kind and state");
	for (int i = 0; i < PQntuples(res); i++) {
		buf_addstr(out, "platform_jobs{kind=\"");
		metrics_label_value(out, db_value(res, i, 0));
		buf_addstr(out, "\",state=\"");
		metrics_label_value(out, db_value(res, i, 1));
		buf_addf(out, "\"} %s\n", db_value(res, i, 2));
	}
	PQclear(res);
	/* claimable now: due queued jobs, and running ones whose lease ran out */
	res = queue_due(&s->db, NULL, &e);
	if (!res)
		return -1;
	metrics_family(out, "platform_queue_depth", "gauge",
		       "jobs that could be claimed now (due, or their lease ran out)");
	buf_addf(out, "platform_queue_depth %s\n", db_value(res, 0, 0));
	metrics_family(out, "platform_queue_oldest_job_age_seconds", "gauge",
		       "how long the oldest claimable job has waited (0 when none)");
	buf_addf(out, "platform_queue_oldest_job_age_seconds %.3f\n", atof(db_value(res, 0, 1)));
	PQclear(res);
	return 0;
}

static void render(struct buf *out, void *arg)
{
	struct scrape *s = arg;
	struct buf gauges = BUF_INIT;
	int ok;

	metrics_render(METRICS_WORKER, out);
	ok = queue_gauges(s, &gauges) == 0;
	if (ok)
		buf_add(out, gauges.buf, gauges.len);
	metrics_family(out, "platform_worker_queue_read_ok", "gauge",
		       "1 when the queue gauges could be read from PostgreSQL on this scrape");
	buf_addf(out, "platform_worker_queue_read_ok %d\n", ok);
	buf_release(&gauges);
}

pid_t worker_metrics_start(const struct config *cfg)
{
	struct err e = ERR_INIT;
	pid_t pid;

	if (!cfg->worker_metrics_listen || !*cfg->worker_metrics_listen)
		return -1;
	if (metrics_init(METRICS_WORKER, &e) < 0) {
		log_warn("metrics are off", "reason", e.msg, NULL);
		return -1;
	}
	scrape.url = cfg->database_url;
	scrape.timeout = (int)cfg->db_connect_timeout;
	if (metricsd_start(cfg->worker_metrics_listen, render, &scrape, &pid, &e) < 0) {
		log_warn("metrics listener not started", "reason", e.msg, NULL);
		return -1;
	}
	log_info("metrics listener started", "listen", cfg->worker_metrics_listen, NULL);
	return pid;
}
