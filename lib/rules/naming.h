/* naming.h: the platform's name rules, checked and applied in one place.
 *
 * Every id and name that reaches a path, a Kubernetes object, a Helm release,
 * a host or a git ref passes through here. Derived names:
 *
 *	Argo CD application  <workspaceId>-<userId>-<projectName>
 *	Helm release         <userId>-<projectName>, cut to 53 without a trailing '-'
 *	namespace            user-<userId>
 *	host                 <projectName>-<userId>.<domain>, or the custom domain
 *	GitOps app folder    apps/<workspaceId>/<userId>/<projectName>
 *
 * Ids (workspace and user) are lowercase letters and digits only, 1..12: a
 * DNS-1123 label without '-'. Without '-' in the ids, the joins above can be
 * split back unambiguously, so two different (workspace, user, project)
 * triples never produce the same application, release or host. With '-'
 * allowed, user "a-b" + project "c" and user "a" + project "b-c" would share
 * one Argo CD application and one host.
 *
 * Conventions:
 * - naming_is_* answer 1 or 0 and never fail.
 * - naming_check_* return 0, or -1 with a 422 error in `e` (may be NULL) that
 *   names `field` (a default is used when `field` is NULL). A NULL string is
 *   treated as empty. The message is for a person: what is wrong and the limit.
 * - Builders append to `out`, which the caller owns and releases. They check
 *   every input first; on failure they return -1 and leave `out` exactly as it
 *   was. The field named in their errors is fixed: "workspace_id", "user_id",
 *   "name" (the project name), "domain", "custom_domain" or "release_name".
 *   If `out` has a cap that the name would cross, the error is a 500
 *   (internal_error): that is a bug of the caller, not of the input.
 * - Every argument is borrowed; nothing is kept after a call returns. No
 *   function has state, so all are safe to call from any thread.
 *
 * Error codes: invalid_name (ids, project and release names), invalid_domain,
 * invalid_branch, invalid_env_name.
 */
#ifndef PLATFORM_NAMING_H
#define PLATFORM_NAMING_H

#include "buf.h"
#include "err.h"

#define NAMING_ID_MAX	    12	/* workspace and user ids */
#define NAMING_PROJECT_MAX  32	/* project names */
#define NAMING_LABEL_MAX    63	/* a DNS-1123 label */
#define NAMING_DNS_NAME_MAX 253 /* a DNS name / DNS-1123 subdomain */
#define NAMING_RELEASE_MAX  53	/* Helm keeps 10 of the 63 for suffixes */
#define NAMING_BRANCH_MAX   255
#define NAMING_ENV_NAME_MAX 128
/* The platform domain leaves room for the longest "<project>-<user>." in
 * front of it, so a generated host always fits 253: 253 - (32 + 1 + 12 + 1). */
#define NAMING_DOMAIN_MAX (NAMING_DNS_NAME_MAX - NAMING_PROJECT_MAX - NAMING_ID_MAX - 2)

/* 1 if `s` is a UUID in canonical text form (8-4-4-4-12 hex digits, either case). The one
 * check for ids from a path, a body or a cursor before they reach SQL: a malformed id is
 * then "not found" (404), never a cast error (500). NULL is not one. */
int naming_is_uuid(const char *s);

/* 1 if `s` is a DNS-1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, 1..63 characters. */
int naming_is_dns_label(const char *s);

/* 1 if `s` is a DNS name: DNS-1123 labels joined by single dots, at most 253
 * characters, no leading or trailing dot. One label is enough. */
int naming_is_dns_name(const char *s);

/* A workspace or user id: [a-z0-9]{1,12} (see above for why no '-').
 * Default field "id". Code invalid_name. */
int naming_check_id(const char *field, const char *s, struct err *e);

/* A project name: a DNS-1123 label of at most 32 characters that starts with
 * a letter (it becomes part of Service names, which are RFC 1035 labels).
 * Default field "name". Code invalid_name. */
int naming_check_project(const char *field, const char *s, struct err *e);

/* A project name a person chooses: naming_check_project, and not one that ends in "-pr-<digits>":
 * those are the names of pull-request previews (naming_preview_name), so a project named like
 * that would share its folder, application and host with another project's preview. Code
 * invalid_name. */
int naming_check_new_project(const char *field, const char *s, struct err *e);

/* 1 when `s` ends in "-pr-<digits>" (a preview's name, or a name reserved for them). */
int naming_is_preview_name(const char *s);

/* Pull request numbers a preview can have: 1..NAMING_PR_MAX (9 digits). */
#define NAMING_PR_MAX 999999999L

/* Append the name a pull request's preview goes by where a project's name would:
 * "<project>-pr-<number>" when that fits NAMING_PROJECT_MAX, else the project's name cut
 * (without a trailing '-'), "-", six hex digits of a hash of the whole project name, then
 * "-pr-<number>". The result is a valid project name, so every name derived from it (the
 * folder, application, release, host "<project>-pr-<n>-<user>.<domain>") keeps the limits a
 * project's does, and it always ends in "-pr-<number>", which no project may
 * (naming_check_new_project): a preview never takes a project's names. Two long project names
 * that share a prefix and a hash would give one name; the database refuses the second (one
 * active preview name per user). Field "name" for the project, "number" for the number. */
int naming_preview_name(struct buf *out, const char *project, long number, struct err *e);

/* A git branch name, as `git check-ref-format --branch` accepts it: no "..",
 * no control characters, none of space ~ ^ : ? * [ \, no "@{", not "@", no
 * "//", does not start or end with '/', does not end with '.', no part between
 * slashes starts with '.' or ends with ".lock"; also, as git branch does, not
 * starting with '-' and not "HEAD". Non-ASCII must be valid UTF-8. At most 255
 * bytes. Default field "branch". Code invalid_branch. */
int naming_check_branch(const char *field, const char *s, struct err *e);

/* An environment variable name: [A-Za-z_][A-Za-z0-9_]*, at most 128.
 * Default field "env". Code invalid_env_name. */
int naming_check_env_name(const char *field, const char *s, struct err *e);

/* The platform domain generated hosts live under: a DNS name (lowercase, no
 * wildcard, no trailing dot) of at most NAMING_DOMAIN_MAX characters whose last
 * label is not all digits (an IP address is not a domain). One label
 * ("localhost") is allowed. Default field "domain". Code invalid_domain. */
int naming_check_domain(const char *field, const char *s, struct err *e);

/* A custom domain a project may set: the same rules, at most 253 characters,
 * and at least two labels. Default field "custom_domain". Code invalid_domain. */
int naming_check_custom_domain(const char *field, const char *s, struct err *e);

/* Append the Argo CD application name "<workspace_id>-<user_id>-<project>"
 * (at most 58 characters, a DNS-1123 label). */
int naming_app_name(struct buf *out, const char *workspace_id, const char *user_id,
		    const char *project, struct err *e);

/* Append the Helm release name: naming_release_cut of "<user_id>-<project>". */
int naming_release_name(struct buf *out, const char *user_id, const char *project, struct err *e);

/* Append `name` cut to its first 53 characters, then without trailing '-'.
 * `name` must be [a-z0-9-]+ starting with a letter or digit (any length), so
 * the result is never empty and is both a valid Helm release name and a
 * DNS-1123 label. Field "release_name". Note that a cut can map two long names
 * to the same release; callers that can produce such names must not rely on
 * the cut for uniqueness. */
int naming_release_cut(struct buf *out, const char *name, struct err *e);

/* Append the namespace "user-<user_id>". */
int naming_namespace(struct buf *out, const char *user_id, struct err *e);

/* Append the host of a project: `custom_domain` when it is neither NULL nor
 * empty, else "<project>-<user_id>.<domain>". All inputs are checked either
 * way (the platform domain with naming_check_domain, the custom domain with
 * naming_check_custom_domain). A custom domain equal to the platform domain or
 * under it is refused: it could take over another project's generated host.
 * (That two projects do not claim the same custom domain is for the database
 * to enforce.) */
int naming_host(struct buf *out, const char *project, const char *user_id, const char *domain,
		const char *custom_domain, struct err *e);

/* Append the GitOps folder of an app, "apps/<workspace_id>/<user_id>/<project>"
 * (no trailing slash). Each part is checked, so the path stays in apps/. */
int naming_app_path(struct buf *out, const char *workspace_id, const char *user_id,
		    const char *project, struct err *e);

#endif
