/* engine.h: the worker's deployment engine: one deployment's phases, in one explicit order,
 * with pluggable drivers (prefix engine_).
 *
 * The worker (main.c) holds one struct build per claimed deploy job and calls engine_step()
 * whenever it is due. The engine alone decides what comes next and alone ends a deployment:
 *
 *	LOAD --> BUILD (the build driver) --> RELEASE (GitOps, worker/release.c) --> STAGE --> DONE
 *	    \--> RELEASE (a direct rollback: no build)
 *
 *	LOAD	read the row, the secrets the log must never show, hand the deployment to the
 *		build driver (or straight to RELEASE for a direct rollback);
 *	BUILD	the build driver's own steps (jenkins: worker/build.c; local: worker/local.c)
 *		until it calls engine_pushed (the image is pushed: the worker writes the
 *		release), engine_finish (the deployment ends, or was released by the pipeline)
 *		or engine_over (it ended elsewhere);
 *	RELEASE	the worker's own GitOps write; then released;
 *	STAGE	the after-release stage driver chosen by PLATFORM_RUNTIME (argocd: worker/track.c;
 *		podman: worker/runtime.c; none: released is the last state) follows a released
 *		deployment to live or failed; its first step reads the row and ends at once when
 *		there is nothing to follow;
 *	DONE	the job is finished (or handed back) and the build freed.
 *
 * Drivers are tables of function pointers (as curl's lib/vtls backends), chosen once from the
 * configuration by engine_select_drivers. Every end goes through engine_finish, which stores
 * the state, prunes old logs (retention_after_finish) and moves on in the order above.
 *
 * All state worth keeping is in PostgreSQL (queue id, build number, log offset, the callback
 * token's hash, the GitOps commit), so a build that dies with its worker is resumed by the
 * next one from LOAD.
 *
 * Ownership: the worker owns its builds (engine_new allocates one, engine_free frees it and
 * all it holds); a build owns its driver states (drv, stage_state), released by the drivers'
 * release callbacks, which engine_free calls.
 */
#ifndef PLATFORM_WORKER_ENGINE_H
#define PLATFORM_WORKER_ENGINE_H

#include "config.h"
#include "db.h"
#include "deploy.h"
#include "err.h"
#include "jenkins.h"
#include "queue.h"
#include "redact.h"

struct publisher;
struct build;
struct worker;

/* A build driver: gets an image built and pushed (or a release written by its pipeline). */
struct build_driver {
	const char *name;
	/* Check the driver's settings at start: -1 with `e` naming what is wrong. */
	int (*check_config)(const struct config *cfg, struct err *e);
	/* Worker-wide set-up (clients, handles) and its release; either may be NULL. */
	int (*open)(struct worker *w, struct err *e);
	void (*close)(struct worker *w);
	/* Take deployment `d` (just loaded) from LOAD: decide where to resume; the build is in
	 * phase BUILD. */
	void (*start)(struct build *b, const struct deploy_info *d, double now);
	/* One step of phase BUILD. */
	void (*step)(struct build *b, double now);
	/* A cancel or supersede was noticed on the row: act on it soon (may be NULL). */
	void (*cancel)(struct build *b, double now);
	/* Release b->drv, the build's driver state, and set it to NULL (a build process still
	 * running is ended). */
	void (*release)(struct build *b);
	/* Wait up to timeout_ms for the database socket `db_fd` (sets *db_ready) or the
	 * driver's own I/O (making those builds due); 0, or -1 when the wait failed. */
	int (*wait)(struct worker *w, int db_fd, int timeout_ms, int *db_ready);
};

/* An after-release stage: follows a released deployment to where it serves. */
struct stage_driver {
	const char *name;
	int (*check_config)(const struct config *cfg, struct err *e);
	/* Allocate b->stage_state; the first step reads the row and ends the stage at once
	 * (engine_over) when there is nothing to follow. */
	void (*start)(struct build *b, double now);
	void (*step)(struct build *b, double now);
	/* Release b->stage_state and set it to NULL. */
	void (*release)(struct build *b);
	/* Level-triggered repair of what runs, every PLATFORM_RUNTIME_RESYNC s (may be NULL). */
	void (*resync)(struct worker *w);
};

struct worker {
	const struct config *cfg; /* borrowed */
	struct db db;
	struct queue q;
	struct jenkins jk; /* the Jenkins driver's client (worker/build.c) */
	struct log_sink sink;
	struct publisher *pub; /* the nchan publisher (worker/publish.h), or NULL */
	char *callback_url;    /* the Jenkins driver's callback URL */
	struct build *builds;
	int nbuilds;
	const struct build_driver *driver; /* chosen once: engine_select_drivers */
	const struct stage_driver *stage;  /* NULL: released is the last state */
};

enum engine_phase { ENGINE_LOAD, ENGINE_BUILD, ENGINE_RELEASE, ENGINE_STAGE, ENGINE_DONE };

/* Why the platform ends a build early; the first reason sticks. */
enum build_halt { HALT_NONE, HALT_CANCEL, HALT_SUPERSEDE, HALT_QUEUE_TIMEOUT, HALT_BUILD_TIMEOUT };

struct build {
	struct build *next, *prev;
	struct worker *w;
	long long job_id;
	int attempts;
	char id[40];
	enum engine_phase phase;
	int busy;	/* a driver call is in flight: no step, no release */
	int dropped;	/* the lease went to another worker: write nothing more */
	int failed_job; /* end the job as failed (not done) */
	int staged;	/* the after-release stage was started once */
	double next_at; /* wall-clock seconds */
	int failures;	/* consecutive failed calls (driver or GitOps) */

	char project_id[40];
	struct redact redact; /* what the log must never show (lib/rules/redact.h) */

	enum deploy_state state;
	long long offset; /* the stored log's length */
	int cancel_requested, has_release;
	enum build_halt halt;
	int halt_sent;

	void *drv;	   /* the build driver's state, owned through driver->release */
	void *stage_state; /* the stage driver's state, owned through stage->release */
};

/* The driver that builds nothing (PLATFORM_BUILD_DRIVER=none): its worker claims no deploy job. */
extern const struct build_driver drv_none;

/* Choose the build driver and the stage from the configuration and check their settings:
 * -1 with `e` when one is misconfigured. */
int engine_select_drivers(struct worker *w, struct err *e);

/* A new build for job `job` of deployment `id`, due now, owned by the caller, who links it
 * in; engine_free releases its driver states and frees it. */
struct build *engine_new(struct worker *w, long long job, const char *id, int attempts);
void engine_free(struct build *b);

/* Take the next step (see above). */
void engine_step(struct build *b, double now);

/* Apply a fresh view of the row (from a notification or the periodic refresh). */
void engine_refresh(struct build *b, enum deploy_state state, int cancel_requested, int has_release,
		    double now);

/* ---------------------------------------------------------------- for the drivers */

/* Record the deployment's new state on the build and tell the live channels. */
void engine_notify_state(struct build *b, enum deploy_state s);
/* A state read from the row: tell the live channels when it differs from what we knew. */
void engine_observe_state(struct build *b, enum deploy_state s);
/* Move the deployment (lib/model/deploy's transition table) and tell the live channels: 1 moved,
 * 0 not allowed any more (someone else moved it), -1 database trouble (the step is
 * scheduled again in a second). For the states on the way (building, pushed, syncing). */
int engine_move(struct build *b, enum deploy_state to, const char *reason);

/* The current phase ends with the deployment in state `to` (`reason` for failed): stored,
 * old logs pruned, and on in the engine's order (released goes on to the stage; an end
 * state is DONE). On database trouble nothing changes and the step comes again. */
void engine_finish(struct build *b, enum deploy_state to, const char *reason);
void engine_failf(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The current phase is over with nothing to store (the deployment ended or moved on
 * elsewhere, or there is nothing to follow): on in the engine's order. */
void engine_over(struct build *b);
/* The deployment is gone (deleted): DONE, nothing written. */
void engine_drop(struct build *b);
/* The image is pushed and on the row: the worker writes the release (RELEASE). */
void engine_pushed(struct build *b);
/* Read the row again from LOAD (someone else moved it or took the log). */
void engine_reload(struct build *b, double now);

/* A database call failed: log it and try the same step again in a second. */
void engine_db_trouble(struct build *b, double now, const struct err *e);

/* Wall-clock seconds (timeouts compare with times stored in PostgreSQL). */
double engine_now(void);

#endif
