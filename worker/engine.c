/* engine.c: one deployment through its phases: load, build driver, release, stage, done */
#include "engine.h"

#include "build.h"
#include "local.h"
#include "log.h"
#include "publish.h"
#include "release.h"
#include "retention.h"
#include "runtime.h"
#include "secret_purpose.h"
#include "track.h"
#include "mproj.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Give up on a job that keeps coming back (a crash loop on one deployment). */
#define MAX_ATTEMPTS 25

double engine_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- no builds */

/* PLATFORM_BUILD_DRIVER=none: a worker that builds nothing (claim() takes no deploy job, so
 * they wait for a worker that builds) but does the rest: GitHub deliveries, notifications,
 * housekeeping. For a stack without a builder, and for workers kept apart from the builds. */
static void none_free(struct build *b)
{
	(void)b;
}

static int none_wait(struct worker *w, int db_fd, int timeout_ms, int *db_ready)
{
	struct pollfd fd = {db_fd, POLLIN, 0};
	int r;

	(void)w;
	*db_ready = 0;
	r = poll(&fd, db_fd >= 0 ? 1 : 0, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	*db_ready = r > 0;
	return 0;
}

const struct build_driver drv_none = {
    .name = "none",
    .release = none_free,
    .wait = none_wait,
};

int engine_select_drivers(struct worker *w, struct err *e)
{
	const struct config *cfg = w->cfg;

	if (cfg->build_driver && !strcmp(cfg->build_driver, "none"))
		w->driver = &drv_none;
	else
		w->driver = local_selected(cfg) ? &drv_local : &drv_jenkins;
	if (w->driver->check_config && w->driver->check_config(cfg, e) < 0)
		return -1;
	/* PLATFORM_RUNTIME (an enum lib/config/config checked); unset: Argo CD when it is
	 * configured, else released is the last state */
	if (!cfg->runtime)
		w->stage = cfg->argocd_url && *cfg->argocd_url ? &stage_argocd : NULL;
	else if (!strcmp(cfg->runtime, "argocd"))
		w->stage = &stage_argocd;
	else if (!strcmp(cfg->runtime, "podman"))
		w->stage = &stage_podman;
	else
		w->stage = NULL; /* none */
	if (w->stage && w->stage->check_config && w->stage->check_config(cfg, e) < 0)
		return -1;
	return 0;
}

struct build *engine_new(struct worker *w, long long job, const char *id, int attempts)
{
	struct build *b = xcalloc(1, sizeof(*b));

	b->w = w;
	b->job_id = job;
	b->attempts = attempts;
	snprintf(b->id, sizeof(b->id), "%s", id);
	b->phase = ENGINE_LOAD;
	b->next_at = engine_now();
	redact_init(&b->redact);
	return b;
}

void engine_free(struct build *b)
{
	if (b->stage_state && b->w->stage)
		b->w->stage->release(b);
	b->w->driver->release(b);
	redact_release(&b->redact);
	free(b);
}

void engine_db_trouble(struct build *b, double now, const struct err *e)
{
	log_warn("database call failed; retrying", "deployment_id", b->id, "reason", e->msg, NULL);
	b->next_at = now + 1.0;
}

/* ---------------------------------------------------------------- states and ends */

void engine_notify_state(struct build *b, enum deploy_state s)
{
	b->state = s;
	if (b->w->sink.state)
		b->w->sink.state(b->w->sink.arg, b->id, deploy_state_name(s));
}

/* Moves made elsewhere (the pipeline's callbacks through the API, a cancel) reach the live
 * channels too. */
void engine_observe_state(struct build *b, enum deploy_state s)
{
	if (s != b->state)
		engine_notify_state(b, s);
}

int engine_move(struct build *b, enum deploy_state to, const char *reason)
{
	struct err e = ERR_INIT;
	int r = deploy_transition(&b->w->db, b->id, to, reason, &e);

	if (r < 0) {
		engine_db_trouble(b, engine_now(), &e);
		return -1;
	}
	if (r > 0)
		engine_notify_state(b, to);
	return r;
}

/* The explicit order: a build or a release is followed by the stage (once, when one is
 * configured and the job is not being given up); the stage by the end. */
static void next_phase(struct build *b)
{
	const struct stage_driver *stage = b->w->stage;

	b->next_at = engine_now();
	if ((b->phase == ENGINE_BUILD || b->phase == ENGINE_RELEASE || b->phase == ENGINE_LOAD) &&
	    stage && !b->staged && !b->failed_job && !b->dropped) {
		b->staged = 1;
		b->phase = ENGINE_STAGE;
		stage->start(b, b->next_at);
		return;
	}
	b->phase = ENGINE_DONE;
}

/* The build is over: its callback token stops working (best effort: a token left alive
 * can still only report on a released deployment, which refuses every change). */
static void end_callbacks(struct build *b)
{
	struct err e = ERR_INIT;

	if (deploy_callback_end(&b->w->db, b->id, &e) < 0)
		log_warn("could not end the callback token", "deployment_id", b->id, "reason",
			 e.msg, NULL);
}

void engine_over(struct build *b)
{
	/* every end of a phase may have ended the deployment: no more pipeline callbacks, and
	 * the project's old logs pruned (whichever driver ran, and however it ended) */
	if (b->phase != ENGINE_STAGE)
		end_callbacks(b);
	retention_after_finish(&b->w->db, b->project_id, b->w->cfg->log_retention);
	next_phase(b);
}

void engine_finish(struct build *b, enum deploy_state to, const char *reason)
{
	if (engine_move(b, to, reason) < 0)
		return; /* engine_db_trouble scheduled a retry of the same step */
	engine_over(b);
}

void engine_failf(struct build *b, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	engine_finish(b, DEPLOY_FAILED, why);
}

void engine_drop(struct build *b)
{
	b->phase = ENGINE_DONE;
	b->next_at = engine_now();
}

void engine_pushed(struct build *b)
{
	b->phase = ENGINE_RELEASE;
	b->next_at = engine_now();
}

void engine_reload(struct build *b, double now)
{
	b->phase = ENGINE_LOAD;
	b->next_at = now;
}

/* ---------------------------------------------------------------- LOAD */

/* The values this build's log must never show: the platform's credentials and the
 * project's env values (drivers add their own: the callback token, the GitHub token). */
static int load_secrets(struct build *b, struct err *e)
{
	static const char *const credentials[] = {"jenkins_token",
						  "argocd_token",
						  "github_client_secret",
						  "github_webhook_secret",
						  "registry_password",
						  "secret_key",
						  NULL};
	const struct config *cfg = b->w->cfg;
	const char *p[1] = {b->project_id};
	PGresult *res;

	for (int i = 0; credentials[i]; i++)
		redact_add_str(&b->redact, config_get(cfg, credentials[i]));
	res = mproj_env(&b->w->db, p, e);
	if (!res)
		return -1;
	if (PQntuples(res) == 1 && cfg->secret_key &&
	    redact_add_sealed_env(&b->redact, cfg->secret_key, PURPOSE_PROJECT_ENV,
				  PQgetvalue(res, 0, 0)) < 0)
		log_warn("the project's env is unreadable; its values cannot be masked in the log",
			 "deployment_id", b->id, NULL);
	PQclear(res);
	return 0;
}

/* A rollback in the direct mode needs no build: the worker writes GitOps itself. One that
 * some driver already started (a mode changed meanwhile) is the driver's to resume. */
static int direct_release(const struct build *b, const struct deploy_info *d)
{
	return !strcmp(d->action, "rollback") && release_direct(b->w->cfg) && !d->build &&
	       !d->queue_id && !(d->trigger_started_at > 0);
}

static void step_load(struct build *b, double now)
{
	struct deploy_info d;
	struct err e = ERR_INIT;

	if (deploy_info_load(&b->w->db, b->id, &d, &e) < 0) {
		if (e.status == 404)
			engine_drop(b); /* the deployment was deleted */
		else
			engine_db_trouble(b, now, &e);
		return;
	}
	snprintf(b->project_id, sizeof(b->project_id), "%s", d.project_id);
	publish_project(b->w->pub, b->id, b->project_id);
	b->state = d.state;
	b->offset = d.log_offset;
	b->cancel_requested = d.cancel_requested_at > 0;
	b->has_release = d.has_release;
	b->next_at = now;
	if (load_secrets(b, &e) < 0) {
		engine_db_trouble(b, now, &e);
	} else if (b->attempts > MAX_ATTEMPTS) {
		b->failed_job = 1;
		engine_failf(b,
			     "the worker gave up after %d attempts on this deployment; see the "
			     "worker log",
			     b->attempts);
	} else if (!direct_release(b, &d)) {
		b->phase = ENGINE_BUILD;
		b->w->driver->start(b, &d, now);
	} else if (b->state != DEPLOY_QUEUED) {
		engine_over(b); /* it ended (or was released) before: the stage may follow it */
	} else if (b->cancel_requested) {
		engine_finish(b, DEPLOY_CANCELLED, NULL);
	} else {
		b->phase = ENGINE_RELEASE;
	}
	deploy_info_release(&d);
}

/* ---------------------------------------------------------------- RELEASE */

static void step_release(struct build *b, double now)
{
	struct buf commit = BUF_INIT;
	struct err e = ERR_INIT;

	if (b->cancel_requested) {
		/* cancelled (or its preview removed) between the build and the release */
		engine_finish(b, DEPLOY_CANCELLED, NULL);
	} else if (release_write(b->w, b->id, &commit, &e) == 0) {
		b->failures = 0;
		/* a direct release (a rollback, a local build) writes no more log after this */
		if (deploy_log_complete(&b->w->db, b->id, &e) < 0)
			log_warn("could not mark the log complete", "deployment_id", b->id, NULL);
		engine_finish(b, DEPLOY_RELEASED, NULL);
	} else if (!strcmp(e.code, "deployment_finished") || e.status == 404) {
		engine_reload(b, now); /* superseded or cancelled meanwhile: the row says */
	} else if (!strcmp(e.code, "preview_removed")) {
		/* the pull request closed while its build ran: nothing is written */
		log_info("release not written: its preview was removed", "deployment_id", b->id,
			 NULL);
		engine_finish(b, DEPLOY_CANCELLED, NULL);
	} else if (!strcmp(e.code, "stale_release")) {
		/* a newer deployment of the project is already in git: this one is replaced */
		log_info("release not written: a newer one is in gitops", "deployment_id", b->id,
			 "reason", e.msg, NULL);
		engine_finish(b, DEPLOY_SUPERSEDED, NULL);
	} else if ((e.status >= 500 || !strcmp(e.code, "push_rejected")) &&
		   strcmp(e.code, "missing_setting") &&
		   ++b->failures <= b->w->cfg->jenkins_retries) {
		/* the GitOps remote or the database is away: try again, backing off */
		log_warn("gitops release failed; retrying", "deployment_id", b->id, "reason", e.msg,
			 NULL);
		b->next_at = now + (double)(1 << (b->failures < 6 ? b->failures : 6));
	} else {
		engine_failf(b, "the release could not be written to GitOps: %s", e.msg);
	}
	buf_release(&commit);
}

/* ---------------------------------------------------------------- dispatch */

void engine_refresh(struct build *b, enum deploy_state state, int cancel_requested, int has_release,
		    double now)
{
	int changed = state != b->state || cancel_requested != b->cancel_requested;

	engine_observe_state(b, state);
	b->cancel_requested = cancel_requested;
	b->has_release = has_release;
	/* act on a cancel or supersede now rather than at the next poll */
	if (changed && !b->busy && b->phase == ENGINE_BUILD && b->w->driver->cancel)
		b->w->driver->cancel(b, now);
}

void engine_step(struct build *b, double now)
{
	switch (b->phase) {
	case ENGINE_LOAD:
		step_load(b, now);
		break;
	case ENGINE_BUILD:
		b->w->driver->step(b, now);
		break;
	case ENGINE_RELEASE:
		step_release(b, now);
		break;
	case ENGINE_STAGE:
		b->w->stage->step(b, now);
		break;
	case ENGINE_DONE:
		break;
	}
}
