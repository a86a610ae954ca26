/* webhook.h: what a GitHub webhook delivery says, and whether it is genuine (prefix webhook_).
 *
 * Pure functions over the raw request: no database, no network, so they are
 * unit-tested and fuzzable on their own.
 */
#ifndef PLATFORM_WEBHOOK_H
#define PLATFORM_WEBHOOK_H

#include "buf.h"
#include "err.h"

#include <json-c/json.h>
#include <stddef.h>

/* 1 when `header` (the X-Hub-Signature-256 value, "sha256=<64 hex>") is the
 * HMAC-SHA256 of body under secret; compared in constant time. 0 otherwise,
 * including a missing or malformed header. */
int webhook_signature_ok(const char *secret, size_t secret_len, const void *body, size_t len,
			 const char *header);

/* The JSON payload of a delivery: the body itself (application/json) or the
 * url-encoded `payload` field (application/x-www-form-urlencoded). Returns a
 * new reference or NULL with 400. */
struct json_object *webhook_payload(const char *content_type, const char *body, size_t len,
				    struct err *e);
/* The same, and the payload's JSON text (the body, or the decoded field) appended to `text`:
 * valid UTF-8 without NUL bytes once the parse succeeded. */
struct json_object *webhook_payload_json(const char *content_type, const char *body, size_t len,
					 struct buf *text, struct err *e);

/* The repository key lower("owner/repo") of the payload into out; 0 when the
 * payload names no repository (an organisation hook's ping). */
int webhook_repo_key(struct json_object *payload, struct buf *out);

enum webhook_push_kind {
	WEBHOOK_PUSH_BRANCH,  /* a push to a branch: deploy */
	WEBHOOK_PUSH_DELETED, /* a branch was deleted */
	WEBHOOK_PUSH_TAG,     /* a tag was pushed or deleted */
	WEBHOOK_PUSH_INVALID, /* not a push payload we understand */
};

struct webhook_push {
	enum webhook_push_kind kind;
	char branch[256];
	char after[41];
	char message[1024]; /* head commit message, cut */
	char author[256];   /* head commit author name */
};

/* Classify a push payload. */
void webhook_push_parse(struct json_object *payload, struct webhook_push *p);

enum webhook_pr_action {
	WEBHOOK_PR_DEPLOY,  /* opened, reopened, synchronize: deploy the head */
	WEBHOOK_PR_CLOSED,  /* closed, merged or not: remove the preview */
	WEBHOOK_PR_OTHER,   /* labeled, edited, ...: nothing to deploy */
	WEBHOOK_PR_INVALID, /* not a pull_request payload we understand */
};

struct webhook_pr {
	enum webhook_pr_action action;
	char action_name[32]; /* as sent, cut; "" when missing */
	long number;	      /* 1.. */
	char title[256];      /* cut on a character boundary */
	char head_sha[41];    /* lowercase */
	char head_ref[256];   /* the head branch (in the head repository) */
	char head_repo[141];  /* lower("owner/repo") of the head, "" when it is gone */
	char base_ref[256];   /* the branch it wants to merge into */
	char sender[64];      /* the login that caused the event */
	int fork;	      /* the head lives in another repository (or a deleted one) */
	int merged;	      /* closed by a merge */
};

/* Classify a pull_request payload (GitHub's "pull_request" event). A payload without a
 * number, head sha, base ref or action is WEBHOOK_PR_INVALID. `fork` compares the head's
 * repository with the base's (not head.repo.fork, which is true for any pull request inside a
 * repository that is itself a fork). */
void webhook_pr_parse(struct json_object *payload, struct webhook_pr *p);

/* The repository key lower("owner/repo") of a canonical repository URL
 * (".../owner/repo") into out. */
void webhook_url_repo_key(const char *repo_url, struct buf *out);

#endif
