/* yamlout.h: writing YAML documents with libyaml's emitter into a struct buf.
 *
 * Values are never pasted into text: each scalar goes through libyaml, so a
 * string with quotes, colons, newlines, "{{ }}" or a "!!tag" is emitted quoted
 * and reads back as the same string. Strings are always quoted (a plain
 * `true`, `1.0` or `null` would read back as another type); numbers and
 * booleans are written plain.
 *
 *	struct yamlout y;
 *	yamlout_init(&y, &buf);
 *	yamlout_map_start(&y);
 *	yamlout_key(&y, "name"); yamlout_str(&y, "web");
 *	yamlout_map_end(&y);
 *	if (yamlout_finish(&y, &e) < 0) ...
 *	yamlout_release(&y);
 *
 * Errors are sticky: after the first failure every call is a no-op, and
 * yamlout_finish reports it (invalid UTF-8, a cap on the buffer). The buffer is
 * borrowed and must outlive the struct; yamlout_release frees the emitter.
 */
#ifndef PLATFORM_YAMLOUT_H
#define PLATFORM_YAMLOUT_H

#include "buf.h"
#include "err.h"

#include <yaml.h>

struct yamlout {
	yaml_emitter_t emitter;
	struct buf *out;   /* borrowed */
	int failed;	   /* sticky: 1 after the first error */
	int bad_utf8;	   /* the error was a string that is not strict UTF-8 */
	int started;	   /* the emitter was initialised */
	char problem[128]; /* libyaml's reason for the first error */
};

/* Start a document that will be appended to `out`. */
void yamlout_init(struct yamlout *y, struct buf *out);
/* Free the emitter (the buffer is the caller's). */
void yamlout_release(struct yamlout *y);

void yamlout_map_start(struct yamlout *y);
void yamlout_map_end(struct yamlout *y);
void yamlout_seq_start(struct yamlout *y);
void yamlout_seq_end(struct yamlout *y);
/* A mapping key: plain only when yamlout_plain_safe, else double-quoted, so that a
 * key such as ON, yes, NULL, 1e3 or 2024-01-01 reads back as that string under YAML
 * 1.1 (Helm) and 1.2 alike. */
void yamlout_key(struct yamlout *y, const char *key);
/* 1 when `s` reads back as the same string if written plain, under YAML 1.1 and 1.2:
 * a letter or '_' first, then only [A-Za-z0-9_./-], and not a boolean or null word
 * (y, n, yes, no, on, off, true, false, null in any case). */
int yamlout_plain_safe(const char *s);
/* A string value, always quoted. NULL writes "". */
void yamlout_str(struct yamlout *y, const char *s);
void yamlout_int(struct yamlout *y, long v);
void yamlout_bool(struct yamlout *y, int v);
/* An empty mapping `{}`. */
void yamlout_empty_map(struct yamlout *y);

/* End the document and flush it to the buffer: 0, or -1 with 422 invalid_utf8 (a string
 * that is not strict UTF-8, refused before libyaml sees it) or 500 yaml_emit_failed. */
int yamlout_finish(struct yamlout *y, struct err *e);

#endif
