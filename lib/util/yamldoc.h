/* yamldoc.h: reading one YAML document with libyaml and looking values up by path.
 *
 *	struct yamldoc d;
 *	if (yamldoc_load(&d, text, len, &e) < 0) ...   (d is released on failure)
 *	const char *tag = yamldoc_scalar(&d, "image.tag");
 *	yamldoc_release(&d);
 *
 * Paths are mapping keys joined by '.'. Returned strings are borrowed from the
 * document and live until yamldoc_release. A key with a '.' in it cannot be
 * named by a path; the files we read do not use such keys at the levels we look at.
 */
#ifndef PLATFORM_YAMLDOC_H
#define PLATFORM_YAMLDOC_H

#include "err.h"

#include <stddef.h>
#include <yaml.h>

struct yamldoc {
	yaml_document_t doc;
	int loaded;
};

/* Parse the first document of `text`. -1 with 422 invalid_yaml naming the
 * line and libyaml's problem (or "empty document"). */
int yamldoc_load(struct yamldoc *d, const char *text, size_t len, struct err *e);
void yamldoc_release(struct yamldoc *d);

/* The node at `path` ("" or NULL: the root), or NULL when absent. */
yaml_node_t *yamldoc_node(struct yamldoc *d, const char *path);
/* The value at `path` when it is a scalar, else NULL. */
const char *yamldoc_scalar(struct yamldoc *d, const char *path);
/* 1 if the root is a mapping. */
int yamldoc_is_map(struct yamldoc *d);
/* Call `fn` for each key/value pair of the mapping at `path` whose key is a
 * scalar; stops at the first non-zero return and returns it. */
int yamldoc_each(struct yamldoc *d, const char *path,
		 int (*fn)(const char *key, yaml_node_t *value, void *arg), void *arg);

#endif
