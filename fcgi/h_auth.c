/* h_auth.c: sign-in with GitHub (OAuth code or a GitHub token), the session, /api/me */
#include "handlers.h"

#include "access.h"
#include "audit.h"
#include "crypto.h"
#include "github.h"
#include "http.h"
#include "jsonutil.h"
#include "list.h"
#include "log.h"
#include "msession.h"
#include "mws.h"
#include "secret_purpose.h"

#include <stdio.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define STATE_TTL_SECONDS 600

static struct json_object *user_json(const PGresult *res, int row)
{
	struct json_object *o = json_object_new_object();

	ju_add_str(o, "id", db_value(res, row, 0));
	ju_add_str(o, "login", db_value(res, row, 1));
	ju_add_str(o, "name", db_value(res, row, 2));
	ju_add_str(o, "avatar_url", db_value(res, row, 3));
	ju_add_str(o, "created_at", db_value(res, row, 4));
	return o;
}

/* Insert or update the user by GitHub id; *created says whether it is new. */
static int upsert_user(struct req *r, const struct github_user *gh, const struct buf *sealed_hex,
		       char *id_out, size_t id_len, int *created, struct err *e)
{
	char ghid[32], newid[9];
	PGresult *res = NULL;

	snprintf(ghid, sizeof(ghid), "%lld", gh->id);
	for (int attempt = 0; attempt < 5; attempt++) {
		const char *params[] = {newid,
					ghid,
					gh->login,
					gh->name[0] ? gh->name : NULL,
					gh->avatar_url[0] ? gh->avatar_url : NULL,
					sealed_hex->buf};

		if (crypto_short_id(newid, sizeof(newid)) < 0)
			return err_set(e, 500, "internal_error", "no randomness available");
		res = msession_user_upsert(&r->app->db, params, e);
		if (res)
			break;
		/* a collision of the random id with another user's: draw again */
		if (strcmp(r->app->db.constraint, "users_pkey"))
			return -1;
	}
	if (!res)
		return -1;
	snprintf(id_out, id_len, "%s", PQgetvalue(res, 0, 0));
	*created = !strcmp(PQgetvalue(res, 0, 1), "t");
	PQclear(res);
	return 0;
}

/* Every user owns a personal workspace from the first sign-in on. */
static int create_personal_workspace(struct req *r, const char *user_id, const char *login,
				     struct err *e)
{
	char wsid[9];

	for (int attempt = 0; attempt < 5; attempt++) {
		const char *params[] = {wsid, login, user_id};
		long n;

		if (crypto_short_id(wsid, sizeof(wsid)) < 0)
			return err_set(e, 500, "internal_error", "no randomness available");
		n = mws_create_personal(&r->app->db, params, e);
		if (n >= 0)
			return audit_record(&r->app->db, wsid, user_id, "workspace.create",
					    "workspace", wsid, NULL, r->request_id, e);
		if (strcmp(r->app->db.constraint, "workspaces_pkey"))
			return -1;
	}
	return -1;
}

static int create_session(struct req *r, const char *user_id, struct buf *token, struct err *e)
{
	unsigned char hash[32];
	struct buf hex = BUF_INIT;
	char ttl[32];
	const char *params[4];
	long n;

	if (crypto_token(token, 32) < 0)
		return err_set(e, 500, "internal_error", "no randomness available");
	crypto_sha256(token->buf, token->len, hash);
	crypto_hex(hash, sizeof(hash), &hex);
	snprintf(ttl, sizeof(ttl), "%ld", r->app->cfg.session_ttl);
	params[0] = hex.buf;
	params[1] = user_id;
	params[2] = ttl;
	params[3] = r->request_id;
	/* The user's expired sessions go as a new one comes: the table stays the size of the
	 * sessions in use without a sweeper process. */
	n = msession_prune_user(&r->app->db, params + 1, e);
	if (n >= 0)
		n = msession_insert(&r->app->db, params, e);
	buf_release(&hex);
	return n < 0 ? -1 : 0;
}

static void set_session_cookie(struct req *r, const char *token, long max_age)
{
	struct buf c = BUF_INIT;

	/* __Host-: Secure, Path=/ and no Domain, or browsers drop it */
	buf_addf(&c, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; Secure; SameSite=Lax", SESSION_COOKIE,
		 token, max_age);
	req_add_header(r, "Set-Cookie", c.buf);
	buf_release(&c);
}

/* The answer of every sign-in, once the session is committed: the token, the user, the cookie. */
static void answer_signed_in(struct req *r, const char *user_id, const char *session)
{
	struct err e = ERR_INIT;
	const char *params[] = {user_id};
	struct json_object *o;
	PGresult *res;

	res = msession_user(&r->app->db, params, &e);
	if (!res || PQntuples(res) != 1) {
		if (res)
			err_set(&e, 401, "session_invalid", "the user is gone; sign in again");
		PQclear(res);
		req_error(r, &e);
		return;
	}
	o = json_object_new_object();
	ju_add_str(o, "token", session);
	json_object_object_add(o, "expires_in", json_object_new_int64(r->app->cfg.session_ttl));
	json_object_object_add(o, "user", user_json(res, 0));
	set_session_cookie(r, session, r->app->cfg.session_ttl);
	req_json(r, 200, o);
	json_object_put(o);
	PQclear(res);
}

/* Given a GitHub token known to be good for `gh`: store it, start a session, answer. */
static void finish_sign_in(struct req *r, const char *gh_token, const struct github_user *gh)
{
	struct err e = ERR_INIT;
	struct buf sealed = BUF_INIT, hex = BUF_INIT, session = BUF_INIT;
	char user_id[16];
	int created = 0;

	if (crypto_seal(r->app->cfg.secret_key, PURPOSE_GITHUB_TOKEN, gh_token, strlen(gh_token),
			&sealed) < 0) {
		req_fail(r, 500, "internal_error", "cannot protect the GitHub token");
		goto out;
	}
	crypto_hex(sealed.buf, sealed.len, &hex);
	if (db_begin(&r->app->db, &e) < 0)
		goto fail;
	if (upsert_user(r, gh, &hex, user_id, sizeof(user_id), &created, &e) < 0)
		goto fail;
	if (created && create_personal_workspace(r, user_id, gh->login, &e) < 0)
		goto fail;
	if (create_session(r, user_id, &session, &e) < 0)
		goto fail;
	if (audit_record(&r->app->db, NULL, user_id, created ? "user.signup" : "user.signin",
			 "user", user_id, NULL, r->request_id, &e) < 0)
		goto fail;
	if (db_commit(&r->app->db, &e) < 0)
		goto fail;
	log_info("signed in", "user_id", user_id, "login", gh->login, NULL);
	answer_signed_in(r, user_id, session.buf);
	goto out;
fail:
	db_rollback(&r->app->db);
	req_error(r, &e);
out:
	buf_release(&sealed);
	buf_release(&hex);
	buf_release(&session);
}

/* Sign-in sets the cookie: a foreign page must not sign the browser into an account of
 * the attacker's choosing (login CSRF). Browsers name the page in Origin on every
 * cross-origin POST; scripts and the CLI send none. */
static int signin_origin_ok(struct req *r)
{
	if (access_request_origin(r) != ORIGIN_FOREIGN)
		return 1;
	req_fail(r, 403, "csrf_rejected",
		 "sign-in is only accepted from the platform's own pages (Origin or Referer of "
		 "PLATFORM_PUBLIC_URL)");
	return 0;
}

void h_auth_session(struct req *r)
{
	static const char *const keys[] = {"github_token", NULL};
	struct err e = ERR_INIT;
	struct json_object *body = req_json_body(r, &e);
	struct github_user gh;
	const char *token = NULL;

	if (!signin_origin_ok(r)) {
		json_object_put(body);
		return;
	}
	if (!body || ju_only_keys(body, keys, &e) < 0 ||
	    ju_string(body, "github_token", JU_REQUIRED, 512, &token, &e) < 0)
		goto fail;
	if (!*token) {
		err_field(&e, 422, "missing_field", "github_token", "github_token is empty");
		goto fail;
	}
	if (github_get_user(r->app->cfg.github_api_url, token, &gh, &e) < 0)
		goto fail;
	finish_sign_in(r, token, &gh);
	json_object_put(body);
	return;
fail:
	json_object_put(body);
	req_error(r, &e);
}

static int state_hash_hex(const char *state, struct buf *hex)
{
	unsigned char hash[32];

	crypto_sha256(state, strlen(state), hash);
	crypto_hex(hash, sizeof(hash), hex);
	return 0;
}

void h_auth_github_login(struct req *r)
{
	struct buf state = BUF_INIT, hex = BUF_INIT, url = BUF_INIT;
	struct err e = ERR_INIT;
	struct json_object *o;
	char ttl[16];
	const char *params[2];

	if (!r->app->cfg.github_client_id) {
		req_fail(r, 503, "oauth_not_configured",
			 "GitHub sign-in is not configured (PLATFORM_GITHUB_CLIENT_ID)");
		goto out;
	}
	crypto_token(&state, 24);
	state_hash_hex(state.buf, &hex);
	snprintf(ttl, sizeof(ttl), "%d", STATE_TTL_SECONDS);
	params[0] = hex.buf;
	params[1] = ttl;
	/* Old states are swept here: sign-ins are rare enough for that to be cheap. */
	if (msession_oauth_prune(&r->app->db, NULL, &e) < 0 ||
	    msession_oauth_insert(&r->app->db, params, &e) < 0) {
		req_error(r, &e);
		goto out;
	}
	buf_addf(&url, "%s/login/oauth/authorize?client_id=", r->app->cfg.github_url);
	http_urlencode(r->app->cfg.github_client_id, &url);
	buf_addstr(&url, "&scope=repo%20read%3Auser%20admin%3Arepo_hook&state=");
	buf_addstr(&url, state.buf);
	o = json_object_new_object();
	ju_add_str(o, "authorize_url", url.buf);
	ju_add_str(o, "state", state.buf);
	req_json(r, 200, o);
	json_object_put(o);
out:
	buf_release(&state);
	buf_release(&hex);
	buf_release(&url);
}

void h_auth_github_callback(struct req *r)
{
	static const char *const keys[] = {"code", "state", NULL};
	struct err e = ERR_INIT;
	struct json_object *body = req_json_body(r, &e);
	const char *code = NULL, *state = NULL;
	struct buf hex = BUF_INIT, token = BUF_INIT;
	struct github_user gh;
	const char *params[1];
	long n;

	if (!signin_origin_ok(r))
		goto out;
	if (!body || ju_only_keys(body, keys, &e) < 0 ||
	    ju_string(body, "code", JU_REQUIRED, 256, &code, &e) < 0 ||
	    ju_string(body, "state", JU_REQUIRED, 256, &state, &e) < 0)
		goto fail;
	state_hash_hex(state, &hex);
	params[0] = hex.buf;
	/* One use only: the state row is consumed whether the code works or not. */
	n = msession_oauth_take(&r->app->db, params, &e);
	if (n < 0)
		goto fail;
	if (n == 0) {
		err_field(&e, 400, "invalid_state", "state",
			  "the sign-in state is unknown or expired; start the sign-in again");
		goto fail;
	}
	if (github_oauth_exchange(r->app->cfg.github_url, r->app->cfg.github_client_id,
				  r->app->cfg.github_client_secret, code, &token, &e) < 0 ||
	    github_get_user(r->app->cfg.github_api_url, token.buf, &gh, &e) < 0)
		goto fail;
	finish_sign_in(r, token.buf, &gh);
	goto out;
fail:
	req_error(r, &e);
out:
	json_object_put(body);
	buf_release(&hex);
	buf_release(&token);
}

void h_me(struct req *r)
{
	struct err e = ERR_INIT;
	PGresult *res;
	const char *params[1];
	struct json_object *o;

	params[0] = r->user.id;
	res = msession_user(&r->app->db, params, &e);
	if (!res || PQntuples(res) != 1) {
		/* the session outlived its user (deleted between two statements) */
		if (res)
			err_set(&e, 401, "session_invalid", "the session has ended; sign in again");
		PQclear(res);
		req_error(r, &e);
		return;
	}
	o = user_json(res, 0);
	PQclear(res);
	req_json(r, 200, o);
	json_object_put(o);
}

void h_auth_logout(struct req *r)
{
	struct buf tok = BUF_INIT, hex = BUF_INIT;
	unsigned char hash[32];
	struct err e = ERR_INIT;
	const char *params[1];
	enum access_via via;

	via = access_token(r, &tok);
	/* signing someone out is a change too: a foreign page must not do it */
	if ((via == ACCESS_VIA_COOKIE || via == ACCESS_VIA_AMBIGUOUS) && access_csrf_check(r) < 0)
		goto out;
	/* With two cookies neither is trusted to name a session; clearing ours is all. */
	if (via == ACCESS_VIA_BEARER || via == ACCESS_VIA_COOKIE) {
		crypto_sha256(tok.buf, tok.len, hash);
		crypto_hex(hash, sizeof(hash), &hex);
		params[0] = hex.buf;
		if (msession_delete(&r->app->db, params, &e) < 0) {
			req_error(r, &e);
			goto out;
		}
	}
	set_session_cookie(r, "", 0);
	req_send(r, 204, NULL, "", 0);
out:
	buf_release(&tok);
	buf_release(&hex);
}

/* The user's GitHub token, decrypted into out. */
int user_github_token(struct req *r, const char *user_id, struct buf *out, struct err *e)
{
	const char *params[] = {user_id};
	PGresult *res = msession_github_token(&r->app->db, params, e);
	struct buf raw = BUF_INIT;
	int ret = -1;

	if (!res)
		return -1;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		err_set(e, 401, "github_token_missing", "no GitHub token is stored; sign in again");
		goto out;
	}
	if (crypto_unhex(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0), &raw) < 0 ||
	    crypto_open(r->app->cfg.secret_key, PURPOSE_GITHUB_TOKEN, raw.buf, raw.len, out) < 0) {
		/* Sealed under another PLATFORM_SECRET_KEY: the user has to sign in again. */
		err_set(e, 401, "github_token_missing",
			"the stored GitHub token cannot be read (the secret key changed); sign in "
			"again");
		goto out;
	}
	ret = 0;
out:
	PQclear(res);
	buf_release(&raw);
	return ret;
}

void h_github_repos(struct req *r)
{
	struct err e = ERR_INIT;
	struct buf token = BUF_INIT;
	struct json_object *items = NULL, *o;
	struct list_page pg;
	long page;
	int has_next = 0;

	/* the cursor is GitHub's page number */
	if (list_parse(r, &pg, LIST_CURSOR_PAGE) < 0)
		goto out;
	page = pg.cursor[0] ? strtol(pg.cursor, NULL, 10) : 1;
	if (user_github_token(r, r->user.id, &token, &e) < 0 ||
	    github_list_repos(r->app->cfg.github_api_url, token.buf, (int)page, (int)pg.limit,
			      &items, &has_next, &e) < 0) {
		req_error(r, &e);
		goto out;
	}
	o = json_object_new_object();
	json_object_object_add(o, "items", items);
	if (has_next) {
		char next[24];

		snprintf(next, sizeof(next), "%ld", page + 1);
		ju_add_str(o, "next_cursor", next);
	} else {
		ju_add_str(o, "next_cursor", NULL);
	}
	req_json(r, 200, o);
	json_object_put(o);
out:
	OPENSSL_cleanse(token.buf, token.len);
	buf_release(&token);
}

/* POST /api/auth/local {code}: the one-time code of a `platformctl signin-link` URL (the local
 * stack only). The code row is consumed in the same transaction as the session it starts, so a
 * code works once; an expired one is consumed and refused. */
void h_auth_local(struct req *r)
{
	static const char *const keys[] = {"code", NULL};
	struct err e = ERR_INIT;
	struct json_object *body = NULL;
	struct buf hex = BUF_INIT, session = BUF_INIT;
	const char *code = NULL, *params[1];
	char user_id[16];
	PGresult *res = NULL;

	if (!r->app->cfg.local_signin) {
		/* production: as if the endpoint did not exist */
		req_fail(r, 404, "not_found", "sign-in links are off here (PLATFORM_LOCAL_SIGNIN)");
		goto out;
	}
	body = req_json_body(r, &e);
	if (!body || ju_only_keys(body, keys, &e) < 0 ||
	    ju_string(body, "code", JU_REQUIRED, 128, &code, &e) < 0)
		goto fail;
	state_hash_hex(code, &hex);
	params[0] = hex.buf;
	if (db_begin(&r->app->db, &e) < 0)
		goto fail;
	res = msession_local_code_take(&r->app->db, params, &e);
	if (!res)
		goto rollback;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 1), "t")) {
		/* an expired code is gone now too: commit that, then refuse */
		if (db_commit(&r->app->db, &e) < 0)
			goto fail;
		err_field(&e, 400, "invalid_code", "code",
			  "this sign-in link is unknown, used or expired; run "
			  "`platformctl signin-link LOGIN` again");
		goto fail;
	}
	snprintf(user_id, sizeof(user_id), "%s", PQgetvalue(res, 0, 0));
	if (create_session(r, user_id, &session, &e) < 0 ||
	    audit_record(&r->app->db, NULL, user_id, "user.signin", "user", user_id, NULL,
			 r->request_id, &e) < 0 ||
	    db_commit(&r->app->db, &e) < 0)
		goto rollback;
	log_info("signed in with a local link", "user_id", user_id, NULL);
	answer_signed_in(r, user_id, session.buf);
	goto out;
rollback:
	db_rollback(&r->app->db);
fail:
	req_error(r, &e);
out:
	PQclear(res);
	json_object_put(body);
	buf_release(&hex);
	buf_release(&session);
}
