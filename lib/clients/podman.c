/* podman.c: the podman command line, started with posix_spawn, read without a shell */
#include "podman.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_ARGS 256

/* argv: the program, the global flags split on blanks (in `flags`, which is cut up), args. */
static int build_argv(const struct config *cfg, char *flags, const char *const *args, char **argv)
{
	int n = 0;

	argv[n++] = (char *)(cfg->podman && *cfg->podman ? cfg->podman : "podman");
	for (char *save = NULL, *t = strtok_r(flags, " \t\n", &save); t && n < MAX_ARGS / 2;
	     t = strtok_r(NULL, " \t\n", &save))
		argv[n++] = t;
	for (; *args && n < MAX_ARGS - 1; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read both pipes until both close or the time is up; 0, or -1 on time out. */
static int read_both(int fds[2], struct buf *out[2], double until)
{
	char chunk[8192];
	int open_fds = 2;

	while (open_fds) {
		struct pollfd p[2];
		int left = (int)((until - now_s()) * 1000), n = 0, map[2];

		if (left <= 0)
			return -1;
		for (int i = 0; i < 2; i++) {
			if (fds[i] < 0)
				continue;
			p[n].fd = fds[i];
			p[n].events = POLLIN;
			map[n++] = i;
		}
		if (poll(p, (nfds_t)n, left) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (int k = 0; k < n; k++) {
			int i = map[k];
			ssize_t got;

			if (!p[k].revents)
				continue;
			got = read(fds[i], chunk, sizeof(chunk));
			if (got > 0) {
				if (out[i])
					buf_add(out[i], chunk, (size_t)got);
			} else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(fds[i]);
				fds[i] = -1;
				open_fds--;
			}
		}
	}
	return 0;
}

int podman_exec(const struct config *cfg, const char *const *args, int timeout_s, struct buf *out,
		struct buf *errout, struct err *e)
{
	char *flags = xstrdup(cfg->podman_flags ? cfg->podman_flags : "");
	char *argv[MAX_ARGS];
	int po[2] = {-1, -1}, pe[2] = {-1, -1}, fds[2], status = 0, ret = -1, late = 0;
	struct buf *bufs[2] = {out, errout};
	posix_spawn_file_actions_t fa;
	pid_t pid;

	build_argv(cfg, flags, args, argv);
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		err_set(e, 500, "runtime_error", "cannot open pipes for podman: %s",
			strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pe[1], STDERR_FILENO);
	errno = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	if (errno) {
		err_set(e, 500, "runtime_error", "cannot run %s (PLATFORM_PODMAN): %s", argv[0],
			strerror(errno));
		goto out;
	}
	fds[0] = po[0];
	fds[1] = pe[0];
	po[0] = pe[0] = -1;
	if (read_both(fds, bufs, now_s() + timeout_s) < 0) {
		kill(pid, SIGKILL);
		late = 1;
		err_set(e, 504, "runtime_timeout", "podman %s did not finish within %d s", args[0],
			timeout_s);
	}
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (late)
		goto out;
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	free(flags);
	return ret;
}

/* ---------------------------------------------------------------- listing */

static const char *label_of(json_object *c, const char *name)
{
	json_object *labels, *v;

	if (!json_object_object_get_ex(c, "Labels", &labels) ||
	    !json_object_object_get_ex(labels, name, &v))
		return "";
	return json_object_get_string(v);
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static void parse_container(json_object *c, struct podman_container *pc)
{
	json_object *v, *ports;

	memset(pc, 0, sizeof(*pc));
	if (json_object_object_get_ex(c, "Id", &v))
		copy(pc->id, sizeof(pc->id), json_object_get_string(v));
	if (json_object_object_get_ex(c, "Names", &v) && json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v) > 0)
		copy(pc->name, sizeof(pc->name),
		     json_object_get_string(json_object_array_get_idx(v, 0)));
	copy(pc->app, sizeof(pc->app), label_of(c, PODMAN_LABEL_APP));
	copy(pc->project, sizeof(pc->project), label_of(c, PODMAN_LABEL_PROJECT));
	copy(pc->deployment, sizeof(pc->deployment), label_of(c, PODMAN_LABEL_DEPLOYMENT));
	copy(pc->tag, sizeof(pc->tag), label_of(c, PODMAN_LABEL_TAG));
	pc->running = json_object_object_get_ex(c, "State", &v) &&
		      !strcmp(json_object_get_string(v), "running");
	if (json_object_object_get_ex(c, "Pid", &v))
		pc->pid = json_object_get_int(v);
	if (json_object_object_get_ex(c, "Ports", &ports) &&
	    json_object_is_type(ports, json_type_array) && json_object_array_length(ports) > 0 &&
	    json_object_object_get_ex(json_object_array_get_idx(ports, 0), "host_port", &v))
		pc->host_port = json_object_get_int(v);
}

int podman_list(const struct config *cfg, const char *label, struct podman_list *out, struct err *e)
{
	char managed[64], filter[400];
	const char *args[10] = {"ps", "-a", "--format", "json", "--filter", managed, NULL};
	struct buf o = BUF_INIT, er = BUF_INIT;
	json_object *arr = NULL;
	int rc, ret = -1;

	memset(out, 0, sizeof(*out));
	snprintf(managed, sizeof(managed), "label=%s=1", PODMAN_LABEL_MANAGED);
	if (label) {
		snprintf(filter, sizeof(filter), "label=%s", label);
		args[6] = "--filter";
		args[7] = filter;
		args[8] = NULL;
	}
	rc = podman_exec(cfg, args, 30, &o, &er, e);
	if (rc < 0)
		goto out;
	if (rc != 0) {
		err_set(e, 502, "runtime_error", "podman ps failed: %.300s", er.len ? er.buf : "");
		goto out;
	}
	arr = json_tokener_parse(o.len ? o.buf : "[]");
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		err_set(e, 502, "runtime_error", "podman ps gave no JSON list");
		goto out;
	}
	out->n = json_object_array_length(arr);
	out->items = xcalloc(out->n ? out->n : 1, sizeof(*out->items));
	for (size_t i = 0; i < out->n; i++)
		parse_container(json_object_array_get_idx(arr, i), &out->items[i]);
	ret = 0;
out:
	json_object_put(arr);
	buf_release(&o);
	buf_release(&er);
	return ret;
}

void podman_list_release(struct podman_list *l)
{
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

int podman_remove(const struct config *cfg, const char *const *names, size_t n, struct err *e)
{
	const char **args = xcalloc(n + 6, sizeof(*args));
	struct buf er = BUF_INIT;
	size_t k = 0;
	int rc;

	if (!n) {
		free(args);
		return 0;
	}
	args[k++] = "rm";
	args[k++] = "-f";
	args[k++] = "-t";
	args[k++] = "2";
	for (size_t i = 0; i < n; i++)
		args[k++] = names[i];
	args[k] = NULL;
	rc = podman_exec(cfg, args, 60, NULL, &er, e);
	if (rc > 0)
		err_set(e, 502, "runtime_error", "podman rm failed: %.300s", er.len ? er.buf : "");
	free(args);
	buf_release(&er);
	return rc == 0 ? 0 : -1;
}

int podman_logs(const struct config *cfg, const char *name, int tail, struct buf *out,
		struct err *e)
{
	char n[16];
	const char *args[] = {"logs", "--tail", n, name, NULL};
	int rc;

	snprintf(n, sizeof(n), "%d", tail);
	/* the app's stdout and stderr, in podman's order: both into one buffer */
	rc = podman_exec(cfg, args, 30, out, out, e);
	if (rc > 0)
		err_set(e, 502, "runtime_error", "podman logs failed for %s", name);
	return rc == 0 ? 0 : -1;
}
