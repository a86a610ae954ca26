/* gitops.c: release commits into the GitOps repository with libgit2, no work tree: the tree
 * changes of a release or a removal, the commit, the retry loop, and reading for doctor */
#include "gitops.h"
#include "gitops_int.h"

#include "log.h"
#include "metrics.h"
#include "naming.h"
#include "yamldoc.h"
#include "yamlout.h"

#include <dirent.h>
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

/* ---- the change: a list of tree updates ---- */

struct change {
	git_tree_update *ups;
	size_t n, alloc;
};

static void change_add(struct change *c, git_tree_update_t action, const git_oid *id,
		       git_filemode_t mode, const char *path)
{
	if (c->n == c->alloc) {
		c->alloc = c->alloc ? 2 * c->alloc : 16;
		c->ups = xrealloc(c->ups, c->alloc * sizeof(*c->ups));
	}
	memset(&c->ups[c->n], 0, sizeof(c->ups[0]));
	c->ups[c->n].action = action;
	if (id)
		git_oid_cpy(&c->ups[c->n].id, id);
	c->ups[c->n].filemode = mode;
	c->ups[c->n].path = xstrdup(path);
	c->n++;
}

static void change_release(struct change *c)
{
	for (size_t i = 0; i < c->n; i++)
		free((char *)c->ups[i].path);
	free(c->ups);
	memset(c, 0, sizeof(*c));
}

/* The entry at `path` of `tree` (NULL tree: none). Returns 1 found, 0 not. */
static int tree_has(git_tree *tree, const char *path, git_object_t *type, git_oid *id)
{
	git_tree_entry *ent = NULL;

	if (!tree || git_tree_entry_bypath(&ent, tree, path) < 0) {
		git_error_clear();
		return 0;
	}
	if (type)
		*type = git_tree_entry_type(ent);
	if (id)
		git_oid_cpy(id, git_tree_entry_id(ent));
	git_tree_entry_free(ent);
	return 1;
}

/* The contents of the blob at `path`, appended to `out`; 0 when absent. */
static int tree_read(git_repository *repo, git_tree *tree, const char *path, struct buf *out)
{
	git_object_t type;
	git_oid id;
	git_blob *blob = NULL;

	if (!tree_has(tree, path, &type, &id) || type != GIT_OBJECT_BLOB)
		return 0;
	if (git_blob_lookup(&blob, repo, &id) < 0) {
		git_error_clear();
		return 0;
	}
	buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return 1;
}

/* The image tag the app's values.yaml names in `tree`, or "". */
static void previous_tag(git_repository *repo, git_tree *tree, const char *app_path, char *out,
			 size_t outsz)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct yamldoc d;

	out[0] = '\0';
	buf_addf(&path, "%s/values.yaml", app_path);
	if (tree_read(repo, tree, path.buf, &text) &&
	    yamldoc_load(&d, text.buf, text.len, NULL) == 0) {
		snprintf(out, outsz, "%s", gitops_str_or(yamldoc_scalar(&d, "image.tag"), ""));
		yamldoc_release(&d);
	}
	buf_release(&path);
	buf_release(&text);
}

/* The deployment seq the app's Chart.yaml in `tree` records, or 0. */
static long long previous_seq(git_repository *repo, git_tree *tree, const char *app_path)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct yamldoc d;
	long long seq = 0;

	buf_addf(&path, "%s/Chart.yaml", app_path);
	if (tree_read(repo, tree, path.buf, &text) &&
	    yamldoc_load(&d, text.buf, text.len, NULL) == 0) {
		seq = atoll(gitops_str_or(yamldoc_scalar(&d, "annotations.deployment-seq"), "0"));
		yamldoc_release(&d);
	}
	buf_release(&path);
	buf_release(&text);
	return seq;
}

/* ---- what a release writes ---- */

struct release_job {
	const struct gitops_app *app;
	const struct gitops_values *v;
	struct buf chart, values;
	struct gitops_file *files; /* owned copies when read from a folder */
	const struct gitops_file *use;
	size_t nfiles;
	struct gitops_names names;
};

static void release_job_release(struct release_job *j)
{
	buf_release(&j->chart);
	buf_release(&j->values);
	for (size_t i = 0; j->files && i < j->nfiles; i++) {
		free((char *)j->files[i].path);
		free((void *)j->files[i].data);
	}
	free(j->files);
	gitops_names_release(&j->names);
}

static int read_file(const char *path, struct buf *out, struct err *e)
{
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return err_set(e, 500, "gitops_error", "cannot read %s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	fclose(f);
	return 0;
}

static void job_add_file(struct release_job *j, const char *rel, struct buf *data)
{
	size_t len;

	j->files = xrealloc(j->files, (j->nfiles + 1) * sizeof(*j->files));
	j->files[j->nfiles].path = xstrdup(rel);
	j->files[j->nfiles].data = (unsigned char *)buf_detach(data, &len);
	j->files[j->nfiles].len = len;
	j->nfiles++;
}

/* Take values.schema.json and templates/ from a chart folder instead of the
 * built-in copy (a platform operator's own chart). */
static int load_templates(struct release_job *j, const char *dir, struct err *e)
{
	struct buf path = BUF_INIT, data = BUF_INIT;
	DIR *d = NULL;
	struct dirent *de;
	int rc = -1;

	buf_addf(&path, "%s/values.schema.json", dir);
	if (access(path.buf, R_OK) == 0) {
		if (read_file(path.buf, &data, e) < 0)
			goto out;
		job_add_file(j, "values.schema.json", &data);
	}
	buf_reset(&path);
	buf_addf(&path, "%s/templates", dir);
	if (!(d = opendir(path.buf))) {
		err_set(e, 500, "gitops_error", "cannot read %s: %s", path.buf, strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		struct buf file = BUF_INIT, rel = BUF_INIT;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		buf_addf(&file, "%s/%s", path.buf, de->d_name);
		buf_addf(&rel, "templates/%s", de->d_name);
		if (stat(file.buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    read_file(file.buf, &data, e) == 0)
			job_add_file(j, rel.buf, &data);
		buf_release(&file);
		buf_release(&rel);
	}
	rc = 0;
out:
	if (d)
		closedir(d);
	buf_release(&path);
	buf_release(&data);
	return rc;
}

static int blob_put(git_repository *repo, struct change *c, const char *path, const void *data,
		    size_t len, struct err *e)
{
	git_oid id;

	if (git_blob_create_from_buffer(&id, repo, data, len) < 0)
		return gitops_git_fail(e, "cannot write a blob");
	change_add(c, GIT_TREE_UPDATE_UPSERT, &id, GIT_FILEMODE_BLOB, path);
	return 0;
}

static int job_has_file(const struct release_job *j, const char *rel)
{
	for (size_t i = 0; i < j->nfiles; i++) {
		if (!strcmp(j->use[i].path, rel))
			return 1;
	}
	return 0;
}

/* Templates that left the chart leave the app folder too. */
static int drop_stale_templates(git_repository *repo, git_tree *base, const struct release_job *j,
				struct change *c, struct err *e)
{
	struct buf path = BUF_INIT, rel = BUF_INIT;
	git_object_t type;
	git_oid id;
	git_tree *t = NULL;

	buf_addf(&path, "%s/templates", j->names.path.buf);
	if (tree_has(base, path.buf, &type, &id) && type == GIT_OBJECT_TREE) {
		if (git_tree_lookup(&t, repo, &id) < 0) {
			buf_release(&path);
			return gitops_git_fail(e, "cannot read the templates tree");
		}
		for (size_t i = 0; i < git_tree_entrycount(t); i++) {
			const char *name = git_tree_entry_name(git_tree_entry_byindex(t, i));

			buf_reset(&rel);
			buf_addf(&rel, "templates/%s", name);
			if (!job_has_file(j, rel.buf)) {
				buf_reset(&rel);
				buf_addf(&rel, "%s/templates/%s", j->names.path.buf, name);
				change_add(c, GIT_TREE_UPDATE_REMOVE, NULL, 0, rel.buf);
			}
		}
		git_tree_free(t);
	}
	buf_release(&path);
	buf_release(&rel);
	return 0;
}

static int release_changes(git_repository *repo, git_tree *base, const struct release_job *j,
			   struct change *c, struct err *e)
{
	struct buf path = BUF_INIT;
	git_object_t type;
	int rc = -1;

	if (tree_has(base, j->names.path.buf, &type, NULL) && type != GIT_OBJECT_TREE) {
		err_set(e, 409, "gitops_conflict",
			"%s exists in the gitops repository and is not a folder",
			j->names.path.buf);
		goto out;
	}
	buf_addf(&path, "%s/Chart.yaml", j->names.path.buf);
	if (blob_put(repo, c, path.buf, j->chart.buf, j->chart.len, e) < 0)
		goto out;
	buf_reset(&path);
	buf_addf(&path, "%s/values.yaml", j->names.path.buf);
	if (blob_put(repo, c, path.buf, j->values.buf, j->values.len, e) < 0)
		goto out;
	for (size_t i = 0; i < j->nfiles; i++) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s", j->names.path.buf, j->use[i].path);
		if (blob_put(repo, c, path.buf, j->use[i].data, j->use[i].len, e) < 0)
			goto out;
	}
	rc = drop_stale_templates(repo, base, j, c, e);
out:
	buf_release(&path);
	return rc;
}

/* Removing the app folder also removes the user and workspace folders it
 * leaves empty (git keeps no empty folders; an empty tree would be noise). */
static int remove_changes(git_repository *repo, git_tree *base, const char *app_path,
			  struct change *c)
{
	char path[PATH_MAX];
	char *slash;

	if (!tree_has(base, app_path, NULL, NULL))
		return 0;
	snprintf(path, sizeof(path), "%s", app_path);
	/* Climb while the parent holds only this entry, but keep apps/ itself. */
	while ((slash = strrchr(path, '/')) && strchr(path, '/') != slash) {
		git_object_t type;
		git_oid id;
		git_tree *parent = NULL;
		size_t count = 0;

		*slash = '\0';
		if (tree_has(base, path, &type, &id) && type == GIT_OBJECT_TREE &&
		    git_tree_lookup(&parent, repo, &id) == 0) {
			count = git_tree_entrycount(parent);
			git_tree_free(parent);
		}
		if (count != 1) {
			*slash = '/';
			break;
		}
	}
	change_add(c, GIT_TREE_UPDATE_REMOVE, NULL, 0, path);
	return 1;
}

/* ---- commit ---- */

static void trailers(struct buf *msg, const struct gitops_meta *m)
{
	if (m && m->deployment_id && *m->deployment_id)
		buf_addf(msg, "Deployment-Id: %s\n", m->deployment_id);
	if (m && m->triggered_by && *m->triggered_by)
		buf_addf(msg, "Triggered-By: %s\n", m->triggered_by);
}

static void release_message(struct buf *msg, const struct release_job *j, const char *prev,
			    const struct gitops_meta *m)
{
	buf_addf(msg, "%s %s: %s (was %s)\n\n", m && m->rollback ? "rollback" : "release",
		 j->names.app.buf, j->v->image_tag, *prev ? prev : "none");
	buf_addf(msg, "App: %s\nImage: %s:%s\nPrevious-Tag: %s\n", j->names.app.buf,
		 j->v->image_repository, j->v->image_tag, *prev ? prev : "none");
	trailers(msg, m);
}

static int check_meta(const struct gitops_meta *m, struct err *e)
{
	if (!m)
		return 0;
	if (gitops_check_line("deployment_id", m->deployment_id, 0, 128, e) < 0 ||
	    gitops_check_line("triggered_by", m->triggered_by, 0, 128, e) < 0)
		return -1;
	return 0;
}

static int make_commit(struct gitops_session *s, const git_oid *tree_id, const git_oid *parent_id,
		       const char *msg, git_oid *out, struct err *e)
{
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	const git_commit *parents[1];
	int rc = -1;

	if (git_signature_now(&sig, gitops_str_or(s->o->author_name, GITOPS_DEFAULT_AUTHOR_NAME),
			      gitops_str_or(s->o->author_email, GITOPS_DEFAULT_AUTHOR_EMAIL)) < 0) {
		err_set(e, 422, "invalid_value", "invalid commit author: %s", gitops_git_msg());
		goto out;
	}
	if (git_tree_lookup(&tree, s->repo, tree_id) < 0 ||
	    (parent_id && git_commit_lookup(&parent, s->repo, parent_id) < 0)) {
		gitops_git_fail(e, "cannot read the new tree");
		goto out;
	}
	parents[0] = parent;
	if (git_commit_create(out, s->repo, NULL, sig, sig, NULL, msg, tree, parent ? 1 : 0,
			      parents) < 0 ||
	    git_reference_create(NULL, s->repo, s->head_ref, out, 1, "commit") < 0) {
		gitops_git_fail(e, "cannot write the commit");
		goto out;
	}
	rc = 0;
out:
	git_commit_free(parent);
	git_tree_free(tree);
	git_signature_free(sig);
	return rc;
}

/* ---- the retry loop ---- */

enum job_kind { JOB_RELEASE, JOB_REMOVE };

struct job {
	enum job_kind kind;
	struct release_job *rel; /* JOB_RELEASE */
	const char *app_path;
	const char *app_name;
	const struct gitops_meta *meta;
};

static void backoff(int attempt)
{
	unsigned int seed =
	    (unsigned int)getpid() ^ (unsigned int)time(NULL) ^ (unsigned int)attempt;
	long cap_ms = 20L << (attempt < 6 ? attempt : 6); /* 40 ms .. 1.3 s */
	long ms = (long)(rand_r(&seed) % (unsigned int)cap_ms);
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Build the change on `base` into a commit; *changed 0 when nothing to do. */
static int build_commit(struct gitops_session *s, const struct job *j, git_tree *base,
			const git_oid *parent, git_oid *commit_id, int *changed,
			struct gitops_result *res, struct err *e)
{
	struct change c = {0};
	struct buf msg = BUF_INIT;
	git_oid tree_id;
	int rc = -1;

	previous_tag(s->repo, base, j->app_path, res->previous_tag, sizeof(res->previous_tag));
	*changed = 1;
	if (j->kind == JOB_RELEASE && j->meta && j->meta->seq > 0) {
		long long held = previous_seq(s->repo, base, j->app_path);

		/* checked on every attempt: a retry rebuilds on a tip another writer moved */
		if (held > j->meta->seq) {
			err_set(
			    e, 409, "stale_release",
			    "%s already holds deployment #%lld; #%lld is older and is not written",
			    j->app_name, held, j->meta->seq);
			goto out;
		}
	}
	if (j->kind == JOB_RELEASE) {
		if (release_changes(s->repo, base, j->rel, &c, e) < 0)
			goto out;
		release_message(&msg, j->rel, res->previous_tag, j->meta);
	} else {
		if (!remove_changes(s->repo, base, j->app_path, &c)) {
			*changed = 0;
			rc = 0;
			goto out;
		}
		buf_addf(&msg, "remove %s (was %s)\n\nApp: %s\nPrevious-Tag: %s\n", j->app_name,
			 *res->previous_tag ? res->previous_tag : "none", j->app_name,
			 *res->previous_tag ? res->previous_tag : "none");
		trailers(&msg, j->meta);
	}
	if (git_tree_create_updated(&tree_id, s->repo, base, c.n, c.ups) < 0) {
		gitops_git_fail(e, "cannot build the new tree");
		goto out;
	}
	rc = make_commit(s, &tree_id, parent, msg.buf, commit_id, e);
out:
	change_release(&c);
	buf_release(&msg);
	return rc;
}

static int empty_tree(git_repository *repo, git_tree **out)
{
	git_treebuilder *tb = NULL;
	git_oid id;
	int rc = -1;

	if (git_treebuilder_new(&tb, repo, NULL) == 0 && git_treebuilder_write(&id, tb) == 0 &&
	    git_tree_lookup(out, repo, &id) == 0)
		rc = 0;
	git_treebuilder_free(tb);
	return rc;
}

static int tip_tree(git_repository *repo, const git_oid *tip, git_tree **out)
{
	git_commit *c = NULL;
	int rc = -1;

	if (git_commit_lookup(&c, repo, tip) == 0 && git_commit_tree(out, c) == 0)
		rc = 0;
	git_commit_free(c);
	return rc;
}

/* One attempt: fetch, build, push. 0 done, 1 rejected (retry), -1 failed. */
static int attempt_once(struct gitops_session *s, const struct job *j, struct gitops_result *res,
			struct err *e)
{
	git_oid tip, commit_id;
	git_tree *base = NULL;
	int have, changed, rc = -1;

	if (gitops_fetch_tip(s, &tip, &have, e) < 0)
		return -1;
	if ((have ? tip_tree(s->repo, &tip, &base) : empty_tree(s->repo, &base)) < 0) {
		gitops_git_fail(e, "cannot read the fetched tree");
		return -1;
	}
	if (build_commit(s, j, base, have ? &tip : NULL, &commit_id, &changed, res, e) < 0)
		goto out;
	if (!changed) {
		res->changed = 0;
		if (have)
			git_oid_tostr(res->commit, sizeof(res->commit), &tip);
		rc = 0;
		goto out;
	}
	res->attempts++;
	rc = gitops_push(s, have ? &tip : NULL, &commit_id, e);
	if (rc == PUSH_OK) {
		res->changed = 1;
		git_oid_tostr(res->commit, sizeof(res->commit), &commit_id);
	}
out:
	git_tree_free(base);
	return rc;
}

static int run_job(const struct gitops_opts *o, const struct job *j, struct gitops_result *res,
		   struct err *e)
{
	struct gitops_session s;
	int max = o->max_attempts > 0 ? o->max_attempts : GITOPS_DEFAULT_ATTEMPTS;
	int rc;

	if (gitops_session_open(&s, o, 1, e) < 0)
		return -1;
	for (int attempt = 1;; attempt++) {
		rc = attempt_once(&s, j, res, e);
		if (rc <= 0)
			break;
		metrics_gitops_retry();
		log_info("gitops push rejected, retrying", "app", j->app_name, "remote",
			 s.url.shown, NULL);
		if (attempt >= max) {
			rc = err_set(e, 409, "push_rejected",
				     "the gitops remote %s kept moving: gave up after %d attempts",
				     s.url.shown, attempt);
			break;
		}
		backoff(attempt);
	}
	if (rc == 0)
		log_info(res->changed ? "gitops commit pushed" : "gitops: nothing to change", "app",
			 j->app_name, "commit", res->commit, "remote", s.url.shown, NULL);
	gitops_session_close(&s);
	return rc;
}

static void result_init(struct gitops_result *res)
{
	memset(res, 0, sizeof(*res));
}

int gitops_release(const struct gitops_opts *o, const struct gitops_app *app,
		   const struct gitops_values *v, const struct gitops_meta *m,
		   struct gitops_result *res, struct err *e)
{
	struct release_job rj;
	struct job j = {JOB_RELEASE, &rj, NULL, NULL, m};
	int rc = -1;

	result_init(res);
	memset(&rj, 0, sizeof(rj));
	buf_init(&rj.chart, 0);
	buf_init(&rj.values, 0);
	/* Every name and value is checked here, before any path or git call. */
	if (check_meta(m, e) < 0 || gitops_values_yaml(&rj.values, app, v, e) < 0 ||
	    gitops_chart_yaml(&rj.chart, app, v->image_tag, m ? m->seq : 0, e) < 0 ||
	    gitops_names_init(&rj.names, app, v, e) < 0)
		goto out;
	rj.app = app;
	rj.v = v;
	if (o->templates_dir && *o->templates_dir) {
		if (load_templates(&rj, o->templates_dir, e) < 0)
			goto out;
		rj.use = rj.files;
	} else {
		rj.use = gitops_builtin_files(&rj.nfiles);
	}
	j.app_path = rj.names.path.buf;
	j.app_name = rj.names.app.buf;
	rc = run_job(o, &j, res, e);
out:
	release_job_release(&rj);
	return rc;
}

int gitops_remove(const struct gitops_opts *o, const struct gitops_app *app,
		  const struct gitops_meta *m, struct gitops_result *res, struct err *e)
{
	struct gitops_names n;
	struct job j = {JOB_REMOVE, NULL, NULL, NULL, m};
	int rc = -1;

	result_init(res);
	memset(&n, 0, sizeof(n));
	if (check_meta(m, e) < 0 || gitops_check_app(app, e) < 0 ||
	    gitops_names_init(&n, app, NULL, e) < 0)
		goto out;
	j.app_path = n.path.buf;
	j.app_name = n.app.buf;
	rc = run_job(o, &j, res, e);
out:
	gitops_names_release(&n);
	return rc;
}

/* ---- reading a repository (for doctor) ---- */

struct walk {
	git_repository *repo;
	const char *prefix;
	const char *const *names;
	gitops_file_fn fn;
	void *arg;
	int stop;
	int failed;
};

static int name_wanted(const char *const *names, const char *name)
{
	for (int i = 0; names[i]; i++) {
		if (!strcmp(names[i], name))
			return 1;
	}
	return 0;
}

static int walk_cb(const char *root, const git_tree_entry *te, void *payload)
{
	struct walk *w = payload;
	struct buf path = BUF_INIT;
	git_blob *blob = NULL;
	size_t plen = strlen(w->prefix);

	buf_addf(&path, "%s%s", root, git_tree_entry_name(te));
	if (git_tree_entry_type(te) == GIT_OBJECT_TREE) {
		/* Descend only into the prefix ("apps/") and below it. */
		int skip = 0;

		buf_addch(&path, '/');
		if (path.len < plen ? strncmp(path.buf, w->prefix, path.len) != 0
				    : strncmp(path.buf, w->prefix, plen) != 0)
			skip = 1;
		buf_release(&path);
		return skip;
	}
	if (git_tree_entry_type(te) == GIT_OBJECT_BLOB && !strncmp(path.buf, w->prefix, plen) &&
	    name_wanted(w->names, git_tree_entry_name(te))) {
		if (git_blob_lookup(&blob, w->repo, git_tree_entry_id(te)) < 0) {
			w->failed = 1;
		} else {
			w->stop = w->fn(path.buf, git_blob_rawcontent(blob),
					(size_t)git_blob_rawsize(blob), w->arg);
			git_blob_free(blob);
		}
	}
	buf_release(&path);
	return (w->stop || w->failed) ? -1 : 0;
}

static int walk_tip(git_repository *repo, const git_oid *tip, const char *prefix,
		    const char *const *names, gitops_file_fn fn, void *arg, struct err *e)
{
	struct walk w = {repo, prefix ? prefix : "", names, fn, arg, 0, 0};
	git_tree *tree = NULL;
	int rc;

	if (tip_tree(repo, tip, &tree) < 0)
		return gitops_git_fail(e, "cannot read the tip of the gitops repository");
	git_tree_walk(tree, GIT_TREEWALK_PRE, walk_cb, &w);
	git_tree_free(tree);
	if (w.failed)
		return gitops_git_fail(e, "cannot read a file of the gitops repository");
	rc = w.stop;
	return rc;
}

static int read_local(struct gitops_session *s, const char *prefix, const char *const *names,
		      gitops_file_fn fn, void *arg, char *commit, struct err *e)
{
	git_repository *repo = NULL;
	git_oid tip;
	int rc = -1;

	if (git_repository_open_ext(&repo, s->url.path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		err_set(e, 502, "remote_unreachable", "cannot open the gitops repository %s: %s",
			s->url.shown, gitops_git_msg());
		goto out;
	}
	if (git_reference_name_to_id(&tip, repo, s->head_ref) < 0 &&
	    git_reference_name_to_id(&tip, repo, "HEAD") < 0) {
		git_error_clear();
		rc = 0; /* an empty repository */
		goto out;
	}
	if (commit)
		git_oid_tostr(commit, 41, &tip);
	rc = walk_tip(repo, &tip, prefix, names, fn, arg, e);
out:
	git_repository_free(repo);
	return rc;
}

int gitops_read_files(const struct gitops_opts *o, const char *prefix, const char *const *names,
		      gitops_file_fn fn, void *arg, char *commit, struct err *e)
{
	struct gitops_session s;
	git_oid tip;
	int have, rc = -1;

	if (commit)
		commit[0] = '\0';
	if (gitops_session_open(&s, o, 0, e) < 0)
		return -1;
	if (s.url.path) {
		rc = read_local(&s, prefix, names, fn, arg, commit, e);
		goto out;
	}
	if (gitops_cache_open(&s, e) < 0 || gitops_fetch_tip(&s, &tip, &have, e) < 0)
		goto out;
	rc = 0;
	if (have) {
		if (commit)
			git_oid_tostr(commit, 41, &tip);
		rc = walk_tip(s.repo, &tip, prefix, names, fn, arg, e);
	}
out:
	gitops_session_close(&s);
	return rc;
}

/* ---------------------------------------------------------------- commit check */

/* 1 when `hex` names a commit on the branch (its tip or an ancestor of it) whose tree holds
 * the app's folder and differs there from its first parent's; 0 when not. */
static int commit_touches(git_repository *repo, const git_oid *tip, const char *hex,
			  const char *app_path)
{
	git_oid id;
	git_commit *c = NULL, *parent = NULL;
	git_tree *t = NULL, *pt = NULL;
	git_tree_entry *te = NULL, *pte = NULL;
	int rc = 0;

	if (strlen(hex) != GIT_OID_HEXSZ || git_oid_fromstr(&id, hex) < 0)
		goto out;
	if (!git_oid_equal(&id, tip) && git_graph_descendant_of(repo, tip, &id) != 1)
		goto out;
	if (git_commit_lookup(&c, repo, &id) < 0 || git_commit_tree(&t, c) < 0 ||
	    git_tree_entry_bypath(&te, t, app_path) < 0)
		goto out;
	if (git_commit_parentcount(c) == 0 || git_commit_parent(&parent, c, 0) < 0 ||
	    git_commit_tree(&pt, parent) < 0 || git_tree_entry_bypath(&pte, pt, app_path) < 0) {
		rc = 1; /* the commit made the folder */
		goto out;
	}
	rc = !git_oid_equal(git_tree_entry_id(te), git_tree_entry_id(pte));
out:
	git_error_clear();
	git_tree_entry_free(te);
	git_tree_entry_free(pte);
	git_tree_free(t);
	git_tree_free(pt);
	git_commit_free(c);
	git_commit_free(parent);
	return rc;
}

int gitops_commit_touches(const struct gitops_opts *o, const struct gitops_app *app,
			  const char *commit, struct err *e)
{
	struct gitops_session s;
	struct buf path = BUF_INIT;
	git_repository *local = NULL;
	git_oid tip;
	int have = 0, rc = -1;

	if (gitops_check_app(app, e) < 0 ||
	    naming_app_path(&path, app->workspace, app->user, app->project, e) < 0) {
		buf_release(&path);
		return -1;
	}
	if (gitops_session_open(&s, o, 0, e) < 0) {
		buf_release(&path);
		return -1;
	}
	if (s.url.path) {
		if (git_repository_open_ext(&local, s.url.path, GIT_REPOSITORY_OPEN_NO_SEARCH,
					    NULL) < 0) {
			err_set(e, 502, "remote_unreachable",
				"cannot open the gitops repository %s: %s", s.url.shown,
				gitops_git_msg());
			goto out;
		}
		have = git_reference_name_to_id(&tip, local, s.head_ref) == 0;
		rc = have ? commit_touches(local, &tip, commit, path.buf) : 0;
	} else {
		if (gitops_cache_open(&s, e) < 0 || gitops_fetch_tip(&s, &tip, &have, e) < 0)
			goto out;
		rc = have ? commit_touches(s.repo, &tip, commit, path.buf) : 0;
	}
out:
	git_error_clear();
	git_repository_free(local);
	gitops_session_close(&s);
	buf_release(&path);
	return rc;
}
