/* test_reqparse.c: strict UTF-8, cookies, query strings, origins, and the JSON body's
 * UTF-8 rules (issue 12 items 2, 4, 8) */
#include "jsonutil.h"
#include "reqparse.h"
#include "utf8.h"
#include "tap.h"

#include <json-c/json.h>
#include <string.h>

static int valid(const char *s)
{
	return utf8_valid(s, strlen(s));
}

static void test_utf8(void)
{
	struct buf b = BUF_INIT;

	ok(valid("plain ascii"), "ASCII is UTF-8");
	ok(valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "2, 3 and 4 byte forms");
	ok(valid("\xf4\x8f\xbf\xbf"), "U+10FFFF is the last one");
	ok(valid("\xef\xbf\xbf"), "U+FFFF is a valid (if odd) scalar value");
	ok(!valid("\xc0\x80"), "overlong NUL (C0 80) is refused");
	ok(!valid("\xc1\xbf"), "overlong 2-byte (C1) is refused");
	ok(!valid("\xe0\x80\xaf"), "overlong 3-byte is refused");
	ok(!valid("\xf0\x80\x80\xaf"), "overlong 4-byte is refused");
	ok(!valid("\xed\xa0\x80"), "a high surrogate (U+D800) is refused");
	ok(!valid("\xed\xbf\xbf"), "a low surrogate (U+DFFF) is refused");
	ok(valid("\xed\x9f\xbf"), "U+D7FF just below the surrogates is fine");
	ok(!valid("\xf4\x90\x80\x80"), "above U+10FFFF is refused");
	ok(!valid("\xf5\x80\x80\x80"), "F5 is never a lead byte");
	ok(!valid("\x80"), "a stray continuation byte is refused");
	ok(!valid("abc\xe2\x82"), "a sequence cut short is refused");
	ok(!valid("\xe2\x28\xa1"), "a bad continuation byte is refused");
	is_int((int)utf8_prefix("ab\xc3\xa9z", 3), 2, "a prefix never cuts a character");
	is_int((int)utf8_prefix("ab\xc3\xa9z", 4), 4, "but takes it whole when it fits");
	utf8_sanitize("a\xc0\x80z", 4, &b);
	is_str(b.buf, "a??z", "sanitize replaces each invalid byte");
	buf_release(&b);
}

static void test_cookie(void)
{
	struct buf v = BUF_INIT;

	is_int(reqparse_cookie("a=1; __Host-s=tok; b=2", "__Host-s", &v), 1, "one cookie");
	is_str(v.buf, "tok", "its value");
	is_int(reqparse_cookie("x__Host-s=evil; __Host-sx=evil", "__Host-s", &v), 0,
	       "a longer or shorter name is another cookie");
	is_int(reqparse_cookie("__Host-s=one;__Host-s=two", "__Host-s", &v), 2,
	       "two cookies of one name are counted");
	is_str(v.buf, "one", "the first value is kept (the caller refuses both)");
	is_int(reqparse_cookie("platform_session=legacy", "__Host-s", &v), 0,
	       "the legacy name is not read");
	is_int(reqparse_cookie("  __Host-s = spaced  ;", "__Host-s", &v), 1, "white space around");
	is_str(v.buf, "spaced", "is trimmed");
	is_int(reqparse_cookie("", "__Host-s", &v), 0, "an empty header");
	is_int(reqparse_cookie(";;;=;", "__Host-s", &v), 0, "junk");
	buf_release(&v);
}

static void test_query(void)
{
	struct buf v = BUF_INIT;
	char bad[64];

	is_int(reqparse_query("limit=5&cursor=abc", "cursor", &v), 1, "a parameter");
	is_str(v.buf, "abc", "its value");
	is_int(reqparse_query("limit=5", "cursor", &v), 0, "an absent one");
	is_int(reqparse_query("limit=%00", "limit", &v), -1, "%%00 is malformed, not absent");
	is_int(reqparse_query("cursor=%zz", "cursor", &v), -1, "%%zz is malformed, not absent");
	is_int(reqparse_query("cursor=%c0%80", "cursor", &v), -1, "an overlong form is malformed");
	is_int(reqparse_query("cursor=%", "cursor", &v), -1, "a lone %% is malformed");
	is_int(reqparse_query("q=a+b%20c", "q", &v), 1, "+ and %%20");
	is_str(v.buf, "a b c", "decode to spaces");
	is_int(reqparse_query_check("a=1&b=%41&c", bad, sizeof(bad)), 0, "a good query passes");
	is_int(reqparse_query_check("a=1&offset=%ed%a0%80", bad, sizeof(bad)), -1,
	       "a surrogate in any value fails the check");
	is_str(bad, "offset", "naming the parameter");
	is_int(reqparse_query_check("%ff=1", bad, sizeof(bad)), -1, "a bad name fails too");
	is_str(bad, "%ff", "named as sent (raw, valid UTF-8)");
	buf_release(&v);
}

static void origin_is(const char *url, const char *want)
{
	struct buf o = BUF_INIT;
	int r = reqparse_origin(url, &o);

	if (want)
		is_str(r == 0 ? o.buf : "(refused)", want, "origin of '%s'", url);
	else
		ok(r < 0, "'%s' has no origin", url);
	buf_release(&o);
}

static void test_origin(void)
{
	origin_is("https://platform.example", "https://platform.example");
	origin_is("HTTPS://Platform.Example:443/x?y", "https://platform.example");
	origin_is("http://127.0.0.1:8080/api", "http://127.0.0.1:8080");
	origin_is("http://localhost:80", "http://localhost");
	origin_is("https://platform.example:8443", "https://platform.example:8443");
	origin_is("http://[::1]:9000/", "http://[::1]:9000");
	origin_is("null", NULL);
	origin_is("https://platform.example@evil.example", NULL);
	origin_is("ftp://platform.example", NULL);
	origin_is("https://", NULL);
	origin_is("https://a:99999", NULL);
	origin_is("https://a:", NULL);
}

static int parse_code(const char *s, size_t len, const char *code)
{
	struct err e = ERR_INIT;
	struct json_object *o = ju_parse_object(s, len, &e);

	json_object_put(o);
	return !o && e.status == 400 && !strcmp(e.code, code);
}

static void test_json_utf8(void)
{
	static const char *const keys[] = {"name", NULL};
	const char *ov = "{\"name\":\"a\xc0\x80\"}", *sur = "{\"name\":\"\xed\xa0\x80\"}";
	const char *esc = "{\"name\":\"\\ud800\"}", *pair = "{\"name\":\"\\ud83d\\ude00\"}";
	struct err e = ERR_INIT;
	struct json_object *o;
	char key[200];

	ok(parse_code(ov, strlen(ov), "invalid_utf8"), "an overlong form in a string is 400");
	ok(parse_code(sur, strlen(sur), "invalid_utf8"), "a raw surrogate is 400");
	o = ju_parse_object(esc, strlen(esc), &e);
	ok(o && utf8_valid(json_object_get_string(json_object_object_get(o, "name")), 3),
	   "a lone \\ud800 escape reads as U+FFFD (json-c), valid UTF-8");
	json_object_put(o);
	o = ju_parse_object(pair, strlen(pair), &e);
	ok(o != NULL, "a surrogate pair escape is a real character");
	json_object_put(o);
	/* a long unknown key whose 64th byte is inside a character */
	memset(key, 'k', sizeof(key));
	snprintf(key, sizeof(key),
		 "{\"%.*s\xc3\xa9xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\":1}", 62,
		 "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
	o = ju_parse_object(key, strlen(key), &e);
	ok(o && ju_only_keys(o, keys, &e) < 0 && !strcmp(e.code, "unknown_field"),
	   "an unknown long key");
	ok(utf8_valid(e.msg, strlen(e.msg)) && utf8_valid(e.field, strlen(e.field)),
	   "its message and field are cut on a character boundary");
	json_object_put(o);
}

int main(void)
{
	test_utf8();
	test_cookie();
	test_query();
	test_origin();
	test_json_utf8();
	return tap_done();
}
