/* argocd.c: Application status over Argo CD's REST API */
#include "argocd.h"

#include "buf.h"
#include "http.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* The string at path a.b.c of o, or "". */
static const char *path_str(struct json_object *o, const char *const *path)
{
	for (; *path && o; path++) {
		if (!json_object_object_get_ex(o, *path, &o))
			return "";
	}
	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : "";
}

#define PATH(...) ((const char *const[]){__VA_ARGS__, NULL})

int argocd_parse(const char *json, struct argocd_status *st, struct err *e)
{
	struct json_object *o = json_tokener_parse(json);
	const char *msg;

	memset(st, 0, sizeof(*st));
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return err_set(e, 502, "argocd_unavailable",
			       "Argo CD's answer is not an Application");
	}
	st->found = 1;
	snprintf(st->sync, sizeof(st->sync), "%s", path_str(o, PATH("status", "sync", "status")));
	snprintf(st->revision, sizeof(st->revision), "%s",
		 path_str(o, PATH("status", "sync", "revision")));
	snprintf(st->health, sizeof(st->health), "%s",
		 path_str(o, PATH("status", "health", "status")));
	snprintf(st->phase, sizeof(st->phase), "%s",
		 path_str(o, PATH("status", "operationState", "phase")));
	snprintf(st->op_revision, sizeof(st->op_revision), "%s",
		 path_str(o, PATH("status", "operationState", "syncResult", "revision")));
	msg = path_str(o, PATH("status", "health", "message"));
	if (!*msg)
		msg = path_str(o, PATH("status", "operationState", "message"));
	snprintf(st->message, sizeof(st->message), "%s", msg);
	json_object_put(o);
	return 0;
}

enum argocd_verdict argocd_judge(const struct argocd_status *st, const char *commit)
{
	int ours = !strcmp(st->revision, commit);

	if (!st->found)
		return ARGOCD_WAIT;
	/* A failed sync of our commit is not retried by Argo CD on the same commit. */
	if ((!strcmp(st->phase, "Failed") || !strcmp(st->phase, "Error")) &&
	    !strcmp(st->op_revision, commit))
		return ARGOCD_FAILED;
	if (!ours)
		return ARGOCD_WAIT;
	if (!strcmp(st->health, "Degraded"))
		return ARGOCD_FAILED;
	if (!strcmp(st->sync, "Synced") && !strcmp(st->health, "Healthy"))
		return ARGOCD_LIVE;
	return ARGOCD_WAIT;
}

int argocd_get(const char *base_url, const char *token, const char *app, int refresh,
	       struct argocd_status *st, struct err *e)
{
	struct buf url = BUF_INIT, auth = BUF_INIT;
	struct http_response rs;
	struct http_request rq = {0};
	const char *hdrs[3];
	int ret = -1;

	memset(st, 0, sizeof(*st));
	http_response_init(&rs);
	buf_addf(&url, "%s/api/v1/applications/", base_url);
	http_urlencode(app, &url);
	if (refresh)
		buf_addstr(&url, "?refresh=normal");
	buf_addf(&auth, "Authorization: Bearer %s", token ? token : "");
	hdrs[0] = auth.buf;
	hdrs[1] = "Accept: application/json";
	hdrs[2] = NULL;
	rq.url = url.buf;
	rq.headers = hdrs;
	rq.timeout_ms = 5000;
	if (http_do("Argo CD", &rq, &rs, e) < 0)
		goto out;
	if (rs.status == 404 || rs.status == 403) {
		ret = 0; /* the ApplicationSet has not made it yet */
		goto out;
	}
	if (rs.status == 401) {
		err_set(e, 502, "argocd_unauthorized",
			"Argo CD refused the token (PLATFORM_ARGOCD_TOKEN)");
		goto out;
	}
	if (rs.status != 200) {
		err_set(e, 502, "argocd_unavailable", "Argo CD answered with status %ld",
			rs.status);
		goto out;
	}
	ret = argocd_parse(rs.body.buf, st, e);
out:
	buf_release(&url);
	buf_release(&auth);
	http_response_release(&rs);
	return ret;
}
