/* build.c: the Jenkins build driver: trigger, queue, log tail, result (drv_jenkins) */
#include "build.h"

#include "cadence.h"
#include "crypto.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The driver's phases (see build.h); the engine holds the build in its BUILD phase meanwhile. */
enum jenkins_phase { J_TRIGGER, J_LOOKUP, J_QUEUE, J_FOLLOW, J_RESULT, J_GRACE };

struct jenkins_build {
	enum jenkins_phase phase;
	long long queue_id, number;
	int queue_saved, number_saved;
	double trigger_started_at, triggered_at, building_at;
	int lookup_builds; /* LOOKUP: the queue was searched, search the builds next */
	long lookup_from;  /* LOOKUP: the next page of builds to search */
	char why[256];	   /* Jenkins's reason while queued */
	double grace_until;
	char last_error[200];
};

static double poll_s(const struct build *b)
{
	return (double)b->w->cfg->jenkins_poll_ms / 1000.0;
}

static void later(struct build *b, double now, double seconds)
{
	b->next_at = now + seconds;
}

/* A Jenkins call failed on the way or with a 5xx: back off, or give up after the
 * configured number of consecutive failures. */
static void jenkins_trouble(struct build *b, const struct jenkins_reply *r, const char *doing)
{
	const struct config *cfg = b->w->cfg;
	struct jenkins_build *jb = b->drv;
	double wait;
	char st[16];

	if (r->status)
		snprintf(jb->last_error, sizeof(jb->last_error), "HTTP %ld", r->status);
	else
		snprintf(jb->last_error, sizeof(jb->last_error), "%s", r->error);
	snprintf(st, sizeof(st), "%ld", r->status);
	log_warn("jenkins call failed", "deployment_id", b->id, "doing", doing, "status", st,
		 "error", r->error, NULL);
	if (++b->failures > cfg->jenkins_retries) {
		engine_failf(
		    b,
		    "Jenkins did not answer while %s (%s, %d attempts); check that Jenkins "
		    "at %s is up",
		    doing, jb->last_error, b->failures, b->w->jk.base);
		return;
	}
	wait = (double)cfg->jenkins_retry_ms / 1000.0;
	for (int i = 1; i < b->failures && wait < 60; i++)
		wait *= 2;
	later(b, engine_now(), wait);
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
	struct jenkins_build *jb = b->drv;

	if (b->halt != HALT_NONE)
		return;
	if (b->state == DEPLOY_SUPERSEDED)
		b->halt = HALT_SUPERSEDE;
	else if (b->cancel_requested)
		b->halt = HALT_CANCEL;
	else if (jb->phase == J_QUEUE && jb->triggered_at > 0 &&
		 now - jb->triggered_at > (double)cfg->jenkins_queue_timeout)
		b->halt = HALT_QUEUE_TIMEOUT;
	else if (jb->phase == J_FOLLOW && jb->building_at > 0 &&
		 now - jb->building_at > (double)cfg->jenkins_build_timeout)
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
	struct jenkins_build *jb = b->drv;

	switch (b->halt) {
	case HALT_CANCEL:
		engine_finish(b, DEPLOY_CANCELLED, NULL);
		break;
	case HALT_QUEUE_TIMEOUT:
		engine_failf(b,
			     "the build waited more than %ld s in the Jenkins queue%s%s; check "
			     "that Jenkins has a free executor",
			     cfg->jenkins_queue_timeout, jb->why[0] ? ": " : "", jb->why);
		break;
	case HALT_BUILD_TIMEOUT:
		engine_failf(b, "the build ran longer than the limit of %ld s and was stopped",
			     cfg->jenkins_build_timeout);
		break;
	case HALT_SUPERSEDE:
	case HALT_NONE:
	default:
		/* superseded is already stored; anything else ends as it stands */
		engine_finish(b, DEPLOY_SUPERSEDED, NULL);
		break;
	}
}

/* ---------------------------------------------------------------- start (from LOAD) */

static void jenkins_start(struct build *b, const struct deploy_info *d, double now)
{
	struct jenkins_build *jb = b->drv;

	if (!jb)
		jb = b->drv = xcalloc(1, sizeof(*jb));
	jb->queue_id = d->queue_id;
	jb->number = d->build;
	jb->queue_saved = jb->number_saved = 1;
	jb->trigger_started_at = d->trigger_started_at;
	jb->triggered_at = d->triggered_at;
	jb->building_at = d->building_at;
	b->next_at = now;
	if (jb->number) {
		jb->phase = J_FOLLOW;
	} else if (jb->queue_id) {
		jb->phase = J_QUEUE;
	} else if (jb->trigger_started_at > 0) {
		/* A worker died around the trigger: Jenkins may have a build for it even if
		 * the pipeline's callbacks already moved the state on. */
		jb->phase = J_LOOKUP;
		jb->lookup_builds = 0;
		jb->lookup_from = 0;
	} else if (b->state != DEPLOY_QUEUED) {
		engine_over(b); /* it ended before Jenkins heard of it */
	} else if (b->cancel_requested) {
		engine_finish(b, DEPLOY_CANCELLED, NULL);
	} else {
		jb->phase = J_TRIGGER;
	}
}

/* ---------------------------------------------------------------- TRIGGER */

static void on_trigger(void *arg, const struct jenkins_reply *r)
{
	struct build *b = arg;
	struct jenkins_build *jb = b->drv;
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
		jb->queue_id = qid;
		jb->triggered_at = engine_now();
		jb->queue_saved = deploy_set_queue_id(&b->w->db, b->id, qid, &e) == 0;
		snprintf(q, sizeof(q), "%lld", qid);
		log_info("build queued in jenkins", "deployment_id", b->id, "queue_id", q, NULL);
		jb->phase = J_QUEUE;
		later(b, engine_now(), poll_s(b) / 4);
	} else if (server_trouble(r)) {
		/* It may have been queued all the same: look before triggering again. */
		jb->phase = J_LOOKUP;
		jb->lookup_builds = 0;
		jb->lookup_from = 0;
		jenkins_trouble(b, r, "starting the build");
	} else if (r->status == 401 || r->status == 403) {
		engine_failf(
		    b,
		    "Jenkins refused the credentials (HTTP %ld); check PLATFORM_JENKINS_USER and "
		    "PLATFORM_JENKINS_TOKEN",
		    r->status);
	} else if (r->status == 404) {
		engine_failf(b, "Jenkins has no job '%s' (HTTP 404); check PLATFORM_JENKINS_JOB",
			     job);
	} else {
		engine_failf(
		    b,
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
	struct jenkins_build *jb = b->drv;
	struct worker *w = b->w;
	struct deploy_info d;
	struct err e = ERR_INIT;
	struct buf token = BUF_INIT, form = BUF_INIT;
	char port[16], seq[24];
	int claimed;

	if (deploy_info_load(&w->db, b->id, &d, &e) < 0) {
		engine_db_trouble(b, now, &e);
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
			engine_db_trouble(b, now, &e);
		else
			engine_reload(b, now); /* cancelled or taken meanwhile: look again */
		goto out;
	}
	jb->trigger_started_at = now;
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

/* Builds started before the trigger was sent cannot be its build; clocks of Jenkins and the
 * worker may differ by this much. */
#define LOOKUP_CLOCK_SLACK_S 600
/* A bound on the search (50,000 builds), so that a job with no end of history cannot hold a
 * deployment in LOOKUP. */
#define LOOKUP_MAX_PAGES 500

/* A full page whose oldest build started after the trigger was sent: the build may be on a
 * later page (more than a page of builds started since, e.g. while the worker was down). */
static int older_pages_may_hold_it(const struct jenkins_build *jb, size_t count,
				   long long oldest_ms)
{
	double since = jb->trigger_started_at - LOOKUP_CLOCK_SLACK_S;

	if (count < JENKINS_BUILDS_PAGE ||
	    jb->lookup_from / JENKINS_BUILDS_PAGE + 1 >= LOOKUP_MAX_PAGES)
		return 0;
	return jb->trigger_started_at <= 0 || oldest_ms <= 0 || (double)oldest_ms / 1000.0 >= since;
}

static void on_lookup(void *arg, const struct jenkins_reply *r)
{
	struct build *b = arg;
	struct jenkins_build *jb = b->drv;
	long long found = 0, oldest_ms = 0;
	size_t count = 0;
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
	if (!jb->lookup_builds)
		hit = jenkins_find_by_param(r->body, "items", "DEPLOYMENT_ID", b->id, &found);
	else if ((hit = jenkins_scan_builds(r->body, "DEPLOYMENT_ID", b->id, &found, &count,
					    &oldest_ms)) == 0 &&
		 older_pages_may_hold_it(jb, count, oldest_ms)) {
		jb->lookup_from += JENKINS_BUILDS_PAGE;
		b->next_at = engine_now();
		return;
	}
	if (hit == 1 && !jb->lookup_builds) {
		jb->queue_id = found;
		jb->triggered_at = jb->triggered_at > 0 ? jb->triggered_at : engine_now();
		jb->queue_saved = deploy_set_queue_id(&b->w->db, b->id, found, &e) == 0;
		jb->phase = J_QUEUE;
		log_info("found the earlier trigger in the jenkins queue", "deployment_id", b->id,
			 NULL);
	} else if (hit == 1) {
		jb->number = found;
		jb->number_saved = deploy_set_build(&b->w->db, b->id, found, &e) == 0;
		if (jb->building_at <= 0)
			jb->building_at = engine_now();
		jb->phase = J_FOLLOW;
		log_info("found the earlier trigger among the builds", "deployment_id", b->id,
			 NULL);
	} else if (!jb->lookup_builds) {
		jb->lookup_builds = 1;
		jb->lookup_from = 0;
	} else if (b->halt == HALT_CANCEL || b->cancel_requested) {
		engine_finish(b, DEPLOY_CANCELLED, NULL); /* it never reached Jenkins */
		return;
	} else if (b->state != DEPLOY_QUEUED) {
		engine_over(b); /* it never reached Jenkins and has ended */
	} else {
		jb->phase = J_TRIGGER; /* it never reached Jenkins */
	}
	b->next_at = engine_now();
}

static void step_lookup(struct build *b)
{
	struct jenkins_build *jb = b->drv;
	b->busy = 1;
	if (jb->lookup_builds)
		jenkins_builds_page(&b->w->jk, jb->lookup_from, on_lookup, b);
	else
		jenkins_queue(&b->w->jk, on_lookup, b);
}

/* ---------------------------------------------------------------- QUEUE */

static void on_queue_item(void *arg, const struct jenkins_reply *r)
{
	struct build *b = arg;
	struct jenkins_build *jb = b->drv;
	struct jenkins_queue_state qs;
	struct err e = ERR_INIT;

	b->busy = 0;
	if (b->dropped)
		return;
	if (r->status == 404) {
		/* Jenkins forgets left items after five minutes: find the build instead. */
		jb->phase = J_LOOKUP;
		jb->lookup_builds = 1;
		jb->lookup_from = 0;
		b->next_at = engine_now();
		return;
	}
	if (r->status != 200 || jenkins_parse_queue_item(r->body, &qs) < 0) {
		jenkins_trouble(b, r, "following the queue item");
		return;
	}
	b->failures = 0;
	snprintf(jb->why, sizeof(jb->why), "%s", qs.why);
	if (qs.build) {
		char n[24];

		jb->number = qs.build;
		jb->number_saved = deploy_set_build(&b->w->db, b->id, qs.build, &e) == 0;
		if (jb->number_saved && b->state == DEPLOY_QUEUED)
			engine_notify_state(b, DEPLOY_BUILDING);
		jb->building_at = engine_now();
		snprintf(n, sizeof(n), "%lld", qs.build);
		log_info("jenkins build started", "deployment_id", b->id, "build", n, NULL);
		jb->phase = J_FOLLOW;
		b->next_at = engine_now();
	} else if (qs.cancelled) {
		if (b->halt != HALT_NONE)
			finish_halted(b);
		else
			engine_failf(
			    b, "the build was cancelled in the Jenkins queue by someone else");
	} else {
		later(b, engine_now(), poll_s(b));
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
	b->next_at = engine_now();
}

static void step_queue(struct build *b, double now)
{
	struct jenkins_build *jb = b->drv;
	struct err e = ERR_INIT;

	if (!jb->queue_saved)
		jb->queue_saved = deploy_set_queue_id(&b->w->db, b->id, jb->queue_id, &e) == 0;
	check_halt(b, now);
	b->busy = 1;
	if (b->halt != HALT_NONE && !b->halt_sent)
		jenkins_cancel_item(&b->w->jk, jb->queue_id, on_cancel_item, b);
	else
		jenkins_queue_item(&b->w->jk, jb->queue_id, on_queue_item, b);
}

/* ---------------------------------------------------------------- FOLLOW */

static void on_log(void *arg, const struct jenkins_reply *r)
{
	struct build *b = arg;
	struct jenkins_build *jb = b->drv;
	struct err e = ERR_INIT;
	struct buf text = BUF_INIT;
	size_t len, keep;
	int stored;

	b->busy = 0;
	if (b->dropped)
		return;
	if (r->status == 404) {
		engine_failf(b, "Jenkins build #%lld of this deployment no longer exists",
			     jb->number);
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
	 * back like an incomplete character (lib/rules/redact.h). */
	buf_add(&text, r->body->buf, len);
	keep = redact_mask(&b->redact, text.buf, len, keep, !r->more_data);
	if (keep) {
		stored = deploy_store_log(&b->w->db, b->id, b->offset, text.buf, keep, &e);
		if (stored < 0) {
			engine_db_trouble(b, engine_now(), &e);
			goto out;
		}
		if (!stored) {
			/* Someone else stored from this offset (a worker we replaced was
			 * still running): take the offset the row has now. */
			engine_reload(b, engine_now());
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
		jb->phase = J_RESULT;
		b->next_at = engine_now();
	} else {
		/* fast while someone watches the log, the slow rate otherwise */
		double now = engine_now();

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
	b->next_at = engine_now();
}

static void step_follow(struct build *b, double now)
{
	struct jenkins_build *jb = b->drv;
	struct err e = ERR_INIT;

	if (!jb->number_saved) {
		jb->number_saved = deploy_set_build(&b->w->db, b->id, jb->number, &e) == 0;
		if (!jb->number_saved) {
			engine_db_trouble(b, now, &e);
			return;
		}
	}
	check_halt(b, now);
	b->busy = 1;
	if (b->halt != HALT_NONE && !b->halt_sent)
		jenkins_stop(&b->w->jk, jb->number, on_stop, b);
	else
		jenkins_log(&b->w->jk, jb->number, b->offset, on_log, b);
}

/* ---------------------------------------------------------------- RESULT */

static void on_build(void *arg, const struct jenkins_reply *r)
{
	struct build *b = arg;
	struct jenkins_build *jb = b->drv;
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
		later(b, engine_now(),
		      poll_s(b) / 2); /* the log ended a moment before the result */
		return;
	}
	log_info("jenkins build finished", "deployment_id", b->id, "result", bs.result, NULL);
	if (!strcmp(bs.result, "SUCCESS")) {
		if (b->halt == HALT_SUPERSEDE || b->state == DEPLOY_SUPERSEDED) {
			engine_finish(b, DEPLOY_SUPERSEDED, NULL);
			return;
		}
		jb->phase = J_GRACE;
		jb->grace_until = engine_now() + (double)b->w->cfg->callback_grace;
		b->next_at = engine_now();
	} else if (!strcmp(bs.result, "ABORTED")) {
		if (b->halt != HALT_NONE)
			finish_halted(b);
		else
			engine_failf(b, "Jenkins build #%lld was aborted in Jenkins", jb->number);
	} else if (b->halt == HALT_SUPERSEDE) {
		engine_finish(b, DEPLOY_SUPERSEDED, NULL);
	} else {
		engine_failf(b, "Jenkins build #%lld ended with %s; see the build log", jb->number,
			     bs.result);
	}
}

/* ---------------------------------------------------------------- GRACE */

/* The build succeeded; the release arrives on the callback endpoint (pushed ->
 * released). Give a late callback a moment before calling it lost. */
static void step_grace(struct build *b, double now)
{
	struct jenkins_build *jb = b->drv;
	struct deploy_info d;
	struct err e = ERR_INIT;

	if (deploy_info_load(&b->w->db, b->id, &d, &e) < 0) {
		engine_db_trouble(b, now, &e);
		return;
	}
	engine_observe_state(b, d.state);
	b->has_release = d.has_release;
	deploy_info_release(&d);
	if (b->state >= DEPLOY_RELEASED) {
		engine_over(b); /* the pipeline's callbacks released it */
	} else if (b->has_release) {
		engine_finish(b, DEPLOY_RELEASED, NULL);
	} else if (now >= jb->grace_until) {
		engine_failf(b,
			     "Jenkins build #%lld succeeded but never reported its release to the "
			     "platform; check that Jenkins can reach %s",
			     jb->number, b->w->callback_url);
	} else {
		later(b, now, poll_s(b) < 1 ? poll_s(b) : 1);
	}
}

/* ---------------------------------------------------------------- dispatch */

static void jenkins_cancel(struct build *b, double now)
{
	struct jenkins_build *jb = b->drv;

	if (jb && (jb->phase == J_QUEUE || jb->phase == J_FOLLOW || jb->phase == J_GRACE))
		b->next_at = now;
}

static void jenkins_step(struct build *b, double now)
{
	struct jenkins_build *jb = b->drv;

	switch (jb->phase) {
	case J_TRIGGER:
		step_trigger(b, now);
		break;
	case J_LOOKUP:
		step_lookup(b);
		break;
	case J_QUEUE:
		step_queue(b, now);
		break;
	case J_FOLLOW:
		step_follow(b, now);
		break;
	case J_RESULT:
		b->busy = 1;
		jenkins_build(&b->w->jk, jb->number, on_build, b);
		break;
	case J_GRACE:
		step_grace(b, now);
		break;
	}
}

static void jenkins_drv_release(struct build *b)
{
	free(b->drv);
	b->drv = NULL;
}

/* ---------------------------------------------------------------- the worker's client */

static int jenkins_check_config(const struct config *cfg, struct err *e)
{
	static const char *const required[] = {"jenkins_url", "jenkins_job", NULL};

	if (config_require(cfg, required, e) < 0)
		return -1;
	if (!cfg->jenkins_callback_url && !cfg->public_url)
		return err_set(
		    e, 500, "missing_setting",
		    "set PLATFORM_PUBLIC_URL (or PLATFORM_JENKINS_CALLBACK_URL): Jenkins "
		    "reports to it");
	return 0;
}

static char *callback_url(const struct config *cfg)
{
	struct buf u = BUF_INIT;
	size_t n;

	if (cfg->jenkins_callback_url)
		return xstrdup(cfg->jenkins_callback_url);
	n = strlen(cfg->public_url);
	while (n && cfg->public_url[n - 1] == '/')
		n--;
	buf_add(&u, cfg->public_url, n);
	buf_addstr(&u, "/internal/jenkins/events");
	return buf_detach(&u, NULL);
}

static int jenkins_open(struct worker *w, struct err *e)
{
	const struct config *cfg = w->cfg;

	if (jenkins_init(&w->jk, cfg->jenkins_url, cfg->jenkins_user, cfg->jenkins_token,
			 cfg->jenkins_job, cfg->jenkins_timeout_ms, e) < 0)
		return -1;
	w->callback_url = callback_url(cfg);
	return 0;
}

static void jenkins_close(struct worker *w)
{
	jenkins_release(&w->jk);
	free(w->callback_url);
	w->callback_url = NULL;
}

/* Every Jenkins call is on the curl multi handle: wait on it with the database socket, then
 * run what is ready. */
static int jenkins_driver_wait(struct worker *w, int db_fd, int timeout_ms, int *db_ready)
{
	int r = jenkins_wait(&w->jk, db_fd, timeout_ms, db_ready);

	jenkins_run(&w->jk);
	return r;
}

const struct build_driver drv_jenkins = {
    .name = "jenkins",
    .check_config = jenkins_check_config,
    .open = jenkins_open,
    .close = jenkins_close,
    .start = jenkins_start,
    .step = jenkins_step,
    .cancel = jenkins_cancel,
    .release = jenkins_drv_release,
    .wait = jenkins_driver_wait,
};
