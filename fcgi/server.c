/* server.c: a pool child: wait for a connection, handle it, repeat; drain on SIGTERM */
#include "server.h"

#include "log.h"
#include "metrics.h"
#include "rcache.h"
#include "router.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void child_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	/* no SA_RESTART: poll() must return so the loop sees the flag */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	/* A child must not outlive its master and keep the socket. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static double elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

void server_handle(struct app *app, FCGX_Request *fr)
{
	struct req r;
	char status[8], ms[32];

	metrics_request_begin();
	req_init(&r, app, fr);
	log_set_request_id(r.request_id);
	router_dispatch(&r, routes, routes_count);
	/* before FCGX_Finish_r sends the end of the answer: see rcache.h */
	rcache_note_write(&r);
	req_drain(&r);
	metrics_request(r.route, r.status, elapsed_ms(&r.started) / 1e3);
	/* formatted only when written: a hot read costs about as much as this line did */
	if (r.status >= 500 || log_min_level <= LOG_DEBUG) {
		snprintf(status, sizeof(status), "%d", r.status);
		snprintf(ms, sizeof(ms), "%.2f", elapsed_ms(&r.started));
		if (r.status >= 500)
			log_warn("request", "method", r.method, "path", r.path, "status", status,
				 "ms", ms, NULL);
		else
			log_debug("request", "method", r.method, "path", r.path, "status", status,
				  "ms", ms, NULL);
	}
	log_set_request_id(NULL);
	req_release(&r);
}

int server_run(struct app *app, int listen_fd)
{
	FCGX_Request fr;
	struct err e = ERR_INIT;

	child_signals();
	/* the master died before prctl took effect (not "parent is 1": in a container the
	 * master itself is pid 1) */
	if (app->master_pid && getppid() != app->master_pid)
		return 0;
	if (db_open(&app->db, app->cfg.database_url, (int)app->cfg.db_connect_timeout, &e) < 0)
		log_warn("starting without a database; requests that need it answer 503", NULL);
	rcache_init((size_t)app->cfg.api_cache_bytes);
	FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!stopping) {
		/* With nginx's fastcgi_keep_conn, libfcgi keeps the connection after a
		 * request and reads the next request from it: wait on that connection
		 * then, not on the listening socket (ipcFd is libfcgi's own field; it
		 * is the only way to see a kept connection). */
		int fd = fr.ipcFd >= 0 ? fr.ipcFd : listen_fd;
		struct pollfd p = {fd, POLLIN, 0};

		/* Wait here rather than in accept(): poll returns on SIGTERM, and the
		 * bounded timeout covers a signal that lands just before the call. */
		if (poll(&p, 1, 1000) <= 0)
			continue;
		/* The listening socket is non-blocking: a child that loses the race
		 * for a connection gets EAGAIN here and goes back to poll. */
		if (FCGX_Accept_r(&fr) < 0)
			continue;
		server_handle(app, &fr);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	rcache_release();
	db_release(&app->db);
	return 0;
}
