/* rtlogs.h: the runtime log collector: what each project's running version prints, stored for
 * GET /api/projects/{id}/runtime/logs and published live (prefix rtlogs_).
 *
 * One thread of its own, with its own database connection, so that reading a runtime never
 * delays a deploy. Every PLATFORM_RUNTIME_LOGS_POLL_MS it asks its source (a table of function
 * pointers, as the build drivers are) for what is new: worker/rtpodman.c reads the podman
 * runtime's containers, worker/rtargo.c the pods of the Argo CD applications. A source hands
 * each project's new lines to rtlogs_store, which masks them with the deployment's secrets (its
 * env snapshot and the platform's credentials, lib/rules/redact), makes them valid UTF-8,
 * stores them in runtime_logs (the newest PLATFORM_RUNTIME_LOGS_KEEP lines per project are
 * kept) and publishes them on the nchan channel "runtime-<project id>" as
 *
 *	{"type":"runtime_log","project_id":P,"lines":[{"at":T,"deployment_id":D,
 *	  "container":C,"stream":"stdout"|"stderr","text":"..."}]}
 *
 * Where to resume lives in PostgreSQL (the newest stamp stored per container or pod), so a
 * restarted worker neither repeats nor loses lines. Several workers on one database: only the
 * one that holds the collector's advisory lock reads (mrtlog_collector_lock), the others wait.
 *
 * Ownership: the collector borrows `cfg`, `pub` (may be NULL) and `src`, which must outlive
 * rtlogs_stop; rtlogs_stop joins the thread and frees everything.
 */
#ifndef PLATFORM_WORKER_RTLOGS_H
#define PLATFORM_WORKER_RTLOGS_H

#include "config.h"
#include "db.h"

#include <stddef.h>

struct publisher;
struct rtlogs;

#define RTLOGS_STAMP_MAX 48

/* One line a runtime printed. `container`, `stream` and `text` are borrowed from the source. */
struct rtlogs_line {
	char
	    stamp[RTLOGS_STAMP_MAX]; /* the runtime's RFC 3339 time of the line, as it printed it */
	char key[32];		     /* rtlogs_stamp_key of stamp: sorts as the time does */
	const char *container;	     /* the container or pod that printed it */
	const char *stream;	     /* "stdout" or "stderr" */
	const char *text;
	size_t len;
};

struct rtlogs_lines {
	struct rtlogs_line *v;
	size_t n, alloc;
};

/* A source of runtime logs. `collect` runs once a round on the collector's thread, while this
 * connection holds the collector lock: it reads what is new since the stamps stored in
 * runtime_logs and calls rtlogs_store; it stops early when rtlogs_stopping says so. */
struct rtlogs_source {
	const char *name;
	void (*collect)(struct rtlogs *r);
};

/* Start the thread over `src`; NULL, logged, when it cannot start (runtime logs then stay
 * empty). */
struct rtlogs *rtlogs_start(const struct config *cfg, struct publisher *pub,
			    const struct rtlogs_source *src);
/* Stop the thread (a read in progress finishes) and free it. NULL is fine. */
void rtlogs_stop(struct rtlogs *r);

/* ---- for the sources ---- */

/* The collector's connection and settings (borrowed). */
struct db *rtlogs_db(struct rtlogs *r);
const struct config *rtlogs_config(const struct rtlogs *r);
/* 1 once rtlogs_stop was called: a source ends its round. */
int rtlogs_stopping(struct rtlogs *r);

/* The sort key of an RFC 3339 UTC stamp ("YYYY-MM-DDTHH:MM:SS" + 9 fraction digits): Go's
 * RFC3339Nano (podman, Kubernetes) drops trailing zeros of the fraction, so "…:05.5Z" and
 * "…:05.25Z" only compare right once the fraction is padded. -1 when it is no such stamp. */
int rtlogs_stamp_key(const char *stamp, size_t n, char key[32]);
/* Append a copy of `l` (its borrowed pointers stay borrowed). */
void rtlogs_lines_add(struct rtlogs_lines *ls, const struct rtlogs_line *l);
/* Sort by time; lines of one time keep their order. */
void rtlogs_lines_sort(struct rtlogs_lines *ls);
void rtlogs_lines_release(struct rtlogs_lines *ls);

/* Store project `project`'s lines `ls` (in the order given) and publish them, masked with the
 * platform's credentials and the env of each deployment of `secret_of` (NULL-terminated, ""
 * entries skipped). `deployment` (NULL or "" for none) is the version they are shown as. -1,
 * logged, when they could not be stored (nothing is published then). */
int rtlogs_store(struct rtlogs *r, const char *project, const char *deployment,
		 const char *const *secret_of, const struct rtlogs_lines *ls);

#endif
