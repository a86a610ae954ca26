/* local.c: the local build driver: platform-build started per deployment, its log read without
 * blocking */
#include "local.h"

#include "buildjob.h"
#include "crypto.h"
#include "log.h"
#include "naming.h"
#include "redact.h"
#include "deploy.h"
#include "msession.h"
#include "secret_purpose.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef BUILDER_TEMPLATES_DIR
#define BUILDER_TEMPLATES_DIR "/usr/local/share/platform/builder/templates"
#endif

#define READ_CHUNK 65536
#define KILL_GRACE 10.0 /* seconds from SIGTERM to SIGKILL */
#define RESTARTED  "the worker restarted during a local build; deploy again"

enum local_phase { L_LOAD, L_RUN };

struct local_build {
	enum local_phase phase;
	pid_t pid;  /* the build process (leads its process group), 0 when none */
	int fd;	    /* read end of its output, -1 when closed */
	int status; /* wait status once reaped */
	int reaped;
	double started_at, term_at;
	struct buf pending;   /* output not stored yet (an incomplete UTF-8 sequence or secret) */
	struct redact redact; /* the GitHub token, the registry password, token shapes */
	char dir[1024];	      /* PLATFORM_BUILD_DIR/<deployment id> */
	char image[512], tag[160], digest[160], commit[48], framework[32];
};

static int find_helper(const struct config *cfg, struct err *e);

int local_selected(const struct config *cfg)
{
	if (cfg->build_driver && *cfg->build_driver)
		return !strcmp(cfg->build_driver, "local");
	return !cfg->jenkins_url || !*cfg->jenkins_url;
}

int local_check_config(const struct config *cfg, struct err *e)
{
	/* PLATFORM_BUILD_DRIVER and PLATFORM_BUILDER_TOOL are enums: lib/config/config checked them
	 */
	if (!cfg->registry_url || !*cfg->registry_url)
		return err_set(
		    e, 500, "missing_setting",
		    "the local builder pushes to PLATFORM_REGISTRY_URL, which is not set");
	return find_helper(cfg, e);
}

/* ---------------------------------------------------------------- starting platform-build */

/* The helper's path, found once at start (local_check_config): an upgrade that replaces the
 * worker's binary while it runs must not change what a build runs. */
static char helper[4096];

static int find_helper(const struct config *cfg, struct err *e)
{
	char exe[4000];
	ssize_t n;
	char *slash;

	if (cfg->build_helper && *cfg->build_helper) {
		snprintf(helper, sizeof(helper), "%s", cfg->build_helper);
	} else {
		/* next to platform-worker when installed (bindir); in the build tree it is
		 * builder/platform-build beside worker/ */
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return err_set(e, 500, "missing_setting",
				       "cannot find the worker's own path (/proc/self/exe); set "
				       "PLATFORM_BUILD_HELPER to the platform-build program");
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')))
			*slash = '\0';
		snprintf(helper, sizeof(helper), "%s/platform-build", exe);
		if (access(helper, X_OK) < 0)
			snprintf(helper, sizeof(helper), "%s/../builder/platform-build", exe);
	}
	if (access(helper, X_OK) < 0)
		return err_set(e, 500, "missing_helper",
			       "the local builder runs %s (PLATFORM_BUILD_HELPER): %s", helper,
			       strerror(errno));
	return 0;
}

/* `fd` moved above the standard descriptors (close-on-exec), so the child's dup2 calls onto
 * 0, 1 and 2 cannot overwrite one another; -1 with errno. */
static int above_stdio(int fd)
{
	int moved;

	if (fd > STDERR_FILENO)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return moved;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A readable descriptor (close-on-exec) holding the job description, for the build's stdin.
 * It is written completely before the fork, so the worker never waits on its child and the
 * child only has to dup2 it: a pipe when the text fits in the pipe's buffer (it always does with
 * the limits of builder/buildjob.c, unless the user is over fs.pipe-user-pages-soft), else an
 * unlinked 0600 file in the build folder. -1 with errno. */
static int job_input(const char *dir, const char *text, size_t len)
{
	char path[1100];
	int p[2], fd;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) {
		if (fcntl(p[1], F_GETPIPE_SZ) < (long)len)
			fcntl(p[1], F_SETPIPE_SZ, (int)len); /* fails past fs.pipe-max-size */
		if (fcntl(p[1], F_GETPIPE_SZ) >= (long)len && write_all(p[1], text, len) == 0 &&
		    fcntl(p[0], F_SETFL, 0) == 0) {
			close(p[1]);
			return p[0];
		}
		close(p[0]);
		close(p[1]);
	}
	snprintf(path, sizeof(path), "%s/job.json", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	unlink(path); /* only the descriptor keeps it: the secrets have no name on disk */
	if (write_all(fd, text, len) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The worker's environment without its PLATFORM_* settings (the database URL, the secret key,
 * the registry password...): platform-build reads everything from its job, and buildah and the
 * repository's own build steps have no business with them. The strings are borrowed from
 * environ; free the array. */
static char **child_env(void)
{
	extern char **environ;
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 1, sizeof(*env));
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], "PLATFORM_", 9))
			env[k++] = environ[i];
	}
	return env;
}

/* What the forked child needs, prepared before fork: from fork to exec the child of a threaded
 * process may only make async-signal-safe calls (another thread may have held the allocator's,
 * stdio's, libcurl's or OpenSSL's locks at the moment of fork, and the child would wait on them
 * forever). */
struct spawn {
	int in, out;	      /* the job description; the write end of the log pipe */
	pid_t parent;	      /* the worker, to notice that it died before PR_SET_PDEATHSIG */
	char *argv[2];	      /* the helper, no arguments: nothing secret on a command line */
	char **envp;	      /* child_env() */
	struct sigaction dfl; /* SIG_DFL for every signal */
	sigset_t none;
	char fail[4200]; /* written if execve fails */
	size_t fail_len;
	int maxfd; /* RLIMIT_NOFILE, for kernels without close_range */
};

static void exec_helper(const struct spawn *sp) __attribute__((noreturn));
static void exec_helper(const struct spawn *sp)
{
	setpgid(0, 0); /* cancel and timeouts end the whole group: platform-build and buildah */
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with its worker: see local.h */
	if (getppid() != sp->parent)
		_exit(127); /* the worker is already gone */
	/* buildah and the build's own commands start with default signals, whatever the worker (or
	 * whoever started it: SIGQUIT, SIGHUP) ignores */
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sp->dfl, NULL);
	sigprocmask(SIG_SETMASK, &sp->none, NULL);
	if (dup2(sp->in, STDIN_FILENO) < 0 || dup2(sp->out, STDOUT_FILENO) < 0 ||
	    dup2(sp->out, STDERR_FILENO) < 0)
		_exit(127);
	/* the database socket, nchan's connections and other builds' pipes stay with the worker
	 * (most are close-on-exec already; this does not depend on every library doing so) */
	if (close_range(STDERR_FILENO + 1, ~0U, 0) < 0) {
		for (int fd = STDERR_FILENO + 1; fd < sp->maxfd; fd++)
			close(fd);
	}
	execve(sp->argv[0], sp->argv, sp->envp);
	if (write(STDERR_FILENO, sp->fail, sp->fail_len) < 0)
		_exit(127);
	_exit(127);
}

/* ---------------------------------------------------------------- the worker side */

static struct local_build *lb_of(struct build *b)
{
	struct local_build *lb = b->drv;

	if (!lb) {
		lb = b->drv = xcalloc(1, sizeof(*lb));
		lb->fd = -1;
		redact_init(&lb->redact);
		if (b->w->cfg->registry_password)
			redact_add_str(&lb->redact, b->w->cfg->registry_password);
	}
	return lb;
}

/* The image is in the registry and on the row: the engine has GitOps written (RELEASE). */
static void to_release(struct build *b)
{
	struct local_build *lb = b->drv;

	lb->phase = L_LOAD; /* if the release sends the build back to LOAD */
	engine_pushed(b);
}

/* The deployment ends here (or ended elsewhere already): the engine's one end. */
static void finish(struct build *b, enum deploy_state to, const char *reason)
{
	engine_finish(b, to, reason);
}

/* Store what of `pending` is complete text at the build's offset; publish it. */
static int flush_log(struct build *b, int all)
{
	struct local_build *lb = b->drv;
	struct err e = ERR_INIT;
	size_t keep;
	int stored;

	if (!lb->pending.len)
		return 0;
	keep = all ? lb->pending.len : deploy_log_cut(lb->pending.buf, lb->pending.len);
	/* the deployment's secrets (project env, loaded by engine.c) and the builder's own */
	keep = redact_mask(&b->redact, lb->pending.buf, lb->pending.len, keep, all);
	keep = redact_mask(&lb->redact, lb->pending.buf, lb->pending.len, keep, all);
	if (!keep)
		return 0;
	stored = deploy_store_log(&b->w->db, b->id, b->offset, lb->pending.buf, keep, &e);
	if (stored < 0) {
		log_warn("storing the build log failed; retrying", "deployment_id", b->id, "reason",
			 e.msg, NULL);
		return -1;
	}
	if (!stored) {
		/* another worker writes this log now: stop without writing more */
		log_warn("the log offset moved: another worker has this build", "deployment_id",
			 b->id, NULL);
		b->dropped = 1;
		return -1;
	}
	if (b->w->sink.chunk)
		b->w->sink.chunk(b->w->sink.arg, b->id, b->offset, lb->pending.buf, keep);
	b->offset += (long long)keep;
	memmove(lb->pending.buf, lb->pending.buf + keep, lb->pending.len - keep);
	lb->pending.len -= keep;
	lb->pending.buf[lb->pending.len] = '\0';
	return 0;
}

static void logf_line(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_line(struct build *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	buf_addstr(&lb_of(b)->pending, line);
	flush_log(b, 1);
}

/* The GitHub token of `user` opened into `out`; nothing when none is stored or readable. */
static void load_token(struct build *b, const char *user, struct buf *out)
{
	const struct config *cfg = b->w->cfg;
	const char *p[1] = {user};
	struct err e = ERR_INIT;
	struct buf raw = BUF_INIT;
	PGresult *res;

	if (!user || !cfg->secret_key)
		return;
	res = msession_github_token(&b->w->db, p, &e);
	if (res && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) &&
	    crypto_unhex(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0), &raw) == 0 &&
	    crypto_open(cfg->secret_key, PURPOSE_GITHUB_TOKEN, raw.buf, raw.len, out) < 0)
		buf_reset(out);
	PQclear(res);
	buf_release(&raw);
}

/* May the builder fetch `url`? NULL when yes, else the reason. *github when it is under
 * PLATFORM_GITHUB_URL over https (the token goes with it). */
static const char *url_refused(const struct config *cfg, const char *url, int *github)
{
	size_t gl = strlen(cfg->github_url);

	*github = 0;
	if (!strncmp(url, "https://", 8)) {
		*github = !strncmp(url, cfg->github_url, gl) && url[gl] == '/';
		return NULL;
	}
	if (!strncmp(url, "file://", 7) || url[0] == '/' || !strncmp(url, "http://", 7))
		return cfg->allow_local_repos
			   ? NULL
			   : "the repository is not an https URL; local and plain-HTTP "
			     "repositories "
			     "need PLATFORM_ALLOW_LOCAL_REPOS=1 (development machines only)";
	return "the repository URL must be https (or file:// with PLATFORM_ALLOW_LOCAL_REPOS=1)";
}

/* Fill `sp` for build `b` (everything exec_helper needs); the job description goes into sp->in.
 * 0, or -1 with `why` for the deployment. */
static int spawn_prepare(struct build *b, const struct deploy_info *d, int github, struct spawn *sp,
			 char *why, size_t n)
{
	const struct config *cfg = b->w->cfg;
	struct local_build *lb = b->drv;
	struct buildjob j;
	struct buf json = BUF_INIT;
	struct rlimit lim;
	int p[2];

	buildjob_init(&j);
	j.id = b->id;
	j.dir = lb->dir;
	j.repo_url = d->repo_url;
	j.branch = d->branch ? d->branch : "main";
	j.commit = d->commit;
	j.image = lb->image;
	j.port = d->port;
	j.registry_url = cfg->registry_url;
	j.registry_user = cfg->registry_user;
	j.builder_tool = cfg->builder_tool;
	j.builder_storage = cfg->builder_storage;
	j.templates = cfg->builder_templates ? cfg->builder_templates : BUILDER_TEMPLATES_DIR;
	j.base_image[DETECT_BASE_NONE] = cfg->base_image_runtime;
	j.base_image[DETECT_BASE_NODE] = cfg->base_image_node;
	j.base_image[DETECT_BASE_PYTHON] = cfg->base_image_python;
	j.base_image[DETECT_BASE_GO] = cfg->base_image_go;
	j.base_image[DETECT_BASE_STATIC] = cfg->base_image_static;
	if (cfg->registry_password)
		buf_addstr(&j.registry_password, cfg->registry_password);
	if (github)
		load_token(b, d->triggered_by ? d->triggered_by : d->user_id, &j.github_token);
	if (j.github_token.len)
		redact_add(&lb->redact, j.github_token.buf, j.github_token.len);
	buildjob_json(&j, &json);
	buildjob_release(&j);
	sp->in = job_input(lb->dir, json.buf, json.len);
	OPENSSL_cleanse(json.buf, json.len);
	buf_release(&json);
	if (sp->in < 0 || (sp->in = above_stdio(sp->in)) < 0) {
		snprintf(why, n, "the worker could not hand the job to the build process: %s",
			 strerror(errno));
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, n, "the worker could not open the build's log pipe: %s",
			 strerror(errno));
		return -1;
	}
	p[0] = above_stdio(p[0]);
	p[1] = above_stdio(p[1]);
	if (p[0] < 0 || p[1] < 0) {
		snprintf(why, n, "the worker could not open the build's log pipe: %s",
			 strerror(errno));
		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
		return -1;
	}
	lb->fd = p[0];
	sp->out = p[1];
	sp->parent = getpid();
	sp->argv[0] = helper;
	sp->argv[1] = NULL;
	sp->envp = child_env();
	memset(&sp->dfl, 0, sizeof(sp->dfl));
	sp->dfl.sa_handler = SIG_DFL;
	sigemptyset(&sp->none);
	snprintf(sp->fail, sizeof(sp->fail),
		 "error: the worker could not run the build program %s (PLATFORM_BUILD_HELPER)\n",
		 helper);
	sp->fail_len = strlen(sp->fail);
	sp->maxfd = getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < 1048576
			? (int)lim.rlim_cur
			: 1048576;
	return 0;
}

/* The helper `pid` runs: follow its output, and the deployment is building. */
static void started(struct build *b, pid_t pid, double now)
{
	struct local_build *lb = b->drv;
	char spid[16];

	setpgid(pid, pid); /* as the child does: whichever runs first, kill(-pid) finds the group */
	fcntl(lb->fd, F_SETFL, fcntl(lb->fd, F_GETFL) | O_NONBLOCK);
	lb->pid = pid;
	lb->reaped = 0;
	lb->started_at = now;
	lb->phase = L_RUN;
	if (engine_move(b, DEPLOY_BUILDING, NULL) < 0)
		b->next_at = now; /* the state comes with the next step; the build runs */
	snprintf(spid, sizeof(spid), "%d", (int)pid);
	log_info("local build started", "deployment_id", b->id, "build_pid", spid, "image",
		 lb->image, NULL);
	b->next_at = now + 1.0;
}

static void spawn(struct build *b, const struct deploy_info *d, double now)
{
	const struct config *cfg = b->w->cfg;
	struct local_build *lb = b->drv;
	struct spawn sp = {.in = -1, .out = -1};
	struct buf app = BUF_INIT, token = BUF_INIT;
	struct err e = ERR_INIT;
	const char *reg, *why;
	char msg[1200];
	size_t rlen;
	int insecure, github, claimed;
	pid_t pid;

	if ((why = url_refused(cfg, d->repo_url, &github))) {
		finish(b, DEPLOY_FAILED, why);
		return;
	}
	if (naming_app_name(&app, d->workspace_id, d->user_id, d->project_name, &e) < 0) {
		finish(b, DEPLOY_FAILED, e.msg);
		goto out;
	}
	if (crypto_token(&token, 16) < 0) {
		engine_reload(b, now + 1.0);
		goto out;
	}
	/* the same claim as a Jenkins trigger: a second worker sees trigger_started_at */
	claimed = deploy_trigger_begin(&b->w->db, b->id, token.buf, &e);
	buf_reset(&token);
	if (claimed <= 0) {
		engine_reload(b, now + (claimed < 0 ? 1.0 : 0));
		goto out;
	}
	reg = buildjob_registry(cfg->registry_url, &insecure, &rlen);
	snprintf(lb->image, sizeof(lb->image), "%.*s/%s", (int)rlen, reg, app.buf);
	snprintf(lb->dir, sizeof(lb->dir), "%s/%s", cfg->build_dir, b->id);
	buildjob_rm_tree(lb->dir);
	if (buildjob_mkdirs(lb->dir) < 0) {
		snprintf(msg, sizeof(msg),
			 "cannot create the build folder %s: %s (PLATFORM_BUILD_DIR)", lb->dir,
			 strerror(errno));
		finish(b, DEPLOY_FAILED, msg);
		goto out;
	}
	if (spawn_prepare(b, d, github, &sp, msg, sizeof(msg)) < 0) {
		buildjob_rm_tree(lb->dir);
		finish(b, DEPLOY_FAILED, msg);
		goto out;
	}
	pid = fork();
	if (pid == 0)
		exec_helper(&sp);
	if (pid < 0) {
		close(lb->fd);
		lb->fd = -1;
		buildjob_rm_tree(lb->dir);
		finish(b, DEPLOY_FAILED,
		       "the worker could not start a build process (fork failed)");
		goto out;
	}
	started(b, pid, now);
out:
	if (sp.in >= 0)
		close(sp.in);
	if (sp.out >= 0)
		close(sp.out);
	free(sp.envp);
	buf_release(&token);
	buf_release(&app);
}

/* The engine's LOAD hands the deployment over: start a build, or resume what a worker that
 * died left (only a release missing), or end it. */
static void local_start(struct build *b, const struct deploy_info *d, double now)
{
	struct local_build *lb = lb_of(b);

	lb->phase = L_LOAD;
	if (deploy_state_final(d->state) || d->state >= DEPLOY_RELEASED) {
		engine_over(b); /* ended, or released: the stage follows it */
	} else if (!strcmp(d->action, "rollback")) {
		/* the engine sends rollbacks to RELEASE when the worker may write GitOps */
		finish(b, DEPLOY_FAILED,
		       "a rollback with the local builder needs PLATFORM_GITOPS_URL and "
		       "PLATFORM_ROLLBACK_MODE=direct");
	} else if (d->state == DEPLOY_PUSHED) {
		to_release(b); /* its worker died after the push: only the release is missing */
	} else if (d->trigger_started_at > 0) {
		finish(b, DEPLOY_FAILED, RESTARTED);
	} else if (b->cancel_requested) {
		finish(b, DEPLOY_CANCELLED, NULL);
	} else {
		spawn(b, d, now);
	}
}

/* Read what the build printed; 1 at end of output. */
static int drain(struct build *b)
{
	struct local_build *lb = b->drv;
	char chunk[READ_CHUNK];
	ssize_t n;
	int eof = 0;

	for (int i = 0; i < 16 && lb->fd >= 0; i++) {
		n = read(lb->fd, chunk, sizeof(chunk));
		if (n > 0) {
			buf_add(&lb->pending, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		eof = 1;
		close(lb->fd);
		lb->fd = -1;
	}
	if (lb->fd < 0)
		eof = 1;
	flush_log(b, eof);
	return eof;
}

static void read_small(const char *dir, const char *name, char *out, size_t n)
{
	char path[1200];
	FILE *f;
	size_t got;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return;
	got = fread(out, 1, n - 1, f);
	out[got] = '\0';
	fclose(f);
	while (got && (out[got - 1] == '\n' || out[got - 1] == '\r'))
		out[--got] = '\0';
}

/* key=value from DIR/result. */
static void result_value(const char *text, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);

	out[0] = '\0';
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			const char *end = strchr(p + kl + 1, '\n');
			size_t len = end ? (size_t)(end - p - kl - 1) : strlen(p + kl + 1);

			snprintf(out, n, "%.*s", (int)len, p + kl + 1);
			return;
		}
	}
}

static void ended(struct build *b, double now)
{
	struct local_build *lb = b->drv;
	const struct config *cfg = b->w->cfg;
	char text[1024], why[512];
	struct err e = ERR_INIT;

	if (b->halt == HALT_CANCEL) {
		logf_line(b, "==> cancelled\n");
		finish(b, DEPLOY_CANCELLED, NULL);
	} else if (b->halt == HALT_SUPERSEDE || b->state == DEPLOY_SUPERSEDED) {
		finish(b, DEPLOY_SUPERSEDED, NULL);
	} else if (b->halt == HALT_BUILD_TIMEOUT) {
		snprintf(why, sizeof(why),
			 "the build ran longer than the limit of %ld s and was stopped",
			 cfg->jenkins_build_timeout);
		logf_line(b, "error: %s\n", why);
		finish(b, DEPLOY_FAILED, why);
	} else if (!WIFEXITED(lb->status) || WEXITSTATUS(lb->status) != 0) {
		read_small(lb->dir, "error", why, sizeof(why));
		if (!why[0])
			snprintf(why, sizeof(why),
				 "the local build process ended with %s %d; see the build log",
				 WIFEXITED(lb->status) ? "status" : "signal",
				 WIFEXITED(lb->status) ? WEXITSTATUS(lb->status)
						       : WTERMSIG(lb->status));
		finish(b, DEPLOY_FAILED, why);
	} else {
		const char *p[5];

		read_small(lb->dir, "result", text, sizeof(text));
		result_value(text, "tag", lb->tag, sizeof(lb->tag));
		result_value(text, "commit", lb->commit, sizeof(lb->commit));
		result_value(text, "framework", lb->framework, sizeof(lb->framework));
		read_small(lb->dir, "digest", lb->digest, sizeof(lb->digest));
		if (!lb->tag[0]) {
			finish(b, DEPLOY_FAILED,
			       "the local build ended without a result; see the build log");
			goto out;
		}
		p[0] = b->id;
		p[1] = lb->image;
		p[2] = lb->tag;
		p[3] = lb->digest[0] ? lb->digest : NULL;
		p[4] = lb->commit[0] ? lb->commit : NULL;
		if (deploy_set_image(&b->w->db, p, &e) < 0 ||
		    engine_move(b, DEPLOY_PUSHED, NULL) < 0) {
			b->next_at = now + 1.0;
			return; /* the result files are still there: try again */
		}
		logf_line(b, "==> release %s:%s to GitOps\n", lb->image, lb->tag);
		buildjob_rm_tree(lb->dir);
		to_release(b);
		return;
	}
out:
	buildjob_rm_tree(lb->dir);
}

static void check_halt(struct build *b, double now)
{
	struct local_build *lb = b->drv;

	if (b->halt == HALT_NONE) {
		if (b->state == DEPLOY_SUPERSEDED)
			b->halt = HALT_SUPERSEDE;
		else if (b->cancel_requested)
			b->halt = HALT_CANCEL;
		else if (now - lb->started_at > (double)b->w->cfg->jenkins_build_timeout)
			b->halt = HALT_BUILD_TIMEOUT;
	}
	if (b->halt == HALT_NONE || lb->reaped)
		return;
	if (!b->halt_sent) {
		kill(-lb->pid, SIGTERM);
		b->halt_sent = 1;
		lb->term_at = now;
		log_info("ending the local build early", "deployment_id", b->id, NULL);
	} else if (now - lb->term_at > KILL_GRACE) {
		kill(-lb->pid, SIGKILL);
	}
}

static void step_run(struct build *b, double now)
{
	struct local_build *lb = b->drv;
	int eof;

	check_halt(b, now);
	eof = drain(b);
	if (b->dropped) {
		kill(-lb->pid, SIGKILL);
		return;
	}
	if (!lb->reaped) {
		pid_t r = waitpid(lb->pid, &lb->status, WNOHANG);

		if (r == lb->pid || (r < 0 && errno == ECHILD))
			lb->reaped = 1;
	}
	if (!eof || !lb->reaped) {
		/* output wakes us through local_wait; the exit after EOF comes within moments */
		b->next_at = now + (eof ? 0.05 : 1.0);
		return;
	}
	kill(-lb->pid, SIGKILL); /* anything the build left running in its group */
	lb->pid = 0;
	ended(b, now);
}

static void local_step(struct build *b, double now)
{
	struct local_build *lb = lb_of(b);

	if (lb->phase == L_RUN)
		step_run(b, now);
	else
		engine_reload(b, now); /* not started: the engine loads the row and starts it */
}

static void local_drv_release(struct build *b)
{
	struct local_build *lb = b->drv;

	if (!lb)
		return;
	if (lb->pid > 0 && !lb->reaped) {
		kill(-lb->pid, SIGKILL);
		while (waitpid(lb->pid, &lb->status, 0) < 0 && errno == EINTR)
			;
	}
	if (lb->fd >= 0)
		close(lb->fd);
	if (lb->dir[0] && lb->pid > 0)
		buildjob_rm_tree(lb->dir);
	buf_release(&lb->pending);
	redact_release(&lb->redact);
	free(lb);
	b->drv = NULL;
}

static int local_wait(struct worker *w, int db_fd, int timeout_ms, int *db_ready)
{
	struct pollfd fds[256];
	struct build *who[256];
	int n = 0, r;

	*db_ready = 0;
	if (db_fd >= 0) {
		fds[n].fd = db_fd;
		fds[n].events = POLLIN;
		who[n++] = NULL;
	}
	for (struct build *b = w->builds; b && n < 256; b = b->next) {
		struct local_build *lb = b->drv;

		if (lb && lb->fd >= 0) {
			fds[n].fd = lb->fd;
			fds[n].events = POLLIN;
			who[n++] = b;
		}
	}
	r = poll(fds, (nfds_t)n, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	for (int i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (who[i])
			who[i]->next_at = 0;
		else
			*db_ready = 1;
	}
	return 0;
}

const struct build_driver drv_local = {
    .name = "local",
    .check_config = local_check_config,
    .start = local_start,
    .step = local_step,
    .release = local_drv_release,
    .wait = local_wait,
};
