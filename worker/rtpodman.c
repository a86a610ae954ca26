/* rtpodman.c: runtime logs from the podman runtime: podman logs of the running containers */
#include "rtpodman.h"

#include "buf.h"
#include "mrtlog.h"
#include "podman.h"

#include <stdio.h>
#include <string.h>

/* Split podman's output ("<RFC 3339 stamp> <text>" lines) into `ls`, pointing into `out`,
 * which must outlive them. */
static void split_lines(const struct buf *out, const char *container, const char *stream,
			struct rtlogs_lines *ls)
{
	const char *p = out->buf, *end = out->buf + out->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end, *sp = memchr(p, ' ', (size_t)(stop - p));
		struct rtlogs_line l = {.container = container, .stream = stream};

		if (sp && (size_t)(sp - p) < RTLOGS_STAMP_MAX &&
		    rtlogs_stamp_key(p, (size_t)(sp - p), l.key) == 0) {
			memcpy(l.stamp, p, (size_t)(sp - p));
			l.stamp[sp - p] = '\0';
			l.text = sp + 1;
			l.len = (size_t)(stop - sp - 1);
			rtlogs_lines_add(ls, &l);
		}
		p = nl ? nl + 1 : end;
	}
}

/* podman logs of `c` since `since` ("" : its last `keep` lines), both streams, sorted. */
static int read_container(struct rtlogs *r, const struct podman_container *c, const char *since,
			  struct buf *out, struct buf *errout, struct rtlogs_lines *ls)
{
	const struct config *cfg = rtlogs_config(r);
	char keep[24];
	const char *tail_args[] = {"logs", "--timestamps", "--tail", keep, c->name, NULL};
	const char *since_args[] = {"logs", "--timestamps", "--since", since, c->name, NULL};
	struct err e = ERR_INIT;

	snprintf(keep, sizeof(keep), "%ld", cfg->runtime_logs_keep);
	if (podman_exec(cfg, *since ? since_args : tail_args, 20, out, errout, &e) != 0)
		return -1; /* gone meanwhile, or podman is busy: the next round tries again */
	split_lines(out, c->name, "stdout", ls);
	split_lines(errout, c->name, "stderr", ls);
	rtlogs_lines_sort(ls);
	return 0;
}

/* Store and publish what container `c` printed since its last stored line. */
static void collect_one(struct rtlogs *r, const struct podman_container *c)
{
	const char *p[1] = {c->name};
	const char *secret_of[] = {c->deployment, NULL};
	struct buf out = BUF_INIT, errout = BUF_INIT;
	struct rtlogs_lines ls = {0};
	struct err e = ERR_INIT;
	char since[RTLOGS_STAMP_MAX] = "";
	PGresult *res = mrtlog_last_stamp(rtlogs_db(r), p, &e);

	if (!res)
		goto out;
	if (PQntuples(res) == 1)
		snprintf(since, sizeof(since), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (read_container(r, c, since, &out, &errout, &ls) < 0 || ls.n == 0)
		goto out;
	rtlogs_store(r, c->project, c->deployment, secret_of, &ls);
out:
	rtlogs_lines_release(&ls);
	buf_release(&out);
	buf_release(&errout);
}

static void collect(struct rtlogs *r)
{
	struct podman_list l = {0};
	struct err e = ERR_INIT;

	if (podman_list(rtlogs_config(r), NULL, &l, &e) < 0)
		return;
	for (size_t i = 0; i < l.n && !rtlogs_stopping(r); i++) {
		if (l.items[i].running && *l.items[i].project)
			collect_one(r, &l.items[i]);
	}
	podman_list_release(&l);
}

const struct rtlogs_source rtsrc_podman = {
    .name = "podman",
    .collect = collect,
};
