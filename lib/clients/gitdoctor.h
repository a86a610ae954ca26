/* gitdoctor.h: checks of a GitOps repository's app folders (platformctl gitops doctor).
 *
 * Feed it the Chart.yaml and values.yaml files under apps/ (gitops_read_files
 * does the reading), then call gitdoctor_finish. It reports, per folder:
 *
 *   legacy_layout       a Chart.yaml deeper than apps/<ws>/<user>/<project>/:
 *                       Argo CD's git files generator, with its legacy globbing
 *                       ('*' also matches '/'), scans it as an app too
 *   unscanned_chart     (warning) a Chart.yaml above that depth: never deployed
 *   invalid_name        a folder name that breaks lib/rules/naming's rules
 *   app_name_collision  two folders that give one Argo CD application name
 *   release_name_too_long / release_name_invalid
 *                       <userId>-<projectName> over 53 or not Helm-safe
 *   release_name_collision  two apps with one Helm release in one namespace
 *   namespace_mismatch  values.yaml's namespace is not user-<userId>
 *   host_collision      two apps claiming one ingress host
 *   chart_invalid, chart_missing_key, values_missing, values_invalid,
 *   values_missing_key  files that do not parse or miss a required key
 *   app_mismatch        (warning) values.yaml names another app than its folder
 *   tag_mismatch        (warning) Chart.yaml appVersion is not the image tag
 *
 * The struct owns everything it holds; gitdoctor_release frees it.
 */
#ifndef PLATFORM_GITDOCTOR_H
#define PLATFORM_GITDOCTOR_H

#include <stddef.h>

enum gitdoctor_severity { GITDOCTOR_ERROR, GITDOCTOR_WARNING };

struct gitdoctor_finding {
	enum gitdoctor_severity severity;
	char code[32];
	char path[256]; /* the folder or file at fault */
	char msg[384];
};

struct gitdoctor_folder; /* private */

struct gitdoctor {
	struct gitdoctor_finding *items;
	size_t n, alloc;
	struct gitdoctor_folder *folders;
	size_t nfolders, afolders;
	size_t apps;	 /* app folders found at the right depth */
	size_t errors;	 /* findings of severity error */
	size_t warnings; /* findings of severity warning */
};

void gitdoctor_init(struct gitdoctor *d);
void gitdoctor_release(struct gitdoctor *d);

/* Take one file: `path` from the repository root (e.g.
 * "apps/ws1/u1/web/values.yaml"), its contents copied. Files other than
 * Chart.yaml and values.yaml are ignored. Returns 0 (a gitops_file_fn). */
int gitdoctor_add_file(const char *path, const char *data, size_t len, void *doctor);

/* Run every check once all files are in. */
void gitdoctor_finish(struct gitdoctor *d);

#endif
