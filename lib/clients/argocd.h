/* argocd.h: following an Argo CD Application until our commit is live (prefix argocd_).
 *
 * The worker asks Argo CD to refresh right after a GitOps commit (so it does not wait out
 * the three-minute poll), then reads the Application until it is Synced and Healthy at
 * that commit. The parsing and the verdict are pure functions; the calls are short
 * blocking libcurl requests (Argo CD answers from its cache).
 */
#ifndef PLATFORM_ARGOCD_H
#define PLATFORM_ARGOCD_H

#include "err.h"

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

#endif
