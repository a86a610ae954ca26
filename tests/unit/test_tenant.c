/* test_tenant.c: the pure rules of issue 12's tenant checks: whose image a pipeline may report,
 * which custom domain a release routes, the TXT record that proves a domain */
#include "deploy.h"
#include "domainverify.h"
#include "tap.h"

#include <string.h>

static int own(const char *image, const char *prefix)
{
	return deploy_image_allowed(image, prefix, "ws1", "u1", "web");
}

int main(void)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;

	/* images */
	ok(own("harbor.example.com/platform/u1-web", NULL), "the pipeline's <user>-<project>");
	ok(own("127.0.0.1:5000/ws1-u1-web", NULL), "the local builder's <ws>-<user>-<project>");
	ok(own("harbor.example.com/platform/u1-web", "harbor.example.com/platform"),
	   "under the configured prefix");
	ok(own("harbor.example.com/platform/u1-web", "harbor.example.com/platform/"),
	   "a prefix with a trailing slash");
	ok(!own("harbor.example.com/platform/u2-web", NULL), "another user's project");
	ok(!own("harbor.example.com/platform/u1-api", NULL), "another project of the same user");
	ok(!own("harbor.example.com/platform/ws2-u1-web", NULL), "another workspace's app name");
	ok(!own("evil.example.com/u1-web", "harbor.example.com/platform"), "another registry");
	ok(!own("harbor.example.com/platform/x/u1-web", "harbor.example.com/platform"),
	   "deeper than the prefix");
	ok(!own("harbor.example.com/platform/u1-web:latest", NULL), "with a tag");
	ok(!own("harbor.example.com/platform/u1-web@sha256:00", NULL), "with a digest");
	ok(!own("harbor.example.com/platform/../u1-web", NULL), "a dot-dot segment");
	ok(!own("Harbor.example.com/platform/u1-web", NULL), "upper case");
	ok(!own("u1-web", NULL), "no registry at all");
	ok(!own("/u1-web", NULL), "an empty registry");
	ok(!own("harbor.example.com//u1-web", NULL), "an empty path segment");
	ok(!own("harbor.example.com/platform/", NULL), "no repository name");
	ok(!own("", NULL), "empty");

	/* custom domains */
	is_str(domainverify_route("www.example.org", "verified"), "www.example.org",
	       "a verified domain is routed");
	ok(domainverify_route("www.example.org", "pending") == NULL, "a pending one is not");
	ok(domainverify_route("www.example.org", "failed") == NULL, "nor a failed one");
	ok(domainverify_route("www.example.org", NULL) == NULL, "nor one never checked");
	ok(domainverify_route(NULL, "verified") == NULL, "no domain: nothing");
	domainverify_record_name(&b, "www.example.org");
	is_str(b.buf, "_platform-verify.www.example.org", "the record name");
	buf_reset(&b);
	domainverify_record_value(&b, "0123abcd");
	is_str(b.buf, "platform-verify=0123abcd", "the record value");
	is_int(domainverify_txt_has("x.example", "v", "not-an-address", &e), -1,
	       "a malformed PLATFORM_DNS_SERVER is an error");
	is_str(e.code, "invalid_setting", "naming the setting");
	err_clear(&e);
	is_int(domainverify_txt_has("x.example", "v", "127.0.0.1:99999", &e), -1,
	       "a port out of range too");
	buf_release(&b);
	return tap_done();
}
