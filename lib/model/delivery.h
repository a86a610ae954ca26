/* delivery.h: GitHub deliveries as an inbox: stored by the API, acted on by the worker
 * (prefix delivery_).
 *
 * The API answers GitHub as soon as a verified delivery is stored (delivery_store: one INSERT,
 * no lock on any row another request needs, durable when it returns). The worker takes the
 * stored deliveries in the order they were stored (delivery_process) and hands each to
 * delivery_dispatch, the one place an event is acted on, in the transaction that also records
 * what it did: a delivery is processed exactly once, and a worker that dies mid-batch leaves
 * it 'received' for the next. Several workers take turns (an advisory lock), so the
 * deliveries of a repository are never processed out of order.
 *
 * States: received -> processed (it queued something, or found it queued before) | ignored
 * (nothing to do, with the reason) | failed (an error the next attempt would meet again).
 *
 * Every string argument is borrowed; struct delivery_result owns its deployments array
 * (delivery_result_release).
 */
#ifndef PLATFORM_DELIVERY_H
#define PLATFORM_DELIVERY_H

#include "db.h"
#include "err.h"

#include <json-c/json.h>

/* A verified delivery as the API stores it. */
struct delivery_in {
	const char *id;		/* X-GitHub-Delivery */
	const char *event;	/* X-GitHub-Event */
	const char *repo_key;	/* lower("owner/repo"), or NULL */
	const char *full_name;	/* repository.full_name as sent, or NULL */
	const char *payload;	/* the JSON payload's text (valid UTF-8, no NUL) */
	const char *request_id; /* the API request that stored it */
};

/* Store it as received (the worker is woken by a NOTIFY in the same commit). Returns 1
 * stored, 0 when a delivery with this id was stored before (a redelivery: nothing changes),
 * -1 error. */
int delivery_store(struct db *db, const struct delivery_in *in, struct err *e);

/* Record a delivery the API handled itself (a ping) as processed with `outcome`/`reason`:
 * 1 recorded, 0 seen before, -1 error. */
int delivery_record(struct db *db, const struct delivery_in *in, const char *outcome,
		    const char *reason, struct err *e);

/* What the operator set that the dispatch applies (lib/config/config's settings, copied by the
 * worker). */
struct delivery_policy {
	int supersede;	 /* PLATFORM_DEPLOY_SUPERSEDE: a push's deploy supersedes older ones */
	int preview_max; /* PLATFORM_PREVIEW_MAX: open previews per project (0: no limit) */
	const char *secret_key; /* PLATFORM_SECRET_KEY: a preview's env is sealed with it */
};

/* An event as the dispatch sees it. */
struct delivery_event {
	const char *id;
	const char *event;
	const char *repo_key; /* NULL when the payload names no repository */
	struct json_object *payload;
	const struct delivery_policy *policy; /* borrowed, never NULL */
};

struct delivery_result {
	const char *state;   /* processed, ignored or failed (static strings) */
	const char *outcome; /* queued, already_queued, ignored, pong, failed (static) */
	char reason[320];
	char branch[256]; /* what the delivery was about, for the list ("" none) */
	char commit[41];
	struct json_object *deployments; /* ids queued or found queued (array, owned) */
};

void delivery_result_init(struct delivery_result *r);
void delivery_result_release(struct delivery_result *r);

/* Act on one event inside the caller's transaction on `db`: a push queues one deployment
 * per auto-deploy project on the repository and branch; a pull_request deploys or removes
 * previews (lib/model/preview.h); other events are ignored with the reason. -1 with `e` when the
 * database failed (the caller rolls back). */
int delivery_dispatch(struct db *db, const struct delivery_event *ev, struct delivery_result *out,
		      struct err *e);

/* Process up to `max` received deliveries, oldest first, in one transaction; *n gets how
 * many (0 when none waits or another worker is processing). -1 with `e` on database
 * trouble: nothing of the batch is kept, it is all received again. */
int delivery_process(struct db *db, const struct delivery_policy *policy, int max, int *n,
		     struct err *e);

#endif
