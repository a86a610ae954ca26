/* gitops_int.h: what the three parts of the GitOps client share (prefix gitops_): values and
 * names (gitops_values.c), the remote (gitops_repo.c), releases (gitops.c). Nothing outside
 * lib/clients/gitops*.c includes it; callers use gitops.h. */
#ifndef GITOPS_INT_H
#define GITOPS_INT_H

#include "buf.h"
#include "err.h"
#include "gitops.h"
#include "naming.h"

#include <git2.h>

/* s when set and not empty, else def */
const char *gitops_str_or(const char *s, const char *def);

/* ---- values and names (gitops_values.c) ---- */

/* 0, or -1 with e set (422) when s is missing (required), too long or not one printable line */
int gitops_check_line(const char *field, const char *s, int required, size_t max, struct err *e);
/* the app's workspace, user and project are valid names; -1 with e set (422) otherwise */
int gitops_check_app(const struct gitops_app *app, struct err *e);

/* The names derived from the app, computed once. */
struct gitops_names {
	struct buf app, release, ns, host, path, secret;
};

/* Fills every name (the host only when v is given); -1 with e set. Release n either way. */
int gitops_names_init(struct gitops_names *n, const struct gitops_app *app,
		      const struct gitops_values *v, struct err *e);
void gitops_names_release(struct gitops_names *n);

/* ---- the remote (gitops_repo.c) ---- */

/* A remote's URL split so that credentials never reach libgit2's URL or a message. */
struct gitops_url {
	char *clean; /* handed to libgit2: no password */
	char *shown; /* for messages: no user information at all */
	char *user;  /* from the URL, or NULL */
	char *pass;  /* token or password from the URL, or NULL */
	char *path;  /* local remotes: the repository folder; else NULL */
};

/* One use of the repository: the bare cache (locked), the remote, the credentials handed out. */
struct gitops_session {
	const struct gitops_opts *o;
	struct gitops_url url;
	git_repository *repo;
	int lock_fd;
	int git_inited;
	char branch[NAMING_BRANCH_MAX + 1];
	char head_ref[NAMING_BRANCH_MAX + 16];	/* refs/heads/<branch> */
	char track_ref[NAMING_BRANCH_MAX + 24]; /* refs/remotes/origin/<branch> */
	int secret_tries;			/* credentials handed out this connection */
	int auth_failed;
	int borrowing;	       /* a local remote's objects are an alternate of the cache's */
	char push_status[256]; /* a ref rejection from the server */
};

/* Opens the session for o (and the cache when want_cache); -1 with e set. Close it either way. */
int gitops_session_open(struct gitops_session *s, const struct gitops_opts *o, int want_cache,
			struct err *e);
void gitops_session_close(struct gitops_session *s);
/* opens (or creates) the bare cache of s's remote and takes its lock; -1 with e set */
int gitops_cache_open(struct gitops_session *s, struct err *e);
/* Fetches the branch: *have says whether it exists, *tip is its commit then; -1 with e set. */
int gitops_fetch_tip(struct gitops_session *s, git_oid *tip, int *have, struct err *e);

enum push_result { PUSH_OK = 0, PUSH_RETRY = 1 };
/* Moves the remote branch from base (NULL: it does not exist yet) to commit_id, only if it is
 * still at base: PUSH_OK, PUSH_RETRY when someone else moved it first, or -1 with e set. */
int gitops_push(struct gitops_session *s, const git_oid *base, const git_oid *commit_id,
		struct err *e);

/* libgit2's last error message; gitops_git_fail sets e (500 gitops_error) with it after what */
const char *gitops_git_msg(void);
int gitops_git_fail(struct err *e, const char *what);

#endif
