/* fuzz_json.c: request JSON parsing (lib/util/jsonutil): whatever the body, the parser answers an
 * object or a 4xx, and what it accepts (and every error it words) is strict UTF-8, so an
 * answer that quotes it stays valid JSON. */
#include "fuzz.h"

#include "jsonutil.h"
#include "utf8.h"

#include <json-c/json.h>

static const char *const keys[] = {"name", "repo_url", "branch", "port", "env", NULL};

static void check_err(const struct err *e)
{
	FUZZ_ASSERT(e->status >= 400 && e->status < 500);
	FUZZ_ASSERT(utf8_valid(e->msg, strlen(e->msg)));
	FUZZ_ASSERT(utf8_valid(e->field, strlen(e->field)));
}

static void walk(struct json_object *v, int depth)
{
	FUZZ_ASSERT(depth < 64);
	if (json_object_is_type(v, json_type_string)) {
		FUZZ_ASSERT(
		    utf8_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v)));
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			walk(json_object_array_get_idx(v, i), depth + 1);
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, val)
		{
			FUZZ_ASSERT(utf8_valid(k, strlen(k)));
			walk(val, depth + 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct json_object *o = ju_parse_object((const char *)data, size, &e), *sub = NULL;
	const char *s = NULL;
	long n = 0;
	int b = 0;

	if (!o) {
		check_err(&e);
		return 0;
	}
	FUZZ_ASSERT(json_object_is_type(o, json_type_object));
	walk(o, 0);
	if (ju_only_keys(o, keys, &e) < 0)
		check_err(&e);
	err_clear(&e);
	if (ju_string(o, "name", 0, 32, &s, &e) == 1)
		FUZZ_ASSERT(strlen(s) <= 32 && utf8_valid(s, strlen(s)));
	else if (e.status)
		check_err(&e);
	err_clear(&e);
	if (ju_int(o, "port", 0, 1, 65535, &n, &e) == 1)
		FUZZ_ASSERT(n >= 1 && n <= 65535);
	ju_bool(o, "auto_deploy", 0, &b, &e);
	ju_object(o, "env", 0, &sub, &e);
	/* what we would answer with it serialises to JSON that parses again */
	{
		const char *text = ju_text(o);
		struct err e2 = ERR_INIT;
		struct json_object *again = ju_parse_object(text, strlen(text), &e2);

		FUZZ_ASSERT(again != NULL);
		json_object_put(again);
	}
	json_object_put(o);
	return 0;
}
