/* h_hooks.c: GitHub push webhooks: verify, record once, queue deployments; hook management */
#include "handlers.h"

#include "access.h"
#include "crypto.h"
#include "deploy.h"
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

	params[0] = repo_key;
	res = mhook_exists(&r->app->db, params, e);
	if (!res)
		return -1;
	if (PQntuples(res) == 1) {
		PQclear(res);
		return 0; /* one hook per repository serves every project on it */
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

/* Answer for a delivery already recorded: what it did then. */
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
	ju_add_str(o, "outcome", "duplicate");
	ju_add_str(o, "reason", "this delivery was received before; nothing new was queued");
	json_object_object_add(o, "deployments", json_tokener_parse(PQgetvalue(res, 0, 3)));
	PQclear(res);
	req_json(r, 200, o);
	json_object_put(o);
	return 1;
}

/* The identity of a push: sha256(repository NUL ref NUL after), hex, as an idempotency key
 * (bounded and printable whatever the branch name holds). */
static void push_key(const char *repo_key, const struct webhook_push *push, struct buf *out)
{
	struct buf in = BUF_INIT;
	unsigned char md[32];

	buf_addstr(&in, repo_key);
	buf_addch(&in, '\0');
	buf_addstr(&in, push->branch);
	buf_addch(&in, '\0');
	buf_addstr(&in, push->after);
	crypto_sha256(in.buf, in.len, md);
	buf_addstr(out, "github-push:");
	crypto_hex(md, sizeof(md), out);
	buf_release(&in);
}

struct outcome {
	const char *outcome; /* queued, already_queued, ignored, pong */
	char reason[320];
	struct json_object *deployments; /* array of ids */
};

/* Queue one deployment per auto-deploy project on this repository and branch. */
static int queue_push(struct req *r, const char *repo_key, const struct webhook_push *push,
		      struct outcome *out, struct err *e)
{
	const char *params[] = {repo_key, push->branch};
	/* Only projects whose repository check was passed (hooks_verify_repo) by someone who
	 * still works in the project's workspace: naming a repository is not enough. */
	PGresult *res = mproj_push_targets(&r->app->db, params, e);
	struct buf key = BUF_INIT;
	int n, paused = 0, again = 0, ret = -1;

	if (!res)
		return -1;
	n = PQntuples(res);
	push_key(repo_key, push, &key);
	for (int i = 0; i < n; i++) {
		struct deploy_new dn = {0};
		struct json_object *dep = NULL, *idv;
		int created = 0;

		if (*PQgetvalue(res, i, 1) == 't') {
			paused++;
			continue;
		}
		dn.project_id = PQgetvalue(res, i, 0);
		dn.trigger = "webhook";
		dn.branch = push->branch;
		dn.commit = push->after;
		/* The push itself (repository, ref, commit) is each project's idempotency
		 * key, whatever the delivery id says: a replayed push with a fresh
		 * X-GitHub-Delivery finds the deployment it queued, as does a delivery cut
		 * short by a crash and redelivered. */
		dn.idempotency_key = key.buf;
		dn.supersede = r->app->cfg.deploy_supersede != 0;
		dn.commit_message = push->message[0] ? push->message : NULL;
		dn.commit_author = push->author[0] ? push->author : NULL;
		if (deploy_create(&r->app->db, &dn, &dep, &created, e) < 0)
			goto out;
		if (json_object_object_get_ex(dep, "id", &idv))
			json_object_array_add(out->deployments, json_object_get(idv));
		json_object_put(dep);
		again += !created;
	}
	if (again && (size_t)again == json_object_array_length(out->deployments)) {
		out->outcome = "already_queued";
		snprintf(out->reason, sizeof(out->reason),
			 "this push (%.100s@%.100s at %.12s) was already queued; nothing new was "
			 "queued",
			 repo_key, push->branch, push->after);
	} else if (json_object_array_length(out->deployments)) {
		out->outcome = "queued";
		snprintf(out->reason, sizeof(out->reason),
			 "queued %zu deployment(s) of %.100s@%.100s",
			 json_object_array_length(out->deployments), repo_key, push->branch);
	} else {
		out->outcome = "ignored";
		snprintf(
		    out->reason, sizeof(out->reason),
		    paused
			? "auto-deploy of the projects on %.100s@%.100s is paused after a rollback"
			: "no project deploys %.100s@%.100s automatically",
		    repo_key, push->branch);
	}
	ret = 0;
out:
	PQclear(res);
	buf_release(&key);
	return ret;
}

static int record_delivery(struct req *r, const char *delivery, const char *event,
			   const char *repo_key, const char *full_name,
			   const struct webhook_push *push, const struct outcome *out,
			   struct err *e)
{
	const char *params[] = {delivery,
				event,
				full_name,
				push && push->branch[0] ? push->branch : NULL,
				push && push->after[0] ? push->after : NULL,
				out->outcome,
				ju_text(out->deployments),
				repo_key,
				out->reason,
				r->request_id};

	return mhook_delivery_insert(&r->app->db, params, e) < 0 ? -1 : 0;
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

void h_hooks_github(struct req *r)
{
	struct err e = ERR_INIT;
	const char *event = req_header(r, "X-GitHub-Event");
	const char *delivery = req_header(r, "X-GitHub-Delivery");
	const char *sig = req_header(r, "X-Hub-Signature-256");
	struct json_object *payload = NULL, *o = NULL, *repo, *full;
	struct buf repo_key = BUF_INIT;
	struct webhook_push push;
	struct outcome out = {NULL, "", json_object_new_array()};
	int has_repo;

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
	payload = webhook_payload(req_header(r, "Content-Type"), r->body.buf, r->body.len, &e);
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
	if (answer_duplicate(r, delivery))
		goto out;
	memset(&push, 0, sizeof(push));
	if (!strcmp(event, "ping")) {
		out.outcome = "pong";
		snprintf(out.reason, sizeof(out.reason), "the webhook works");
	} else if (strcmp(event, "push")) {
		out.outcome = "ignored";
		snprintf(out.reason, sizeof(out.reason), "%.64s events are not used; only push",
			 event);
	} else {
		webhook_push_parse(payload, &push);
		if (push.kind == WEBHOOK_PUSH_TAG) {
			out.outcome = "ignored";
			snprintf(out.reason, sizeof(out.reason), "tag pushes do not deploy");
		} else if (push.kind == WEBHOOK_PUSH_DELETED) {
			out.outcome = "ignored";
			snprintf(out.reason, sizeof(out.reason), "the branch %.200s was deleted",
				 push.branch);
		} else if (push.kind == WEBHOOK_PUSH_INVALID || !has_repo) {
			out.outcome = "ignored";
			snprintf(out.reason, sizeof(out.reason),
				 "the push payload names no branch, commit or repository");
		} else if (queue_push(r, repo_key.buf, &push, &out, &e) < 0) {
			goto fail;
		}
	}
	full = NULL;
	if (json_object_object_get_ex(payload, "repository", &repo))
		json_object_object_get_ex(repo, "full_name", &full);
	if (record_delivery(r, delivery, event, has_repo ? repo_key.buf : NULL,
			    full ? json_object_get_string(full) : NULL, &push, &out, &e) < 0)
		goto fail;
	o = json_object_new_object();
	ju_add_str(o, "delivery_id", delivery);
	ju_add_str(o, "event", event);
	ju_add_str(o, "outcome", out.outcome);
	ju_add_str(o, "reason", out.reason);
	json_object_object_add(o, "deployments", json_object_get(out.deployments));
	req_json(r, out.outcome && !strcmp(out.outcome, "queued") ? 202 : 200, o);
	goto out;
fail:
	req_error(r, &e);
out:
	json_object_put(o);
	json_object_put(payload);
	json_object_put(out.deployments);
	buf_release(&repo_key);
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
