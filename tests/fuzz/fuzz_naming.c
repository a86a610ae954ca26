/* fuzz_naming.c: the name rules (lib/rules/naming). Whatever a name rule accepts is what reaches a
 * path, a host or a Kubernetes name, so each accepted input and each name built from accepted
 * parts must have the shape the rule promises: DNS labels and names, lengths, no way out of
 * apps/. */
#include "fuzz.h"

#include "buf.h"
#include "naming.h"
#include "utf8.h"

static int dns_chars(const char *s)
{
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") == strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *ws = fuzz_field(&p, end), *user = fuzz_field(&p, end), *proj = fuzz_field(&p, end);
	char *domain = fuzz_field(&p, end), *custom = fuzz_field(&p, end),
	     *branch = fuzz_field(&p, end);
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	int ids_ok = naming_check_id(NULL, ws, &e) == 0 && naming_check_id(NULL, user, &e) == 0;
	int proj_ok = naming_check_project(NULL, proj, &e) == 0;

	if (naming_is_dns_label(proj))
		FUZZ_ASSERT(strlen(proj) >= 1 && strlen(proj) <= NAMING_LABEL_MAX &&
			    dns_chars(proj) && !strchr(proj, '.'));
	if (naming_is_dns_name(domain))
		FUZZ_ASSERT(strlen(domain) <= NAMING_DNS_NAME_MAX && dns_chars(domain) &&
			    domain[0] != '.' && !strstr(domain, ".."));
	if (proj_ok)
		FUZZ_ASSERT(naming_is_dns_label(proj) && strlen(proj) <= NAMING_PROJECT_MAX &&
			    proj[0] >= 'a' && proj[0] <= 'z');
	if (naming_check_branch(NULL, branch, &e) == 0)
		FUZZ_ASSERT(utf8_valid(branch, strlen(branch)) && !strstr(branch, "..") &&
			    branch[0] != '-' && branch[0] != '/' &&
			    strlen(branch) <= NAMING_BRANCH_MAX);
	if (naming_check_env_name(NULL, custom, &e) == 0)
		FUZZ_ASSERT(strlen(custom) <= NAMING_ENV_NAME_MAX && !strpbrk(custom, "=\n"));
	if (ids_ok && proj_ok) {
		buf_reset(&b);
		FUZZ_ASSERT(naming_app_name(&b, ws, user, proj, &e) == 0);
		FUZZ_ASSERT(naming_is_dns_label(b.buf));
		buf_reset(&b);
		FUZZ_ASSERT(naming_release_name(&b, user, proj, &e) == 0);
		FUZZ_ASSERT(naming_is_dns_label(b.buf) && strlen(b.buf) <= NAMING_RELEASE_MAX &&
			    b.buf[strlen(b.buf) - 1] != '-');
		buf_reset(&b);
		FUZZ_ASSERT(naming_namespace(&b, user, &e) == 0 && naming_is_dns_label(b.buf));
		buf_reset(&b);
		FUZZ_ASSERT(naming_app_path(&b, ws, user, proj, &e) == 0);
		FUZZ_ASSERT(!strncmp(b.buf, "apps/", 5) && !strstr(b.buf, "..") &&
			    !strstr(b.buf, "//"));
		buf_reset(&b);
		if (naming_host(&b, proj, user, domain, custom, &e) == 0) {
			FUZZ_ASSERT(naming_is_dns_name(b.buf));
			/* a custom host never sits under the platform domain */
			if (*custom) {
				size_t hl = strlen(b.buf), dl = strlen(domain);

				FUZZ_ASSERT(strcmp(b.buf, domain) &&
					    !(hl > dl && b.buf[hl - dl - 1] == '.' &&
					      !strcmp(b.buf + hl - dl, domain)));
			}
		}
	}
	if (naming_release_cut(&b, proj, &e) == 0)
		FUZZ_ASSERT(b.len > 0);
	buf_release(&b);
	free(ws);
	free(user);
	free(proj);
	free(domain);
	free(custom);
	free(branch);
	return 0;
}
