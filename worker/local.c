/* local.c: the local build driver: a forked build process per deployment, its log read without blocking */
#include "local.h"

#include "crypto.h"
#include "detect.h"
#include "gitops.h"
#include "log.h"
#include "naming.h"
#include "redact.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <git2.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef BUILDER_TEMPLATES_DIR
#define BUILDER_TEMPLATES_DIR "/usr/local/share/platform/builder/templates"
#endif

#define TOKEN_PURPOSE "github-token" /* as fcgi/h_auth.c seals it */
#define READ_CHUNK    65536
#define KILL_GRACE    10.0 /* seconds from SIGTERM to SIGKILL */
#define RESTARTED     "the worker restarted during a local build; deploy again"

enum local_phase { L_LOAD, L_RUN };

struct local_build {
	enum local_phase phase;
	pid_t pid;	 /* the build process (leads its process group), 0 when none */
	int fd;		 /* read end of its output, -1 when closed */
	int status;	 /* wait status once reaped */
	int reaped;
	double started_at, term_at;
	struct buf pending; /* output not stored yet (an incomplete UTF-8 sequence or secret) */
	struct redact redact; /* the GitHub token, the registry password, token shapes */
	char dir[1024];	    /* PLATFORM_BUILD_DIR/<deployment id> */
	char image[512], tag[160], digest[160], commit[48], framework[32];
};

/* What the build process needs; built by the worker before fork, so the child reads no
 * database and no configuration. The token is wiped in the worker once forked. */
struct job {
	const struct config *cfg;
	const char *id, *dir, *url, *branch, *commit, *image;
	struct buf token;
	long port;
};

int local_selected(const struct config *cfg)
{
	if (cfg->build_driver && *cfg->build_driver)
		return !strcmp(cfg->build_driver, "local");
	return !cfg->jenkins_url || !*cfg->jenkins_url;
}

int local_check_config(const struct config *cfg, struct err *e)
{
	if (cfg->build_driver && *cfg->build_driver && strcmp(cfg->build_driver, "local") &&
	    strcmp(cfg->build_driver, "jenkins"))
		return err_set(e, 500, "bad_config", "PLATFORM_BUILD_DRIVER must be local or jenkins");
	if (!cfg->registry_url || !*cfg->registry_url)
		return err_set(e, 500, "missing_setting",
			       "the local builder pushes to PLATFORM_REGISTRY_URL, which is not set");
	if (strcmp(cfg->builder_tool, "buildah") && strcmp(cfg->builder_tool, "docker"))
		return err_set(e, 500, "bad_config", "PLATFORM_BUILDER_TOOL must be buildah or docker");
	return 0;
}

/* ---------------------------------------------------------------- helpers */

/* The registry host[/path] without a scheme; *insecure when it is plain HTTP. */
static const char *registry_ref(const char *url, int *insecure, size_t *len)
{
	const char *p = url;

	*insecure = 0;
	if (!strncmp(p, "http://", 7)) {
		*insecure = 1;
		p += 7;
	} else if (!strncmp(p, "https://", 8)) {
		p += 8;
	}
	*len = strlen(p);
	while (*len && p[*len - 1] == '/')
		(*len)--;
	return p;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int mkdirs(const char *path)
{
	char tmp[1024];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* ---------------------------------------------------------------- the build process */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdprintf(STDOUT_FILENO, fmt, ap);
	va_end(ap);
}

/* Record why the build failed (the deployment's error) and end the process. */
static void die_build(const struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die_build(const struct job *j, const char *fmt, ...)
{
	char why[400], path[1100];
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	say("error: %s\n", why);
	snprintf(path, sizeof(path), "%s/error", j->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		dprintf(fd, "%s", why);
		close(fd);
	}
	_exit(1);
}

/* Run argv with the build's output, in the build's process group; its exit status. */
static int run(char *const argv[])
{
	pid_t pid;
	int st;

	say("$");
	for (int i = 0; argv[i]; i++)
		say(" %s", argv[i]);
	say("\n");
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execvp(argv[0], argv);
		say("error: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int fetch_cred(git_credential **out, const char *url, const char *user, unsigned int allowed,
		    void *payload)
{
	struct job *j = payload;
	static int tries;

	(void)url;
	(void)user;
	if (!j->token.len || !(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) || tries++)
		return GIT_EUSER; /* no token, or it was refused: stop asking */
	return git_credential_userpass_plaintext_new(out, "x-access-token", j->token.buf);
}

static void git_die(const struct job *j, const char *doing)
{
	const git_error *ge = git_error_last();

	die_build(j, "%s failed: %s", doing, ge && ge->message ? ge->message : "unknown error");
}

/* Step 1: the commit's files into DIR/src; the commit id into `commit`. */
static void fetch(struct job *j, char *commit, size_t n)
{
	char gitdir[1100], src[1100], spec[600], remote_ref[600];
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_fetch_options fo;
	git_checkout_options co;
	git_object *obj = NULL;
	const git_indexer_progress *pr;
	char *specs[1] = {spec};
	git_strarray refspecs = {specs, 1};
	struct buf shown = BUF_INIT;

	gitops_url_redact(&shown, j->url);
	say("==> fetch %s (branch %s%s%s)\n", shown.buf, j->branch, j->commit ? ", commit " : "",
	    j->commit ? j->commit : "");
	buf_release(&shown);
	snprintf(gitdir, sizeof(gitdir), "%s/git", j->dir);
	snprintf(src, sizeof(src), "%s/src", j->dir);
	snprintf(spec, sizeof(spec), "+refs/heads/%s:refs/remotes/origin/%s", j->branch, j->branch);
	snprintf(remote_ref, sizeof(remote_ref), "refs/remotes/origin/%s", j->branch);
	git_libgit2_init();
	if (git_repository_init(&repo, gitdir, 1) < 0)
		git_die(j, "creating the repository");
	if (git_remote_create_anonymous(&remote, repo, j->url) < 0)
		git_die(j, "reading the repository URL");
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.callbacks.credentials = fetch_cred;
	fo.callbacks.payload = j;
	if (git_remote_fetch(remote, &refspecs, &fo, NULL) < 0) {
		if (j->token.len)
			git_die(j, "fetching the repository (if it is private, sign in again)");
		git_die(j, "fetching the repository");
	}
	pr = git_remote_stats(remote);
	say("fetched %u objects (%zu bytes)\n", pr->received_objects, pr->received_bytes);
	if (j->commit && *j->commit) {
		if (git_revparse_single(&obj, repo, j->commit) < 0)
			die_build(j, "commit %s is not on branch %s", j->commit, j->branch);
	} else if (git_revparse_single(&obj, repo, remote_ref) < 0) {
		die_build(j, "the repository has no branch %s", j->branch);
	}
	{
		git_object *c = NULL;

		if (git_object_peel(&c, obj, GIT_OBJECT_COMMIT) < 0)
			die_build(j, "%s is not a commit", j->commit ? j->commit : j->branch);
		git_object_free(obj);
		obj = c;
	}
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	co.target_directory = src;
	if (mkdirs(src) < 0 || git_checkout_tree(repo, obj, &co) < 0)
		git_die(j, "checking the commit out");
	git_oid_tostr(commit, n, git_object_id(obj));
	say("checked out %s\n", commit);
	git_object_free(obj);
	git_remote_free(remote);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

static int copy_file(const char *from, const char *to)
{
	char b[8192];
	ssize_t n;
	int in = open(from, O_RDONLY), out, ret = 0;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, b, sizeof(b))) > 0) {
		if (write(out, b, (size_t)n) != n) {
			ret = -1;
			break;
		}
	}
	if (n < 0)
		ret = -1;
	close(in);
	close(out);
	return ret;
}

/* A registry login for buildah/docker in a 0600 file (never on a command line). */
static int write_authfile(const struct job *j, const char *host, size_t hlen, const char *path)
{
	const struct config *cfg = j->cfg;
	struct buf plain = BUF_INIT;
	unsigned char enc[1024];
	int fd, n;

	buf_addf(&plain, "%s:%s", cfg->registry_user, cfg->registry_password ? cfg->registry_password : "");
	if (plain.len > 700) {
		buf_release(&plain);
		return -1;
	}
	n = EVP_EncodeBlock(enc, (const unsigned char *)plain.buf, (int)plain.len);
	OPENSSL_cleanse(plain.buf, plain.len);
	buf_release(&plain);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	/* the registry's host is the first path element */
	for (size_t i = 0; i < hlen; i++) {
		if (host[i] == '/') {
			hlen = i;
			break;
		}
	}
	dprintf(fd, "{\"auths\":{\"%.*s\":{\"auth\":\"%.*s\"}}}\n", (int)hlen, host, n, enc);
	OPENSSL_cleanse(enc, sizeof(enc));
	close(fd);
	return 0;
}

/* The build process: never returns. Its output is the deployment's log. */
static void child_main(struct job *j)
{
	const struct config *cfg = j->cfg;
	char commit[48] = "", src[1100], path[1200], tmpl[1200], ref[800], tag[160];
	char base_arg[600], runtime_arg[600], port_arg[40], digestfile[1100], authfile[1100];
	const char *base, *reg;
	struct detect_result d;
	struct err e = ERR_INIT;
	size_t rlen;
	int insecure, rc, fd;

	snprintf(src, sizeof(src), "%s/src", j->dir);
	fetch(j, commit, sizeof(commit));
	OPENSSL_cleanse(j->token.buf, j->token.len);

	say("==> detect\n");
	if (detect_dir(src, &d, &e) < 0)
		die_build(j, "%s", e.msg);
	say("framework %s: %s\n", d.framework, d.reason);

	say("==> dockerfile\n");
	snprintf(path, sizeof(path), "%s/Dockerfile", src);
	if (d.has_dockerfile) {
		say("using the repository's Dockerfile\n");
	} else {
		snprintf(tmpl, sizeof(tmpl), "%s/%s.Dockerfile",
			 cfg->builder_templates ? cfg->builder_templates : BUILDER_TEMPLATES_DIR,
			 d.framework);
		if (copy_file(tmpl, path) < 0)
			die_build(j, "cannot copy the %s Dockerfile template %s: %s", d.framework,
				  tmpl, strerror(errno));
		say("prepared the %s Dockerfile from %s\n", d.framework, tmpl);
	}
	base = config_get(cfg, detect_base_setting(d.base) ? detect_base_setting(d.base) : "");
	snprintf(base_arg, sizeof(base_arg), "BASE_IMAGE=%s", base ? base : "");
	snprintf(runtime_arg, sizeof(runtime_arg), "RUNTIME_IMAGE=%s",
		 cfg->base_image_runtime ? cfg->base_image_runtime : "");
	snprintf(port_arg, sizeof(port_arg), "PORT=%ld", j->port);

	reg = registry_ref(cfg->registry_url, &insecure, &rlen);
	snprintf(tag, sizeof(tag), "%.12s-%.8s", commit, j->id);
	snprintf(ref, sizeof(ref), "%s:%s", j->image, tag);
	snprintf(digestfile, sizeof(digestfile), "%s/digest", j->dir);
	authfile[0] = '\0';
	if (cfg->registry_user && *cfg->registry_user) {
		snprintf(authfile, sizeof(authfile), "%s/auth.json", j->dir);
		if (write_authfile(j, reg, rlen, authfile) < 0)
			die_build(j, "cannot write the registry login file");
	}

	say("==> build %s\n", ref);
	if (!strcmp(cfg->builder_tool, "docker")) {
		char *bud[] = {"docker", "build", "--build-arg", base_arg, "--build-arg", runtime_arg,
			       "--build-arg", port_arg, "-t", ref, src, NULL};
		char *push[] = {"docker", "push", ref, NULL};

		if ((rc = run(bud)) != 0)
			die_build(j, "the image build failed (docker exited with %d); see the log", rc);
		say("==> push\n");
		if ((rc = run(push)) != 0)
			die_build(j, "pushing the image failed (docker exited with %d)", rc);
	} else {
		char root[1100], runroot[1100], dest[900];
		char *argv[40];
		int n = 0, bud_at;

		snprintf(root, sizeof(root), "%s/root", cfg->builder_storage ? cfg->builder_storage : "");
		snprintf(runroot, sizeof(runroot), "%s/run", cfg->builder_storage ? cfg->builder_storage : "");
		argv[n++] = "buildah";
		if (cfg->builder_storage && *cfg->builder_storage) {
			argv[n++] = "--root";
			argv[n++] = root;
			argv[n++] = "--runroot";
			argv[n++] = runroot;
		}
		argv[n++] = "--storage-driver";
		argv[n++] = "vfs";
		bud_at = n;
		argv[n++] = "bud";
		argv[n++] = "--isolation";
		argv[n++] = "chroot";
		if (insecure)
			argv[n++] = "--tls-verify=false";
		if (*authfile) {
			argv[n++] = "--authfile";
			argv[n++] = authfile;
		}
		argv[n++] = "--build-arg";
		argv[n++] = base_arg;
		if (d.base == DETECT_BASE_GO) {
			argv[n++] = "--build-arg";
			argv[n++] = runtime_arg;
		}
		argv[n++] = "--build-arg";
		argv[n++] = port_arg;
		argv[n++] = "-t";
		argv[n++] = ref;
		argv[n++] = src;
		argv[n] = NULL;
		if ((rc = run(argv)) != 0)
			die_build(j, "the image build failed (buildah exited with %d); see the log", rc);
		say("==> push\n");
		snprintf(dest, sizeof(dest), "docker://%s", ref);
		n = bud_at;
		argv[n++] = "push";
		if (insecure)
			argv[n++] = "--tls-verify=false";
		if (*authfile) {
			argv[n++] = "--authfile";
			argv[n++] = authfile;
		}
		argv[n++] = "--digestfile";
		argv[n++] = digestfile;
		argv[n++] = ref;
		argv[n++] = dest;
		argv[n] = NULL;
		rc = run(argv);
		if (rc != 0)
			die_build(j, "pushing the image to %.*s failed (buildah exited with %d)",
				  (int)rlen, reg, rc);
		/* the registry has it now; the local copy only fills the disk */
		n = bud_at;
		argv[n++] = "rmi";
		argv[n++] = ref;
		argv[n] = NULL;
		run(argv);
	}
	rm_tree(src);
	snprintf(path, sizeof(path), "%s/result", j->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die_build(j, "cannot write %s: %s", path, strerror(errno));
	dprintf(fd, "commit=%s\ntag=%s\nframework=%s\n", commit, tag, d.framework);
	close(fd);
	say("==> pushed %s\n", ref);
	_exit(0);
}

/* ---------------------------------------------------------------- the worker side */

static struct local_build *lb_of(struct build *b)
{
	if (!b->local) {
		b->local = xcalloc(1, sizeof(*b->local));
		b->local->fd = -1;
		redact_init(&b->local->redact);
		if (b->w->cfg->registry_password)
			redact_add_str(&b->local->redact, b->w->cfg->registry_password);
	}
	return b->local;
}

static void notify_state(struct build *b, enum deploy_state s)
{
	b->state = s;
	if (b->w->sink.state)
		b->w->sink.state(b->w->sink.arg, b->id, deploy_state_name(s));
}

static void done(struct build *b)
{
	b->phase = BUILD_DONE;
	b->next_at = build_now();
}

/* The image is in the registry and on the row: worker/release.c writes GitOps (RELEASE). */
static void to_release(struct build *b)
{
	b->local->phase = L_LOAD; /* if the release sends the build back to LOAD */
	b->phase = BUILD_RELEASE;
	b->next_at = build_now();
}

/* Move the deployment; -1 on database trouble (the step is tried again). */
static int move(struct build *b, enum deploy_state to, const char *reason)
{
	struct err e = ERR_INIT;
	int r = deploy_transition(&b->w->db, b->id, to, reason, &e);

	if (r < 0) {
		log_warn("database call failed; retrying", "deployment_id", b->id, "reason", e.msg,
			 NULL);
		b->next_at = build_now() + 1.0;
		return -1;
	}
	if (r > 0)
		notify_state(b, to);
	return 0;
}

static void finish(struct build *b, enum deploy_state to, const char *reason)
{
	if (move(b, to, reason) == 0)
		done(b);
}

/* Store what of `pending` is complete text at the build's offset; publish it. */
static int flush_log(struct build *b, int all)
{
	struct local_build *lb = b->local;
	struct err e = ERR_INIT;
	size_t keep;
	int stored;

	if (!lb->pending.len)
		return 0;
	keep = all ? lb->pending.len : deploy_log_cut(lb->pending.buf, lb->pending.len);
	/* the deployment's secrets (project env, loaded by build.c) and the builder's own */
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
	res = db_query(&b->w->db, "SELECT encode(github_token, 'hex') FROM users WHERE id = $1", 1,
		       p, &e);
	if (res && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) &&
	    crypto_unhex(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0), &raw) == 0 &&
	    crypto_open(cfg->secret_key, TOKEN_PURPOSE, raw.buf, raw.len, out) < 0)
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
			   : "the repository is not an https URL; local and plain-HTTP repositories "
			     "need PLATFORM_ALLOW_LOCAL_REPOS=1 (development machines only)";
	return "the repository URL must be https (or file:// with PLATFORM_ALLOW_LOCAL_REPOS=1)";
}

static void start(struct build *b, struct deploy_info *d, double now)
{
	const struct config *cfg = b->w->cfg;
	struct local_build *lb = b->local;
	struct job j;
	struct buf app = BUF_INIT, token = BUF_INIT;
	struct err e = ERR_INIT;
	const char *reg, *why;
	size_t rlen;
	int insecure, github, p[2] = {-1, -1}, claimed, fd;
	pid_t pid;

	memset(&j, 0, sizeof(j));
	if ((why = url_refused(cfg, d->repo_url, &github))) {
		finish(b, DEPLOY_FAILED, why);
		return;
	}
	if (naming_app_name(&app, d->workspace_id, d->user_id, d->project_name, &e) < 0) {
		finish(b, DEPLOY_FAILED, e.msg);
		goto out;
	}
	if (crypto_token(&token, 16) < 0) {
		b->next_at = now + 1.0;
		goto out;
	}
	/* the same claim as a Jenkins trigger: a second worker sees trigger_started_at */
	claimed = deploy_trigger_begin(&b->w->db, b->id, token.buf, &e);
	buf_reset(&token);
	if (claimed <= 0) {
		b->next_at = now + (claimed < 0 ? 1.0 : 0);
		lb->phase = L_LOAD;
		goto out;
	}
	b->trigger_started_at = now;
	reg = registry_ref(cfg->registry_url, &insecure, &rlen);
	snprintf(lb->image, sizeof(lb->image), "%.*s/%s", (int)rlen, reg, app.buf);
	snprintf(lb->dir, sizeof(lb->dir), "%s/%s", cfg->build_dir, b->id);
	rm_tree(lb->dir);
	if (mkdirs(lb->dir) < 0) {
		char msg[1200];

		snprintf(msg, sizeof(msg), "cannot create the build folder %s: %s (PLATFORM_BUILD_DIR)",
			 lb->dir, strerror(errno));
		finish(b, DEPLOY_FAILED, msg);
		goto out;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		b->next_at = now + 1.0;
		goto out;
	}
	j.cfg = cfg;
	j.id = b->id;
	j.dir = lb->dir;
	j.url = d->repo_url;
	j.branch = d->branch ? d->branch : "main";
	j.commit = d->commit;
	j.image = lb->image;
	j.port = d->port;
	if (github)
		load_token(b, d->triggered_by ? d->triggered_by : d->user_id, &j.token);
	if (j.token.len)
		redact_add(&lb->redact, j.token.buf, j.token.len);
	pid = fork();
	if (pid == 0) {
		struct sigaction sa;

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with its worker: see local.h */
		sigset_t none;

		/* buildah and the build's own commands start with default signals, whatever
		 * the worker (or whoever started it: SIGQUIT, SIGHUP) ignores */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		for (int sig = 1; sig < NSIG; sig++)
			sigaction(sig, &sa, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			close(fd);
		}
		closefrom(3); /* the database socket stays with the worker */
		child_main(&j);
	}
	OPENSSL_cleanse(j.token.buf, j.token.len);
	buf_release(&j.token);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		finish(b, DEPLOY_FAILED, "the worker could not start a build process (fork failed)");
		goto out;
	}
	setpgid(pid, pid);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	lb->pid = pid;
	lb->fd = p[0];
	lb->reaped = 0;
	lb->started_at = now;
	lb->phase = L_RUN;
	if (move(b, DEPLOY_BUILDING, NULL) < 0)
		b->next_at = now; /* the state comes with the next step; the build runs */
	{
		char spid[16];

		snprintf(spid, sizeof(spid), "%d", (int)pid);
		log_info("local build started", "deployment_id", b->id, "build_pid", spid, "image",
			 lb->image, NULL);
	}
	b->next_at = now + 1.0;
out:
	buf_release(&token);
	buf_release(&app);
}

static void step_load(struct build *b, double now)
{
	struct deploy_info d;
	struct err e = ERR_INIT;

	if (deploy_info_load(&b->w->db, b->id, &d, &e) < 0) {
		if (e.status == 404)
			done(b);
		else
			b->next_at = now + 1.0;
		return;
	}
	b->state = d.state;
	b->offset = d.log_offset;
	b->cancel_requested = d.cancel_requested_at > 0;
	if (deploy_state_final(d.state) || d.state >= DEPLOY_RELEASED) {
		done(b);
	} else if (!strcmp(d.action, "rollback")) {
		/* step_load sends rollbacks to RELEASE when the worker may write GitOps */
		finish(b, DEPLOY_FAILED,
		       "a rollback with the local builder needs PLATFORM_GITOPS_URL and "
		       "PLATFORM_ROLLBACK_MODE=direct");
	} else if (d.state == DEPLOY_PUSHED) {
		to_release(b); /* its worker died after the push: only the release is missing */
	} else if (d.trigger_started_at > 0) {
		finish(b, DEPLOY_FAILED, RESTARTED);
	} else if (b->cancel_requested) {
		finish(b, DEPLOY_CANCELLED, NULL);
	} else {
		start(b, &d, now);
	}
	deploy_info_release(&d);
}

/* Read what the build printed; 1 at end of output. */
static int drain(struct build *b)
{
	struct local_build *lb = b->local;
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
	struct local_build *lb = b->local;
	const struct config *cfg = b->w->cfg;
	char text[1024], why[512];
	struct err e = ERR_INIT;

	if (b->halt == HALT_CANCEL) {
		logf_line(b, "==> cancelled\n");
		finish(b, DEPLOY_CANCELLED, NULL);
	} else if (b->halt == HALT_SUPERSEDE || b->state == DEPLOY_SUPERSEDED) {
		finish(b, DEPLOY_SUPERSEDED, NULL);
	} else if (b->halt == HALT_BUILD_TIMEOUT) {
		snprintf(why, sizeof(why), "the build ran longer than the limit of %ld s and was stopped",
			 cfg->jenkins_build_timeout);
		logf_line(b, "error: %s\n", why);
		finish(b, DEPLOY_FAILED, why);
	} else if (!WIFEXITED(lb->status) || WEXITSTATUS(lb->status) != 0) {
		read_small(lb->dir, "error", why, sizeof(why));
		if (!why[0])
			snprintf(why, sizeof(why), "the local build process ended with %s %d; see the build log",
				 WIFEXITED(lb->status) ? "status" : "signal",
				 WIFEXITED(lb->status) ? WEXITSTATUS(lb->status) : WTERMSIG(lb->status));
		finish(b, DEPLOY_FAILED, why);
	} else {
		const char *p[5];

		read_small(lb->dir, "result", text, sizeof(text));
		result_value(text, "tag", lb->tag, sizeof(lb->tag));
		result_value(text, "commit", lb->commit, sizeof(lb->commit));
		result_value(text, "framework", lb->framework, sizeof(lb->framework));
		read_small(lb->dir, "digest", lb->digest, sizeof(lb->digest));
		if (!lb->tag[0]) {
			finish(b, DEPLOY_FAILED, "the local build ended without a result; see the build log");
			goto out;
		}
		p[0] = b->id;
		p[1] = lb->image;
		p[2] = lb->tag;
		p[3] = lb->digest[0] ? lb->digest : NULL;
		p[4] = lb->commit[0] ? lb->commit : NULL;
		if (db_command(&b->w->db,
			       "UPDATE deployments SET image = $2, tag = $3, digest = $4, "
			       "commit_sha = coalesce(commit_sha, $5) WHERE id = $1",
			       5, p, &e) < 0 ||
		    move(b, DEPLOY_PUSHED, NULL) < 0) {
			b->next_at = now + 1.0;
			return; /* the result files are still there: try again */
		}
		logf_line(b, "==> release %s:%s to GitOps\n", lb->image, lb->tag);
		rm_tree(lb->dir);
		to_release(b);
		return;
	}
out:
	rm_tree(lb->dir);
}

static void check_halt(struct build *b, double now)
{
	struct local_build *lb = b->local;

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
	struct local_build *lb = b->local;
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

void local_step(struct build *b, double now)
{
	struct local_build *lb = lb_of(b);

	switch (lb->phase) {
	case L_LOAD:
		step_load(b, now);
		break;
	case L_RUN:
		step_run(b, now);
		break;
	}
}

void local_free(struct build *b)
{
	struct local_build *lb = b->local;

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
		rm_tree(lb->dir);
	buf_release(&lb->pending);
	redact_release(&lb->redact);
	free(lb);
	b->local = NULL;
}

int local_wait(struct worker *w, int db_fd, int timeout_ms, int *db_ready)
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
		if (b->local && b->local->fd >= 0) {
			fds[n].fd = b->local->fd;
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
