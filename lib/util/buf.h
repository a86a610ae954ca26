/* buf.h: a growable, NUL-terminated byte buffer with an optional size cap.
 *
 * Invariants: `buf` is never NULL and always NUL-terminated after buf_init;
 * `len` excludes the terminator. A buffer whose `max` is non-zero refuses to
 * grow past `max` bytes: the append returns -1 and leaves the buffer as it was.
 * Allocation failure aborts the process (as redis does): a half-written
 * response is worse than a restart of one pool child.
 */
#ifndef PLATFORM_BUF_H
#define PLATFORM_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t max; /* 0: no cap */
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		buf_empty, 0, 0, 0                                                                 \
	}
extern char buf_empty[];

/* Set up an empty buffer; `max` caps its length (0 for none). */
void buf_init(struct buf *b, size_t max);
/* Free the contents; the buffer is left empty and reusable. */
void buf_release(struct buf *b);
/* Keep the storage, make the buffer empty. */
void buf_reset(struct buf *b);
/* Hand the string to the caller, who frees it with free(); the buffer is empty after. */
char *buf_detach(struct buf *b, size_t *len);

/* Appends return 0, or -1 when the cap would be exceeded (nothing appended). */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Make room for `extra` more bytes; -1 over the cap. */
int buf_grow(struct buf *b, size_t extra);
/* Shorten to `len` bytes (no-op when already shorter). */
void buf_truncate(struct buf *b, size_t len);

/* xmalloc-style helpers: abort on allocation failure, never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
