/* detect.c: framework detection from the files at the top of a checkout */
#include "detect.h"

#include "buf.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int is_file(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Read a small file whole into `out` (NUL-terminated); -1 when absent, unreadable or too big. */
static int read_small(const char *dir, const char *name, struct buf *out)
{
	char path[4096], chunk[8192];
	FILE *f;
	size_t n;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	buf_reset(out);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > DETECT_MAX_FILE)
			goto out;
		buf_add(out, chunk, n);
	}
	ret = ferror(f) ? -1 : 0;
out:
	fclose(f);
	return ret;
}

static void set(struct detect_result *r, const char *fw, enum detect_base base, const char *file,
		const char *reason)
{
	r->framework = fw;
	r->base = base;
	snprintf(r->file, sizeof(r->file), "%s", file);
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
}

/* package.json: 1 when one of its dependency maps names `pkg`. */
static int npm_depends(struct json_object *pkg, const char *name)
{
	static const char *const maps[] = {"dependencies", "devDependencies", "peerDependencies"};
	struct json_object *m, *v;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		if (json_object_object_get_ex(pkg, maps[i], &m) &&
		    json_object_is_type(m, json_type_object) &&
		    json_object_object_get_ex(m, name, &v))
			return 1;
	}
	return 0;
}

static int name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* 1 when `word` appears in `text` as a whole package name (case-insensitive): "Flask>=2",
 * "flask = '*'" and "\"fastapi[all]\"" count; "flask-cors" and "myflask" do not. */
static int mentions(const char *text, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = text; *p; p++) {
		if (strncasecmp(p, word, wl))
			continue;
		if ((p == text || !name_char((unsigned char)p[-1])) &&
		    !name_char((unsigned char)p[wl]))
			return 1;
	}
	return 0;
}

static int detect_python(const char *dir, struct detect_result *r, struct buf *tmp)
{
	static const char *const files[] = {"requirements.txt", "pyproject.toml", "Pipfile",
					    "setup.py"};
	static const struct {
		const char *pkg, *fw;
	} fws[] = {{"django", "django"}, {"fastapi", "fastapi"}, {"flask", "flask"}};
	char why[256];

	if (is_file(dir, "manage.py")) {
		set(r, "django", DETECT_BASE_PYTHON, "manage.py",
		    "manage.py is Django's project script");
		return 1;
	}
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		if (read_small(dir, files[f], tmp) < 0)
			continue;
		for (size_t i = 0; i < sizeof(fws) / sizeof(fws[0]); i++) {
			if (mentions(tmp->buf ? tmp->buf : "", fws[i].pkg)) {
				snprintf(why, sizeof(why), "%s names the %s package", files[f],
					 fws[i].pkg);
				set(r, fws[i].fw, DETECT_BASE_PYTHON, files[f], why);
				return 1;
			}
		}
	}
	return 0;
}

const char *detect_base_setting(enum detect_base b)
{
	switch (b) {
	case DETECT_BASE_NODE:
		return "base_image_node";
	case DETECT_BASE_PYTHON:
		return "base_image_python";
	case DETECT_BASE_GO:
		return "base_image_go";
	case DETECT_BASE_STATIC:
		return "base_image_static";
	case DETECT_BASE_NONE:
	default:
		return NULL;
	}
}

int detect_dir(const char *dir, struct detect_result *r, struct err *e)
{
	static const char *const pages[] = {"index.html", "public/index.html", "dist/index.html"};
	struct buf tmp = BUF_INIT;
	struct stat st;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (stat(dir, &st) < 0)
		return err_set(e, 400, "not_a_folder", "'%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, 400, "not_a_folder", "'%s' is not a folder", dir);
	r->has_dockerfile = is_file(dir, "Dockerfile");
	if (r->has_dockerfile) {
		set(r, "dockerfile", DETECT_BASE_NONE, "Dockerfile",
		    "the repository has its own Dockerfile, which is used as it is");
		goto out;
	}
	if (is_file(dir, "package.json")) {
		struct json_object *pkg = NULL;

		if (read_small(dir, "package.json", &tmp) == 0)
			pkg = json_tokener_parse(tmp.buf ? tmp.buf : "");
		if (pkg && npm_depends(pkg, "next"))
			set(r, "nextjs", DETECT_BASE_NODE, "package.json",
			    "package.json depends on next");
		else
			set(r, "node", DETECT_BASE_NODE, "package.json",
			    pkg ? "package.json without next: a Node.js app started with npm start"
				: "package.json (unreadable as JSON): a Node.js app");
		json_object_put(pkg);
		goto out;
	}
	if (detect_python(dir, r, &tmp))
		goto out;
	if (is_file(dir, "go.mod")) {
		set(r, "go", DETECT_BASE_GO, "go.mod", "go.mod makes it a Go module");
		goto out;
	}
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		if (is_file(dir, pages[i])) {
			char why[256];

			snprintf(why, sizeof(why), "%s and no application manifest: a static site",
				 pages[i]);
			set(r, "static", DETECT_BASE_STATIC, pages[i], why);
			goto out;
		}
	}
	ret =
	    err_set(e, 404, "no_framework",
		    "no supported framework found in '%s': looked for Dockerfile, package.json, "
		    "manage.py, requirements.txt, pyproject.toml, Pipfile, go.mod and index.html; "
		    "add a Dockerfile to build anything else",
		    dir);
out:
	buf_release(&tmp);
	return ret;
}
