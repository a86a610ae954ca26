/* buildjob.h: the job description the worker hands to platform-build, as JSON (prefix buildjob_).
 *
 * The local driver (worker/local.c) fills a struct buildjob from the deployment and the
 * configuration, serialises it with buildjob_json() and writes it to the stdin of the
 * platform-build process it starts (builder/build_main.c), which reads it back with
 * buildjob_parse(). The JSON is one object with exactly these members, all strings unless said:
 *
 *	id                deployment id (names the tag: <commit12>-<id8>)
 *	dir               the build folder, PLATFORM_BUILD_DIR/<id>, created by the worker
 *	repo_url          what libgit2 fetches (the worker has already checked it is allowed)
 *	branch, commit    commit may be null: the branch head is built
 *	image             <registry host[/path]>/<app name>, without a tag
 *	port              number: the app's port (the templates' PORT build argument)
 *	github_token      optional: the fetch password for a GitHub repository
 *	registry_url      PLATFORM_REGISTRY_URL (http:// means plain HTTP)
 *	registry_user, registry_password       optional: the push login
 *	builder_tool      buildah or docker
 *	builder_storage   optional: buildah --root/--runroot base folder
 *	templates         the folder of <framework>.Dockerfile templates
 *	base_image_node, base_image_python, base_image_go, base_image_static, base_image_runtime
 *
 * Unknown members, missing required ones and wrong types are refused, naming the member
 * (never its value: two of them are secrets). Secrets travel only this way: never on a
 * command line, never in an environment.
 */
#ifndef PLATFORM_WORKER_BUILDJOB_H
#define PLATFORM_WORKER_BUILDJOB_H

#include "buf.h"
#include "detect.h"
#include "err.h"

#include <stddef.h>

#define BUILDJOB_MAX (1024 * 1024) /* the largest job description platform-build reads */

struct json_object;

struct buildjob {
	/* Borrowed: from the worker's deployment and configuration (local.c), or from `doc`
	 * after buildjob_parse. NULL where the member is optional and absent. */
	const char *id, *dir, *repo_url, *branch, *commit, *image;
	long port;
	const char *registry_url, *registry_user;
	const char *builder_tool, *builder_storage, *templates;
	const char *base_image[5]; /* indexed by enum detect_base; [DETECT_BASE_NONE]: runtime */

	/* Owned, wiped by buildjob_release: the secrets are copies, so that json-c's own copies
	 * can be wiped as soon as they have been read or written. */
	struct buf github_token;
	struct buf registry_password;

	struct json_object *doc; /* owned: the parsed description, or NULL */
};

/* An empty job (every string NULL, secrets empty). */
void buildjob_init(struct buildjob *j);

/* Wipe the secrets, free `doc`; `j` is empty again. */
void buildjob_release(struct buildjob *j);

/* Append the JSON of `j` to `out`. json-c's intermediate copies of the secrets are wiped; the
 * caller wipes `out` (OPENSSL_cleanse) once it has been written. */
void buildjob_json(const struct buildjob *j, struct buf *out);

/* Read a job description. 0 with `j` filled (the strings borrow from j->doc), or -1 with `e`
 * naming the member at fault; `text` is wiped either way. `j` must come from buildjob_init and
 * is released by the caller in both cases. */
int buildjob_parse(struct buildjob *j, char *text, size_t len, struct err *e);

/* The base image for `b`, or "" when the job names none. DETECT_BASE_NONE gives the runtime
 * image of compiled apps (the final stage of the Go template). */
const char *buildjob_base_image(const struct buildjob *j, enum detect_base b);

/* The registry host[/path] of `url` without its scheme (borrowed from `url`, *len bytes);
 * *insecure is 1 when the URL says http://. */
const char *buildjob_registry(const char *url, int *insecure, size_t *len);

/* The build folder's helpers: create `path` and its parents (0700), or remove a tree without
 * following symbolic links. mkdirs returns 0 or -1 with errno. */
int buildjob_mkdirs(const char *path);
void buildjob_rm_tree(const char *dir);

#endif
