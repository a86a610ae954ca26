/* h_previews.c: GET /api/projects/{id}/previews and DELETE .../previews/{number}: a project's
 * pull-request previews (lib/model/preview.h) */
#include "handlers.h"

#include "jsonutil.h"
#include "naming.h"
#include "preview.h"

#include <errno.h>
#include <stdlib.h>

/* The latest deployment of a preview row (columns 11..15 of preview_list), or null. */
static struct json_object *latest(const PGresult *res, int i)
{
	struct json_object *d;

	if (!db_value(res, i, 11))
		return NULL;
	d = json_object_new_object();
	ju_add_str(d, "id", db_value(res, i, 11));
	json_object_object_add(d, "seq", json_object_new_int(atoi(db_value(res, i, 12))));
	ju_add_str(d, "state", db_value(res, i, 13));
	ju_add_str(d, "commit", db_value(res, i, 14));
	ju_add_str(d, "created_at", db_value(res, i, 15));
	return d;
}

static struct json_object *preview_json(struct req *r, const PGresult *res, int i)
{
	struct json_object *o = json_object_new_object();
	struct buf host = BUF_INIT, url = BUF_INIT;
	const char *name = db_value(res, i, 7);
	int hosted =
	    naming_host(&host, name, db_value(res, i, 8), r->app->cfg.domain, NULL, NULL) == 0;

	ju_add_str(o, "id", db_value(res, i, 0));
	json_object_object_add(o, "number", json_object_new_int(atoi(db_value(res, i, 1))));
	ju_add_str(o, "title", db_value(res, i, 2));
	ju_add_str(o, "head_sha", db_value(res, i, 3));
	ju_add_str(o, "head_ref", db_value(res, i, 4));
	json_object_object_add(o, "fork", json_object_new_boolean(*db_value(res, i, 5) == 't'));
	ju_add_str(o, "state", db_value(res, i, 6));
	ju_add_str(o, "app_name", name);
	ju_add_str(o, "host", hosted ? host.buf : NULL);
	/* the URL once a deployment of it serves, as a project's current_deployment says */
	if (hosted && db_value(res, i, 16))
		config_live_url(&r->app->cfg, host.buf, &url);
	ju_add_str(o, "live_url", url.len ? url.buf : NULL);
	ju_add_str(o, "serving_deployment_id", db_value(res, i, 16));
	json_object_object_add(o, "latest_deployment", latest(res, i));
	ju_add_str(o, "created_at", db_value(res, i, 9));
	ju_add_str(o, "updated_at", db_value(res, i, 10));
	buf_release(&host);
	buf_release(&url);
	return o;
}

void h_previews_list(struct req *r)
{
	struct err e = ERR_INIT;
	struct json_object *o, *items;
	PGresult *res = preview_list(&r->app->db, r->project.id, &e);

	if (!res) {
		req_error(r, &e);
		return;
	}
	o = json_object_new_object();
	items = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(items, preview_json(r, res, i));
	PQclear(res);
	json_object_object_add(o, "items", items);
	json_object_object_add(o, "next_cursor", NULL);
	req_json(r, 200, o);
	json_object_put(o);
}

void h_preview_delete(struct req *r)
{
	struct err e = ERR_INIT;
	const char *s = r->params[1];
	char *end = NULL;
	long n;

	errno = 0;
	n = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || errno == ERANGE || n < 1 || n > NAMING_PR_MAX) {
		req_fail(r, 404, "preview_not_found", "no such preview");
		return;
	}
	if (preview_delete(&r->app->db, r->project.id, n, r->user.id, &e) < 0) {
		req_error(r, &e);
		return;
	}
	req_send(r, 204, NULL, "", 0);
}
