/* main.c: platform-api master: open the socket, pre-fork the pool, supervise it.
 *
 * Signals: SIGTERM/SIGINT stop accepting and let requests in flight finish
 * (children get SIGTERM; stragglers are killed after the drain timeout).
 * SIGHUP re-reads the configuration and replaces the children one by one: a
 * new child is started before an old one is told to stop, and the listening
 * socket never closes, so no request is dropped. A child that dies is
 * replaced; one that dies young is replaced after a growing delay, so a
 * broken configuration does not become a fork storm.
 */
#include "api_metrics.h"
#include "config.h"
#include "ghdeploy.h"
#include "log.h"
#include "metrics.h"
#include "rcache.h"
#include "metricsd.h"
#include "server.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILDREN  1024
#define DRAIN_SECONDS 30

struct child {
	pid_t pid;
	int retiring; /* told to stop; not replaced when it exits */
	time_t started;
};

static struct child children[MAX_CHILDREN];
static int nchildren; /* slots in use */
static struct app app;
static const char *config_path;
static int listen_fd = -1;
static pid_t metrics_pid = -1; /* the metrics listener (fcgi/metrics.c), -1 none */
static volatile sig_atomic_t got_term, got_hup, got_chld;

static void on_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
}

static void master_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static const char *const required[] = {"database_url", "secret_key", NULL};

static int load_config(struct config *cfg)
{
	struct err e = ERR_INIT;
	enum log_level lvl = LOG_INFO;

	if (config_load(cfg, config_path, CONFIG_API, &e) < 0 ||
	    config_require(cfg, required, &e) < 0) {
		config_release(cfg);
		log_error("configuration error", "reason", e.msg, NULL);
		return -1;
	}
	if (cfg->log_level)
		log_level_parse(cfg->log_level, &lvl); /* one of them: config_load checked it */
	log_min_level = lvl;
	/* the children inherit it: state changes the API makes queue GitHub's calls too */
	ghdeploy_set_policy(cfg->github_url, cfg->github_deployments != 0);
	return 0;
}

static long pool_size(void)
{
	long n = app.cfg.workers;

	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 2;
	return n > MAX_CHILDREN ? MAX_CHILDREN : n;
}

static int open_socket(const char *where)
{
	int fd, flags;

	if (where[0] == '/')
		unlink(where); /* a stale socket of a previous run */
	fd = FCGX_OpenSocket(where, 1024);
	if (fd < 0)
		return -1;
	if (where[0] == '/')
		chmod(where, 0660);
	flags = fcntl(fd, F_GETFL, 0);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

static void spawn(int slot)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_error("fork failed", "reason", strerror(errno), NULL);
		children[slot].pid = 0;
		return;
	}
	if (pid == 0) {
		sigset_t none;
		int rc;

		/* the master keeps its signals blocked outside sigsuspend */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);

		log_init("api", log_min_level, stderr);
		metrics_child_start(slot);
		rc = server_run(&app, listen_fd);
		config_release(&app.cfg);
		_exit(rc);
	}
	children[slot].pid = pid;
	children[slot].retiring = 0;
	children[slot].started = time(NULL);
}

static int free_slot(void)
{
	for (int i = 0; i < nchildren; i++) {
		if (!children[i].pid)
			return i;
	}
	if (nchildren < MAX_CHILDREN)
		return nchildren++;
	return -1;
}

static int live_workers(void)
{
	int n = 0;

	for (int i = 0; i < nchildren; i++) {
		if (children[i].pid && !children[i].retiring)
			n++;
	}
	return n;
}

/* Collect dead children; returns how many young deaths were seen. */
static int reap(void)
{
	int status, young = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < nchildren; i++) {
			char p[16], how[32];

			if (children[i].pid != pid)
				continue;
			snprintf(p, sizeof(p), "%d", (int)pid);
			if (WIFSIGNALED(status))
				snprintf(how, sizeof(how), "signal %d", WTERMSIG(status));
			else
				snprintf(how, sizeof(how), "exit %d", WEXITSTATUS(status));
			if (!children[i].retiring) {
				log_warn("pool child died; replacing it", "child_pid", p, "how",
					 how, NULL);
				if (time(NULL) - children[i].started < 2)
					young++;
			}
			children[i].pid = 0;
			metrics_child_gone(i);
		}
	}
	return young;
}

static void fill_pool(void)
{
	long want = pool_size();

	while (live_workers() < want) {
		int slot = free_slot();

		if (slot < 0)
			break;
		spawn(slot);
		if (!children[slot].pid)
			break;
	}
}

/* Replace every current child with a new one, one at a time. */
static void rolling_restart(void)
{
	int old[MAX_CHILDREN], nold = 0;

	for (int i = 0; i < nchildren; i++) {
		if (children[i].pid && !children[i].retiring)
			old[nold++] = i;
	}
	for (int k = 0; k < nold; k++) {
		int slot = free_slot();

		if (slot >= 0)
			spawn(slot);
		children[old[k]].retiring = 1;
		kill(children[old[k]].pid, SIGTERM);
	}
	fill_pool();
}

static void reload(void)
{
	struct config fresh;
	char *old_listen = xstrdup(app.cfg.listen);

	log_info("reloading configuration", NULL);
	if (load_config(&fresh) < 0) {
		log_error("reload refused: keeping the running configuration", NULL);
		free(old_listen);
		return;
	}
	if (strcmp(old_listen, fresh.listen))
		log_warn("PLATFORM_LISTEN changed; it takes effect at the next restart", NULL);
	free(fresh.listen);
	fresh.listen = old_listen;
	config_release(&app.cfg);
	app.cfg = fresh;
	config_log(&app.cfg);
	rolling_restart();
}

static int any_alive(void)
{
	for (int i = 0; i < nchildren; i++) {
		if (children[i].pid)
			return 1;
	}
	return 0;
}

static void drain(void)
{
	time_t deadline = time(NULL) + DRAIN_SECONDS;

	log_info("stopping: draining requests in flight", NULL);
	for (int i = 0; i < nchildren; i++) {
		if (children[i].pid) {
			children[i].retiring = 1;
			kill(children[i].pid, SIGTERM);
		}
	}
	while (any_alive() && time(NULL) < deadline) {
		reap();
		if (any_alive())
			usleep(20000);
	}
	for (int i = 0; i < nchildren; i++) {
		if (children[i].pid) {
			log_warn("child did not finish in time; killing it", NULL);
			kill(children[i].pid, SIGKILL);
		}
	}
	while (waitpid(-1, NULL, 0) > 0)
		;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: platform-api [--config FILE] [--check]\n"
		     "Serves the platform's REST API over FastCGI; settings come from PLATFORM_*\n"
		     "environment variables or the YAML file (see README).\n");
}

/* The master until SIGTERM: children replaced as they die (with a back-off when they die at
 * start), SIGHUP reloads. Signals are only taken inside sigsuspend, so no flag is missed. */
static void supervise(const sigset_t *block, const sigset_t *empty)
{
	int backoff = 0;

	while (!got_term) {
		if (got_chld) {
			got_chld = 0;
			if (reap())
				backoff = backoff ? (backoff * 2 > 8 ? 8 : backoff * 2) : 1;
			else
				backoff = 0;
			if (backoff) {
				log_warn("children die at start; waiting before the next one",
					 NULL);
				sigprocmask(SIG_SETMASK, empty, NULL);
				sleep((unsigned)backoff);
				sigprocmask(SIG_BLOCK, block, NULL);
			}
			fill_pool();
		}
		if (got_hup) {
			got_hup = 0;
			reload();
		}
		if (!got_term && !got_chld && !got_hup)
			sigsuspend(empty);
	}
}

int main(int argc, char **argv)
{
	int check_only = 0;
	sigset_t block, empty;

	log_init("api", LOG_INFO, stderr);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config_path = argv[++i];
		} else if (!strcmp(argv[i], "--check")) {
			check_only = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (load_config(&app.cfg) < 0)
		return 1;
	config_log(&app.cfg);
	if (check_only) {
		printf("configuration ok\n");
		config_release(&app.cfg);
		return 0;
	}
	master_signals();
	FCGX_Init();
	listen_fd = open_socket(app.cfg.listen);
	if (listen_fd < 0) {
		log_error("cannot listen", "listen", app.cfg.listen, "reason", strerror(errno),
			  NULL);
		config_release(&app.cfg);
		return 1;
	}
	/* before the first fork: the children share it (rcache.h) */
	if (rcache_shared_init() < 0)
		log_warn("no shared memory for the read cache; hot reads are not cached", NULL);
	{
		char n[16];

		snprintf(n, sizeof(n), "%ld", pool_size());
		log_info("platform-api started", "listen", app.cfg.listen, "workers", n, NULL);
	}
	/* Signals are only taken inside sigsuspend, so no flag is missed. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &empty);
	sigdelset(&empty, SIGTERM);
	sigdelset(&empty, SIGINT);
	sigdelset(&empty, SIGHUP);
	sigdelset(&empty, SIGCHLD);
	app.master_pid = getpid();
	metrics_pid = api_metrics_start(&app.cfg);
	fill_pool();
	supervise(&block, &empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);
	metricsd_stop(metrics_pid);
	drain();
	if (app.cfg.listen[0] == '/')
		unlink(app.cfg.listen);
	close(listen_fd);
	log_info("platform-api stopped", NULL);
	config_release(&app.cfg);
	return 0;
}
