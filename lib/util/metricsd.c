/* metricsd.c: one forked process answering GET /metrics on its own listener */
#include "metricsd.h"

#include "log.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define REQUEST_MAX 8192

/* "host:port" or "[v6]:port" into host and port; -1 when it is neither. */
static int split_addr(const char *listen, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon = strrchr(listen, ':');
	const char *h = listen;
	size_t len;

	if (!colon || !colon[1] || strlen(colon + 1) >= pn)
		return -1;
	len = (size_t)(colon - listen);
	if (len >= 2 && h[0] == '[' && h[len - 1] == ']') {
		h++;
		len -= 2;
	}
	if (!len || len >= hn)
		return -1;
	memcpy(host, h, len);
	host[len] = '\0';
	snprintf(port, pn, "%s", colon + 1);
	for (const char *p = port; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
	}
	return 0;
}

static int bind_listener(const char *where, struct err *e)
{
	struct addrinfo hints, *ai = NULL;
	char host[256], port[8];
	int fd = -1, one = 1, rc;

	if (split_addr(where, host, sizeof(host), port, sizeof(port)) < 0)
		return err_set(e, 400, "bad_config",
			       "a metrics listener must be host:port, got '%s'", where);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		return err_set(e, 400, "bad_config", "metrics listener '%s': %s", where,
			       gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		err_set(e, 503, "listen_failed", "cannot listen on %s for metrics: %s", where,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read the request head (up to REQUEST_MAX bytes); 0 when it ended, -1 otherwise. */
static int read_head(int fd, char *req, size_t cap)
{
	size_t got = 0;

	while (got < cap - 1) {
		ssize_t r = read(fd, req + got, cap - 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			return 0;
	}
	return -1;
}

static void answer(int fd, metricsd_render_fn render, void *arg)
{
	static const char ctype[] = "text/plain; version=0.0.4; charset=utf-8";
	char req[REQUEST_MAX];
	struct buf head = BUF_INIT, body = BUF_INIT;
	struct timeval tv = {2, 0};
	int status = 200, head_only;
	size_t plen;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (read_head(fd, req, sizeof(req)) < 0)
		return;
	head_only = !strncmp(req, "HEAD ", 5);
	plen = strcspn(req + (head_only ? 5 : 4), " ?\r\n");
	if (strncmp(req, "GET ", 4) && !head_only) {
		status = 405;
		buf_addstr(&body, "only GET /metrics here\n");
	} else if (plen != 8 || strncmp(req + (head_only ? 5 : 4), "/metrics", 8)) {
		status = 404;
		buf_addstr(&body, "only GET /metrics here\n");
	} else {
		render(&body, arg);
	}
	buf_addf(&head,
		 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		 "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
		 status,
		 status == 200	 ? "OK"
		 : status == 404 ? "Not Found"
				 : "Method Not Allowed",
		 status == 200 ? ctype : "text/plain; charset=utf-8", body.len);
	if (write_all(fd, head.buf, head.len) == 0 && !head_only)
		write_all(fd, body.buf, body.len);
	buf_release(&head);
	buf_release(&body);
}

static volatile sig_atomic_t stop_now;

static void on_term(int sig)
{
	(void)sig;
	stop_now = 1;
}

static void serve(int lfd, pid_t parent, metricsd_render_fn render, void *arg)
{
	struct sigaction sa;
	sigset_t none;

	/* the API master blocks its signals outside sigsuspend: start clean */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_NAME, "metricsd"); /* ps tells it from the pool children */
	if (getppid() != parent)
		return; /* the parent died before prctl took effect */
	while (!stop_now) {
		struct pollfd p = {lfd, POLLIN, 0};
		int cfd;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		answer(cfd, render, arg);
		close(cfd);
	}
}

int metricsd_start(const char *where, metricsd_render_fn render, void *arg, pid_t *pid,
		   struct err *e)
{
	pid_t parent = getpid(), child;
	int lfd = bind_listener(where, e);

	*pid = -1;
	if (lfd < 0)
		return -1;
	child = fork();
	if (child < 0) {
		close(lfd);
		return err_set(e, 500, "internal_error", "cannot fork the metrics listener: %s",
			       strerror(errno));
	}
	if (child == 0) {
		serve(lfd, parent, render, arg);
		_exit(0);
	}
	close(lfd);
	*pid = child;
	return 0;
}

void metricsd_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
