/* track.c: a released deployment followed in Argo CD to live, failed or superseded */
#include "track.h"

#include "argocd.h"
#include "log.h"
#include "naming.h"
#include "deploy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct track {
	int refreshed;	/* the refresh was asked and the row moved to syncing */
	char last[700]; /* the last status or error seen, for the time-limit message */
};

/* Shared by every tracked deployment: one Argo CD serves them all, so when it fails to
 * answer nobody calls it again before this time (see track.h). */
static double argo_quiet_until;

static void track_start(struct build *b, double now)
{
	(void)now;
	if (!b->stage_state)
		b->stage_state = xcalloc(1, sizeof(struct track));
}

static void track_drv_release(struct build *b)
{
	free(b->stage_state);
	b->stage_state = NULL;
}

static void end(struct build *b, enum deploy_state to, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void end(struct build *b, enum deploy_state to, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	why[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
	}
	engine_finish(b, to, fmt ? why : NULL);
}

/* What the step needs, fresh from the row every time (crash safety: nothing is cached). */
struct row {
	enum deploy_state state;
	char commit[64];
	char app[64];
	double released_at;
	int newer_seq; /* a newer deployment of the project that has a GitOps commit, or 0 */
	int deleted;   /* the project was deleted */
};

/* 1 loaded, 0 gone, -1 error. */
static int load_row(struct build *b, struct row *r, struct err *e)
{
	const char *p[1] = {b->id};
	struct buf app = BUF_INIT;
	PGresult *res = deploy_track_row(&b->w->db, p, e);
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (!res)
		return -1;
	if (PQntuples(res) != 1)
		goto out;
	if (deploy_state_parse(db_value(res, 0, 0), &r->state) < 0)
		r->state = DEPLOY_FAILED;
	snprintf(r->commit, sizeof(r->commit), "%s",
		 db_value(res, 0, 1) ? db_value(res, 0, 1) : "");
	r->released_at = strtod(db_value(res, 0, 2), NULL);
	if (naming_app_name(&app, db_value(res, 0, 3), db_value(res, 0, 4), db_value(res, 0, 5),
			    NULL) == 0)
		snprintf(r->app, sizeof(r->app), "%s", app.buf);
	r->deleted = !strcmp(db_value(res, 0, 6), "t");
	r->newer_seq = db_value(res, 0, 7) ? atoi(db_value(res, 0, 7)) : 0;
	ret = 1;
out:
	buf_release(&app);
	PQclear(res);
	return ret;
}

static void describe(char *out, size_t n, const struct argocd_status *st)
{
	if (!st->found)
		snprintf(out, n, "the application is not in Argo CD yet");
	else
		snprintf(out, n, "sync %s, health %s, revision %.12s%s%.400s",
			 st->sync[0] ? st->sync : "?", st->health[0] ? st->health : "?",
			 st->revision[0] ? st->revision : "?", st->message[0] ? ": " : "",
			 st->message);
}

static void track_step(struct build *b, double now)
{
	const struct config *cfg = b->w->cfg;
	struct track *t = b->stage_state;
	struct argocd_status st;
	struct err e = ERR_INIT;
	struct row r;
	double poll = (double)cfg->argocd_poll_ms / 1000.0;
	int got;

	got = load_row(b, &r, &e);
	if (got < 0) {
		log_warn("database call failed; retrying", "deployment_id", b->id, "reason", e.msg,
			 NULL);
		b->next_at = now + 1.0;
		return;
	}
	if (!got || (r.state != DEPLOY_RELEASED && r.state != DEPLOY_SYNCING)) {
		engine_over(b); /* gone, or already ended (another worker, a restart) */
		return;
	}
	if (!r.commit[0] || !r.app[0]) {
		log_warn("released without a GitOps commit: not tracked", "deployment_id", b->id,
			 NULL);
		engine_over(b);
		return;
	}
	if (r.deleted) {
		end(b, DEPLOY_FAILED, "the project was deleted before the deployment went live");
		return;
	}
	if (r.newer_seq) {
		/* A newer release of the project is in git: Argo CD syncs that one, never ours. */
		log_info("a newer release replaced this one before it went live", "deployment_id",
			 b->id, NULL);
		end(b, DEPLOY_SUPERSEDED, NULL);
		return;
	}
	if (now < argo_quiet_until) {
		b->next_at = argo_quiet_until;
		return;
	}
	if (argocd_get(cfg->argocd_url, cfg->argocd_token, r.app, !t->refreshed, &st, &e) < 0) {
		snprintf(t->last, sizeof(t->last), "Argo CD did not answer: %.320s", e.msg);
		log_warn("argo cd call failed", "deployment_id", b->id, "app", r.app, "reason",
			 e.msg, NULL);
		argo_quiet_until = now + (poll > 2.0 ? poll : 2.0);
	} else {
		describe(t->last, sizeof(t->last), &st);
		if (!t->refreshed) {
			if (engine_move(b, DEPLOY_SYNCING, NULL) < 0)
				return; /* the refresh is asked again on the retry: harmless */
			t->refreshed = 1;
		}
		switch (argocd_judge(&st, r.commit)) {
		case ARGOCD_LIVE:
			end(b, DEPLOY_LIVE, NULL);
			return;
		case ARGOCD_FAILED:
			end(b, DEPLOY_FAILED,
			    "Argo CD reports application %s %s at commit %.12s: %s", r.app,
			    !strcmp(st.health, "Degraded") ? "Degraded"
			    : st.phase[0]		   ? st.phase
							   : "failed",
			    r.commit, st.message[0] ? st.message : "no message");
			return;
		case ARGOCD_WAIT:
			break;
		}
	}
	if (now - r.released_at > (double)cfg->argocd_timeout) {
		end(b, DEPLOY_FAILED, "Argo CD did not converge within %ld s: last status %.500s",
		    cfg->argocd_timeout, t->last);
		return;
	}
	b->next_at = now + poll;
}

static int track_check_config(const struct config *cfg, struct err *e)
{
	static const char *const required[] = {"argocd_url", NULL};

	return config_require(cfg, required, e);
}

const struct stage_driver stage_argocd = {
    .name = "argocd",
    .check_config = track_check_config,
    .start = track_start,
    .step = track_step,
    .release = track_drv_release,
};
