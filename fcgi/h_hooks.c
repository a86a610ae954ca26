/* h_hooks.c: GitHub webhooks: verify, store once for the worker; hook management; the list */
#include "handlers.h"

#include "access.h"
#include "crypto.h"
#include "delivery.h"
#include "github.h"
#include "jsonutil.h"
#include "list.h"
#include "log.h"
#include "secret_purpose.h"
#include "webhook.h"
#include "mhook.h"
#include "mproj.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SECRETS 8

/* ---- hook management (called by the projects handlers) ---- */

int hooks_verify_repo(struct req *r, const char *user_id, const char *repo_key, int auto_deploy,
		      struct err *e)
{
	const char *params[] = {repo_key};
	struct github_repo_access a;
	struct buf token = BUF_INIT;
	PGresult *res;
	int need_admin = 0, ret = -1;

	/* Development with local repositories (PLATFORM_GITHUB_URL=file://..., allowed by
	 * PLATFORM_ALLOW_LOCAL_REPOS): there is no GitHub to ask, and the repositories are the
	 * operator's own folders. */
	if (r->app->cfg.allow_local_repos && !strncmp(r->app->cfg.github_url, "file://", 7))
		return 0;
	/* Admin rights only matter when a hook has to be made: one that exists serves every
	 * project whose owner can read the repository. */
	if (auto_deploy) {
		res = mhook_exists(&r->app->db, params, e);
		if (!res)
			return -1;
		need_admin = PQntuples(res) == 0;
		PQclear(res);
	}
	if (user_github_token(r, user_id, &token, e) < 0 ||
	    github_repo_access(r->app->cfg.github_api_url, token.buf, repo_key, &a, e) < 0)
		goto out;
	if (a.moved) {
		err_field(e, 422, "repo_moved", "repo_url",
			  "GitHub says %s was renamed or transferred: use its new URL", repo_key);
		goto out;
	}
	/* 404 like GitHub itself: whether a private repository exists is not ours to tell */
	if (!a.found || !a.pull) {
		err_field(e, 404, "repo_not_found", "repo_url",
			  "GitHub shows no repository %s to your account: it does not exist, or "
			  "you cannot read it",
			  repo_key);
		goto out;
	}
	if (need_admin && !a.admin) {
		err_field(
		    e, 403, "repo_admin_required", "auto_deploy",
		    "auto-deploy has to register a webhook on %s, which needs admin rights on "
		    "the repository for your GitHub account",
		    repo_key);
		goto out;
	}
	ret = 0;
out:
	OPENSSL_cleanse(token.buf, token.len);
	buf_release(&token);
	return ret;
}

int hooks_enable(struct req *r, const char *user_id, const char *repo_key, struct err *e)
{
	const char *params[4];
	struct buf secret = BUF_INIT, sealed = BUF_INIT, hex = BUF_INIT, token = BUF_INIT,
		   url = BUF_INIT;
	char id[32];
	long long hook_id = 0;
	PGresult *res;
	int ret = -1;

	/* local repositories (see hooks_verify_repo): no GitHub to register a hook with; their
	 * deliveries are signed with PLATFORM_GITHUB_WEBHOOK_SECRET */
	if (r->app->cfg.allow_local_repos && !strncmp(r->app->cfg.github_url, "file://", 7))
		return 0;
	params[0] = repo_key;
	res = mhook_exists(&r->app->db, params, e);
	if (!res)
		return -1;
	/* one hook per repository serves every project on it; one of push only (made before
	 * previews) is registered again, so pull requests reach the platform too */
	if (PQntuples(res) == 1 && *PQgetvalue(res, 0, 0) == 't') {
		PQclear(res);
		return 0;
	}
	PQclear(res);
	if (!r->app->cfg.public_url) {
		err_field(
		    e, 503, "webhooks_not_configured", "auto_deploy",
		    "auto-deploy needs PLATFORM_PUBLIC_URL, the address GitHub sends pushes to");
		goto out;
	}
	buf_addf(&url, "%s/hooks/github", r->app->cfg.public_url);
	if (crypto_token(&secret, 32) < 0 || user_github_token(r, user_id, &token, e) < 0)
		goto out;
	if (github_ensure_hook(r->app->cfg.github_api_url, token.buf, repo_key, url.buf, secret.buf,
			       &hook_id, e) < 0)
		goto out;
	if (crypto_seal(r->app->cfg.secret_key, PURPOSE_WEBHOOK_SECRET, secret.buf, secret.len,
			&sealed) < 0) {
		err_set(e, 500, "internal_error", "cannot protect the webhook secret");
		goto out;
	}
	crypto_hex(sealed.buf, sealed.len, &hex);
	snprintf(id, sizeof(id), "%lld", hook_id);
	params[1] = id;
	params[2] = hex.buf;
	params[3] = user_id;
	if (mhook_save(&r->app->db, params, e) < 0)
		goto out;
	log_info("webhook registered", "repo", repo_key, "hook_id", id, NULL);
	ret = 0;
out:
	OPENSSL_cleanse(secret.buf, secret.len);
	OPENSSL_cleanse(token.buf, token.len);
	buf_release(&secret);
	buf_release(&sealed);
	buf_release(&hex);
	buf_release(&token);
	buf_release(&url);
	return ret;
}

void hooks_disable_if_unused(struct req *r, const char *user_id, const char *repo_key)
{
	const char *params[] = {repo_key};
	struct err e = ERR_INIT;
	struct buf token = BUF_INIT;
	PGresult *res;
	long long hook_id;

	/* Delete the row only when no live project on the repository still wants it;
	 * the statement decides, so two requests cannot both keep or both drop it. */
	res = mhook_drop_unused(&r->app->db, params, &e);
	if (!res || PQntuples(res) != 1) {
		PQclear(res);
		return;
	}
	hook_id = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	/* Best effort: a hook left behind only earns 401s, as its secret is gone. */
	if (hook_id > 0 &&
	    (user_github_token(r, user_id, &token, &e) < 0 ||
	     github_delete_hook(r->app->cfg.github_api_url, token.buf, repo_key, hook_id, &e) < 0))
		log_warn("could not remove the GitHub webhook", "repo", repo_key, "reason", e.msg,
			 NULL);
	OPENSSL_cleanse(token.buf, token.len);
	buf_release(&token);
}

/* ---- the receiver ---- */

static void count_rejection(struct req *r, const char *reason)
{
	const char *params[] = {reason};
	struct err e = ERR_INIT;

	mhook_count_rejection(&r->app->db, params, &e);
	log_warn("webhook delivery refused", "reason", reason, NULL);
}

/* Does the signature match the repository's hook secret or the platform's? */
static int signature_matches(struct req *r, const char *repo_key, const char *sig)
{
	struct buf raw = BUF_INIT, secret = BUF_INIT;
	const char *global = r->app->cfg.github_webhook_secret;
	int ok = 0;

	if (global && webhook_signature_ok(global, strlen(global), r->body.buf, r->body.len, sig))
		return 1;
	if (repo_key) {
		const char *params[] = {repo_key};
		struct err e = ERR_INIT;
		PGresult *res = mhook_secret(&r->app->db, params, &e);

		if (res && PQntuples(res) == 1 &&
		    crypto_unhex(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0), &raw) ==
			0 &&
		    crypto_open(r->app->cfg.secret_key, PURPOSE_WEBHOOK_SECRET, raw.buf, raw.len,
				&secret) == 0)
			ok = webhook_signature_ok(secret.buf, secret.len, r->body.buf, r->body.len,
						  sig);
		PQclear(res);
	}
	OPENSSL_cleanse(secret.buf, secret.len);
	buf_release(&raw);
	buf_release(&secret);
	return ok;
}

/* Answer for a delivery stored before: where it is now. */
static int answer_duplicate(struct req *r, const char *delivery)
{
	const char *params[] = {delivery};
	struct err e = ERR_INIT;
	struct json_object *o;
	PGresult *res = mhook_delivery(&r->app->db, params, &e);

	if (!res || PQntuples(res) != 1) {
		PQclear(res);
		return 0;
	}
	o = json_object_new_object();
	ju_add_str(o, "delivery_id", delivery);
	ju_add_str(o, "event", PQgetvalue(res, 0, 0));
	ju_add_str(o, "state", PQgetvalue(res, 0, 1));
	ju_add_str(o, "outcome", "duplicate");
	ju_add_str(o, "reason", "this delivery was received before; nothing new was queued");
	json_object_object_add(o, "deployments", json_tokener_parse(PQgetvalue(res, 0, 2)));
	PQclear(res);
	req_json(r, 200, o);
	json_object_put(o);
	return 1;
}

/* The answer to GitHub: what happened to the delivery so far. */
static void answer(struct req *r, int status, const char *delivery, const char *event,
		   const char *state, const char *outcome, const char *reason)
{
	struct json_object *o = json_object_new_object();

	ju_add_str(o, "delivery_id", delivery);
	ju_add_str(o, "event", event);
	ju_add_str(o, "state", state);
	ju_add_str(o, "outcome", outcome);
	ju_add_str(o, "reason", reason);
	json_object_object_add(o, "deployments", json_object_new_array());
	req_json(r, status, o);
	json_object_put(o);
}

static int delivery_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 100)
		return 0;
	for (; *s; s++) {
		if (!(*s == '-' || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return 0;
	}
	return 1;
}

/* Verify, store, answer: the worker matches projects and queues deployments
 * (lib/model/delivery.h), so the answer waits on nothing but one INSERT. */
void h_hooks_github(struct req *r)
{
	struct err e = ERR_INIT;
	const char *event = req_header(r, "X-GitHub-Event");
	const char *delivery = req_header(r, "X-GitHub-Delivery");
	const char *sig = req_header(r, "X-Hub-Signature-256");
	struct json_object *payload = NULL, *repo, *full = NULL;
	struct buf repo_key = BUF_INIT, text = BUF_INIT;
	struct delivery_in in;
	int has_repo, stored;

	if (req_body(r, WEBHOOK_MAX_BODY, &e) < 0)
		goto fail;
	if (!event || !delivery || !delivery_id_ok(delivery) || strlen(event) > 64) {
		count_rejection(r, "missing_headers");
		err_set(&e, 400, "invalid_delivery",
			"a GitHub delivery carries X-GitHub-Event and X-GitHub-Delivery");
		goto fail;
	}
	if (!sig) {
		count_rejection(r, "missing_signature");
		err_set(&e, 401, "signature_missing",
			"X-Hub-Signature-256 is missing: set a secret on the webhook (SHA-1 "
			"signatures are not accepted)");
		goto fail;
	}
	payload = webhook_payload_json(req_header(r, "Content-Type"), r->body.buf, r->body.len,
				       &text, &e);
	if (!payload) {
		count_rejection(r, "bad_payload");
		goto fail;
	}
	has_repo = webhook_repo_key(payload, &repo_key);
	if (!signature_matches(r, has_repo ? repo_key.buf : NULL, sig)) {
		count_rejection(r, "bad_signature");
		err_set(&e, 401, "signature_invalid",
			"the signature does not match the webhook secret");
		goto fail;
	}
	if (json_object_object_get_ex(payload, "repository", &repo))
		json_object_object_get_ex(repo, "full_name", &full);
	in.id = delivery;
	in.event = event;
	in.repo_key = has_repo ? repo_key.buf : NULL;
	in.full_name =
	    json_object_is_type(full, json_type_string) ? json_object_get_string(full) : NULL;
	in.payload = text.buf;
	in.request_id = r->request_id;
	/* a ping carries no work: GitHub's "test delivery" shows the answer at once */
	stored = !strcmp(event, "ping")
		     ? delivery_record(&r->app->db, &in, "pong", "the webhook works", &e)
		     : delivery_store(&r->app->db, &in, &e);
	if (stored < 0)
		goto fail;
	if (!stored) {
		if (!answer_duplicate(r, delivery)) {
			err_set(&e, 503, "database_unavailable", "try the delivery again");
			goto fail;
		}
	} else if (!strcmp(event, "ping")) {
		answer(r, 200, delivery, event, "processed", "pong", "the webhook works");
	} else {
		answer(r, 202, delivery, event, "received", "received",
		       "stored; the platform acts on it within moments (see the project's "
		       "webhook deliveries)");
	}
	goto out;
fail:
	req_error(r, &e);
out:
	json_object_put(payload);
	buf_release(&repo_key);
	buf_release(&text);
}

/* ---- deliveries of a project's repository ---- */

static struct json_object *delivery_json(struct req *r, const PGresult *res, int i)
{
	struct json_object *o = json_object_new_object();

	ju_add_str(o, "delivery_id", db_value(res, i, 0));
	ju_add_str(o, "event", db_value(res, i, 1));
	ju_add_str(o, "branch", db_value(res, i, 2));
	ju_add_str(o, "commit", db_value(res, i, 3));
	ju_add_str(o, "outcome", db_value(res, i, 4));
	ju_add_str(o, "reason", db_value(res, i, 5));
	json_object_object_add(o, "deployments", json_tokener_parse(PQgetvalue(res, i, 6)));
	ju_add_str(o, "received_at", db_value(res, i, 7));
	ju_add_str(o, "state", db_value(res, i, 9));
	ju_add_str(o, "processed_at", db_value(res, i, 10));
	return o;
}

void h_project_deliveries(struct req *r)
{
	struct list_page pg;
	struct err e = ERR_INIT;
	char lim[16];
	PGresult *res;

	if (list_parse(r, &pg, LIST_CURSOR_TIME) < 0)
		return;
	{
		const char *params[] = {r->project.id, pg.cursor[0] ? pg.cursor : NULL,
					list_fetch(&pg, lim, sizeof(lim))};

		/* What this project did with each delivery of its repository since it exists:
		 * its own deployments only, and an outcome and reason about it alone (one
		 * delivery serves every project on the repository; the neighbours' share is
		 * none of its business). The cursor is the epoch (microseconds) of the last
		 * item. */
		res = mhook_project_deliveries(&r->app->db, params, &e);
	}
	list_answer_rows(r, res, &e, &pg, delivery_json, 8);
}
