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
#include <sys/epoll.h>
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
	/* no SA_RESTART: poll() and epoll_wait() must return so the loop sees the flag */
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

/* The listening socket in an epoll set of this child's own, with EPOLLEXCLUSIVE: a new
 * connection wakes one idle child (or a few), not all of them. With poll() on the shared
 * socket every idle child woke for every connection and all but one found EAGAIN. It matters
 * where nginx opens a connection per request (the webhook location, or keep-alive off); on
 * kept connections few requests reach the listening socket. -1 when the kernel cannot
 * (before Linux 4.5): the loop then polls as before. */
static int listen_set(int listen_fd)
{
	struct epoll_event ev;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.fd = listen_fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
		close(ep);
		return -1;
	}
	return ep;
}

/* Wait up to a second for the next request: on the kept connection when nginx keeps one
 * (fastcgi_keep_conn), else on the listening socket. 1 when there may be one. A signal or
 * the timeout returns 0, so the loop sees `stopping` within a second whatever the timing. */
static int wait_request(const FCGX_Request *fr, int listen_fd, int ep)
{
	/* ipcFd is libfcgi's own field; it is the only way to see a kept connection */
	int fd = fr->ipcFd >= 0 ? fr->ipcFd : listen_fd;

	if (fd == listen_fd && ep >= 0) {
		struct epoll_event ev;

		return epoll_wait(ep, &ev, 1, 1000) > 0;
	}
	{
		struct pollfd p = {fd, POLLIN, 0};

		return poll(&p, 1, 1000) > 0;
	}
}

int server_run(struct app *app, int listen_fd)
{
	FCGX_Request fr;
	struct err e = ERR_INIT;
	int ep;

	child_signals();
	/* the master died before prctl took effect (not "parent is 1": in a container the
	 * master itself is pid 1) */
	if (app->master_pid && getppid() != app->master_pid)
		return 0;
	if (db_open(&app->db, app->cfg.database_url, (int)app->cfg.db_connect_timeout, &e) < 0)
		log_warn("starting without a database; requests that need it answer 503", NULL);
	rcache_init((size_t)app->cfg.api_cache_bytes);
	ep = listen_set(listen_fd);
	FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!stopping) {
		if (!wait_request(&fr, listen_fd, ep))
			continue;
		/* The listening socket is non-blocking: a child that loses the race
		 * for a connection gets EAGAIN here and goes back to waiting. */
		if (FCGX_Accept_r(&fr) < 0)
			continue;
		server_handle(app, &fr);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	if (ep >= 0)
		close(ep);
	rcache_release();
	db_release(&app->db);
	return 0;
}
