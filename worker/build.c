/* build.c: one deployment driven through Jenkins: trigger, queue, log tail, result */
#include "build.h"

#include "cadence.h"
#include "crypto.h"
#include "local.h"
#include "log.h"
#include "publish.h"
#include "retention.h"
#include "release.h"
#include "track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Give up on a job that keeps coming back (a crash loop on one deployment). */
#define MAX_ATTEMPTS 25

double build_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct build *build_new(struct worker *w, long long job, const char *id, int attempts)
{
	struct build *b = xcalloc(1, sizeof(*b));

	b->w = w;
	b->job_id = job;
	b->attempts = attempts;
	snprintf(b->id, sizeof(b->id), "%s", id);
	b->phase = BUILD_LOAD;
	b->next_at = build_now();
	redact_init(&b->redact);
	return b;
}

void build_free(struct build *b)
{
	track_free(b->track);
	local_free(b);
	redact_release(&b->redact);
	free(b);
}

static double poll_s(const struct build *b)
{
	return (double)b->w->cfg->jenkins_poll_ms / 1000.0;
}

static void later(struct build *b, double now, double seconds)
{
	b->next_at = now + seconds;
}

/* A database call failed: try the same step again shortly, the connection comes back. */
static void db_trouble(struct build *b, double now, const struct err *e)
{
	log_warn("database call failed; retrying", "deployment_id", b->id, "reason", e->msg, NULL);
	later(b, now, 1.0);
}

void build_notify_state(struct build *b, enum deploy_state s)
{
	b->state = s;
	if (b->w->sink.state)
		b->w->sink.state(b->w->sink.arg, b->id, deploy_state_name(s));
}

/* A state read from the row: moves made elsewhere (the pipeline's callbacks through the
 * API, a cancel) reach the live channels too. */
static void observe_state(struct build *b, enum deploy_state s)
{
	if (s != b->state)
		build_notify_state(b, s);
}

int build_move(struct build *b, enum deploy_state to, const char *reason)
{
	struct err e = ERR_INIT;
	int r = deploy_transition(&b->w->db, b->id, to, reason, &e);

	if (r < 0) {
		db_trouble(b, build_now(), &e);
		return -1;
	}
	if (r > 0)
		build_notify_state(b, to);
	return r;
}

/* The deployment ends here; the job is over once that is stored. */
/* The build is over: its callback token stops working (best effort: a token left alive
 * can still only report on a released deployment, which refuses every change). */
static void end_callbacks(struct build *b)
{
	struct err e = ERR_INIT;

	if (deploy_callback_end(&b->w->db, b->id, &e) < 0)
		log_warn("could not end the callback token", "deployment_id", b->id, "reason",
			 e.msg, NULL);
}

static void finish(struct build *b, enum deploy_state to, const char *reason)
{
	if (build_move(b, to, reason) < 0)
		return; /* db_trouble scheduled a retry of the same step */
	end_callbacks(b);
	retention_after_finish(&b->w->db, b->project_id, b->w->cfg->log_retention);
	b->phase = BUILD_DONE;
	b->next_at = build_now();
}

static void failf(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failf(struct build *b, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	finish(b, DEPLOY_FAILED, why);
}

/* A Jenkins call failed on the way or with a 5xx: back off, or give up after the
 * configured number of consecutive failures. */
static void jenkins_trouble(struct build *b, const struct jenkins_reply *r, const char *doing)
{
	const struct config *cfg = b->w->cfg;
	double wait;
	char st[16];

	if (r->status)
		snprintf(b->last_error, sizeof(b->last_error), "HTTP %ld", r->status);
	else
		snprintf(b->last_error, sizeof(b->last_error), "%s", r->error);
	snprintf(st, sizeof(st), "%ld", r->status);
	log_warn("jenkins call failed", "deployment_id", b->id, "doing", doing, "status", st,
		 "error", r->error, NULL);
	if (++b->failures > cfg->jenkins_retries) {
		failf(b,
		      "Jenkins did not answer while %s (%s, %d attempts); check that Jenkins at %s "
		      "is up",
		      doing, b->last_error, b->failures, b->w->jk.base);
		return;
	}
	wait = (double)cfg->jenkins_retry_ms / 1000.0;
	for (int i = 1; i < b->failures && wait < 60; i++)
		wait *= 2;
	later(b, build_now(), wait);
}

static int server_trouble(const struct jenkins_reply *r)
{
	return r->status == 0 || r->status >= 500 || r->status == 429;
}

/* ---------------------------------------------------------------- halting early */

/* Decide whether the build must end before Jenkins ends it. */
static void check_halt(struct build *b, double now)
{
	const struct config *cfg = b->w->cfg;

	if (b->halt != HALT_NONE)
		return;
	if (b->state == DEPLOY_SUPERSEDED)
		b->halt = HALT_SUPERSEDE;
	else if (b->cancel_requested)
		b->halt = HALT_CANCEL;
	else if (b->phase == BUILD_QUEUE && b->triggered_at > 0 &&
		 now - b->triggered_at > (double)cfg->jenkins_queue_timeout)
		b->halt = HALT_QUEUE_TIMEOUT;
	else if (b->phase == BUILD_FOLLOW && b->building_at > 0 &&
		 now - b->building_at > (double)cfg->jenkins_build_timeout)
		b->halt = HALT_BUILD_TIMEOUT;
	if (b->halt != HALT_NONE)
		log_info("ending the build early", "deployment_id", b->id, "why",
			 b->halt == HALT_SUPERSEDE ? "superseded"
			 : b->halt == HALT_CANCEL  ? "cancel requested"
						   : "time limit",
			 NULL);
}

/* The build or queue item is gone because we ended it: the final state. */
static void finish_halted(struct build *b)
{
	const struct config *cfg = b->w->cfg;

	switch (b->halt) {
	case HALT_CANCEL:
		finish(b, DEPLOY_CANCELLED, NULL);
		break;
	case HALT_QUEUE_TIMEOUT:
		failf(b,
		      "the build waited more than %ld s in the Jenkins queue%s%s; check that "
		      "Jenkins has a free executor",
		      cfg->jenkins_queue_timeout, b->why[0] ? ": " : "", b->why);
		break;
	case HALT_BUILD_TIMEOUT:
		failf(b, "the build ran longer than the limit of %ld s and was stopped",
		      cfg->jenkins_build_timeout);
		break;
	case HALT_SUPERSEDE:
	case HALT_NONE:
	default:
		/* superseded is already stored; anything else ends as it stands */
		finish(b, DEPLOY_SUPERSEDED, NULL);
		break;
	}
}

/* ---------------------------------------------------------------- LOAD */

/* The values this build's log must never show: the platform's credentials and the
 * project's env values (the callback token is added when it is made). */
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
	res = db_query(&b->w->db, "SELECT env::text FROM projects WHERE id = $1", 1, p, e);
	if (!res)
		return -1;
	if (PQntuples(res) == 1 && cfg->secret_key &&
	    redact_add_sealed_env(&b->redact, cfg->secret_key, "project-env",
				  PQgetvalue(res, 0, 0)) < 0)
		log_warn("the project's env is unreadable; its values cannot be masked in the log",
			 "deployment_id", b->id, NULL);
	PQclear(res);
	return 0;
}

static void step_load(struct build *b, double now)
{
	struct deploy_info d;
	struct err e = ERR_INIT;
	int direct;

	if (deploy_info_load(&b->w->db, b->id, &d, &e) < 0) {
		if (e.status == 404) {
			b->phase = BUILD_DONE; /* the deployment was deleted */
			return;
		}
		db_trouble(b, now, &e);
		return;
	}
	/* a rollback needs no build: the worker writes GitOps itself (worker/release.c) */
	direct = !strcmp(d.action, "rollback") && release_direct(b->w->cfg);
	snprintf(b->project_id, sizeof(b->project_id), "%s", d.project_id);
	publish_project(b->w->pub, b->id, b->project_id);
	b->state = d.state;
	b->queue_id = d.queue_id;
	b->number = d.build;
	b->offset = d.log_offset;
	b->queue_saved = b->number_saved = 1;
	b->trigger_started_at = d.trigger_started_at;
	b->triggered_at = d.triggered_at;
	b->building_at = d.building_at;
	b->cancel_requested = d.cancel_requested_at > 0;
	b->has_release = d.has_release;
	deploy_info_release(&d);
	if (load_secrets(b, &e) < 0) {
		db_trouble(b, now, &e);
		return;
	}
	if (b->attempts > MAX_ATTEMPTS) {
		b->failed_job = 1;
		failf(b,
		      "the worker gave up after %d attempts on this deployment; see the worker log",
		      b->attempts);
		return;
	}
	if (b->w->local && !direct) {
		b->phase = BUILD_LOCAL; /* worker/local.c: start, fail a restarted build, release */
	} else if (b->number) {
		b->phase = BUILD_FOLLOW;
	} else if (b->queue_id) {
		b->phase = BUILD_QUEUE;
	} else if (b->trigger_started_at > 0) {
		/* A worker died around the trigger: Jenkins may have a build for it even if
		 * the pipeline's callbacks already moved the state on. */
		b->phase = BUILD_LOOKUP;
		b->lookup_builds = 0;
	} else if (b->state != DEPLOY_QUEUED) {
		b->phase = BUILD_DONE; /* it ended before Jenkins heard of it */
	} else if (b->cancel_requested) {
		finish(b, DEPLOY_CANCELLED, NULL);
		return;
	} else if (direct) {
		b->phase = BUILD_RELEASE;
	} else {
		b->phase = BUILD_TRIGGER;
	}
	b->next_at = now;
}

/* ---------------------------------------------------------------- RELEASE (direct rollback) */

static void step_release(struct build *b, double now)
{
	struct buf commit = BUF_INIT;
	struct err e = ERR_INIT;

	if (release_write(b->w, b->id, &commit, &e) == 0) {
		b->failures = 0;
		/* a direct release (a rollback, a local build) writes no more log after this */
		if (deploy_log_complete(&b->w->db, b->id, &e) < 0)
			log_warn("could not mark the log complete", "deployment_id", b->id, NULL);
		finish(b, DEPLOY_RELEASED, NULL);
	} else if (!strcmp(e.code, "deployment_finished") || e.status == 404) {
		b->phase = BUILD_LOAD; /* superseded or cancelled meanwhile: the row says */
		b->next_at = now;
	} else if (!strcmp(e.code, "stale_release")) {
		/* a newer deployment of the project is already in git: this one is replaced */
		log_info("release not written: a newer one is in gitops", "deployment_id", b->id,
			 "reason", e.msg, NULL);
		finish(b, DEPLOY_SUPERSEDED, NULL);
	} else if ((e.status >= 500 || !strcmp(e.code, "push_rejected")) &&
		   strcmp(e.code, "missing_setting") &&
		   ++b->failures <= b->w->cfg->jenkins_retries) {
		/* the GitOps remote or the database is away: try again, backing off */
		log_warn("gitops release failed; retrying", "deployment_id", b->id, "reason", e.msg,
			 NULL);
		later(b, now, (double)(1 << (b->failures < 6 ? b->failures : 6)));
	} else {
		failf(b, "the rollback could not be written to GitOps: %s", e.msg);
	}
	buf_release(&commit);
}

/* ---------------------------------------------------------------- TRIGGER */

static void on_trigger(void *arg, const struct jenkins_reply *r)
{
	struct build *b = arg;
	long long qid;
	struct err e = ERR_INIT;
	const char *job = b->w->cfg->jenkins_job;

	b->busy = 0;
	if (b->dropped)
		return;
	if ((r->status == 201 || r->status == 303) &&
	    jenkins_location_queue_id(r->location, &qid) == 0) {
		char q[24];

		b->failures = 0;
		b->queue_id = qid;
		b->triggered_at = build_now();
		b->queue_saved = deploy_set_queue_id(&b->w->db, b->id, qid, &e) == 0;
		snprintf(q, sizeof(q), "%lld", qid);
		log_info("build queued in jenkins", "deployment_id", b->id, "queue_id", q, NULL);
		b->phase = BUILD_QUEUE;
		later(b, build_now(), poll_s(b) / 4);
	} else if (server_trouble(r)) {
		/* It may have been queued all the same: look before triggering again. */
		b->phase = BUILD_LOOKUP;
		b->lookup_builds = 0;
		jenkins_trouble(b, r, "starting the build");
	} else if (r->status == 401 || r->status == 403) {
		failf(b,
		      "Jenkins refused the credentials (HTTP %ld); check PLATFORM_JENKINS_USER and "
		      "PLATFORM_JENKINS_TOKEN",
		      r->status);
	} else if (r->status == 404) {
		failf(b, "Jenkins has no job '%s' (HTTP 404); check PLATFORM_JENKINS_JOB", job);
	} else {
		failf(b,
		      "Jenkins did not queue the build (HTTP %ld); check that job '%s' takes the "
		      "build parameters",
		      r->status, job);
	}
}

static void add_param(struct buf *form, const char *name, const char *value)
{
	jenkins_form_add(form, name, value);
}

static void step_trigger(struct build *b, double now)
{
	struct worker *w = b->w;
	struct deploy_info d;
	struct err e = ERR_INIT;
	struct buf token = BUF_INIT, form = BUF_INIT;
	char port[16], seq[24];
	int claimed;

	if (deploy_info_load(&w->db, b->id, &d, &e) < 0) {
		db_trouble(b, now, &e);
		return;
	}
	if (crypto_token(&token, 32) < 0) {
		deploy_info_release(&d);
		later(b, now, 1.0);
		return;
	}
	claimed = deploy_trigger_begin(&w->db, b->id, token.buf, &e);
	if (claimed <= 0) {
		if (claimed < 0)
			db_trouble(b, now, &e);
		else
			b->phase = BUILD_LOAD; /* cancelled or taken meanwhile: look again */
		goto out;
	}
	b->trigger_started_at = now;
	redact_add(&b->redact, token.buf, token.len);
	snprintf(port, sizeof(port), "%ld", d.port);
	add_param(&form, "REPO_URL", d.repo_url);
	add_param(&form, "BRANCH", d.branch);
	add_param(&form, "COMMIT", d.commit);
	add_param(&form, "PROJECT_NAME", d.project_name);
	add_param(&form, "USER_ID", d.user_id);
	add_param(&form, "WORKSPACE_ID", d.workspace_id);
	add_param(&form, "APP_PORT", port);
	add_param(&form, "PLATFORM_DOMAIN", w->cfg->domain);
	add_param(&form, "CUSTOM_DOMAIN", d.custom_domain);
	add_param(&form, "DEPLOYMENT_ID", b->id);
	snprintf(seq, sizeof(seq), "%ld", d.seq);
	add_param(&form, "DEPLOYMENT_SEQ", seq);
	add_param(&form, "ACTION", d.action);
	add_param(&form, "IMAGE_TAG", !strcmp(d.action, "rollback") ? d.rollback_tag : "");
	add_param(&form, "CALLBACK_URL", w->callback_url);
	add_param(&form, "CALLBACK_TOKEN", token.buf);
	b->busy = 1;
	jenkins_trigger(&w->jk, form.buf, on_trigger, b);
	log_info("triggering jenkins build", "deployment_id", b->id, "project", d.project_name,
		 NULL);
out:
	/* the token lives on only as its hash in the row and in Jenkins */
	if (token.len)
		memset(token.buf, 0, token.len);
	if (form.len)
		memset(form.buf, 0, form.len);
	buf_release(&token);
	buf_release(&form);
	deploy_info_release(&d);
}

/* ---------------------------------------------------------------- LOOKUP */

static void on_lookup(void *arg, const struct jenkins_reply *r)
{
	struct build *b = arg;
	long long found = 0;
	int hit;
	struct err e = ERR_INIT;

	b->busy = 0;
	if (b->dropped)
		return;
	if (r->status != 200) {
		jenkins_trouble(b, r, "looking for an earlier trigger");
		return;
	}
	b->failures = 0;
	hit = jenkins_find_by_param(r->body, b->lookup_builds ? "builds" : "items", "DEPLOYMENT_ID",
				    b->id, &found);
	if (hit == 1 && !b->lookup_builds) {
		b->queue_id = found;
		b->triggered_at = b->triggered_at > 0 ? b->triggered_at : build_now();
		b->queue_saved = deploy_set_queue_id(&b->w->db, b->id, found, &e) == 0;
		b->phase = BUILD_QUEUE;
		log_info("found the earlier trigger in the jenkins queue", "deployment_id", b->id,
			 NULL);
	} else if (hit == 1) {
		b->number = found;
		b->number_saved = deploy_set_build(&b->w->db, b->id, found, &e) == 0;
		if (b->building_at <= 0)
			b->building_at = build_now();
		b->phase = BUILD_FOLLOW;
		log_info("found the earlier trigger among the builds", "deployment_id", b->id,
			 NULL);
	} else if (!b->lookup_builds) {
		b->lookup_builds = 1;
	} else if (b->halt == HALT_CANCEL || b->cancel_requested) {
		finish(b, DEPLOY_CANCELLED, NULL); /* it never reached Jenkins */
		return;
	} else if (b->state != DEPLOY_QUEUED) {
		b->phase = BUILD_DONE; /* it never reached Jenkins and has ended */
	} else {
		b->phase = BUILD_TRIGGER; /* it never reached Jenkins */
	}
	b->next_at = build_now();
}

static void step_lookup(struct build *b)
{
	b->busy = 1;
	if (b->lookup_builds)
		jenkins_recent_builds(&b->w->jk, on_lookup, b);
	else
		jenkins_queue(&b->w->jk, on_lookup, b);
}

/* ---------------------------------------------------------------- QUEUE */

static void on_queue_item(void *arg, const struct jenkins_reply *r)
{
	struct build *b = arg;
	struct jenkins_queue_state qs;
	struct err e = ERR_INIT;

	b->busy = 0;
	if (b->dropped)
		return;
	if (r->status == 404) {
		/* Jenkins forgets left items after five minutes: find the build instead. */
		b->phase = BUILD_LOOKUP;
		b->lookup_builds = 1;
		b->next_at = build_now();
		return;
	}
	if (r->status != 200 || jenkins_parse_queue_item(r->body, &qs) < 0) {
		jenkins_trouble(b, r, "following the queue item");
		return;
	}
	b->failures = 0;
	snprintf(b->why, sizeof(b->why), "%s", qs.why);
	if (qs.build) {
		char n[24];

		b->number = qs.build;
		b->number_saved = deploy_set_build(&b->w->db, b->id, qs.build, &e) == 0;
		if (b->number_saved && b->state == DEPLOY_QUEUED)
			build_notify_state(b, DEPLOY_BUILDING);
		b->building_at = build_now();
		snprintf(n, sizeof(n), "%lld", qs.build);
		log_info("jenkins build started", "deployment_id", b->id, "build", n, NULL);
		b->phase = BUILD_FOLLOW;
		b->next_at = build_now();
	} else if (qs.cancelled) {
		if (b->halt != HALT_NONE)
			finish_halted(b);
		else
			failf(b, "the build was cancelled in the Jenkins queue by someone else");
	} else {
		later(b, build_now(), poll_s(b));
	}
}

static void on_cancel_item(void *arg, const struct jenkins_reply *r)
{
	struct build *b = arg;

	b->busy = 0;
	if (b->dropped)
		return;
	if (server_trouble(r) && r->status != 500) {
		/* (Jenkins answers 500 for an item that cannot be cancelled any more) */
		jenkins_trouble(b, r, "cancelling the queue item");
		return;
	}
	/* Done, or the item already left the queue (404/422): the next poll tells which;
	 * a build it became is stopped in FOLLOW. */
	b->halt_sent = 1;
	b->next_at = build_now();
}

static void step_queue(struct build *b, double now)
{
	struct err e = ERR_INIT;

	if (!b->queue_saved)
		b->queue_saved = deploy_set_queue_id(&b->w->db, b->id, b->queue_id, &e) == 0;
	check_halt(b, now);
	b->busy = 1;
	if (b->halt != HALT_NONE && !b->halt_sent)
		jenkins_cancel_item(&b->w->jk, b->queue_id, on_cancel_item, b);
	else
		jenkins_queue_item(&b->w->jk, b->queue_id, on_queue_item, b);
}

/* ---------------------------------------------------------------- FOLLOW */

static void on_log(void *arg, const struct jenkins_reply *r)
{
	struct build *b = arg;
	struct err e = ERR_INIT;
	struct buf text = BUF_INIT;
	size_t len, keep;
	int stored;

	b->busy = 0;
	if (b->dropped)
		return;
	if (r->status == 404) {
		failf(b, "Jenkins build #%lld of this deployment no longer exists", b->number);
		return;
	}
	if (r->status != 200) {
		jenkins_trouble(b, r, "reading the build log");
		return;
	}
	b->failures = 0;
	len = r->body->len;
	/* Hold back a character that is not complete yet: the next read starts at it. */
	keep = r->more_data ? deploy_log_cut(r->body->buf, len) : len;
	/* Mask secrets before the text is stored or published, with a mask as long as the
	 * secret so offsets stay Jenkins offsets; a tail that may start a secret is held
	 * back like an incomplete character (lib/redact.h). */
	buf_add(&text, r->body->buf, len);
	keep = redact_mask(&b->redact, text.buf, len, keep, !r->more_data);
	if (keep) {
		stored = deploy_store_log(&b->w->db, b->id, b->offset, text.buf, keep, &e);
		if (stored < 0) {
			db_trouble(b, build_now(), &e);
			goto out;
		}
		if (!stored) {
			/* Someone else stored from this offset (a worker we replaced was
			 * still running): take the offset the row has now. */
			b->phase = BUILD_LOAD;
			b->next_at = build_now();
			goto out;
		}
		if (b->w->sink.chunk)
			b->w->sink.chunk(b->w->sink.arg, b->id, b->offset, text.buf, keep);
		b->offset += (long long)keep;
	}
	if (!r->more_data && keep == len) {
		/* the log is complete, so the build is over; a zero-length chunk tells the
		 * sink (worker/publish.c sends an "end" message) */
		if (b->w->sink.chunk)
			b->w->sink.chunk(b->w->sink.arg, b->id, b->offset, "", 0);
		/* a failure here only leaves readers polling until the deployment ends */
		if (deploy_log_complete(&b->w->db, b->id, &e) < 0)
			log_warn("could not mark the log complete", "deployment_id", b->id, NULL);
		b->phase = BUILD_RESULT;
		b->next_at = build_now();
	} else {
		/* fast while someone watches the log, the slow rate otherwise */
		double now = build_now();

		later(b, now, cadence_interval(b->w->cfg, b->id, poll_s(b), now));
	}
out:
	buf_release(&text);
}

static void on_stop(void *arg, const struct jenkins_reply *r)
{
	struct build *b = arg;

	b->busy = 0;
	if (b->dropped)
		return;
	if (server_trouble(r)) {
		jenkins_trouble(b, r, "stopping the build");
		return;
	}
	b->halt_sent = 1;
	b->next_at = build_now();
}

static void step_follow(struct build *b, double now)
{
	struct err e = ERR_INIT;

	if (!b->number_saved) {
		b->number_saved = deploy_set_build(&b->w->db, b->id, b->number, &e) == 0;
		if (!b->number_saved) {
			db_trouble(b, now, &e);
			return;
		}
	}
	check_halt(b, now);
	b->busy = 1;
	if (b->halt != HALT_NONE && !b->halt_sent)
		jenkins_stop(&b->w->jk, b->number, on_stop, b);
	else
		jenkins_log(&b->w->jk, b->number, b->offset, on_log, b);
}

/* ---------------------------------------------------------------- RESULT */

static void on_build(void *arg, const struct jenkins_reply *r)
{
	struct build *b = arg;
	struct jenkins_build_state bs;

	b->busy = 0;
	if (b->dropped)
		return;
	if (r->status != 200 || jenkins_parse_build(r->body, &bs) < 0) {
		jenkins_trouble(b, r, "reading the build result");
		return;
	}
	b->failures = 0;
	if (!bs.result[0]) {
		later(b, build_now(), poll_s(b) / 2); /* the log ended a moment before the result */
		return;
	}
	log_info("jenkins build finished", "deployment_id", b->id, "result", bs.result, NULL);
	if (!strcmp(bs.result, "SUCCESS")) {
		if (b->halt == HALT_SUPERSEDE || b->state == DEPLOY_SUPERSEDED) {
			finish(b, DEPLOY_SUPERSEDED, NULL);
			return;
		}
		b->phase = BUILD_GRACE;
		b->grace_until = build_now() + (double)b->w->cfg->callback_grace;
		b->next_at = build_now();
	} else if (!strcmp(bs.result, "ABORTED")) {
		if (b->halt != HALT_NONE)
			finish_halted(b);
		else
			failf(b, "Jenkins build #%lld was aborted in Jenkins", b->number);
	} else if (b->halt == HALT_SUPERSEDE) {
		finish(b, DEPLOY_SUPERSEDED, NULL);
	} else {
		failf(b, "Jenkins build #%lld ended with %s; see the build log", b->number,
		      bs.result);
	}
}

/* ---------------------------------------------------------------- GRACE */

/* The build succeeded; the release arrives on the callback endpoint (pushed ->
 * released). Give a late callback a moment before calling it lost. */
static void step_grace(struct build *b, double now)
{
	struct deploy_info d;
	struct err e = ERR_INIT;

	if (deploy_info_load(&b->w->db, b->id, &d, &e) < 0) {
		db_trouble(b, now, &e);
		return;
	}
	observe_state(b, d.state);
	b->has_release = d.has_release;
	deploy_info_release(&d);
	if (b->state >= DEPLOY_RELEASED) {
		end_callbacks(b);
		retention_after_finish(&b->w->db, b->project_id, b->w->cfg->log_retention);
		b->phase = BUILD_DONE;
	} else if (b->has_release) {
		finish(b, DEPLOY_RELEASED, NULL);
	} else if (now >= b->grace_until) {
		failf(b,
		      "Jenkins build #%lld succeeded but never reported its release to the "
		      "platform; check that Jenkins can reach %s",
		      b->number, b->w->callback_url);
	} else {
		later(b, now, poll_s(b) < 1 ? poll_s(b) : 1);
	}
}

/* ---------------------------------------------------------------- dispatch */

void build_refresh(struct build *b, enum deploy_state state, int cancel_requested, int has_release,
		   double now)
{
	int changed = state != b->state || cancel_requested != b->cancel_requested;

	observe_state(b, state);
	b->cancel_requested = cancel_requested;
	b->has_release = has_release;
	/* act on a cancel or supersede now rather than at the next poll */
	if (changed && !b->busy &&
	    (b->phase == BUILD_QUEUE || b->phase == BUILD_FOLLOW || b->phase == BUILD_GRACE))
		b->next_at = now;
}

void build_step(struct build *b, double now)
{
	switch (b->phase) {
	case BUILD_LOAD:
		step_load(b, now);
		break;
	case BUILD_TRIGGER:
		step_trigger(b, now);
		break;
	case BUILD_LOOKUP:
		step_lookup(b);
		break;
	case BUILD_QUEUE:
		step_queue(b, now);
		break;
	case BUILD_FOLLOW:
		step_follow(b, now);
		break;
	case BUILD_RESULT:
		b->busy = 1;
		jenkins_build(&b->w->jk, b->number, on_build, b);
		break;
	case BUILD_GRACE:
		step_grace(b, now);
		break;
	case BUILD_RELEASE:
		step_release(b, now);
		break;
	case BUILD_TRACK:
		track_step(b, now);
		break;
	case BUILD_LOCAL:
		local_step(b, now);
		break;
	case BUILD_DONE:
		break;
	}
}
