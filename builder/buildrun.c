/* buildrun.c: fetch, detect, Dockerfile, buildah build and push: the body of platform-build */
#include "buildrun.h"

#include "gitops.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct fetch_ctx {
	struct buildjob *j;
	int tries;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdprintf(STDOUT_FILENO, fmt, ap);
	va_end(ap);
}

/* Run argv with the build's output; its exit status (128 + signal when killed), -1 when it could
 * not be started. platform-build has a single thread, so the child may do ordinary work before
 * exec (unlike the worker, which starts platform-build from a threaded process). */
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
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* the build tool ends with its build */
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
	struct fetch_ctx *c = payload;

	(void)url;
	(void)user;
	if (!c->j->github_token.len || !(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) || c->tries++)
		return GIT_EUSER; /* no token, or it was refused: stop asking */
	return git_credential_userpass_plaintext_new(out, "x-access-token", c->j->github_token.buf);
}

static int git_fail(struct err *e, const char *doing)
{
	const git_error *ge = git_error_last();

	return err_set(e, 500, "build_failed", "%s failed: %s", doing,
		       ge && ge->message ? ge->message : "unknown error");
}

/* The refspec of `branch` and the local ref it lands on. A pull request's preview names
 * "refs/pull/<n>/head" (lib/model/preview.c): GitHub keeps every pull request's head there in
 * the base repository, a fork's too, so the build never needs the fork's URL. */
static void fetch_spec(const char *branch, char *spec, size_t sn, char *ref, size_t rn)
{
	if (!strncmp(branch, "refs/pull/", 10)) {
		snprintf(spec, sn, "+%s:refs/remotes/origin/pull-head", branch);
		snprintf(ref, rn, "refs/remotes/origin/pull-head");
		return;
	}
	snprintf(spec, sn, "+refs/heads/%s:refs/remotes/origin/%s", branch, branch);
	snprintf(ref, rn, "refs/remotes/origin/%s", branch);
}

/* Step 1: the commit's files into DIR/src; the commit id into `commit`. */
static int fetch(struct buildjob *j, char *commit, size_t n, struct err *e)
{
	char gitdir[1100], src[1100], spec[600], remote_ref[600];
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_object *obj = NULL, *peeled = NULL;
	git_fetch_options fo;
	git_checkout_options co;
	const git_indexer_progress *pr;
	char *specs[1] = {spec};
	git_strarray refspecs = {specs, 1};
	struct fetch_ctx ctx = {j, 0};
	struct buf shown = BUF_INIT;
	int ret = -1;

	gitops_url_redact(&shown, j->repo_url);
	say("==> fetch %s (branch %s%s%s)\n", shown.buf, j->branch, j->commit ? ", commit " : "",
	    j->commit ? j->commit : "");
	buf_release(&shown);
	snprintf(gitdir, sizeof(gitdir), "%s/git", j->dir);
	snprintf(src, sizeof(src), "%s/src", j->dir);
	fetch_spec(j->branch, spec, sizeof(spec), remote_ref, sizeof(remote_ref));
	git_libgit2_init();
	if (git_repository_init(&repo, gitdir, 1) < 0) {
		git_fail(e, "creating the repository");
		goto out;
	}
	if (git_remote_create_anonymous(&remote, repo, j->repo_url) < 0) {
		git_fail(e, "reading the repository URL");
		goto out;
	}
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.callbacks.credentials = fetch_cred;
	fo.callbacks.payload = &ctx;
	if (git_remote_fetch(remote, &refspecs, &fo, NULL) < 0) {
		git_fail(e, j->github_token.len
				? "fetching the repository (if it is private, sign in again)"
				: "fetching the repository");
		goto out;
	}
	pr = git_remote_stats(remote);
	say("fetched %u objects (%zu bytes)\n", pr->received_objects, pr->received_bytes);
	if (j->commit) {
		if (git_revparse_single(&obj, repo, j->commit) < 0) {
			err_set(e, 500, "build_failed", "commit %s is not on branch %s", j->commit,
				j->branch);
			goto out;
		}
	} else if (git_revparse_single(&obj, repo, remote_ref) < 0) {
		err_set(e, 500, "build_failed", "the repository has no branch %s", j->branch);
		goto out;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		err_set(e, 500, "build_failed", "%s is not a commit",
			j->commit ? j->commit : j->branch);
		goto out;
	}
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	co.target_directory = src;
	if (buildjob_mkdirs(src) < 0 || git_checkout_tree(repo, peeled, &co) < 0) {
		git_fail(e, "checking the commit out");
		goto out;
	}
	git_oid_tostr(commit, n, git_object_id(peeled));
	say("checked out %s\n", commit);
	ret = 0;
out:
	git_object_free(peeled);
	git_object_free(obj);
	git_remote_free(remote);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return ret;
}

static int copy_file(const char *from, const char *to)
{
	char b[8192];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out, ret = 0;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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
static int write_authfile(const struct buildjob *j, const char *host, size_t hlen, const char *path)
{
	struct buf plain = BUF_INIT;
	unsigned char enc[1200];
	int fd, n;

	buf_addf(&plain, "%s:", j->registry_user);
	buf_add(&plain, j->registry_password.buf, j->registry_password.len);
	if (plain.len > 800) {
		OPENSSL_cleanse(plain.buf, plain.len);
		buf_release(&plain);
		return -1;
	}
	n = EVP_EncodeBlock(enc, (const unsigned char *)plain.buf, (int)plain.len);
	OPENSSL_cleanse(plain.buf, plain.len);
	buf_release(&plain);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		OPENSSL_cleanse(enc, sizeof(enc));
		return -1;
	}
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

/* Steps 4 and 5 with buildah: bud, push (digest into `digestfile`), then drop the local copy. */
static int buildah(const struct buildjob *j, const struct detect_result *d, char *ref, char *src,
		   char *args[3], const char *authfile, char *digestfile, struct err *e)
{
	char root[1100], runroot[1100], dest[900], *argv[40];
	const char *reg;
	size_t rlen;
	int n = 0, bud_at, insecure, rc;

	reg = buildjob_registry(j->registry_url, &insecure, &rlen);
	snprintf(root, sizeof(root), "%s/root", j->builder_storage ? j->builder_storage : "");
	snprintf(runroot, sizeof(runroot), "%s/run", j->builder_storage ? j->builder_storage : "");
	argv[n++] = "buildah";
	if (j->builder_storage && *j->builder_storage) {
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
		argv[n++] = (char *)authfile;
	}
	argv[n++] = "--build-arg";
	argv[n++] = args[0];
	if (d->base == DETECT_BASE_GO) {
		argv[n++] = "--build-arg";
		argv[n++] = args[1];
	}
	argv[n++] = "--build-arg";
	argv[n++] = args[2];
	argv[n++] = "-t";
	argv[n++] = ref;
	argv[n++] = src;
	argv[n] = NULL;
	if ((rc = run(argv)) != 0)
		return err_set(e, 500, "build_failed",
			       "the image build failed (buildah exited with %d); see the log", rc);
	say("==> push\n");
	snprintf(dest, sizeof(dest), "docker://%s", ref);
	n = bud_at;
	argv[n++] = "push";
	if (insecure)
		argv[n++] = "--tls-verify=false";
	if (*authfile) {
		argv[n++] = "--authfile";
		argv[n++] = (char *)authfile;
	}
	argv[n++] = "--digestfile";
	argv[n++] = digestfile;
	argv[n++] = ref;
	argv[n++] = dest;
	argv[n] = NULL;
	if ((rc = run(argv)) != 0)
		return err_set(e, 500, "build_failed",
			       "pushing the image to %.*s failed (buildah exited with %d)",
			       (int)rlen, reg, rc);
	/* the registry has it now; the local copy only fills the disk */
	n = bud_at;
	argv[n++] = "rmi";
	argv[n++] = ref;
	argv[n] = NULL;
	run(argv);
	return 0;
}

/* The Dockerfile the build uses: the repository's own, or the framework's template copied in. */
static int prepare_dockerfile(const struct buildjob *j, const struct detect_result *d,
			      const char *src, struct err *e)
{
	char path[1200], tmpl[1200];

	say("==> dockerfile\n");
	snprintf(path, sizeof(path), "%s/Dockerfile", src);
	if (d->has_dockerfile) {
		say("using the repository's Dockerfile\n");
		return 0;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/%s.Dockerfile", j->templates, d->framework);
	if (copy_file(tmpl, path) < 0)
		return err_set(e, 500, "build_failed",
			       "cannot copy the %s Dockerfile template %s: %s", d->framework, tmpl,
			       strerror(errno));
	say("prepared the %s Dockerfile from %s\n", d->framework, tmpl);
	return 0;
}

/* Build and push with docker (where an engine runs); `args` are the three build args. */
static int docker_build(const char *ref, const char *src, char **args, struct err *e)
{
	char *bud[] = {"docker",      "build", "--build-arg", args[0],	   "--build-arg", args[1],
		       "--build-arg", args[2], "-t",	      (char *)ref, (char *)src,	  NULL};
	char *push[] = {"docker", "push", (char *)ref, NULL};
	int rc;

	if ((rc = run(bud)) != 0)
		return err_set(e, 500, "build_failed",
			       "the image build failed (docker exited with %d); see the log", rc);
	say("==> push\n");
	if ((rc = run(push)) != 0)
		return err_set(e, 500, "build_failed",
			       "pushing the image failed (docker exited with %d)", rc);
	return 0;
}

int buildrun_run(struct buildjob *j, struct err *e)
{
	char commit[48] = "", src[1100], path[1200], ref[800], tag[160];
	char base_arg[600], runtime_arg[600], port_arg[40], digestfile[1100], authfile[1100];
	char *args[3] = {base_arg, runtime_arg, port_arg};
	const char *reg;
	struct detect_result d;
	size_t rlen;
	int insecure, rc, fd;

	snprintf(src, sizeof(src), "%s/src", j->dir);
	rc = fetch(j, commit, sizeof(commit), e);
	/* libgit2 had the token for the fetch; nothing after it needs it */
	if (j->github_token.len)
		OPENSSL_cleanse(j->github_token.buf, j->github_token.len);
	buf_release(&j->github_token);
	if (rc < 0)
		return -1;

	say("==> detect\n");
	if (detect_dir(src, &d, e) < 0)
		return -1;
	say("framework %s: %s\n", d.framework, d.reason);

	if (prepare_dockerfile(j, &d, src, e) < 0)
		return -1;
	snprintf(base_arg, sizeof(base_arg), "BASE_IMAGE=%s", buildjob_base_image(j, d.base));
	snprintf(runtime_arg, sizeof(runtime_arg), "RUNTIME_IMAGE=%s",
		 buildjob_base_image(j, DETECT_BASE_NONE));
	snprintf(port_arg, sizeof(port_arg), "PORT=%ld", j->port);

	reg = buildjob_registry(j->registry_url, &insecure, &rlen);
	snprintf(tag, sizeof(tag), "%.12s-%.8s", commit, j->id);
	snprintf(ref, sizeof(ref), "%s:%s", j->image, tag);
	snprintf(digestfile, sizeof(digestfile), "%s/digest", j->dir);
	authfile[0] = '\0';
	if (j->registry_user && *j->registry_user) {
		snprintf(authfile, sizeof(authfile), "%s/auth.json", j->dir);
		if (write_authfile(j, reg, rlen, authfile) < 0)
			return err_set(e, 500, "build_failed",
				       "cannot write the registry login file");
	}

	say("==> build %s\n", ref);
	if (!strcmp(j->builder_tool, "docker")
		? docker_build(ref, src, args, e) < 0
		: buildah(j, &d, ref, src, args, authfile, digestfile, e) < 0)
		return -1;
	buildjob_rm_tree(src);
	snprintf(path, sizeof(path), "%s/result", j->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, 500, "build_failed", "cannot write %s: %s", path,
			       strerror(errno));
	dprintf(fd, "commit=%s\ntag=%s\nframework=%s\n", commit, tag, d.framework);
	close(fd);
	say("==> pushed %s\n", ref);
	return 0;
}
