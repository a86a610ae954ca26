/* buildjob.c: the job description of one local build, written by the worker, read by platform-build
 */
#include "buildjob.h"

#include "jsonutil.h"

#include <errno.h>
#include <ftw.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The members that are plain strings: name, required, longest value. The limits keep every
 * path platform-build makes from them inside its fixed buffers. */
struct member {
	const char *name;
	int flags;
	size_t max;
};

static const char *const base_names[5] = {"base_image_runtime", "base_image_node",
					  "base_image_python", "base_image_go",
					  "base_image_static"};

static const char *const keys[] = {"id",
				   "dir",
				   "repo_url",
				   "branch",
				   "commit",
				   "image",
				   "port",
				   "github_token",
				   "registry_url",
				   "registry_user",
				   "registry_password",
				   "builder_tool",
				   "builder_storage",
				   "templates",
				   "base_image_runtime",
				   "base_image_node",
				   "base_image_python",
				   "base_image_go",
				   "base_image_static",
				   NULL};

void buildjob_init(struct buildjob *j)
{
	memset(j, 0, sizeof(*j));
	buf_init(&j->github_token, 0);
	buf_init(&j->registry_password, 0);
}

static void wipe_buf(struct buf *b)
{
	if (b->len)
		OPENSSL_cleanse(b->buf, b->len);
	buf_release(b);
}

void buildjob_release(struct buildjob *j)
{
	wipe_buf(&j->github_token);
	wipe_buf(&j->registry_password);
	json_object_put(j->doc);
	buildjob_init(j);
}

/* Wipe the text of a json-c string in place: json-c hands it out as const, but the storage is
 * the object's own, and a secret must not stay in freed memory. */
static void wipe_json_string(struct json_object *s)
{
	if (s && json_object_is_type(s, json_type_string))
		OPENSSL_cleanse((char *)json_object_get_string(s),
				(size_t)json_object_get_string_len(s));
}

static struct json_object *add_secret(struct json_object *o, const char *key, const struct buf *b)
{
	struct json_object *s;

	if (!b->len)
		return NULL;
	s = json_object_new_string_len(b->buf, (int)b->len);
	json_object_object_add(o, key, s);
	return s;
}

void buildjob_json(const struct buildjob *j, struct buf *out)
{
	struct json_object *o = json_object_new_object(), *tok, *pw;
	const char *text;
	size_t len;

	ju_add_str(o, "id", j->id);
	ju_add_str(o, "dir", j->dir);
	ju_add_str(o, "repo_url", j->repo_url);
	ju_add_str(o, "branch", j->branch);
	ju_add_str(o, "commit", j->commit && *j->commit ? j->commit : NULL);
	ju_add_str(o, "image", j->image);
	json_object_object_add(o, "port", json_object_new_int64(j->port));
	ju_add_str(o, "registry_url", j->registry_url);
	ju_add_str(o, "registry_user", j->registry_user);
	ju_add_str(o, "builder_tool", j->builder_tool);
	ju_add_str(o, "builder_storage", j->builder_storage);
	ju_add_str(o, "templates", j->templates);
	for (int i = 0; i < 5; i++)
		ju_add_str(o, base_names[i], j->base_image[i]);
	tok = add_secret(o, "github_token", &j->github_token);
	pw = add_secret(o, "registry_password", &j->registry_password);
	text = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	buf_add(out, text, len);
	OPENSSL_cleanse((char *)text, len); /* the printer's buffer, freed with `o` */
	wipe_json_string(tok);
	wipe_json_string(pw);
	json_object_put(o);
}

/* Take secret `key` out of the document into `out`, wiping json-c's copy. */
static int take_secret(struct buildjob *j, const char *key, size_t max, struct buf *out,
		       struct err *e)
{
	struct json_object *v = NULL;
	const char *s;
	int r = ju_string(j->doc, key, JU_NULLABLE, max, &s, e);

	if (r <= 0)
		return r;
	buf_add(out, s, strlen(s));
	json_object_object_get_ex(j->doc, key, &v);
	wipe_json_string(v);
	return 0;
}

/* `text` as one strict JSON object (UTF-8, nothing but blanks after it) into j->doc; -1 with
 * `e`. */
static int parse_object(struct buildjob *j, const char *text, size_t len, struct err *e)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	size_t end;
	int ret = -1;

	if (!len)
		return err_set(e, 400, "invalid_job", "the job description is empty");
	if (memchr(text, '\0', len))
		return err_set(e, 400, "invalid_job", "the job description contains a NUL byte");
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	j->doc = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_success && end < len && strspn(text + end, " \t\r\n") < len - end)
		jerr = json_tokener_error_parse_unexpected;
	if (jerr != json_tokener_success || !j->doc)
		err_set(e, 400, "invalid_job", "the job description is not JSON: %s",
			jerr == json_tokener_continue ? "it ends too early"
						      : json_tokener_error_desc(jerr));
	else if (!json_object_is_type(j->doc, json_type_object))
		err_set(e, 400, "invalid_job", "the job description must be a JSON object");
	else
		ret = 0;
	json_tokener_free(tok);
	return ret;
}

/* The values' rules past their JSON types. */
static int check_values(const struct buildjob *j, struct err *e)
{
	if (strcmp(j->builder_tool, "buildah") && strcmp(j->builder_tool, "docker"))
		return err_field(e, 422, "invalid_value", "builder_tool",
				 "builder_tool must be buildah or docker");
	if (!*j->id || strchr(j->id, '/'))
		return err_field(e, 422, "invalid_value", "id", "id must be a deployment id");
	if (j->dir[0] != '/')
		return err_field(e, 422, "invalid_value", "dir", "dir must be an absolute path");
	return 0;
}

int buildjob_parse(struct buildjob *j, char *text, size_t len, struct err *e)
{
	static const struct member strs[] = {
	    {"id", JU_REQUIRED, 40},
	    {"dir", JU_REQUIRED, 800},
	    {"repo_url", JU_REQUIRED, 4096},
	    {"branch", JU_REQUIRED, 255},
	    {"commit", JU_NULLABLE, 64},
	    {"image", JU_REQUIRED, 500},
	    {"registry_url", JU_REQUIRED, 500},
	    {"registry_user", JU_NULLABLE, 255},
	    {"builder_tool", JU_REQUIRED, 16},
	    {"builder_storage", JU_NULLABLE, 800},
	    {"templates", JU_REQUIRED, 800},
	};
	const char **slots[] = {&j->id,		  &j->dir,
				&j->repo_url,	  &j->branch,
				&j->commit,	  &j->image,
				&j->registry_url, &j->registry_user,
				&j->builder_tool, &j->builder_storage,
				&j->templates};
	int ret = -1;

	if (parse_object(j, text, len, e) < 0 || ju_only_keys(j->doc, keys, e) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (ju_string(j->doc, strs[i].name, strs[i].flags, strs[i].max, slots[i], e) < 0)
			goto out;
	}
	for (int i = 0; i < 5; i++) {
		if (ju_string(j->doc, base_names[i], JU_NULLABLE, 500, &j->base_image[i], e) < 0)
			goto out;
	}
	if (j->commit && !*j->commit)
		j->commit = NULL; /* the branch head, as null says */
	if (ju_int(j->doc, "port", JU_REQUIRED, 1, 65535, &j->port, e) < 0 ||
	    take_secret(j, "github_token", 1024, &j->github_token, e) < 0 ||
	    take_secret(j, "registry_password", 512, &j->registry_password, e) < 0)
		goto out;
	ret = check_values(j, e);
out:
	if (len)
		OPENSSL_cleanse(text, len);
	return ret;
}

const char *buildjob_base_image(const struct buildjob *j, enum detect_base b)
{
	if ((int)b < 0 || (int)b >= 5 || !j->base_image[b])
		return "";
	return j->base_image[b];
}

const char *buildjob_registry(const char *url, int *insecure, size_t *len)
{
	const char *p = url;

	*insecure = 0;
	if (!strncmp(p, "http://", 7)) {
		*insecure = 1;
		p += 7;
	} else if (!strncmp(p, "https://", 8)) {
		p += 8;
	}
	*len = strlen(p);
	while (*len && p[*len - 1] == '/')
		(*len)--;
	return p;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void buildjob_rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int buildjob_mkdirs(const char *path)
{
	char tmp[1024];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0700) < 0 && errno != EEXIST ? -1 : 0;
}
