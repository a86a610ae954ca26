/* gitdoctor.c: layout, name and values checks over the app folders of a GitOps repository */
#include "gitdoctor.h"

#include "buf.h"
#include "naming.h"
#include "yamldoc.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APPS_PREFIX	 "apps/"
#define HELM_RELEASE_MAX 53

/* Keys every values.yaml must have (values.schema.json requires the same). */
static const char *const required_values[] = {
    "app.name",		"app.workspace",       "app.user", "app.project", "namespace",
    "image.repository", "image.tag",	       "port",	   "replicas",	  "ingress.host",
    "resources",	"autoscaling.enabled", NULL,
};

static const char *const required_chart[] = {"apiVersion", "name", "version", NULL};

struct gitdoctor_folder {
	char *dir;   /* "apps/ws/u/p" */
	char *chart; /* Chart.yaml contents or NULL */
	char *values;
	size_t chart_len, values_len;
	/* filled by the checks */
	char *app_name, *release, *ns, *host;
};

void gitdoctor_init(struct gitdoctor *d)
{
	memset(d, 0, sizeof(*d));
}

void gitdoctor_release(struct gitdoctor *d)
{
	for (size_t i = 0; i < d->nfolders; i++) {
		struct gitdoctor_folder *f = &d->folders[i];

		free(f->dir);
		free(f->chart);
		free(f->values);
		free(f->app_name);
		free(f->release);
		free(f->ns);
		free(f->host);
	}
	free(d->folders);
	free(d->items);
	memset(d, 0, sizeof(*d));
}

static void report(struct gitdoctor *d, enum gitdoctor_severity sev, const char *code,
		   const char *path, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void report(struct gitdoctor *d, enum gitdoctor_severity sev, const char *code,
		   const char *path, const char *fmt, ...)
{
	struct gitdoctor_finding *it;
	va_list ap;

	if (d->n == d->alloc) {
		d->alloc = d->alloc ? 2 * d->alloc : 16;
		d->items = xrealloc(d->items, d->alloc * sizeof(*d->items));
	}
	it = &d->items[d->n++];
	it->severity = sev;
	snprintf(it->code, sizeof(it->code), "%s", code);
	snprintf(it->path, sizeof(it->path), "%s", path);
	va_start(ap, fmt);
	vsnprintf(it->msg, sizeof(it->msg), fmt, ap);
	va_end(ap);
	if (sev == GITDOCTOR_ERROR)
		d->errors++;
	else
		d->warnings++;
}

static struct gitdoctor_folder *folder_get(struct gitdoctor *d, const char *dir, size_t dirlen)
{
	for (size_t i = 0; i < d->nfolders; i++) {
		if (strlen(d->folders[i].dir) == dirlen && !memcmp(d->folders[i].dir, dir, dirlen))
			return &d->folders[i];
	}
	if (d->nfolders == d->afolders) {
		d->afolders = d->afolders ? 2 * d->afolders : 64;
		d->folders = xrealloc(d->folders, d->afolders * sizeof(*d->folders));
	}
	memset(&d->folders[d->nfolders], 0, sizeof(d->folders[0]));
	d->folders[d->nfolders].dir = xstrndup(dir, dirlen);
	return &d->folders[d->nfolders++];
}

int gitdoctor_add_file(const char *path, const char *data, size_t len, void *doctor)
{
	struct gitdoctor *d = doctor;
	const char *slash = strrchr(path, '/');
	struct gitdoctor_folder *f;

	if (!slash)
		return 0;
	f = folder_get(d, path, (size_t)(slash - path));
	if (!strcmp(slash + 1, "Chart.yaml") && !f->chart) {
		f->chart = xstrndup(data, len);
		f->chart_len = len;
	} else if (!strcmp(slash + 1, "values.yaml") && !f->values) {
		f->values = xstrndup(data, len);
		f->values_len = len;
	}
	return 0;
}

/* Folders below apps/: the number of parts, and the first three. */
static size_t split_dir(const char *dir, char parts[3][256])
{
	const char *p = dir + strlen(APPS_PREFIX);
	size_t n = 0;

	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (n < 3)
			snprintf(parts[n], 256, "%.*s", (int)len, p);
		n++;
		p += len;
		if (*p == '/')
			p++;
	}
	return n;
}

static void check_names(struct gitdoctor *d, struct gitdoctor_folder *f, char parts[3][256])
{
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;

	if (naming_check_id("workspace_id", parts[0], &e) < 0 ||
	    naming_check_id("user_id", parts[1], &e) < 0 ||
	    naming_check_project("name", parts[2], &e) < 0)
		report(d, GITDOCTOR_ERROR, "invalid_name", f->dir, "%s", e.msg);
	/* The raw joins, as the ApplicationSet forms them from the path. */
	buf_addf(&b, "%s-%s-%s", parts[0], parts[1], parts[2]);
	f->app_name = buf_detach(&b, NULL);
	buf_addf(&b, "%s-%s", parts[1], parts[2]);
	if (b.len > HELM_RELEASE_MAX)
		report(d, GITDOCTOR_ERROR, "release_name_too_long", f->dir,
		       "Helm release name '%s' is %zu characters, over %d", b.buf, b.len,
		       HELM_RELEASE_MAX);
	else if (!naming_is_dns_name(b.buf))
		report(d, GITDOCTOR_ERROR, "release_name_invalid", f->dir,
		       "Helm release name '%s' is not Helm-safe (lowercase letters, digits, '-' "
		       "and '.', starting and ending with a letter or digit)",
		       b.buf);
	f->release = buf_detach(&b, NULL);
	buf_addf(&b, "user-%s", parts[1]);
	f->ns = buf_detach(&b, NULL);
}

static void check_chart(struct gitdoctor *d, struct gitdoctor_folder *f, struct yamldoc *values)
{
	struct yamldoc c;
	struct err e = ERR_INIT;
	const char *app_version, *tag;

	if (yamldoc_load(&c, f->chart, f->chart_len, &e) < 0 || !yamldoc_is_map(&c)) {
		report(d, GITDOCTOR_ERROR, "chart_invalid", f->dir, "Chart.yaml does not parse: %s",
		       e.msg[0] ? e.msg : "not a mapping");
		yamldoc_release(&c);
		return;
	}
	for (int i = 0; required_chart[i]; i++) {
		if (!yamldoc_scalar(&c, required_chart[i]))
			report(d, GITDOCTOR_ERROR, "chart_missing_key", f->dir,
			       "Chart.yaml has no %s", required_chart[i]);
	}
	app_version = yamldoc_scalar(&c, "appVersion");
	tag = values ? yamldoc_scalar(values, "image.tag") : NULL;
	if (app_version && tag && strcmp(app_version, tag))
		report(d, GITDOCTOR_WARNING, "tag_mismatch", f->dir,
		       "Chart.yaml appVersion '%s' is not the image tag '%s'", app_version, tag);
	yamldoc_release(&c);
}

static void check_values_keys(struct gitdoctor *d, struct gitdoctor_folder *f, struct yamldoc *v)
{
	struct buf missing = BUF_INIT;
	const char *ns, *app, *host, *enabled;

	for (int i = 0; required_values[i]; i++) {
		if (!yamldoc_node(v, required_values[i]))
			buf_addf(&missing, "%s%s", missing.len ? ", " : "", required_values[i]);
	}
	if (missing.len)
		report(d, GITDOCTOR_ERROR, "values_missing_key", f->dir, "values.yaml misses %s",
		       missing.buf);
	buf_release(&missing);
	ns = yamldoc_scalar(v, "namespace");
	if (ns && strcmp(ns, f->ns))
		report(d, GITDOCTOR_ERROR, "namespace_mismatch", f->dir,
		       "namespace '%s' does not match the user: expected '%s'", ns, f->ns);
	app = yamldoc_scalar(v, "app.name");
	if (app && strcmp(app, f->app_name))
		report(d, GITDOCTOR_WARNING, "app_mismatch", f->dir,
		       "values.yaml names app '%s' but the folder gives '%s'", app, f->app_name);
	enabled = yamldoc_scalar(v, "ingress.enabled");
	host = yamldoc_scalar(v, "ingress.host");
	if (host && *host && !(enabled && !strcmp(enabled, "false")))
		f->host = xstrdup(host);
}

static void check_app_folder(struct gitdoctor *d, struct gitdoctor_folder *f, char parts[3][256])
{
	struct yamldoc v;
	struct err e = ERR_INIT;
	int have_values = 0;

	d->apps++;
	check_names(d, f, parts);
	if (!f->values) {
		report(d, GITDOCTOR_ERROR, "values_missing", f->dir,
		       "no values.yaml next to Chart.yaml");
	} else if (yamldoc_load(&v, f->values, f->values_len, &e) < 0 || !yamldoc_is_map(&v)) {
		report(d, GITDOCTOR_ERROR, "values_invalid", f->dir,
		       "values.yaml does not parse: %s", e.msg[0] ? e.msg : "not a mapping");
		yamldoc_release(&v);
	} else {
		have_values = 1;
		check_values_keys(d, f, &v);
	}
	check_chart(d, f, have_values ? &v : NULL);
	if (have_values)
		yamldoc_release(&v);
}

/* Two folders with the same value of one field. */
static void collisions(struct gitdoctor *d, const char *code, const char *what, size_t off,
		       int same_ns)
{
	for (size_t i = 0; i < d->nfolders; i++) {
		const char *a = *(char **)((char *)&d->folders[i] + off);

		if (!a)
			continue;
		for (size_t j = i + 1; j < d->nfolders; j++) {
			const char *b = *(char **)((char *)&d->folders[j] + off);

			if (!b || strcmp(a, b))
				continue;
			if (same_ns && strcmp(d->folders[i].ns, d->folders[j].ns))
				continue;
			report(d, GITDOCTOR_ERROR, code, d->folders[j].dir,
			       "%s and %s give the same %s '%s'", d->folders[i].dir,
			       d->folders[j].dir, what, a);
		}
	}
}

void gitdoctor_finish(struct gitdoctor *d)
{
	for (size_t i = 0; i < d->nfolders; i++) {
		struct gitdoctor_folder *f = &d->folders[i];
		char parts[3][256];
		size_t depth;

		if (strncmp(f->dir, APPS_PREFIX, strlen(APPS_PREFIX)) || !f->chart)
			continue;
		depth = split_dir(f->dir, parts);
		if (depth > 3)
			report(d, GITDOCTOR_ERROR, "legacy_layout", f->dir,
			       "Chart.yaml below an app folder: the ApplicationSet pattern "
			       "apps/*/*/*/Chart.yaml also matches it under Argo CD's legacy "
			       "globbing ('*' crosses '/'); move it out of apps/");
		else if (depth < 3)
			report(d, GITDOCTOR_WARNING, "unscanned_chart", f->dir,
			       "Chart.yaml outside the apps/<workspace>/<user>/<project>/ layout "
			       "is never deployed");
		else
			check_app_folder(d, f, parts);
	}
	collisions(d, "app_name_collision", "Argo CD application name",
		   offsetof(struct gitdoctor_folder, app_name), 0);
	collisions(d, "release_name_collision", "Helm release in one namespace",
		   offsetof(struct gitdoctor_folder, release), 1);
	collisions(d, "host_collision", "ingress host", offsetof(struct gitdoctor_folder, host), 0);
}
