/* argocd.h: following an Argo CD Application until our commit is live, and reading its pods'
 * logs (prefix argocd_).
 *
 * The worker asks Argo CD to refresh right after a GitOps commit (so it does not wait out
 * the three-minute poll), then reads the Application until it is Synced and Healthy at
 * that commit. The parsing and the verdict are pure functions; the calls are short
 * blocking libcurl requests (Argo CD answers from its cache).
 *
 * Pod logs: GET /api/v1/applications/{name}/logs (Argo CD's ApplicationService.PodLogs through
 * its REST gateway) answers a stream of newline-delimited JSON objects, one per line a pod
 * printed, merged across the selected pods in time order:
 *
 *	{"result":{"content":"...","timeStamp":"<RFC 3339, seconds>","timeStampStr":"<RFC 3339
 *	 with nanoseconds, Go's RFC3339Nano>","podName":"...","last":false}}
 *
 * and, when the stream ends without follow, one entry with "last":true and an empty podName.
 * A pod whose log cannot be opened (not started yet, wrong container) gives one entry whose
 * content is Kubernetes' error and whose time is zero ("0001-01-01T00:00:00Z"); an error of
 * the stream itself is {"error":{"code","message",...}}. No pods selected: an empty body.
 * sinceSeconds and tailLines apply to each pod's log (Kubernetes' PodLogOptions); sinceTime
 * is a metav1.Time message, which the gateway cannot fill from a query string, so a client
 * resumes with sinceSeconds. Sources: https://github.com/argoproj/argo-cd
 * server/application/application.go (PodLogs, getSelectedPods) and its package's
 * parseLogsStream and mergeLogStreams; the swagger model applicationLogEntry;
 * https://argo-cd.readthedocs.io/en/stable/user-guide/commands/argocd_app_logs/
 */
#ifndef PLATFORM_ARGOCD_H
#define PLATFORM_ARGOCD_H

#include "err.h"

#include <stddef.h>

struct argocd_status {
	int found;	      /* 0: Argo CD does not know the application (yet) */
	char sync[32];	      /* Synced, OutOfSync, Unknown */
	char revision[64];    /* status.sync.revision */
	char health[32];      /* Healthy, Progressing, Degraded, Suspended, Missing, Unknown */
	char phase[32];	      /* status.operationState.phase: Running, Failed, Error, Succeeded */
	char op_revision[64]; /* the revision the last operation synced */
	char message[512];    /* health or operation message, for a person */
};

enum argocd_verdict {
	ARGOCD_WAIT,   /* not there yet: ask again later */
	ARGOCD_LIVE,   /* Synced and Healthy at our commit */
	ARGOCD_FAILED, /* Degraded, or the sync of our commit failed: status.message says why */
};

/* Read an Application document (GET /api/v1/applications/{name}) into st. */
int argocd_parse(const char *json, struct argocd_status *st, struct err *e);

/* What st means for `commit`, the GitOps commit we wrote. */
enum argocd_verdict argocd_judge(const struct argocd_status *st, const char *commit);

/* GET the application; `refresh` adds ?refresh=normal (Argo CD re-reads git first).
 * A 404 (or 403, which Argo CD answers for unknown apps without a project) is found=0. */
int argocd_get(const char *base_url, const char *token, const char *app, int refresh,
	       struct argocd_status *st, struct err *e);

/* What to read (the query parameters; NULL or 0 leaves one out). */
struct argocd_logs_query {
	const char *namespace; /* the pods' namespace */
	const char *kind;      /* pods owned (at any depth) by a resource of this kind */
	const char *container; /* the container of each pod */
	long since_seconds;    /* only lines of the last N seconds (relative to Argo CD's clock) */
	long tail_lines;       /* only each pod's last N lines */
};

/* One line a pod printed. */
struct argocd_log_line {
	char pod[254];	/* podName */
	char stamp[48]; /* timeStampStr: RFC 3339, nanoseconds, trailing zeros dropped */
	char *text;	/* content, NUL-terminated, owned by the list */
};

struct argocd_logs {
	int found; /* 0: Argo CD does not know the application (404/403) */
	struct argocd_log_line *v;
	size_t n, alloc;
	size_t skipped; /* entries that were no line: the closing one, pods' open errors */
};

#define ARGOCD_LOGS_INIT                                                                           \
	{                                                                                          \
		0, NULL, 0, 0, 0                                                                   \
	}

/* Read the stream of `len` bytes at `body` into `out` (appended, in the stream's order).
 * Entries without a time (Kubernetes' errors) and the closing entry are counted in
 * `skipped`, not kept. An {"error":...} entry or text that is no JSON object is -1, 502
 * argocd_unavailable (the lines before it stay in `out`). */
int argocd_logs_parse(const char *body, size_t len, struct argocd_logs *out, struct err *e);

/* GET /api/v1/applications/{app}/logs with `q` (follow=false: the answer ends once every
 * selected pod's log is sent, within `timeout_ms`). An unknown app is found=0; a refused
 * token -1 argocd_unauthorized; any other failure -1 with e filled. `out` must be
 * ARGOCD_LOGS_INIT or released; the caller releases it in every case. */
int argocd_logs_get(const char *base_url, const char *token, const char *app,
		    const struct argocd_logs_query *q, long timeout_ms, struct argocd_logs *out,
		    struct err *e);

/* Free the lines; `l` is empty (ARGOCD_LOGS_INIT) after. */
void argocd_logs_release(struct argocd_logs *l);

#endif
