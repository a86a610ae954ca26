/* release.c: GitOps releases and removals written by the worker itself (lib/clients/gitops) */
#include "release.h"

#include "gitops.h"
#include "log.h"
#include "snapshot.h"
#include "deploy.h"
#include "queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A removal that keeps failing is given up after this many claims. */
#define REMOVE_MAX_ATTEMPTS 8
#define REMOVE_BATCH	    16

int release_direct(const struct config *cfg)
{
	return cfg->rollback_mode && !strcmp(cfg->rollback_mode, "direct") && cfg->gitops_url &&
	       *cfg->gitops_url;
}

/* The same settings platformctl reads, so both write with one identity and one cache. */
static void opts_of(const struct config *cfg, struct gitops_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->url = cfg->gitops_url;
	o->branch = cfg->gitops_branch;
	o->author_name = cfg->gitops_author_name;
	o->author_email = cfg->gitops_author_email;
	o->ssh_key = cfg->gitops_ssh_key;
	o->ssh_passphrase = cfg->gitops_ssh_passphrase;
	o->cache_dir = cfg->gitops_cache;
}

void release_gitops_opts(const struct config *cfg, struct gitops_opts *o)
{
	opts_of(cfg, o);
}

/* Only a deployment that has not ended or been released yet may write: a superseded
 * rollback must not land in git after the deploy that replaced it. */
static int writable(const char *state)
{
	return state &&
	       (!strcmp(state, "queued") || !strcmp(state, "building") || !strcmp(state, "pushed"));
}

int release_write(struct worker *w, const char *deployment_id, struct buf *commit, struct err *e)
{
	const struct config *cfg = w->cfg;
	const char *p[2] = {deployment_id, NULL};
	struct snapshot_release r;
	struct gitops_opts o;
	struct gitops_result res;
	long stored;
	int ret = -1;

	if (!cfg->gitops_url || !*cfg->gitops_url)
		return err_set(e, 500, "missing_setting",
			       "the worker cannot write releases: PLATFORM_GITOPS_URL is not set");
	/* the deployment's own snapshot (settings, env sealed for the cluster), the same
	 * description the pipeline reads from the API: both paths write the same release */
	if (snapshot_release_load(&r, &w->db, cfg, deployment_id, e) < 0)
		goto out;
	if (r.gitops_commit) {
		buf_addstr(commit, r.gitops_commit); /* written before a restart */
		ret = 0;
		goto out;
	}
	if (!writable(r.state)) {
		err_set(e, 409, "deployment_finished",
			"the deployment is %s; its release is not written", r.state);
		goto out;
	}
	opts_of(cfg, &o);
	/* a newer deployment already in git (written by the pipeline) wins: 409 stale_release */
	if (gitops_release(&o, &r.app, &r.v, &r.m, &res, e) < 0)
		goto out;
	/* The commit is kept even if the row moved meanwhile (it is in git either way); the
	 * caller's state change decides whether the deployment goes on. */
	p[1] = res.commit;
	stored = deploy_set_gitops_commit(&w->db, p, e);
	if (stored < 0)
		goto out;
	log_info("release written to gitops", "deployment_id", deployment_id, "commit", res.commit,
		 "tag", r.v.image_tag, NULL);
	buf_addstr(commit, res.commit);
	ret = 0;
out:
	snapshot_release_clear(&r);
	return ret;
}

/* ---------------------------------------------------------------- removals */

static void remove_one(struct worker *w, const struct queue_job *j)
{
	char id[24];
	const char *p[1] = {id};
	struct err e = ERR_INIT;
	struct gitops_opts o;
	struct gitops_app app;
	struct gitops_meta m;
	struct gitops_result res;
	PGresult *row;

	snprintf(id, sizeof(id), "%lld", j->id);
	row = queue_job_payload(&w->db, p, &e);
	if (!row) {
		queue_give_back(&w->q, j->id, 5, &e);
		return;
	}
	if (PQntuples(row) != 1 || !db_value(row, 0, 0) || !db_value(row, 0, 1) ||
	    !db_value(row, 0, 2)) {
		queue_finish(&w->q, j->id, 1,
			     "the job does not name workspace_id, user_id and project", &e);
		goto out;
	}
	opts_of(w->cfg, &o);
	app.workspace = db_value(row, 0, 0);
	app.user = db_value(row, 0, 1);
	app.project = db_value(row, 0, 2);
	memset(&m, 0, sizeof(m));
	m.triggered_by = db_value(row, 0, 3);
	if (gitops_remove(&o, &app, &m, &res, &e) < 0) {
		int retry = e.status >= 500 || !strcmp(e.code, "push_rejected");

		log_warn("gitops removal failed", "job_id", id, "project", app.project, "reason",
			 e.msg, NULL);
		if (retry && j->attempts < REMOVE_MAX_ATTEMPTS) {
			struct err e2 = ERR_INIT;

			queue_give_back(&w->q, j->id, 5 * j->attempts, &e2);
		} else {
			struct err e2 = ERR_INIT;

			queue_finish(&w->q, j->id, 1, e.msg, &e2);
		}
		goto out;
	}
	log_info(res.changed ? "app removed from gitops" : "app was not in gitops", "job_id", id,
		 "project", app.project, "commit", res.commit, NULL);
	queue_finish(&w->q, j->id, 0, NULL, &e);
out:
	PQclear(row);
}

void release_removals(struct worker *w)
{
	struct queue_job jobs[REMOVE_BATCH];
	struct err e = ERR_INIT;
	int n = 0;

	if (!w->cfg->gitops_url || !*w->cfg->gitops_url)
		return;
	if (queue_claim(&w->q, "gitops_remove", REMOVE_BATCH, jobs, &n, &e) < 0)
		return;
	for (int i = 0; i < n; i++)
		remove_one(w, &jobs[i]);
}
