/* rtargo.c: runtime logs from Argo CD: the pods' logs of each served project's Application */
#include "rtargo.h"

#include "argocd.h"
#include "buf.h"
#include "log.h"
#include "mrtlog.h"
#include "naming.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGO_TIMEOUT_MS 5000 /* one logs request */
#define ARGO_SLACK_S	5    /* seconds read again before the newest stored line */

/* The newest stored line of one pod. */
struct pod_mark {
	char pod[254];
	char key[32];
};

struct pod_marks {
	struct pod_mark *v;
	size_t n;
	long newest_ago; /* seconds since the project's newest stored line; -1 none stored */
};

static void marks_release(struct pod_marks *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Where each pod of `project` stopped. */
static int load_marks(struct rtlogs *r, const char *project, struct pod_marks *m, struct err *e)
{
	const char *p[1] = {project};
	PGresult *res = mrtlog_pod_stamps(rtlogs_db(r), p, e);
	int n;

	m->newest_ago = -1;
	if (!res)
		return -1;
	n = PQntuples(res);
	m->v = xcalloc(n ? (size_t)n : 1, sizeof(*m->v));
	for (int i = 0; i < n; i++) {
		const char *stamp = PQgetvalue(res, i, 1);
		long ago = atol(PQgetvalue(res, i, 2));

		snprintf(m->v[m->n].pod, sizeof(m->v[m->n].pod), "%s", PQgetvalue(res, i, 0));
		if (rtlogs_stamp_key(stamp, strlen(stamp), m->v[m->n].key) == 0)
			m->n++;
		if (m->newest_ago < 0 || ago < m->newest_ago)
			m->newest_ago = ago < 0 ? 0 : ago;
	}
	PQclear(res);
	return 0;
}

/* 1 when the line of `pod` with sort key `key` was stored already. */
static int seen(const struct pod_marks *m, const char *pod, const char *key)
{
	for (size_t i = 0; i < m->n; i++) {
		if (!strcmp(m->v[i].pod, pod))
			return strcmp(key, m->v[i].key) <= 0;
	}
	return 0;
}

/* The lines of `logs` not stored yet, into `ls` (pointing into `logs`), in time order. */
static void new_lines(const struct argocd_logs *logs, const struct pod_marks *m,
		      struct rtlogs_lines *ls)
{
	for (size_t i = 0; i < logs->n; i++) {
		const struct argocd_log_line *a = &logs->v[i];
		struct rtlogs_line l = {.container = a->pod, .stream = "stdout", .text = a->text};

		if (rtlogs_stamp_key(a->stamp, strlen(a->stamp), l.key) < 0 ||
		    seen(m, a->pod, l.key))
			continue;
		snprintf(l.stamp, sizeof(l.stamp), "%s", a->stamp);
		l.len = strlen(a->text);
		rtlogs_lines_add(ls, &l);
	}
	/* Argo CD merges the pods' streams in time order within a 100 ms window only */
	rtlogs_lines_sort(ls);
}

/* Log a failure of Argo CD once, not every round, until it changes. */
static void report(const char *app, const struct err *e)
{
	static char last[sizeof(e->msg)]; /* only the collector's thread comes here */

	if (!strcmp(last, e->msg))
		return;
	snprintf(last, sizeof(last), "%s", e->msg);
	log_warn("runtime logs: cannot read the pods' logs from Argo CD", "app", app, "reason",
		 e->msg, NULL);
}

/* One served project: row `i` of mrtlog_served. */
static void collect_project(struct rtlogs *r, const PGresult *res, int i)
{
	const struct config *cfg = rtlogs_config(r);
	const char *project = PQgetvalue(res, i, 0), *user = PQgetvalue(res, i, 2);
	const char *secret_of[] = {PQgetvalue(res, i, 5), PQgetvalue(res, i, 4), NULL};
	struct buf app = BUF_INIT, ns = BUF_INIT;
	struct argocd_logs logs = ARGOCD_LOGS_INIT;
	struct argocd_logs_query q = {.kind = "Deployment", .container = "app"};
	struct pod_marks m = {0};
	struct rtlogs_lines ls = {0};
	struct err e = ERR_INIT;

	if (naming_app_name(&app, PQgetvalue(res, i, 1), user, PQgetvalue(res, i, 3), &e) < 0 ||
	    naming_namespace(&ns, user, &e) < 0 || load_marks(r, project, &m, &e) < 0)
		goto out;
	q.namespace = ns.buf;
	q.tail_lines = cfg->runtime_logs_keep;
	if (m.newest_ago >= 0)
		q.since_seconds = m.newest_ago + ARGO_SLACK_S;
	if (argocd_logs_get(cfg->argocd_url, cfg->argocd_token, app.buf, &q, ARGO_TIMEOUT_MS, &logs,
			    &e) < 0) {
		report(app.buf, &e);
		goto out;
	}
	new_lines(&logs, &m, &ls);
	if (ls.n)
		rtlogs_store(r, project, secret_of[0], secret_of, &ls);
out:
	rtlogs_lines_release(&ls);
	marks_release(&m);
	argocd_logs_release(&logs);
	buf_release(&app);
	buf_release(&ns);
}

static void collect(struct rtlogs *r)
{
	struct err e = ERR_INIT;
	PGresult *res;

	if (!rtlogs_config(r)->argocd_url || !*rtlogs_config(r)->argocd_url)
		return;
	res = mrtlog_served(rtlogs_db(r), NULL, &e);
	for (int i = 0; res && i < PQntuples(res) && !rtlogs_stopping(r); i++)
		collect_project(r, res, i);
	PQclear(res);
}

const struct rtlogs_source rtsrc_argocd = {
    .name = "argocd",
    .collect = collect,
};
