/* buildrun.h: the steps of one local build, run inside platform-build (prefix buildrun_).
 *
 * In the build folder j->dir, which the worker created:
 *
 *	1. fetch j->branch of j->repo_url with libgit2 into git/ (bare) and check the commit (or
 *	   the branch head) out into src/; j->github_token, when set, is the password;
 *	2. detect the framework (lib/rules/detect);
 *	3. keep the repository's Dockerfile, or copy <templates>/<framework>.Dockerfile and pass
 *	   the base image as BASE_IMAGE (RUNTIME_IMAGE for Go, PORT for all);
 *	4. buildah bud (vfs storage, chroot isolation) or docker build, then push j->image:<tag>
 *	   with tag <commit12>-<id8>; buildah writes the digest to digest.
 *
 * Everything is printed to stdout (and the tools' stderr) as the build log. The registry login
 * goes to buildah in auth.json (0600); the token only ever reaches libgit2's credential callback.
 */
#ifndef PLATFORM_WORKER_BUILDRUN_H
#define PLATFORM_WORKER_BUILDRUN_H

#include "buildjob.h"
#include "err.h"

/* Run every step of `j`. 0 when the image is pushed and <dir>/result holds the lines
 * commit=<sha>, tag=<tag> and framework=<name> (and <dir>/digest the digest, when the tool
 * reports one); -1 with `e` saying why for the person who deployed. The GitHub token in `j` is
 * wiped as soon as the fetch is over; `j` stays the caller's. */
int buildrun_run(struct buildjob *j, struct err *e);

#endif
