/* podman.h: running the podman command line, for the podman runtime (prefix podman_).
 *
 * Every call is `<PLATFORM_PODMAN> <PLATFORM_PODMAN_FLAGS> ARGS...`, started with posix_spawn
 * (safe in the threaded worker: no code of ours runs between fork and exec), its stdout and
 * stderr read without a shell. The global flags are split on blanks (no quoting): on this
 * project's build machines they are `--root R --runroot RR --storage-driver vfs
 * --cgroup-manager cgroupfs --runtime runc`; on a normal machine podman's defaults are right
 * and the setting stays empty.
 *
 * Containers of the runtime carry labels (PODMAN_LABEL_*) so they are always found again:
 * what runs is read back from podman (podman_list), never remembered only in memory.
 *
 * Ownership: every argument is borrowed; the caller owns the buffers and list it passes.
 */
#ifndef PLATFORM_PODMAN_H
#define PLATFORM_PODMAN_H

#include "buf.h"
#include "config.h"
#include "err.h"

#define PODMAN_LABEL_MANAGED	"platform.managed"
#define PODMAN_LABEL_APP	"platform.app"
#define PODMAN_LABEL_PROJECT	"platform.project"
#define PODMAN_LABEL_DEPLOYMENT "platform.deployment"
#define PODMAN_LABEL_TAG	"platform.tag"

/* Run podman with `args` (NULL-terminated, after the global flags); wait up to timeout_s.
 * `out` (may be NULL) gets stdout, `errout` (may be NULL) stderr. Returns the exit status
 * (0 success), or -1 with `e` when podman could not be started or ran past its time (it is
 * then killed). */
int podman_exec(const struct config *cfg, const char *const *args, int timeout_s, struct buf *out,
		struct buf *errout, struct err *e);

struct podman_container {
	char id[80], name[160];
	char app[80], project[48], deployment[48], tag[160];
	int running;
	int pid;       /* the container's main process on the host, 0 when not running */
	int host_port; /* the first published port on 127.0.0.1, 0 when none */
};

struct podman_list {
	struct podman_container *items;
	size_t n;
};

/* The runtime's containers (label platform.managed=1), running or not; with `label` (e.g.
 * "platform.app=ws-u-p") only those that also carry it. 0, or -1 with `e`. */
int podman_list(const struct config *cfg, const char *label, struct podman_list *out,
		struct err *e);
void podman_list_release(struct podman_list *l);

/* Remove containers by name or id (force: running ones are stopped first). 0 or -1. */
int podman_remove(const struct config *cfg, const char *const *names, size_t n, struct err *e);

/* The last `tail` lines a container printed (stdout and stderr), appended to `out`. */
int podman_logs(const struct config *cfg, const char *name, int tail, struct buf *out,
		struct err *e);

#endif
