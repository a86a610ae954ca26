/* gitops.h: releases in the GitOps repository, one commit each, written with libgit2.
 *
 * Git is the source of truth: every live deployment is one commit that
 * changes only apps/<workspaceId>/<userId>/<projectName>/ (Chart.yaml,
 * values.yaml, values.schema.json and templates/). A release or a removal:
 *
 *   1. takes a lock on a bare cache of the remote (one per remote URL),
 *   2. fetches the remote branch into it (nothing when the tip is known),
 *   3. builds the new tree from that tip with git_tree_create_updated, which
 *      rewrites only the trees on the app's path: no work tree, no checkout,
 *      so the cost does not grow with the number of apps,
 *   4. commits, and pushes without force. A rejection (the remote moved)
 *      goes back to 2 on the new tip, a bounded number of times.
 *
 * Remotes: file:// URLs and plain paths (pushed with a compare-and-swap on the
 * remote ref: libgit2's own local transport overwrites the ref without one and
 * loses commits under concurrent writers), git://, http(s):// (a token as
 * the URL's password, or the user part alone) and ssh (a key file).
 * Credentials are taken out of the URL before libgit2 sees it and never
 * appear in a message or a log line: messages name the remote with
 * gitops_url_redact.
 *
 * Every name is checked with lib/rules/naming before any path is built or any git
 * call is made. Functions return 0 or -1 with `e` filled; codes: invalid_name,
 * invalid_value, remote_unreachable (502), auth_failed (502), push_rejected
 * (409, retries exhausted), gitops_conflict (409), gitops_error (500).
 *
 * All arguments are borrowed. The functions take no global state but
 * libgit2's reference-counted init; a process may run several at once on
 * different caches, and the cache lock serialises those on one cache.
 */
#ifndef PLATFORM_GITOPS_H
#define PLATFORM_GITOPS_H

#include "buf.h"
#include "err.h"

#include <stddef.h>

#define GITOPS_DEFAULT_BRANCH	    "main"
#define GITOPS_DEFAULT_ATTEMPTS	    30
#define GITOPS_DEFAULT_AUTHOR_NAME  "platform"
#define GITOPS_DEFAULT_AUTHOR_EMAIL "platform@localhost"

/* A key and a value (environment variables, ingress annotations). */
struct gitops_kv {
	const char *key;
	const char *value;
};

/* The app a release is about. */
struct gitops_app {
	const char *workspace; /* workspace id */
	const char *user;      /* user id */
	const char *project;   /* project name */
};

/* What values.yaml says. Zero/NULL fields take the defaults noted. */
struct gitops_values {
	const char *image_repository; /* required, e.g. registry:5000/ws1/web */
	const char *image_tag;	      /* required: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
	const char *domain;	      /* platform domain for the generated host */
	const char *custom_domain;    /* NULL/"": <project>-<user>.<domain> */
	const char *ingress_class;    /* NULL: "nginx" */
	int tls;		      /* 1: TLS on the ingress */
	const char *tls_secret;	      /* NULL: "<release>-tls" (chart default) */
	const struct gitops_kv *annotations;
	size_t n_annotations;
	int port;	       /* 0: 8080 */
	const char *framework; /* NULL: "" */
	/* env: name -> value already sealed for the cluster (lib/clients/sealed, base64) for the
	 * Secret gitops_env_secret_name in the app's namespace. Values in clear never reach
	 * git: the chart renders a SealedSecret and reads it with secretKeyRef. */
	const struct gitops_kv *sealed_env;
	size_t n_sealed_env;
	const char *cpu_request; /* Kubernetes quantities; NULL: chart defaults */
	const char *memory_request;
	const char *cpu_limit;
	const char *memory_limit;
	int replicas;		 /* 0 to 20, written as given: 0 stops the app */
	int autoscaling;	 /* 1: a HorizontalPodAutoscaler */
	int min_replicas;	 /* 0: 1 */
	int max_replicas;	 /* 0: 3 */
	int target_cpu;		 /* percent; 0: 80 */
	const char *pull_secret; /* image pull Secret name, NULL: none */
	const char *health_path; /* readiness probe path, NULL: "/" */
	int no_probes;		 /* 1: no probes */
};

/* Where and how to write. */
struct gitops_opts {
	const char *url;	   /* remote; may carry a token: never logged */
	const char *branch;	   /* NULL: "main" */
	const char *cache_dir;	   /* bare cache; NULL: gitops_default_cache_dir */
	const char *templates_dir; /* app chart folder; NULL: the built-in copy */
	const char *author_name;   /* NULL: GITOPS_DEFAULT_AUTHOR_NAME */
	const char *author_email;  /* NULL: GITOPS_DEFAULT_AUTHOR_EMAIL */
	const char *ssh_key;	   /* private key file for ssh remotes */
	const char *ssh_pubkey;	   /* NULL: derived by libssh2 */
	const char *ssh_passphrase;
	int max_attempts; /* 0: GITOPS_DEFAULT_ATTEMPTS */
};

/* Who and why, for the commit message trailers (single lines, may be NULL). */
struct gitops_meta {
	const char *deployment_id; /* trailer Deployment-Id */
	const char *triggered_by;  /* trailer Triggered-By */
	int rollback;		   /* 1: the subject says "rollback" */
	long long seq;		   /* the deployment's per-project number; 0: unknown */
};

struct gitops_result {
	char commit[41];	/* the new commit (or the unchanged tip) */
	char previous_tag[129]; /* image tag before this change, "" if none */
	int attempts;		/* pushes tried */
	int changed;		/* 0: nothing to do (a removal of a missing app) */
};

/* One fixed file of the app chart (values.schema.json, templates/...). */
struct gitops_file {
	const char *path; /* relative to the app folder */
	const unsigned char *data;
	size_t len;
};

/* The chart files built into the program (gitops-templates/app). */
const struct gitops_file *gitops_builtin_files(size_t *n);

#define GITOPS_MAX_REPLICAS 20

/* Append the name of the app's env Secret (and of its SealedSecret): "<release>-env".
 * Values are sealed for "<namespace>/<this name>" (strict scope). */
int gitops_env_secret_name(struct buf *out, const struct gitops_app *app, struct err *e);

/* Check the app's names and the values: 0 or -1 (422) naming the field. */
int gitops_check(const struct gitops_app *app, const struct gitops_values *v, struct err *e);

/* Append values.yaml of `app` to `out` (checked first). */
int gitops_values_yaml(struct buf *out, const struct gitops_app *app, const struct gitops_values *v,
		       struct err *e);
/* Append Chart.yaml (apiVersion v2, name = project, appVersion = tag); with seq > 0 the
 * annotation deployment-seq records which deployment wrote it. */
int gitops_chart_yaml(struct buf *out, const struct gitops_app *app, const char *tag, long long seq,
		      struct err *e);

/* Write one release; `res` gets the new commit. With m->seq > 0, a release older than the
 * one the app folder holds (its Chart.yaml deployment-seq is higher) is refused with 409
 * stale_release and nothing is written: two writers (the pipeline and the worker) can race,
 * and the older must never land after the newer. */
int gitops_release(const struct gitops_opts *o, const struct gitops_app *app,
		   const struct gitops_values *v, const struct gitops_meta *m,
		   struct gitops_result *res, struct err *e);

/* Remove the app's folder in one commit. Removing an absent app is not an
 * error: res->changed is 0 and res->commit the unchanged tip. */
int gitops_remove(const struct gitops_opts *o, const struct gitops_app *app,
		  const struct gitops_meta *m, struct gitops_result *res, struct err *e);

/* Called for each file of the tree whose base name is one of `names`, with
 * its path from the root and its contents (borrowed for the call). Return
 * non-zero to stop; gitops_read_files then returns that value. */
typedef int (*gitops_file_fn)(const char *path, const char *data, size_t len, void *arg);

/* Read the files named `names` (NULL-terminated base names, e.g.
 * "Chart.yaml") under `prefix` ("apps/" or "") at the tip of the branch of
 * `o->url`, which is either a local repository (bare or not, read in place)
 * or a remote (fetched into the cache first). `commit` (41 bytes, may be NULL)
 * gets the tip read. An empty repository has no files. */
int gitops_read_files(const struct gitops_opts *o, const char *prefix, const char *const *names,
		      gitops_file_fn fn, void *arg, char *commit, struct err *e);

/* 1 when `commit` (40 hex digits) is on the branch of `o->url` (its tip or an ancestor of
 * it, fetched first for a remote) and changes the app's folder (apps/<ws>/<user>/<project>/,
 * which it holds), 0 when not: what a pipeline reports as its release must be one. */
int gitops_commit_touches(const struct gitops_opts *o, const struct gitops_app *app,
			  const char *commit, struct err *e);

/* Append `url` without its user information (user, password or token). */
void gitops_url_redact(struct buf *out, const char *url);

/* Append the default cache folder of `url` (when no cache_dir is given, i.e. PLATFORM_GITOPS_CACHE
 * is unset): ${XDG_CACHE_HOME:-$HOME/.cache}/platform/gitops/<hash of the redacted url> */
void gitops_default_cache_dir(struct buf *out, const char *url);

/* A long-lived process that writes releases (the worker) keeps libgit2 initialised from
 * gitops_process_init to gitops_process_end: each release otherwise initialises it again,
 * which with Debian's mbedTLS build parses the whole CA bundle (a few ms per release). */
void gitops_process_init(void);
void gitops_process_end(void);

#endif
