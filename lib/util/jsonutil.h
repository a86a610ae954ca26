/* jsonutil.h: checked access to request JSON over json-c (prefix ju_).
 *
 * Every getter validates the type and reports the field at fault: malformed
 * JSON is 400 invalid_json; a wrong type, a missing required field or an
 * unknown field is 422 with the field named. Returned strings are borrowed
 * from the json_object and live as long as it does.
 */
#ifndef PLATFORM_JSONUTIL_H
#define PLATFORM_JSONUTIL_H

#include "err.h"

#include <json-c/json.h>
#include <stddef.h>

#define JU_REQUIRED 0x1 /* absent is an error */
#define JU_NULLABLE 0x2 /* JSON null is accepted and reads as absent */

/* Parse a request body that must be one JSON object. Returns a new reference
 * (json_object_put) or NULL with 400. An empty body reads as {}. */
struct json_object *ju_parse_object(const char *data, size_t len, struct err *e);

/* 422 unknown_field for the first key of `obj` not in `allowed` (NULL-terminated). */
int ju_only_keys(struct json_object *obj, const char *const *allowed, struct err *e);

/* Each returns 1 when present (value stored), 0 when absent (out untouched), -1 on error. */
int ju_string(struct json_object *obj, const char *key, int flags, size_t maxlen, const char **out,
	      struct err *e);
int ju_int(struct json_object *obj, const char *key, int flags, long min, long max, long *out,
	   struct err *e);
int ju_bool(struct json_object *obj, const char *key, int flags, int *out, struct err *e);
int ju_object(struct json_object *obj, const char *key, int flags, struct json_object **out,
	      struct err *e);

/* Serialise compactly; the string lives until `obj` is freed. */
const char *ju_text(struct json_object *obj);

/* Add a string member, or JSON null when `s` is NULL. */
void ju_add_str(struct json_object *obj, const char *key, const char *s);

#endif
