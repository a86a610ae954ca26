/* main.c: platform-worker: claims deploy jobs and steps their deployments (worker/engine.h) in
 * one event loop.
 *
 * One thread: the build driver's wait (curl's multi interface for Jenkins, the build outputs
 * for the local builder) also watches the database socket for LISTEN/NOTIFY wake-ups. Jobs are
 * held by leases renewed every third of their length; a worker that dies loses its
 * leases and another takes the jobs over from the state stored in PostgreSQL.
 *
 * SIGTERM/SIGINT: give the held jobs back (queued again at once) and exit.
 */
#include "engine.h"

#include "crypto.h"
#include "delivery.h"
#include "ghdeploy.h"
#include "ghsender.h"
#include "gitops.h"
#include "domains.h"
#include "housekeep.h"
#include "preview.h"
#include "http.h"
#include "log.h"
#include "metricsd.h"
#include "notifier.h"
#include "publish.h"
#include "release.h"
#include "rtargo.h"
#include "rtlogs.h"
#include "rtpodman.h"
#include "runtime.h"
#include "track.h"
#include "worker_metrics.h"
#include "deploy.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLAIM_BATCH    64
#define DELIVERY_BATCH 64
#define DELIVERY_SLICE 0.25

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void link_build(struct worker *w, struct build *b)
{
	b->prev = NULL;
	b->next = w->builds;
	if (w->builds)
		w->builds->prev = b;
	w->builds = b;
	w->nbuilds++;
}

static void unlink_build(struct worker *w, struct build *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		w->builds = b->next;
	if (b->next)
		b->next->prev = b->prev;
	w->nbuilds--;
}

static struct build *find_build(struct worker *w, const char *id)
{
	for (struct build *b = w->builds; b; b = b->next) {
		if (!strcmp(b->id, id))
			return b;
	}
	return NULL;
}

/* ---------------------------------------------------------------- jobs */

static void claim(struct worker *w)
{
	struct queue_job jobs[CLAIM_BATCH];
	struct err e = ERR_INIT;
	int room = (int)w->cfg->worker_max_builds - w->nbuilds, n;

	release_removals(w); /* a deleted project's app leaves GitOps */
	if (w->driver == &drv_none)
		return; /* this worker builds nothing: the deploy jobs wait for one that does */
	if (room > CLAIM_BATCH)
		room = CLAIM_BATCH;
	if (room <= 0 || queue_claim(&w->q, "deploy", room, jobs, &n, &e) < 0)
		return;
	for (int i = 0; i < n; i++) {
		char jid[24], att[16];

		if (find_build(w, jobs[i].deployment_id))
			continue; /* our own lease ran out and we took it again: keep following */
		snprintf(jid, sizeof(jid), "%lld", jobs[i].id);
		snprintf(att, sizeof(att), "%d", jobs[i].attempts);
		log_info("job claimed", "job_id", jid, "deployment_id", jobs[i].deployment_id,
			 "attempt", att, NULL);
		link_build(w, engine_new(w, jobs[i].id, jobs[i].deployment_id, jobs[i].attempts));
	}
	if (n == room)
		claim(w); /* more may be waiting */
}

/* Renew our leases; builds whose job went to another worker are dropped. */
static void renew(struct worker *w)
{
	struct err e = ERR_INIT;
	long long *held;
	int n, cap = w->nbuilds + 16;

	held = xcalloc((size_t)cap, sizeof(*held));
	if (queue_renew(&w->q, held, cap, &n, &e) < 0) {
		free(held);
		return;
	}
	for (struct build *b = w->builds; b; b = b->next) {
		int ok = 0;

		for (int i = 0; i < n && !ok; i++)
			ok = held[i] == b->job_id;
		if (!ok && !b->dropped && b->phase != ENGINE_DONE) {
			log_warn("lease lost: another worker has this job now", "deployment_id",
				 b->id, NULL);
			b->dropped = 1;
		}
	}
	free(held);
}

/* One query for the state of every followed deployment (cancel requests, supersedes,
 * releases reported by the pipeline). */
static void refresh_all(struct worker *w, double now)
{
	struct buf ids = BUF_INIT;
	struct err e = ERR_INIT;
	const char *p[1];
	PGresult *res;

	if (!w->builds)
		return;
	buf_addch(&ids, '{');
	for (struct build *b = w->builds; b; b = b->next)
		buf_addf(&ids, "%s%s", ids.len > 1 ? "," : "", b->id);
	buf_addch(&ids, '}');
	p[0] = ids.buf;
	res = deploy_states(&w->db, p, &e);
	buf_release(&ids);
	if (!res)
		return;
	for (int i = 0; i < PQntuples(res); i++) {
		struct build *b = find_build(w, db_value(res, i, 0));
		enum deploy_state st;

		if (!b || b->phase == ENGINE_LOAD ||
		    deploy_state_parse(db_value(res, i, 1), &st) < 0)
			continue;
		engine_refresh(b, st, !strcmp(db_value(res, i, 2), "t"),
			       !strcmp(db_value(res, i, 3), "t"), now);
	}
	PQclear(res);
}

/* The GitHub deliveries the API stored (lib/model/delivery.h), in batches, for at most
 * DELIVERY_SLICE seconds at a time so that the builds keep their pace; *next is when to look
 * again (at once when more wait). */
static void deliveries(struct worker *w, double now, double *next)
{
	struct err e = ERR_INIT;
	struct delivery_policy policy = {.supersede = w->cfg->deploy_supersede != 0,
					 .preview_max = (int)w->cfg->preview_max,
					 .secret_key = w->cfg->secret_key};
	double until = now + DELIVERY_SLICE;
	int n;

	*next = now + (double)w->cfg->worker_poll;
	do {
		if (delivery_process(&w->db, &policy, DELIVERY_BATCH, &n, &e) < 0) {
			log_warn("webhook deliveries not processed; retrying", "reason", e.msg,
				 NULL);
			*next = now + 1.0;
			return;
		}
	} while (n == DELIVERY_BATCH && engine_now() < until);
	if (n == DELIVERY_BATCH)
		*next = 0;
}

struct wake {
	struct worker *w;
	int jobs;
	int deploys;
	int hooks;
};

static void on_notify(void *arg, const char *channel, const char *payload)
{
	struct wake *wk = arg;

	if (!strcmp(channel, QUEUE_CH_JOBS) && !strcmp(payload, "webhook"))
		wk->hooks = 1; /* a delivery was stored (sql/0011) */
	else if (!strcmp(channel, QUEUE_CH_JOBS))
		wk->jobs = 1;
	else if (!strcmp(channel, QUEUE_CH_DEPLOY) && find_build(wk->w, payload))
		wk->deploys = 1;
}

/* Finished and dropped builds leave the list here, never while a call is in flight. */
static void reap(struct worker *w)
{
	struct build *b = w->builds;

	while (b) {
		struct build *next = b->next;
		struct err e = ERR_INIT;

		/* (released is not the end with a stage: the engine goes on to it, job held) */
		if (!b->busy && (b->dropped || b->phase == ENGINE_DONE)) {
			if (!b->dropped &&
			    queue_finish(&w->q, b->job_id, b->failed_job, NULL, &e) < 0) {
				b = next; /* the database is away; try again later */
				continue;
			}
			unlink_build(w, b);
			engine_free(b);
		}
		b = next;
	}
}

/* Previews whose pull request went quiet (PLATFORM_PREVIEW_IDLE_DAYS) are removed with the
 * housekeeping, a batch at a time. */
static void expire_previews(struct worker *w)
{
	struct err e = ERR_INIT;
	int n = 0;

	if (preview_expire(&w->db, (int)w->cfg->preview_idle_days, &n, &e) < 0)
		log_warn("idle previews not removed; trying again later", "reason", e.msg, NULL);
	else if (n) {
		char count[16];

		snprintf(count, sizeof(count), "%d", n);
		log_info("idle previews removed", "count", count, NULL);
	}
}

/* ---------------------------------------------------------------- the loop */

struct timers {
	double claim, renew, refresh, housekeep, resync, domains, hooks;
};

static int next_wait_ms(struct worker *w, const struct timers *t, double now)
{
	double next = t->claim;

	if (t->hooks < next)
		next = t->hooks;
	if (t->renew < next)
		next = t->renew;
	if (w->builds && t->refresh < next)
		next = t->refresh;
	for (struct build *b = w->builds; b; b = b->next) {
		if (!b->busy && b->next_at < next)
			next = b->next_at;
	}
	if (next <= now)
		return 0;
	return next - now > 1.0 ? 1000 : (int)((next - now) * 1000) + 1;
}

static void loop(struct worker *w)
{
	struct timers t = {0, 0, 0, 0, 0, 0, 0};
	struct err e = ERR_INIT;

	while (!stopping) {
		double now = engine_now();
		struct wake wk = {w, 0, 0, 0};
		int ready = 0, fd;

		if (queue_listen(&w->q, &e) == 1)
			t.claim = t.hooks = now; /* notifications were lost while we had none */
		if (now >= t.renew) {
			renew(w);
			t.renew = now + (double)w->cfg->worker_lease / 3.0;
		}
		if (now >= t.hooks)
			deliveries(w, now, &t.hooks);
		if (now >= t.claim) {
			claim(w);
			t.claim = now + (double)w->cfg->worker_poll;
		}
		if (w->cfg->housekeep_interval > 0 && now >= t.housekeep) {
			if (housekeep_run(&w->db, w->cfg->webhook_retention_days, NULL, &e) < 0)
				log_warn("housekeeping failed; trying again later", "reason", e.msg,
					 NULL);
			expire_previews(w);
			t.housekeep = now + (double)w->cfg->housekeep_interval;
		}
		if (w->stage && w->stage->resync && now >= t.resync) {
			w->stage->resync(w); /* the runtime: what git says against what runs */
			t.resync = now + (double)w->cfg->runtime_resync;
		}
		if (now >= t.domains)
			domains_tick(w, now, &t.domains);
		if (now >= t.refresh) {
			refresh_all(w, now);
			t.refresh = now + (double)w->cfg->jenkins_poll_ms / 1000.0;
		}
		for (struct build *b = w->builds; b; b = b->next) {
			if (!b->busy && !b->dropped && b->phase != ENGINE_DONE && b->next_at <= now)
				engine_step(b, now);
		}
		reap(w);
		fd = queue_fd(&w->q);
		/* the driver's own I/O (Jenkins calls, build outputs) with the database socket */
		if (w->driver->wait(w, fd, next_wait_ms(w, &t, engine_now()), &ready) < 0)
			usleep(10000);
		if (ready && queue_drain(&w->q, on_notify, &wk) >= 0) {
			if (wk.jobs)
				t.claim = 0;
			if (wk.hooks)
				t.hooks = 0;
			if (wk.deploys)
				t.refresh = 0;
		} else if (fd < 0) {
			usleep(200000); /* no database: do not spin */
		}
	}
}

/* Give every held job back so another worker takes it without waiting for the lease. */
static void shutdown_builds(struct worker *w)
{
	struct err e = ERR_INIT;

	while (w->builds) {
		struct build *b = w->builds;

		if (!b->dropped)
			queue_give_back(&w->q, b->job_id, 0, &e);
		unlink_build(w, b);
		engine_free(b);
	}
}

/* ---------------------------------------------------------------- start */

static int load_config(struct worker *w, struct config *cfg, const char *path)
{
	static const char *const required[] = {"database_url", NULL};
	struct err e = ERR_INIT;
	enum log_level lvl = LOG_INFO;

	if (config_load(cfg, path, CONFIG_WORKER, &e) < 0) {
		log_error("configuration error", "reason", e.msg, NULL);
		config_release(cfg);
		return -1;
	}
	w->cfg = cfg;
	/* the drivers check their own settings (Jenkins's URL and job, the local registry) */
	if (config_require(cfg, required, &e) < 0 || engine_select_drivers(w, &e) < 0) {
		log_error("configuration error", "reason", e.msg, NULL);
		config_release(cfg);
		return -1;
	}
	if (cfg->log_level)
		log_level_parse(cfg->log_level, &lvl); /* one of them: config_load checked it */
	log_min_level = lvl;
	ghdeploy_set_policy(cfg->github_url, cfg->github_deployments != 0);
	if (!strcmp(cfg->rollback_mode, "direct") && !release_direct(cfg))
		log_warn("PLATFORM_ROLLBACK_MODE=direct needs PLATFORM_GITOPS_URL: rollbacks go "
			 "through Jenkins (ACTION=rollback) until it is set",
			 NULL);
	return 0;
}

static void worker_id(char *out, size_t n)
{
	char host[64] = "worker", rnd[8] = "";

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	crypto_short_id(rnd, 7);
	snprintf(out, n, "%s:%d:%s", host, (int)getpid(), rnd);
}

static void signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct worker w;
	struct notifier *notifier;
	struct rtlogs *rtlogs = NULL;
	struct ghsender *ghsender;
	struct err e = ERR_INIT;
	const char *path = NULL;
	char id[128];
	int rc = 1;
	pid_t metrics_pid;

	log_init("worker", LOG_INFO, stderr);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			path = argv[++i];
		} else {
			fprintf(
			    i + 1 < argc || strcmp(argv[i], "--help") ? stderr : stdout,
			    "usage: platform-worker [--config FILE]\n"
			    "Claims deploy jobs and follows their Jenkins builds; settings come "
			    "from\n"
			    "PLATFORM_* environment variables or the YAML file (see README).\n");
			return strcmp(argv[i], "--help") ? 2 : 0;
		}
	}
	memset(&w, 0, sizeof(w));
	if (load_config(&w, &cfg, path) < 0)
		return 1;
	config_log(&cfg);
	http_global_init();
	gitops_process_init(); /* once, not per release */
	signals();
	metrics_pid = worker_metrics_start(&cfg); /* forks: before any connection is open */
	if (!strcmp(w.driver->name, "local"))
		log_info("build driver: local (buildah), no Jenkins", "registry", cfg.registry_url,
			 NULL);
	if (w.driver->open && w.driver->open(&w, &e) < 0) {
		log_error("configuration error", "reason", e.msg, NULL);
		goto out;
	}
	log_info("drivers chosen", "build", w.driver->name, "stage",
		 w.stage ? w.stage->name : "none", NULL);
	if (db_open_wait(&w.db, cfg.database_url, (int)cfg.db_connect_timeout, 30, &e) < 0) {
		log_error("cannot reach the database", "reason", e.msg, NULL);
		goto out_driver;
	}
	worker_id(id, sizeof(id));
	queue_init(&w.q, &w.db, id, (int)cfg.worker_lease);
	if ((w.pub = publish_from_config(&cfg)))
		w.sink = publish_sink(w.pub); /* live logs and states to nchan */
	notifier = notifier_start(&cfg); /* its own thread: notifications never delay deploys */
	/* what the running versions print, read on its own thread from their runtime */
	if (w.stage == &stage_podman)
		rtlogs = rtlogs_start(&cfg, w.pub, &rtsrc_podman);
	else if (w.stage == &stage_argocd)
		rtlogs = rtlogs_start(&cfg, w.pub, &rtsrc_argocd);
	ghsender = ghsender_start(&cfg, w.stage == NULL); /* nor does GitHub */
	log_info("platform-worker started", "worker_id", id, NULL);
	loop(&w);
	log_info("platform-worker stopping: handing jobs back", NULL);
	notifier_stop(notifier);
	rtlogs_stop(rtlogs);
	ghsender_stop(ghsender);
	shutdown_builds(&w);
	publish_stop(w.pub);
	rc = 0;
	db_release(&w.db);
out_driver:
	if (w.driver->close)
		w.driver->close(&w);
out:
	metricsd_stop(metrics_pid);
	gitops_process_end();
	config_release(&cfg);
	curl_global_cleanup();
	return rc;
}
