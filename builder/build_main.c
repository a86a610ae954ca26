/* build_main.c: platform-build: one local build, described by the JSON job on its stdin
 * (builder/buildjob.h)
 *
 * The worker starts it for each deployment (worker/local.c) and passes everything in the job
 * description, the GitHub token and the registry password included, so that no secret is on a
 * command line or in an environment. Its stdout and stderr are the build log.
 *
 * Exit status: 0 the image is pushed and <dir>/result written (builder/buildrun.h); 1 the build
 * failed, and <dir>/error holds the reason for the deployment; 2 the job description was refused
 * (nothing was built; the reason is on stderr).
 */
#include "buildjob.h"
#include "buildrun.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_FAILED  1
#define EXIT_BAD_JOB 2

/* All of stdin into `in` (capped at BUILDJOB_MAX); -1 with `e`. Whatever was read is wiped by the
 * caller: it may hold the token. */
static int read_job(struct buf *in, struct err *e)
{
	char chunk[4096];
	ssize_t n;
	int ret = 0;

	for (;;) {
		n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = err_set(e, 400, "invalid_job", "cannot read the job description: %s",
				      strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (buf_add(in, chunk, (size_t)n) < 0) {
			ret = err_set(e, 400, "invalid_job",
				      "the job description is larger than %d bytes", BUILDJOB_MAX);
			break;
		}
	}
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return ret;
}

/* The deployment's error, read by the worker when the build fails. */
static void write_error(const char *dir, const char *why)
{
	char path[1100];
	int fd;

	snprintf(path, sizeof(path), "%s/error", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	dprintf(fd, "%s", why);
	close(fd);
}

int main(int argc, char **argv)
{
	struct buildjob j;
	struct buf in;
	struct err e = ERR_INIT;
	int rc = EXIT_BAD_JOB, fd;

	if (argc > 1) {
		int help = !strcmp(argv[1], "--help");

		fprintf(
		    help ? stdout : stderr,
		    "usage: platform-build < JOB.json\n"
		    "Runs one local build (fetch, detect, Dockerfile, buildah build and push) as\n"
		    "described by the JSON job on stdin; platform-worker starts it (README: Local "
		    "builder).\n");
		return help ? 0 : EXIT_BAD_JOB;
	}
	buildjob_init(&j);
	buf_init(&in, BUILDJOB_MAX);
	if (read_job(&in, &e) < 0 || buildjob_parse(&j, in.buf, in.len, &e) < 0) {
		fprintf(stderr, "platform-build: bad job description: %s\n", e.msg);
		goto out;
	}
	/* the build's tools get no pipe from the worker on their stdin */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	rc = 0;
	if (buildrun_run(&j, &e) < 0) {
		dprintf(STDOUT_FILENO, "error: %s\n", e.msg);
		write_error(j.dir, e.msg);
		rc = EXIT_FAILED;
	}
out:
	if (in.len)
		OPENSSL_cleanse(in.buf, in.len);
	buf_release(&in);
	buildjob_release(&j);
	return rc;
}
