/* github.c: OAuth code exchange, the signed-in user, their repositories */
#include "github.h"

#include "http.h"
#include "jsonutil.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Map a non-2xx GitHub answer to our error. */
static int github_status_error(const struct http_response *rs, struct err *e)
{
	struct buf h = BUF_INIT;
	int ret;

	if (rs->status == 401)
		return err_set(
		    e, 401, "github_token_invalid",
		    "GitHub refused the token: it was revoked or has expired; sign in again");
	if ((rs->status == 403 || rs->status == 429) &&
	    ((http_header(rs, "x-ratelimit-remaining", &h) && !strcmp(h.buf, "0")) ||
	     http_header(rs, "retry-after", &h) || rs->status == 429)) {
		struct buf reset = BUF_INIT;

		if (http_header(rs, "x-ratelimit-reset", &reset))
			ret = err_set(
			    e, 429, "github_rate_limited",
			    "GitHub's rate limit is exhausted until %s (unix time); try again then",
			    reset.buf);
		else
			ret = err_set(e, 429, "github_rate_limited",
				      "GitHub asks us to slow down; try again in a minute");
		buf_release(&reset);
		buf_release(&h);
		return ret;
	}
	buf_release(&h);
	if (rs->status == 403 || rs->status == 404)
		return err_set(e, 401, "github_token_invalid",
			       "GitHub refused the token for this call (status %ld); sign in again",
			       rs->status);
	return err_set(e, 502, "github_unavailable", "GitHub answered with status %ld", rs->status);
}

static void auth_header(struct buf *h, const char *token)
{
	buf_addf(h, "Authorization: Bearer %s", token);
}

int github_oauth_exchange(const char *github_url, const char *client_id, const char *client_secret,
			  const char *code, struct buf *token, struct err *e)
{
	struct buf url = BUF_INIT, body = BUF_INIT;
	struct http_response rs;
	struct json_object *o = NULL;
	const char *hdrs[] = {"Accept: application/json", NULL};
	struct http_request rq = {0};
	const char *tok = NULL, *gh_err = NULL;
	int ret = -1;

	http_response_init(&rs);
	if (!client_id || !client_secret) {
		err_set(e, 503, "oauth_not_configured",
			"GitHub sign-in is not configured (PLATFORM_GITHUB_CLIENT_ID and "
			"PLATFORM_GITHUB_CLIENT_SECRET)");
		goto out;
	}
	buf_addf(&url, "%s/login/oauth/access_token", github_url);
	buf_addstr(&body, "client_id=");
	http_urlencode(client_id, &body);
	buf_addstr(&body, "&client_secret=");
	http_urlencode(client_secret, &body);
	buf_addstr(&body, "&code=");
	http_urlencode(code, &body);
	rq.url = url.buf;
	rq.headers = hdrs;
	rq.body = body.buf;
	rq.body_len = body.len;
	if (http_do("GitHub", &rq, &rs, e) < 0)
		goto out;
	if (rs.status >= 500) {
		err_set(e, 502, "github_unavailable", "GitHub answered with status %ld", rs.status);
		goto out;
	}
	o = json_tokener_parse(rs.body.buf);
	if (o && json_object_is_type(o, json_type_object)) {
		struct json_object *v;

		if (json_object_object_get_ex(o, "access_token", &v) &&
		    json_object_is_type(v, json_type_string))
			tok = json_object_get_string(v);
		if (json_object_object_get_ex(o, "error", &v) &&
		    json_object_is_type(v, json_type_string))
			gh_err = json_object_get_string(v);
	}
	/* GitHub reports a bad code with status 200 and an "error" member. */
	if (!tok || !*tok) {
		if (gh_err && !strcmp(gh_err, "incorrect_client_credentials"))
			err_set(e, 503, "oauth_misconfigured",
				"GitHub refused the platform's OAuth client credentials");
		else
			err_set(
			    e, 401, "oauth_code_invalid",
			    "GitHub did not accept the sign-in code (%s); start the sign-in again",
			    gh_err ? gh_err : "no token in the answer");
		goto out;
	}
	buf_addstr(token, tok);
	ret = 0;
out:
	json_object_put(o);
	http_response_release(&rs);
	buf_release(&url);
	buf_release(&body);
	return ret;
}

static void copy_str(struct json_object *o, const char *key, char *out, size_t n)
{
	struct json_object *v;

	out[0] = '\0';
	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(out, n, "%s", json_object_get_string(v));
}

/* `method` `path` on the API with the token and an optional JSON body; fills rs,
 * -1 with e on any non-2xx. */
static int api_call(const char *method, const char *api_url, const char *path, const char *token,
		    const char *json, struct http_response *rs, struct err *e)
{
	struct buf url = BUF_INIT, auth = BUF_INIT;
	struct http_request rq = {0};
	const char *hdrs[5];
	int ret = -1;

	buf_addf(&url, "%s%s", api_url, path);
	auth_header(&auth, token);
	hdrs[0] = auth.buf;
	hdrs[1] = "Accept: application/vnd.github+json";
	hdrs[2] = "X-GitHub-Api-Version: 2022-11-28";
	hdrs[3] = json ? "Content-Type: application/json" : NULL;
	hdrs[4] = NULL;
	rq.url = url.buf;
	rq.headers = hdrs;
	rq.method = method;
	rq.body = json;
	rq.body_len = json ? strlen(json) : 0;
	if (http_do("GitHub", &rq, rs, e) < 0)
		goto out;
	if (rs->status < 200 || rs->status > 299) {
		github_status_error(rs, e);
		goto out;
	}
	ret = 0;
out:
	buf_release(&url);
	buf_release(&auth);
	return ret;
}

static int api_get(const char *api_url, const char *path, const char *token,
		   struct http_response *rs, struct err *e)
{
	return api_call("GET", api_url, path, token, NULL, rs, e);
}

int github_get_user(const char *api_url, const char *token, struct github_user *u, struct err *e)
{
	struct http_response rs;
	struct json_object *o = NULL, *v;
	int ret = -1;

	memset(u, 0, sizeof(*u));
	http_response_init(&rs);
	if (api_get(api_url, "/user", token, &rs, e) < 0)
		goto out;
	o = json_tokener_parse(rs.body.buf);
	if (!o || !json_object_object_get_ex(o, "id", &v) ||
	    !json_object_is_type(v, json_type_int)) {
		err_set(e, 502, "github_unavailable", "GitHub's answer to /user has no user id");
		goto out;
	}
	u->id = json_object_get_int64(v);
	copy_str(o, "login", u->login, sizeof(u->login));
	copy_str(o, "name", u->name, sizeof(u->name));
	copy_str(o, "avatar_url", u->avatar_url, sizeof(u->avatar_url));
	if (!u->login[0] || u->id <= 0) {
		err_set(e, 502, "github_unavailable", "GitHub's answer to /user has no login");
		goto out;
	}
	ret = 0;
out:
	json_object_put(o);
	http_response_release(&rs);
	return ret;
}

/* Keep the fields the deploy form needs. */
static struct json_object *repo_summary(struct json_object *r)
{
	struct json_object *o = json_object_new_object(), *v, *owner;
	static const char *const keys[] = {"full_name", "name",		  "clone_url",
					   "html_url",	"default_branch", NULL};

	for (const char *const *k = keys; *k; k++) {
		if (json_object_object_get_ex(r, *k, &v) &&
		    json_object_is_type(v, json_type_string))
			json_object_object_add(o, *k,
					       json_object_new_string(json_object_get_string(v)));
	}
	if (json_object_object_get_ex(r, "owner", &owner) &&
	    json_object_object_get_ex(owner, "login", &v) &&
	    json_object_is_type(v, json_type_string))
		json_object_object_add(o, "owner",
				       json_object_new_string(json_object_get_string(v)));
	json_object_object_add(
	    o, "private",
	    json_object_new_boolean(json_object_object_get_ex(r, "private", &v) &&
				    json_object_get_boolean(v)));
	return o;
}

int github_list_repos(const char *api_url, const char *token, int page, int per_page,
		      struct json_object **repos, int *has_next, struct err *e)
{
	struct http_response rs;
	struct json_object *arr = NULL;
	struct buf path = BUF_INIT, next = BUF_INIT;
	int ret = -1;

	*repos = NULL;
	*has_next = 0;
	http_response_init(&rs);
	buf_addf(&path, "/user/repos?per_page=%d&page=%d&sort=pushed", per_page, page);
	if (api_get(api_url, path.buf, token, &rs, e) < 0)
		goto out;
	arr = json_tokener_parse(rs.body.buf);
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		err_set(e, 502, "github_unavailable",
			"GitHub's answer to /user/repos is not a list");
		goto out;
	}
	*repos = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		json_object_array_add(*repos, repo_summary(json_object_array_get_idx(arr, i)));
	*has_next = http_link_next(&rs, &next);
	ret = 0;
out:
	json_object_put(arr);
	http_response_release(&rs);
	buf_release(&path);
	buf_release(&next);
	return ret;
}

static int perm(struct json_object *perms, const char *key)
{
	struct json_object *v;

	return perms && json_object_object_get_ex(perms, key, &v) &&
	       json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

int github_repo_access(const char *api_url, const char *token, const char *repo_key,
		       struct github_repo_access *a, struct err *e)
{
	struct http_response rs;
	struct buf path = BUF_INIT;
	struct json_object *o = NULL, *perms = NULL;
	int ret = -1;

	memset(a, 0, sizeof(*a));
	http_response_init(&rs);
	buf_addf(&path, "/repos/%s", repo_key);
	if (api_get(api_url, path.buf, token, &rs, e) < 0) {
		/* GitHub answers 404 for a private repository the token cannot see, exactly as
		 * for one that does not exist; 403 (not a rate limit) when access is blocked. */
		if (rs.status == 404 || (rs.status == 403 && e->status != 429)) {
			err_clear(e);
			ret = 0;
		} else if (rs.status == 301 || rs.status == 302 || rs.status == 307) {
			err_clear(e);
			a->moved = 1;
			ret = 0;
		}
		goto out;
	}
	o = json_tokener_parse(rs.body.buf);
	if (!o || !json_object_is_type(o, json_type_object)) {
		err_set(e, 502, "github_unavailable", "GitHub's answer to /repos is not an object");
		goto out;
	}
	a->found = 1;
	{
		struct json_object *v;

		a->private_repo =
		    json_object_object_get_ex(o, "private", &v) && json_object_get_boolean(v);
	}
	json_object_object_get_ex(o, "permissions", &perms);
	a->pull = perm(perms, "pull");
	a->push = perm(perms, "push");
	a->admin = perm(perms, "admin");
	ret = 0;
out:
	json_object_put(o);
	buf_release(&path);
	http_response_release(&rs);
	return ret;
}

/* The hook settings GitHub wants: push and pull_request events, JSON, our URL and secret. `name`
 * ("web") is part of the create schema only: the update schema (PATCH) has no such property. */
static struct json_object *hook_body(const char *url, const char *secret, int create)
{
	struct json_object *o = json_object_new_object(), *cfg = json_object_new_object();
	struct json_object *events = json_object_new_array();

	json_object_array_add(events, json_object_new_string("push"));
	json_object_array_add(events, json_object_new_string("pull_request")); /* previews */
	if (create)
		json_object_object_add(o, "name", json_object_new_string("web"));
	json_object_object_add(o, "active", json_object_new_boolean(1));
	json_object_object_add(o, "events", events);
	json_object_object_add(cfg, "url", json_object_new_string(url));
	json_object_object_add(cfg, "content_type", json_object_new_string("json"));
	json_object_object_add(cfg, "secret", json_object_new_string(secret));
	json_object_object_add(cfg, "insecure_ssl", json_object_new_string("0"));
	json_object_object_add(o, "config", cfg);
	return o;
}

static long long hook_id_of(const char *text)
{
	struct json_object *o = json_tokener_parse(text), *v;
	long long id = 0;

	if (o && json_object_object_get_ex(o, "id", &v))
		id = json_object_get_int64(v);
	json_object_put(o);
	return id;
}

static void hook_forbidden(const char *repo_key, struct err *e)
{
	err_field(e, 422, "github_hook_forbidden", "auto_deploy",
		  "GitHub refused to manage webhooks of %s: auto-deploy needs admin rights on the "
		  "repository for your account",
		  repo_key);
}

/* The id of the hook in one page of hooks whose config.url is `url`, 0 when none. */
static long long hook_in_page(const char *text, const char *url)
{
	struct json_object *arr = json_tokener_parse(text);
	long long id = 0;

	for (size_t i = 0;
	     arr && json_object_is_type(arr, json_type_array) && i < json_object_array_length(arr);
	     i++) {
		struct json_object *h = json_object_array_get_idx(arr, i), *cfg, *u, *v;

		if (json_object_object_get_ex(h, "config", &cfg) &&
		    json_object_object_get_ex(cfg, "url", &u) &&
		    !strcmp(json_object_get_string(u), url) &&
		    json_object_object_get_ex(h, "id", &v)) {
			id = json_object_get_int64(v);
			break;
		}
	}
	json_object_put(arr);
	return id;
}

#define HOOK_PAGES_MAX 50 /* GitHub allows 20 hooks per event; this only bounds a loop */

/* The id of the hook of `repo_key` whose config.url is `url`, 0 when none, -1 on error.
 * Every page is read, following Link: rel="next" (only to the same API: the token goes
 * along). */
static long long find_hook(const char *api_url, const char *token, const char *repo_key,
			   const char *url, struct err *e)
{
	struct http_response rs;
	struct buf path = BUF_INIT, next = BUF_INIT;
	size_t base = strlen(api_url);
	long long id = -1;

	http_response_init(&rs);
	buf_addf(&path, "/repos/%s/hooks?per_page=100", repo_key);
	for (int page = 0; page < HOOK_PAGES_MAX; page++) {
		http_response_release(&rs);
		http_response_init(&rs);
		if (api_get(api_url, path.buf, token, &rs, e) < 0) {
			/* GitHub hides a repository's hooks from non-admins behind a 404 */
			if (rs.status == 404 || (rs.status == 403 && e->status != 429))
				hook_forbidden(repo_key, e);
			id = -1;
			goto out;
		}
		if ((id = hook_in_page(rs.body.buf, url)) != 0)
			goto out;
		buf_reset(&next);
		if (!http_link_next(&rs, &next) || strncmp(next.buf, api_url, base) ||
		    next.buf[base] != '/')
			goto out;
		buf_reset(&path);
		buf_addstr(&path, next.buf + base);
	}
out:
	buf_release(&next);
	buf_release(&path);
	http_response_release(&rs);
	return id;
}

int github_ensure_hook(const char *api_url, const char *token, const char *repo_key,
		       const char *url, const char *secret, long long *hook_id, struct err *e)
{
	struct http_response rs;
	struct buf path = BUF_INIT;
	struct json_object *body = NULL;
	long long existing;
	int ret = -1;

	http_response_init(&rs);
	*hook_id = 0;
	/* A hook of ours left from before (its secret lost) is updated, not duplicated. */
	existing = find_hook(api_url, token, repo_key, url, e);
	if (existing < 0)
		goto out;
	body = hook_body(url, secret, existing == 0);
	if (existing > 0)
		buf_addf(&path, "/repos/%s/hooks/%lld", repo_key, existing);
	else
		buf_addf(&path, "/repos/%s/hooks", repo_key);
	if (api_call(existing ? "PATCH" : "POST", api_url, path.buf, token, ju_text(body), &rs, e) <
	    0) {
		if (rs.status == 404 || (rs.status == 403 && e->status != 429))
			hook_forbidden(repo_key, e);
		goto out;
	}
	*hook_id = existing ? existing : hook_id_of(rs.body.buf);
	ret = 0;
out:
	json_object_put(body);
	buf_release(&path);
	http_response_release(&rs);
	return ret;
}

int github_delete_hook(const char *api_url, const char *token, const char *repo_key,
		       long long hook_id, struct err *e)
{
	struct http_response rs;
	struct buf path = BUF_INIT;
	int ret;

	http_response_init(&rs);
	buf_addf(&path, "/repos/%s/hooks/%lld", repo_key, hook_id);
	ret = api_call("DELETE", api_url, path.buf, token, NULL, &rs, e);
	/* already gone is what we wanted */
	if (ret < 0 && rs.status == 404)
		ret = 0;
	buf_release(&path);
	http_response_release(&rs);
	return ret;
}

/* ---------------------------------------------------------------- the Deployments API */

void github_deployments_url(struct buf *out, const char *api_url, const char *repo,
			    long long deployment_id)
{
	size_t n = strlen(api_url);

	while (n && api_url[n - 1] == '/')
		n--;
	buf_add(out, api_url, n);
	buf_addf(out, "/repos/%s/deployments", repo);
	if (deployment_id > 0)
		buf_addf(out, "/%lld/statuses", deployment_id);
}

void github_issue_comment_url(struct buf *out, const char *api_url, const char *repo,
			      long long number, long long comment_id)
{
	size_t n = strlen(api_url);

	while (n && api_url[n - 1] == '/')
		n--;
	buf_add(out, api_url, n);
	if (comment_id > 0)
		buf_addf(out, "/repos/%s/issues/comments/%lld", repo, comment_id);
	else
		buf_addf(out, "/repos/%s/issues/%lld/comments", repo, number);
}

void github_issue_comment_body(struct buf *out, const char *text)
{
	struct json_object *o = json_object_new_object();

	ju_add_str(o, "body", text);
	buf_addstr(out, ju_text(o));
	json_object_put(o);
}

void github_auth_header(struct buf *out, const char *token)
{
	auth_header(out, token);
}

/* GitHub refuses a description over 140 characters; cut bytes, never inside a character. */
static void add_description(struct json_object *o, const char *desc)
{
	size_t n = desc ? strlen(desc) : 0;
	char *cut;

	if (n > 140) {
		n = 140;
		while (n && ((unsigned char)desc[n] & 0xc0) == 0x80)
			n--;
	}
	cut = xstrndup(desc ? desc : "", n);
	ju_add_str(o, "description", cut);
	free(cut);
}

void github_deployment_body(struct buf *out, const char *ref, const char *environment,
			    const char *description)
{
	struct json_object *o = json_object_new_object();

	ju_add_str(o, "ref", ref);
	ju_add_str(o, "task", "deploy");
	json_object_object_add(o, "auto_merge", json_object_new_boolean(0));
	json_object_object_add(o, "required_contexts", json_object_new_array());
	ju_add_str(o, "environment", environment);
	add_description(o, description);
	/* a preview's environment (pr-<n>) goes away with its pull request */
	json_object_object_add(o, "transient_environment",
			       json_object_new_boolean(!strncmp(environment, "pr-", 3)));
	json_object_object_add(o, "production_environment",
			       json_object_new_boolean(!strcmp(environment, "production")));
	buf_addstr(out, ju_text(o));
	json_object_put(o);
}

void github_deployment_status_body(struct buf *out, const char *state, const char *description,
				   const char *environment_url, const char *log_url)
{
	struct json_object *o = json_object_new_object();

	ju_add_str(o, "state", state);
	add_description(o, description);
	if (environment_url)
		ju_add_str(o, "environment_url", environment_url);
	if (log_url)
		ju_add_str(o, "log_url", log_url);
	json_object_object_add(o, "auto_inactive", json_object_new_boolean(0));
	buf_addstr(out, ju_text(o));
	json_object_put(o);
}

long long github_deployment_id_of(const char *body, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = tok ? json_tokener_parse_ex(tok, body, (int)len) : NULL, *v;
	long long id = 0;

	if (o && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "id", &v) && json_object_is_type(v, json_type_int))
		id = json_object_get_int64(v);
	json_object_put(o);
	if (tok)
		json_tokener_free(tok);
	return id > 0 ? id : 0;
}
