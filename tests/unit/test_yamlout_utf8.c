/* test_yamlout_utf8.c: a string that is not strict UTF-8 never reaches libyaml's emitter
 * (it would be written as an escape libyaml cannot read back); odd but valid characters
 * round-trip (issue 12 item 8) */
#include "buf.h"
#include "err.h"
#include "gitops.h"
#include "tap.h"
#include "yamldoc.h"
#include "yamlout.h"

#include <string.h>

static const struct gitops_app app = {"ws1", "u1", "web"};

static int values_with_annotation(const char *value, struct err *e, struct buf *out)
{
	struct gitops_kv ann[] = {{"KEY", value}};
	struct gitops_values v;

	memset(&v, 0, sizeof(v));
	v.image_repository = "registry.local:5000/ws1/web";
	v.image_tag = "abc123";
	v.domain = "apps.example.com";
	/* env values go to a SealedSecret now; annotations are the free text of values.yaml */
	v.annotations = ann;
	v.n_annotations = 1;
	return gitops_values_yaml(out, &app, &v, e);
}

int main(void)
{
	static const char *const bad[] = {"\xed\xa0\x80", "a\xc0\x80z", "\xf4\x90\x80\x80", "\xff",
					  "cut\xe2\x82"};
	static const char *const odd[] = {"\xef\xbb\xbf"
					  "bom",
					  "nel\xc2\x85",
					  "ls\xe2\x80\xa8",
					  "nonchar\xef\xbf\xbe",
					  "\x01\x1b[31m",
					  "\xf4\x8f\xbf\xbf",
					  "tab\tand\r\n"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf out = BUF_INIT;
		struct err e = ERR_INIT;

		is_int(values_with_annotation(bad[i], &e, &out), -1,
		       "invalid UTF-8 #%zu is refused", i);
		is_str(e.code, "invalid_utf8", "as invalid_utf8 (#%zu)", i);
		is_int(e.status, 422, "a 422, not a 500 (#%zu)", i);
		buf_release(&out);
	}
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		struct buf out = BUF_INIT;
		struct err e = ERR_INIT;
		struct yamldoc d;

		is_int(values_with_annotation(odd[i], &e, &out), 0,
		       "odd valid string #%zu is written: %s", i, e.msg);
		if (ok(yamldoc_load(&d, out.buf, out.len, &e) == 0, "and parses back (#%zu): %s", i,
		       e.msg)) {
			is_str(yamldoc_scalar(&d, "ingress.annotations.KEY"), odd[i],
			       "unchanged (#%zu)", i);
			yamldoc_release(&d);
		}
		buf_release(&out);
	}
	return tap_done();
}
