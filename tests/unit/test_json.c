/* test_json.c: checked access to request JSON */
#include "jsonutil.h"
#include "tap.h"

#include <string.h>

static int parse_fails(const char *s, const char *code)
{
	struct err e = ERR_INIT;
	struct json_object *o = ju_parse_object(s, strlen(s), &e);

	json_object_put(o);
	return !o && e.status == 400 && !strcmp(e.code, code);
}

int main(void)
{
	struct err e = ERR_INIT;
	const char *body = "{\"name\":\"web\",\"port\":8080,\"on\":true,\"env\":{},\"nul\":null}";
	struct json_object *o = ju_parse_object(body, strlen(body), &e);
	static const char *const allowed[] = {"name", "port", "on", "env", "nul", NULL};
	static const char *const fewer[] = {"name", NULL};
	const char *s = NULL;
	long n = 0;
	int b = 0;
	struct json_object *sub = NULL;

	ok(o != NULL, "an object parses");
	ok(ju_only_keys(o, allowed, &e) == 0, "known keys pass");
	ok(ju_only_keys(o, fewer, &e) == -1 && e.status == 422 && !strcmp(e.code, "unknown_field"),
	   "an unknown key is 422 unknown_field");
	is_int(ju_string(o, "name", JU_REQUIRED, 10, &s, &e), 1, "a present string");
	is_str(s, "web", "its value");
	is_int(ju_string(o, "name", 0, 2, &s, &e), -1, "over the length limit");
	is_str(e.field, "name", "names the field");
	is_int(ju_string(o, "port", 0, 0, &s, &e), -1, "a number is not a string");
	is_str(e.code, "invalid_type", "invalid_type");
	is_int(ju_string(o, "missing", 0, 0, &s, &e), 0, "an absent optional field");
	is_int(ju_string(o, "missing", JU_REQUIRED, 0, &s, &e), -1, "an absent required field");
	is_str(e.code, "missing_field", "missing_field");
	is_int(ju_string(o, "nul", JU_NULLABLE, 0, &s, &e), 0, "null reads as absent when allowed");
	is_int(ju_string(o, "nul", 0, 0, &s, &e), -1, "null is refused otherwise");
	is_int(ju_int(o, "port", 0, 1, 65535, &n, &e), 1, "a whole number");
	is_int(n, 8080, "its value");
	is_int(ju_int(o, "port", 0, 1, 100, &n, &e), -1, "out of range");
	is_str(e.code, "out_of_range", "out_of_range");
	is_int(ju_bool(o, "on", 0, &b, &e), 1, "a boolean");
	is_int(ju_bool(o, "name", 0, &b, &e), -1, "a string is not a boolean");
	is_int(ju_object(o, "env", 0, &sub, &e), 1, "an object member");
	json_object_put(o);

	o = ju_parse_object("", 0, &e);
	ok(o && json_object_object_length(o) == 0, "an empty body reads as {}");
	json_object_put(o);
	ok(parse_fails("{", "invalid_json"), "a truncated object");
	ok(parse_fails("[1]", "invalid_json"), "an array");
	ok(parse_fails("{} x", "invalid_json"), "trailing garbage");
	ok(parse_fails("{\"a\":\"\xff\"}", "invalid_utf8"),
	   "invalid UTF-8 (strict check, issue 12)");
	/* json-c 0.16's strict mode still takes single-quoted keys; values are strict */
	ok(parse_fails("{\"a\":'x'}", "invalid_json"), "a single-quoted value (strict mode)");
	ok(parse_fails("{\"a\":1,}", "invalid_json"), "a trailing comma (strict mode)");
	o = ju_parse_object("{} \n", 4, &e);
	ok(o != NULL, "trailing whitespace is fine");
	json_object_put(o);
	{
		const char withnul[] = "{\"a\":1}\0";

		ok(!ju_parse_object(withnul, sizeof(withnul) - 1, &e), "a NUL byte in the body");
	}
	return tap_done();
}
