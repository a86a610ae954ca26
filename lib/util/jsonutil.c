/* jsonutil.c: checked JSON access for request bodies */
#include "jsonutil.h"

#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* 1 when every key and string in `v` is strict UTF-8. The raw body is checked before
 * parsing; this catches what \u escapes decode to (a lone \ud800 becomes the bytes of a
 * surrogate). */
static int strings_valid(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return utf8_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v));
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (!strings_valid(json_object_array_get_idx(v, i)))
				return 0;
		}
		return 1;
	case json_type_object: {
		json_object_object_foreach(v, key, val)
		{
			if (!utf8_valid(key, strlen(key)) || !strings_valid(val))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

struct json_object *ju_parse_object(const char *data, size_t len, struct err *e)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;

	if (!len)
		return json_object_new_object();
	if (len > (size_t)INT32_MAX) {
		err_set(e, 413, "body_too_large", "the request body is too large");
		return NULL;
	}
	if (memchr(data, '\0', len)) {
		err_set(e, 400, "invalid_json",
			"the request body is not valid JSON: it contains a NUL byte");
		return NULL;
	}
	/* json-c's own check lets overlong forms and surrogates through */
	if (!utf8_valid(data, len)) {
		err_set(e, 400, "invalid_utf8", "the request body is not valid UTF-8");
		return NULL;
	}
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, data, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_success && json_tokener_get_parse_end(tok) < len) {
		/* trailing bytes after the value (other than whitespace) */
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
			if (!strchr(" \t\r\n", data[i])) {
				jerr = json_tokener_error_parse_unexpected;
				break;
			}
		}
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success || !obj) {
		json_object_put(obj);
		err_set(e, 400, "invalid_json", "the request body is not valid JSON: %s",
			jerr == json_tokener_continue ? "it ends too early"
						      : json_tokener_error_desc(jerr));
		return NULL;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		err_set(e, 400, "invalid_json", "the request body must be a JSON object");
		return NULL;
	}
	if (!strings_valid(obj)) {
		json_object_put(obj);
		err_set(e, 400, "invalid_utf8",
			"the request body has a string that is not valid UTF-8 (a lone surrogate "
			"escape?)");
		return NULL;
	}
	return obj;
}

int ju_only_keys(struct json_object *obj, const char *const *allowed, struct err *e)
{
	json_object_object_foreach(obj, key, val)
	{
		const char *const *a;

		(void)val;
		for (a = allowed; *a; a++) {
			if (!strcmp(*a, key))
				break;
		}
		if (!*a) {
			/* quote at most 64 bytes, never half a character */
			int cut = (int)utf8_prefix(key, 64);

			err_field(e, 422, "unknown_field", "", "unknown field '%.*s'", cut, key);
			if (e)
				snprintf(e->field, sizeof(e->field), "%.*s",
					 (int)utf8_prefix(key, sizeof(e->field) - 1), key);
			return -1;
		}
	}
	return 0;
}

/* Look `key` up: 1 with *val when present, 0 absent (or null with JU_NULLABLE), -1 error. */
static int lookup(struct json_object *obj, const char *key, int flags, struct json_object **val,
		  struct err *e)
{
	if (!json_object_object_get_ex(obj, key, val) || (*val == NULL && (flags & JU_NULLABLE))) {
		if (flags & JU_REQUIRED)
			return err_field(e, 422, "missing_field", key, "%s is required", key);
		return 0;
	}
	if (*val == NULL)
		return err_field(e, 422, "invalid_type", key, "%s must not be null", key);
	return 1;
}

int ju_string(struct json_object *obj, const char *key, int flags, size_t maxlen, const char **out,
	      struct err *e)
{
	struct json_object *v;
	int r = lookup(obj, key, flags, &v, e);

	if (r <= 0)
		return r;
	if (!json_object_is_type(v, json_type_string))
		return err_field(e, 422, "invalid_type", key, "%s must be a string", key);
	if (maxlen && (size_t)json_object_get_string_len(v) > maxlen)
		return err_field(e, 422, "too_long", key, "%s must be at most %zu characters", key,
				 maxlen);
	if (memchr(json_object_get_string(v), '\0', (size_t)json_object_get_string_len(v)))
		return err_field(e, 422, "invalid_value", key, "%s must not contain NUL", key);
	*out = json_object_get_string(v);
	return 1;
}

int ju_int(struct json_object *obj, const char *key, int flags, long min, long max, long *out,
	   struct err *e)
{
	struct json_object *v;
	int r = lookup(obj, key, flags, &v, e);
	int64_t n;

	if (r <= 0)
		return r;
	if (!json_object_is_type(v, json_type_int))
		return err_field(e, 422, "invalid_type", key, "%s must be a whole number", key);
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return err_field(e, 422, "out_of_range", key, "%s must be from %ld to %ld", key,
				 min, max);
	*out = (long)n;
	return 1;
}

int ju_bool(struct json_object *obj, const char *key, int flags, int *out, struct err *e)
{
	struct json_object *v;
	int r = lookup(obj, key, flags, &v, e);

	if (r <= 0)
		return r;
	if (!json_object_is_type(v, json_type_boolean))
		return err_field(e, 422, "invalid_type", key, "%s must be true or false", key);
	*out = json_object_get_boolean(v);
	return 1;
}

int ju_object(struct json_object *obj, const char *key, int flags, struct json_object **out,
	      struct err *e)
{
	struct json_object *v;
	int r = lookup(obj, key, flags, &v, e);

	if (r <= 0)
		return r;
	if (!json_object_is_type(v, json_type_object))
		return err_field(e, 422, "invalid_type", key, "%s must be an object", key);
	*out = v;
	return 1;
}

const char *ju_text(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
}

void ju_add_str(struct json_object *obj, const char *key, const char *s)
{
	json_object_object_add(obj, key, s ? json_object_new_string(s) : NULL);
}
