/* local.h: the local build driver: fetch, detect, Dockerfile, buildah, push, in the worker
 * (drv_local, prefix local_).
 *
 * One of the engine's build drivers (worker/engine.h): the default when PLATFORM_JENKINS_URL is
 *unset (PLATFORM_BUILD_DRIVER=local forces it). For each deployment the worker starts one build
 *process, the separate program platform-build (builder/build_main.c, PLATFORM_BUILD_HELPER, by
 *default next to platform-worker), in its own process group and a fresh folder
 *PLATFORM_BUILD_DIR/<deployment id>. The worker has threads (the nchan publisher), so its forked
 *child makes only async-signal-safe calls (dup2, setpgid, signal resets, prctl, close_range) and
 *execs at once; everything the build needs is prepared before the fork and handed over as a JSON
 *job on the child's stdin (builder/buildjob.h):
 *
 *	1. fetch the branch with libgit2 and check the commit (or the branch head) out; for an
 *	   https repository under PLATFORM_GITHUB_URL the stored GitHub token of the user who
 *	   deployed (else the project's owner) is the password; it is opened in the worker and
 *	   travels only in the job, never on a command line, in an environment or in a log.
 *	   file:// URLs, plain paths and http:// need PLATFORM_ALLOW_LOCAL_REPOS=1 (checked here);
 *	2. detect the framework (lib/rules/detect);
 *	3. keep the repository's Dockerfile, or copy builder/templates/<framework>.Dockerfile
 *	   (PLATFORM_BUILDER_TEMPLATES) and pass the base image setting as BASE_IMAGE;
 *	4. buildah bud (vfs storage, chroot isolation; PLATFORM_BUILDER_STORAGE for --root),
 *	   or docker build with PLATFORM_BUILDER_TOOL=docker;
 *	5. push to PLATFORM_REGISTRY_URL as <registry>/<workspace>-<user>-<project>:<commit12>-<id8>
 *	   (plain HTTP when the URL says http://; credentials through an --authfile).
 *
 * platform-build reports through files in the build folder (builder/buildrun.h): result
 * (commit=, tag=, framework= lines) and digest on success, error (the deployment's reason) on a
 * failed step. The worker's PLATFORM_* variables are left out of its environment.
 *
 * Everything the process and its children print goes to a pipe the worker reads without
 * blocking (local_wait polls the pipes with the database socket) and stores exactly as the
 * Jenkins driver stores a console log: deploy_store_log at increasing byte offsets, then the
 * sink's chunk callback (publishing, redaction). When it exits 0, the worker stores the image,
 * tag and digest (-> pushed) and hands the build to the engine's RELEASE (the GitOps release
 * in process, -> released), after which the engine's stage (Argo CD tracking) takes over as
 * for Jenkins builds.
 *
 * Cancel, supersede and the time limit (PLATFORM_JENKINS_BUILD_TIMEOUT) end the process group
 * (SIGTERM, SIGKILL 10 s later). A build whose worker died is not resumed: its build process
 * died with it (PR_SET_PDEATHSIG), and the next worker that takes the job marks it failed with
 * "the worker restarted during a local build; deploy again" (a new deploy is cheap, and a
 * half-done build cannot be told from a hung one). A deployment already pushed when its
 * worker died is released by the next worker, without building again.
 */
#ifndef PLATFORM_WORKER_LOCAL_H
#define PLATFORM_WORKER_LOCAL_H

#include "engine.h"

extern const struct build_driver drv_local;

/* 1 when the configuration selects the local driver (build_driver, or no jenkins_url). */
int local_selected(const struct config *cfg);

/* Check the local driver's settings at start: -1 with `e` naming what is missing. */
int local_check_config(const struct config *cfg, struct err *e);

#endif
