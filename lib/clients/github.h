/* github.h: the GitHub calls of sign-in and the repository picker, and the requests of the
 * Deployments API (prefix github_).
 *
 * Base URLs come from the caller (PLATFORM_GITHUB_URL, PLATFORM_GITHUB_API_URL)
 * so that GitHub Enterprise and the test fake work alike. Tokens are borrowed
 * and never appear in errors or logs. Failures map to:
 *   401 github_token_invalid   GitHub refused the token (revoked, expired)
 *   429 github_rate_limited    primary or secondary rate limit (message says until when)
 *   502 github_unavailable     GitHub unreachable or answering 5xx
 */
#ifndef PLATFORM_GITHUB_H
#define PLATFORM_GITHUB_H

#include "buf.h"
#include "err.h"

#include <json-c/json.h>

struct github_user {
	long long id;
	char login[64];
	char name[256];
	char avatar_url[512];
};

/* Exchange an OAuth code for a token, appended to `token`. 401 oauth_code_invalid
 * when GitHub says the code is bad or expired. */
int github_oauth_exchange(const char *github_url, const char *client_id, const char *client_secret,
			  const char *code, struct buf *token, struct err *e);

/* GET /user with `token`. */
int github_get_user(const char *api_url, const char *token, struct github_user *u, struct err *e);

/* GET /user/repos?per_page=&page= ; *repos gets a new JSON array (json_object_put)
 * of {full_name, name, owner, private, clone_url, html_url, default_branch};
 * *has_next says whether GitHub announced another page. */
int github_list_repos(const char *api_url, const char *token, int page, int per_page,
		      struct json_object **repos, int *has_next, struct err *e);

/* What GET /repos/{owner}/{repo} says the token may do with a repository. */
struct github_repo_access {
	int found; /* 0: GitHub shows no such repository to this token (404 or 403) */
	int moved; /* 1: renamed or transferred (301): the URL is stale */
	int private_repo;
	int pull, push, admin; /* the `permissions` object; all 0 when GitHub sent none */
};

/* Ask GitHub, with the caller's own token, what it may do with `repo_key` ("owner/repo",
 * already checked by the caller). "No such repository" is not an error: a->found = 0. */
int github_repo_access(const char *api_url, const char *token, const char *repo_key,
		       struct github_repo_access *a, struct err *e);

/* Make sure `repo_key` ("owner/repo") has our push hook to `url` with `secret`
 * (created, or updated when a hook to `url` exists); *hook_id gets its id. */
int github_ensure_hook(const char *api_url, const char *token, const char *repo_key,
		       const char *url, const char *secret, long long *hook_id, struct err *e);
/* Remove hook `hook_id` of `repo_key`; a hook already gone is not an error. */
int github_delete_hook(const char *api_url, const char *token, const char *repo_key,
		       long long hook_id, struct err *e);

/* ---- the Deployments API, as requests a caller sends on its own (worker/ghsender.c runs
 * them in a curl multi handle): paths, headers and JSON bodies as GitHub documents them ---- */

#define GITHUB_API_VERSION "2022-11-28"

/* Append to `out` the URL of POST /repos/{repo}/deployments (deployment_id 0) or of POST
 * /repos/{repo}/deployments/{deployment_id}/statuses under `api_url`; `repo` is "owner/name". */
void github_deployments_url(struct buf *out, const char *api_url, const char *repo,
			    long long deployment_id);

/* Append the Authorization header line ("Authorization: Bearer <token>") to `out`: the caller
 * wipes it when done. */
void github_auth_header(struct buf *out, const char *token);

/* Append to `out` the body of a create-deployment request: `ref` (a commit sha or branch),
 * `environment`, `description`; never merged (auto_merge false), no status checks asked
 * (required_contexts []), a lasting environment (transient_environment false) that is the
 * production one when `environment` is "production". */
void github_deployment_body(struct buf *out, const char *ref, const char *environment,
			    const char *description);

/* Append to `out` the body of a create-deployment-status request: `state` (GitHub's:
 * in_progress, success, failure, error, inactive, ...), `description` (cut to 140 bytes on a
 * character boundary), `environment_url` and `log_url` (each NULL: not sent). auto_inactive is
 * false: the platform posts inactive itself (GitHub's own applies to non-production
 * environments only). */
void github_deployment_status_body(struct buf *out, const char *state, const char *description,
				   const char *environment_url, const char *log_url);

/* The "id" of the deployment GitHub's 201 answer describes: > 0, or 0 when there is none.
 * Also reads the id of a created issue comment. */
long long github_deployment_id_of(const char *body, size_t len);

/* Append to `out` the URL of a pull request's comments (POST
 * {api}/repos/{repo}/issues/{number}/comments) when `comment_id` is 0, else the URL of that
 * comment (PATCH {api}/repos/{repo}/issues/comments/{comment_id}). */
void github_issue_comment_url(struct buf *out, const char *api_url, const char *repo,
			      long long number, long long comment_id);

/* Append to `out` the body of a create- or update-issue-comment request: {"body": text}. */
void github_issue_comment_body(struct buf *out, const char *text);

#endif
