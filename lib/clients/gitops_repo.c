/* gitops_repo.c: the GitOps repository's remote: URLs without credentials, the bare cache and
 * its lock, fetch, and the compare-and-swap push */
#include "gitops.h"
#include "gitops_int.h"

#include "log.h"
#include "naming.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- remote URLs: credentials out, before libgit2 or a message sees them ---- */

static void remote_url_release(struct gitops_url *u)
{
	free(u->clean);
	free(u->shown);
	free(u->user);
	if (u->pass) {
		explicit_bzero(u->pass, strlen(u->pass));
		free(u->pass);
	}
	free(u->path);
	memset(u, 0, sizeof(*u));
}

static int is_local_url(const char *url)
{
	const char *colon = strchr(url, ':');
	const char *slash = strchr(url, '/');

	if (!strncmp(url, "file://", 7))
		return 1;
	/* scp-like "host:path" has a ':' before any '/'. */
	return !strstr(url, "://") && (!colon || (slash && slash < colon));
}

static int url_parse_local(struct gitops_url *u, const char *url, struct err *e)
{
	const char *p = !strncmp(url, "file://", 7) ? url + 7 : url;
	char real[PATH_MAX];

	if (!realpath(p, real))
		return err_set(e, 502, "remote_unreachable", "cannot open the gitops remote %s: %s",
			       p, strerror(errno));
	u->path = xstrdup(real);
	u->clean = xstrdup(real);
	u->shown = xstrdup(real);
	return 0;
}

/* Split "scheme://user:pass@host/path". scp-like "user@host:path" keeps its
 * user (no secret there) but shows without it. */
static int url_parse(struct gitops_url *u, const char *url, struct err *e)
{
	const char *sep, *host, *at, *slash;
	struct buf b = BUF_INIT;

	memset(u, 0, sizeof(*u));
	if (!url || !*url)
		return err_field(e, 400, "invalid_value", "gitops_url",
				 "no gitops remote: set PLATFORM_GITOPS_URL or --remote");
	if (is_local_url(url))
		return url_parse_local(u, url, e);
	sep = strstr(url, "://");
	if (!sep) {
		at = strchr(url, '@');
		u->clean = xstrdup(url);
		u->shown = xstrdup(at && at < strchr(url, ':') ? at + 1 : url);
		return 0;
	}
	host = sep + 3;
	slash = strchr(host, '/');
	at = memchr(host, '@', slash ? (size_t)(slash - host) : strlen(host));
	if (!at) {
		u->clean = xstrdup(url);
		u->shown = xstrdup(url);
		return 0;
	}
	{
		const char *colon = memchr(host, ':', (size_t)(at - host));

		u->user = xstrndup(host, (size_t)((colon ? colon : at) - host));
		if (colon)
			u->pass = xstrndup(colon + 1, (size_t)(at - colon - 1));
	}
	buf_add(&b, url, (size_t)(host - url));
	buf_addstr(&b, at + 1);
	u->shown = xstrdup(b.buf);
	/* ssh takes the user from the URL; http gets it from the callback. */
	if (!strncmp(url, "ssh://", 6)) {
		buf_reset(&b);
		buf_add(&b, url, (size_t)(host - url));
		buf_addstr(&b, u->user);
		buf_addstr(&b, at);
	}
	u->clean = buf_detach(&b, NULL);
	return 0;
}

void gitops_url_redact(struct buf *out, const char *url)
{
	struct gitops_url u;

	if (!url) {
		buf_addstr(out, "(none)");
		return;
	}
	if (is_local_url(url)) {
		buf_addstr(out, url);
		return;
	}
	if (url_parse(&u, url, NULL) < 0) {
		buf_addstr(out, "(invalid url)");
		return;
	}
	buf_addstr(out, u.shown);
	remote_url_release(&u);
}

void gitops_default_cache_dir(struct buf *out, const char *url)
{
	const char *base;
	struct buf shown = BUF_INIT;
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];

	/* PLATFORM_GITOPS_CACHE reaches here as opts.cache_dir (the callers' settings) */
	if ((base = getenv("XDG_CACHE_HOME")) && *base) {
		buf_addf(out, "%s/platform/gitops", base);
	} else {
		buf_addf(out, "%s/.cache/platform/gitops", gitops_str_or(getenv("HOME"), "/tmp"));
	}
	gitops_url_redact(&shown, url);
	git_odb_hash(&oid, shown.buf, shown.len, GIT_OBJECT_BLOB);
	git_oid_tostr(hex, sizeof(hex), &oid);
	buf_addf(out, "/%.16s", hex);
	buf_release(&shown);
}

/* ---- libgit2 errors ---- */

const char *gitops_git_msg(void)
{
	const git_error *ge = git_error_last();

	return ge && ge->message ? ge->message : "unknown libgit2 error";
}

int gitops_git_fail(struct err *e, const char *what)
{
	return err_set(e, 500, "gitops_error", "%s: %s", what, gitops_git_msg());
}

/* ---- a session: the cache, its lock, the remote, credentials ---- */

static int mkdir_p(const char *path, struct err *e)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return err_set(e, 500, "gitops_error", "cache path too long");
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return err_set(e, 500, "gitops_error", "cannot create %s: %s", tmp,
				       strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return err_set(e, 500, "gitops_error", "cannot create %s: %s", tmp,
			       strerror(errno));
	return 0;
}

/* Open (or create) the bare cache and hold its lock until session_close. */
int gitops_cache_open(struct gitops_session *s, struct err *e)
{
	struct buf dir = BUF_INIT, lock = BUF_INIT;
	int rc = -1;

	if (s->o->cache_dir && *s->o->cache_dir)
		buf_addstr(&dir, s->o->cache_dir);
	else
		gitops_default_cache_dir(&dir, s->o->url);
	if (mkdir_p(dir.buf, e) < 0)
		goto out;
	buf_addf(&lock, "%s/platform.lock", dir.buf);
	s->lock_fd = open(lock.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX) < 0) {
		err_set(e, 500, "gitops_error", "cannot lock the cache %s: %s", dir.buf,
			strerror(errno));
		goto out;
	}
	if (git_repository_open_bare(&s->repo, dir.buf) < 0 &&
	    git_repository_init(&s->repo, dir.buf, 1) < 0) {
		gitops_git_fail(e, "cannot open the gitops cache");
		goto out;
	}
	rc = 0;
out:
	buf_release(&dir);
	buf_release(&lock);
	return rc;
}

void gitops_session_close(struct gitops_session *s)
{
	git_repository_free(s->repo);
	s->repo = NULL;
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* drops the flock */
	s->lock_fd = -1;
	remote_url_release(&s->url);
	if (s->git_inited)
		git_libgit2_shutdown();
	s->git_inited = 0;
}

int gitops_session_open(struct gitops_session *s, const struct gitops_opts *o, int want_cache,
			struct err *e)
{
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	s->o = o;
	snprintf(s->branch, sizeof(s->branch), "%s",
		 gitops_str_or(o->branch, GITOPS_DEFAULT_BRANCH));
	if (naming_check_branch("branch", s->branch, e) < 0)
		return -1;
	snprintf(s->head_ref, sizeof(s->head_ref), "refs/heads/%s", s->branch);
	snprintf(s->track_ref, sizeof(s->track_ref), "refs/remotes/origin/%s", s->branch);
	if (url_parse(&s->url, o->url, e) < 0)
		return -1;
	git_libgit2_init();
	s->git_inited = 1;
	if (want_cache && gitops_cache_open(s, e) < 0) {
		gitops_session_close(s);
		return -1;
	}
	return 0;
}

void gitops_process_init(void)
{
	git_libgit2_init();
}

void gitops_process_end(void)
{
	git_libgit2_shutdown();
}

static int cred_cb(git_credential **out, const char *url, const char *user_from_url,
		   unsigned int allowed, void *payload)
{
	struct gitops_session *s = payload;
	const char *user = gitops_str_or(user_from_url, gitops_str_or(s->url.user, "git"));

	(void)url;
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	/* libgit2 asks again after each refusal: one try, then give up. */
	if (s->secret_tries++ > 0) {
		s->auth_failed = 1;
		git_error_set_str(GIT_ERROR_NET, "the remote refused the credentials");
		return GIT_EAUTH;
	}
	if ((allowed & GIT_CREDENTIAL_SSH_KEY) && s->o->ssh_key)
		return git_credential_ssh_key_new(out, user, s->o->ssh_pubkey, s->o->ssh_key,
						  s->o->ssh_passphrase);
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && s->url.user)
		return git_credential_userpass_plaintext_new(out, s->url.user,
							     gitops_str_or(s->url.pass, ""));
	s->auth_failed = 1;
	git_error_set_str(GIT_ERROR_NET, "the remote asks for credentials and none were given");
	return GIT_EAUTH;
}

static void callbacks_init(struct gitops_session *s, git_remote_callbacks *cb)
{
	git_remote_init_callbacks(cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb->credentials = cred_cb;
	cb->payload = s;
	s->secret_tries = 0;
	s->auth_failed = 0;
}

/* A failed connection, fetch or push: say whether it was the credentials or
 * the network, naming the remote without its secrets. */
static int remote_fail(struct gitops_session *s, int rc, const char *what, struct err *e)
{
	if (s->auth_failed || rc == GIT_EAUTH)
		return err_set(e, 502, "auth_failed", "cannot %s the gitops remote %s: %s", what,
			       s->url.shown, "authentication failed");
	return err_set(e, 502, "remote_unreachable", "cannot %s the gitops remote %s: %s", what,
		       s->url.shown, gitops_git_msg());
}

/* ---- fetch ---- */

/* A local remote: read its branch and borrow its objects (an alternate object database of
 * the cache) instead of copying them. libgit2's local transport builds the pack for a fetch
 * by marking every tree of the tip we already have as uninteresting, which reads the whole
 * tree of the repository (80 ms at 10,000 apps) to bring in a commit or two. */
static int fetch_local(struct gitops_session *s, git_oid *tip, int *have, struct err *e)
{
	git_repository *remote = NULL;
	git_odb *odb = NULL;
	git_buf objdir = GIT_BUF_INIT;
	int rc = -1;

	if (git_repository_open_bare(&remote, s->url.path) < 0) {
		err_set(e, 502, "remote_unreachable",
			"cannot open the gitops remote %s (a bare repository): %s", s->url.shown,
			gitops_git_msg());
		goto out;
	}
	*have = git_reference_name_to_id(tip, remote, s->head_ref) == 0;
	git_error_clear();
	if (!*have) {
		rc = 0;
		goto out;
	}
	if (!s->borrowing &&
	    (git_repository_item_path(&objdir, remote, GIT_REPOSITORY_ITEM_OBJECTS) < 0 ||
	     git_repository_odb(&odb, s->repo) < 0 ||
	     git_odb_add_disk_alternate(odb, objdir.ptr) < 0)) {
		gitops_git_fail(e, "cannot read the objects of the gitops remote");
		goto out;
	}
	s->borrowing = 1;
	if (git_reference_create(NULL, s->repo, s->track_ref, tip, 1, "fetch") < 0) {
		gitops_git_fail(e, "cannot record the fetched tip");
		goto out;
	}
	rc = 0;
out:
	git_buf_dispose(&objdir);
	git_odb_free(odb);
	git_repository_free(remote);
	return rc;
}

/* Bring the remote branch into the cache; *have is 0 when the remote has no
 * such branch yet (an empty repository). */
int gitops_fetch_tip(struct gitops_session *s, git_oid *tip, int *have, struct err *e)
{
	git_remote *r = NULL;
	git_remote_callbacks cb;
	const git_remote_head **heads;
	size_t n;
	git_odb *odb = NULL;
	int rc = -1, err;

	*have = 0;
	if (s->url.path)
		return fetch_local(s, tip, have, e);
	callbacks_init(s, &cb);
	if (git_remote_create_anonymous(&r, s->repo, s->url.clean) < 0) {
		gitops_git_fail(e, "cannot set up the gitops remote");
		goto out;
	}
	if ((err = git_remote_connect(r, GIT_DIRECTION_FETCH, &cb, NULL, NULL)) < 0 ||
	    (err = git_remote_ls(&heads, &n, r)) < 0) {
		remote_fail(s, err, "reach", e);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(heads[i]->name, s->head_ref)) {
			git_oid_cpy(tip, &heads[i]->oid);
			*have = 1;
		}
	}
	if (!*have) {
		rc = 0;
		goto out;
	}
	if (git_repository_odb(&odb, s->repo) < 0) {
		gitops_git_fail(e, "cannot open the cache objects");
		goto out;
	}
	if (!git_odb_exists(odb, tip)) {
		char spec[sizeof(s->head_ref) + sizeof(s->track_ref) + 2];
		char *specs[] = {spec};
		git_strarray arr = {specs, 1};
		git_fetch_options fo;

		snprintf(spec, sizeof(spec), "+%s:%s", s->head_ref, s->track_ref);
		git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
		fo.callbacks = cb;
		if ((err = git_remote_download(r, &arr, &fo)) < 0) {
			remote_fail(s, err, "fetch from", e);
			goto out;
		}
	}
	if (git_reference_create(NULL, s->repo, s->track_ref, tip, 1, "fetch") < 0) {
		gitops_git_fail(e, "cannot record the fetched tip");
		goto out;
	}
	rc = 0;
out:
	if (r)
		git_remote_disconnect(r);
	git_odb_free(odb);
	git_remote_free(r);
	return rc;
}

/* ---- push ---- */

static int push_status_cb(const char *refname, const char *status, void *payload)
{
	struct gitops_session *s = payload;

	if (status && !s->push_status[0])
		snprintf(s->push_status, sizeof(s->push_status), "%s: %s", refname, status);
	return 0;
}

/* Server-side rejections that mean "someone pushed first". */
static int status_is_race(const char *status)
{
	static const char *const words[] = {
	    "non-fast-forward", "fetch first", "failed to update",	   "failed to lock",
	    "cannot lock",	"stale info",  "reference already exists", NULL};

	for (int i = 0; words[i]; i++) {
		if (strstr(status, words[i]))
			return 1;
	}
	return 0;
}

static int push_network(struct gitops_session *s, struct err *e)
{
	git_remote *r = NULL;
	git_push_options po;
	char spec[2 * sizeof(s->head_ref) + 2];
	char *specs[] = {spec};
	git_strarray arr = {specs, 1};
	int rc = -1, err;

	s->push_status[0] = '\0';
	snprintf(spec, sizeof(spec), "%s:%s", s->head_ref, s->head_ref);
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	callbacks_init(s, &po.callbacks);
	po.callbacks.push_update_reference = push_status_cb;
	if (git_remote_create_anonymous(&r, s->repo, s->url.clean) < 0) {
		gitops_git_fail(e, "cannot set up the gitops remote");
		goto out;
	}
	err = git_remote_push(r, &arr, &po);
	if (err == GIT_ENONFASTFORWARD) {
		rc = PUSH_RETRY;
	} else if (err < 0) {
		remote_fail(s, err, "push to", e);
	} else if (s->push_status[0] && status_is_race(s->push_status)) {
		rc = PUSH_RETRY;
	} else if (s->push_status[0]) {
		err_set(e, 409, "push_rejected", "the gitops remote %s refused the push: %s",
			s->url.shown, s->push_status);
	} else {
		rc = PUSH_OK;
	}
out:
	git_remote_free(r);
	return rc;
}

/* Add to `pb` the objects of `tree` that `old` (may be NULL) does not have,
 * descending only into subtrees that changed: the cost is the changed path. */
static int pack_new_objects(git_packbuilder *pb, git_repository *repo, git_tree *tree,
			    git_tree *old)
{
	int rc = 0;

	if (git_packbuilder_insert(pb, git_tree_id(tree), NULL) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);
		const git_tree_entry *oe =
		    old ? git_tree_entry_byname(old, git_tree_entry_name(te)) : NULL;
		git_tree *sub = NULL, *oldsub = NULL;

		if (oe && git_oid_equal(git_tree_entry_id(oe), git_tree_entry_id(te)))
			continue;
		if (git_tree_entry_type(te) == GIT_OBJECT_BLOB) {
			rc = git_packbuilder_insert(pb, git_tree_entry_id(te), NULL);
			continue;
		}
		if (git_tree_entry_type(te) != GIT_OBJECT_TREE)
			continue;
		if (git_tree_lookup(&sub, repo, git_tree_entry_id(te)) < 0)
			return -1;
		if (oe && git_tree_entry_type(oe) == GIT_OBJECT_TREE &&
		    git_tree_lookup(&oldsub, repo, git_tree_entry_id(oe)) < 0)
			oldsub = NULL;
		rc = pack_new_objects(pb, repo, sub, oldsub);
		git_tree_free(oldsub);
		git_tree_free(sub);
	}
	return rc;
}

static int write_pack(struct gitops_session *s, git_repository *remote, const git_oid *base,
		      const git_oid *commit_id, struct err *e)
{
	git_packbuilder *pb = NULL;
	git_commit *commit = NULL, *old = NULL;
	git_tree *tree = NULL, *old_tree = NULL;
	git_buf objdir = GIT_BUF_INIT;
	struct buf packdir = BUF_INIT;
	int rc = -1;

	if (git_packbuilder_new(&pb, s->repo) < 0 ||
	    git_commit_lookup(&commit, s->repo, commit_id) < 0 ||
	    git_commit_tree(&tree, commit) < 0 ||
	    (base &&
	     (git_commit_lookup(&old, s->repo, base) < 0 || git_commit_tree(&old_tree, old) < 0)) ||
	    git_packbuilder_insert(pb, commit_id, NULL) < 0 ||
	    pack_new_objects(pb, s->repo, tree, old_tree) < 0 ||
	    git_repository_item_path(&objdir, remote, GIT_REPOSITORY_ITEM_OBJECTS) < 0) {
		gitops_git_fail(e, "cannot pack the new objects");
		goto out;
	}
	buf_addf(&packdir, "%s/pack", objdir.ptr);
	if (git_packbuilder_write(pb, packdir.buf, 0, NULL, NULL) < 0) {
		err_set(e, 502, "remote_unreachable", "cannot write to the gitops remote %s: %s",
			s->url.shown, gitops_git_msg());
		goto out;
	}
	rc = 0;
out:
	buf_release(&packdir);
	git_buf_dispose(&objdir);
	git_tree_free(old_tree);
	git_commit_free(old);
	git_tree_free(tree);
	git_commit_free(commit);
	git_packbuilder_free(pb);
	return rc;
}

/* The first commit of an empty local remote: create the branch only if it still does not
 * exist, deciding under git's own lock file for the ref (refs/heads/<b>.lock, O_EXCL), as git
 * does. libgit2's git_reference_create(force=0) checks for the ref before it takes that lock,
 * so two first writers could both pass the check and the second would silently replace the
 * first one's commit (a release reported as pushed that is not in git). */
static int create_local_ref(struct gitops_session *s, git_repository *remote,
			    const git_oid *commit_id, struct err *e)
{
	char path[PATH_MAX], dir[PATH_MAX], lock[PATH_MAX + 8], hex[GIT_OID_HEXSZ + 2];
	git_oid cur;
	int fd, n, rc = -1;

	n = snprintf(path, sizeof(path), "%s%s", git_repository_path(remote), s->head_ref);
	if (n < 0 || (size_t)n >= sizeof(path))
		return err_set(e, 500, "gitops_error", "gitops remote path too long");
	snprintf(lock, sizeof(lock), "%s.lock", path);
	memcpy(dir, path, (size_t)n + 1);
	*strrchr(dir, '/') = '\0'; /* head_ref is refs/heads/<branch> */
	if (mkdir_p(dir, e) < 0)
		return -1;
	fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return errno == EEXIST ? PUSH_RETRY /* another writer holds the ref */
				       : err_set(e, 502, "remote_unreachable",
						 "cannot lock %s in the gitops remote %s: %s",
						 s->head_ref, s->url.shown, strerror(errno));
	if (git_reference_name_to_id(&cur, remote, s->head_ref) == 0) {
		rc = PUSH_RETRY; /* another writer created it first */
		goto out;
	}
	git_error_clear();
	git_oid_tostr(hex, sizeof(hex), commit_id);
	n = (int)strlen(hex);
	hex[n++] = '\n';
	if (write(fd, hex, (size_t)n) != n || fsync(fd) < 0 || rename(lock, path) < 0) {
		err_set(e, 502, "remote_unreachable",
			"cannot create %s in the gitops remote %s: %s", s->head_ref, s->url.shown,
			strerror(errno));
		goto out;
	}
	rc = PUSH_OK;
out:
	close(fd);
	if (rc != PUSH_OK)
		unlink(lock);
	return rc;
}

/* A local remote: copy the new objects, then move the branch with a
 * compare-and-swap on its old value (libgit2's local transport would
 * overwrite it and lose a concurrent writer's commit). */
static int push_local(struct gitops_session *s, const git_oid *base, const git_oid *commit_id,
		      struct err *e)
{
	git_repository *remote = NULL;
	git_reference *ref = NULL;
	git_oid cur;
	int have_cur, rc = -1, err;

	if (git_repository_open_bare(&remote, s->url.path) < 0) {
		err_set(e, 502, "remote_unreachable",
			"cannot open the gitops remote %s (a bare repository): %s", s->url.shown,
			gitops_git_msg());
		goto out;
	}
	have_cur = git_reference_name_to_id(&cur, remote, s->head_ref) == 0;
	git_error_clear();
	if (have_cur != (base != NULL) || (base && !git_oid_equal(&cur, base))) {
		rc = PUSH_RETRY;
		goto out;
	}
	if (write_pack(s, remote, base, commit_id, e) < 0)
		goto out;
	if (!base) {
		rc = create_local_ref(s, remote, commit_id, e);
		goto out;
	}
	err = git_reference_create_matching(&ref, remote, s->head_ref, commit_id, 1, base, "push");
	if (err == GIT_EMODIFIED || err == GIT_ELOCKED) {
		rc = PUSH_RETRY;
	} else if (err < 0) {
		err_set(e, 502, "remote_unreachable",
			"cannot update %s in the gitops remote %s: %s", s->head_ref, s->url.shown,
			gitops_git_msg());
	} else {
		rc = PUSH_OK;
	}
out:
	git_reference_free(ref);
	git_repository_free(remote);
	return rc;
}

int gitops_push(struct gitops_session *s, const git_oid *base, const git_oid *commit_id,
		struct err *e)
{
	int rc = s->url.path ? push_local(s, base, commit_id, e) : push_network(s, e);

	if (rc == PUSH_OK &&
	    git_reference_create(NULL, s->repo, s->track_ref, commit_id, 1, "push") < 0)
		git_error_clear(); /* only the cache's bookkeeping; the next fetch fixes it */
	return rc;
}
