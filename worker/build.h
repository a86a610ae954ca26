/* build.h: one deployment followed through Jenkins, as a small state machine (prefix build_).
 *
 * The worker (main.c) owns a list of builds, one per claimed deploy job. It calls
 * build_step() when a build is due (next_at passed, no call in flight); a step does
 * at most one Jenkins call, whose reply handler sets the next phase and time. All
 * state worth keeping is in PostgreSQL (queue id, build number, log offset, the
 * token's hash), so a build that dies with its worker is resumed by the next one:
 *
 *	LOAD -> TRIGGER -> QUEUE -> FOLLOW (log) -> RESULT -> [GRACE] -> DONE [-> TRACK -> DONE]
 *	          ^  \-> LOOKUP (a trigger whose answer was lost: find it by DEPLOYMENT_ID)
 *	LOAD -> RELEASE (a direct rollback: worker/release.c writes GitOps, no Jenkins) -> DONE
 *
 * A build that is DONE while its deployment is released or syncing is handed to
 * worker/track.c (TRACK) when Argo CD is configured; the job is held until live or failed.
 *
 * Cancel requests, supersedes and timeouts are noticed between calls and turn the
 * next call into a queue cancel or a build stop; the log is still read to the end.
 */
#ifndef PLATFORM_WORKER_BUILD_H
#define PLATFORM_WORKER_BUILD_H

#include "config.h"
#include "db.h"
#include "deploy.h"
#include "jenkins.h"
#include "queue.h"
#include "redact.h"

struct publisher;

struct worker {
	const struct config *cfg; /* borrowed */
	struct db db;
	struct queue q;
	struct jenkins jk;
	struct log_sink sink;
	struct publisher *pub; /* the nchan publisher (worker/publish.h), or NULL */
	char *callback_url;
	struct build *builds;
	int nbuilds;
	int local; /* the local build driver (worker/local.h), not Jenkins */
};

enum build_phase {
	BUILD_LOAD,
	BUILD_TRIGGER,
	BUILD_LOOKUP,
	BUILD_QUEUE,
	BUILD_FOLLOW,
	BUILD_RESULT,
	BUILD_GRACE,
	BUILD_RELEASE, /* worker/release.c */
	BUILD_TRACK,   /* worker/track.c */
	BUILD_LOCAL,   /* worker/local.c: the local builder instead of Jenkins */
	BUILD_DONE
};

/* Why the platform ends a build early; the first reason sticks. */
enum build_halt { HALT_NONE, HALT_CANCEL, HALT_SUPERSEDE, HALT_QUEUE_TIMEOUT, HALT_BUILD_TIMEOUT };

struct build {
	struct build *next, *prev;
	struct worker *w;
	long long job_id;
	int attempts;
	char id[40];
	enum build_phase phase;
	int busy;	/* a Jenkins call is in flight */
	int dropped;	/* the lease went to another worker: write nothing more */
	int failed_job; /* end the job as failed (not done) */
	double next_at; /* wall-clock seconds */
	int failures;	/* consecutive failed Jenkins calls */
	char last_error[200];
	int lookup_builds; /* LOOKUP: the queue was searched, search the builds next */

	char project_id[40];
	struct redact redact; /* what the log must never show (lib/redact.h) */

	enum deploy_state state;
	long long queue_id, number, offset;
	int queue_saved, number_saved;
	double trigger_started_at, triggered_at, building_at;
	int cancel_requested, has_release;
	enum build_halt halt;
	int halt_sent;
	char why[256]; /* Jenkins's reason while queued */
	double grace_until;
	struct track *track;	   /* owned; set once TRACK was considered (worker/track.c) */
	struct local_build *local; /* owned; the local driver's state (worker/local.c) */
};

/* A build for job `job` of deployment `id`, due now; the caller links it in. */
struct build *build_new(struct worker *w, long long job, const char *id, int attempts);
void build_free(struct build *b);

/* Record the deployment's new state on the build and tell the live channels. */
void build_notify_state(struct build *b, enum deploy_state s);
/* Move the deployment (lib/deploy's transition table) and tell the live channels: 1 moved,
 * 0 not allowed any more (someone else moved it), -1 database trouble (the build's step is
 * scheduled again in a second). Shared by the drivers (build.c, local.c, track.c). */
int build_move(struct build *b, enum deploy_state to, const char *reason);

/* Take the next step (see above). */
void build_step(struct build *b, double now);

/* Apply a fresh view of the row (from a notification or the periodic refresh). */
void build_refresh(struct build *b, enum deploy_state state, int cancel_requested, int has_release,
		   double now);

/* Wall-clock seconds (timeouts compare with times stored in PostgreSQL). */
double build_now(void);

#endif
