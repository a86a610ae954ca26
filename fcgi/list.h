/* list.h: ?limit=&cursor= for list endpoints (prefix list_).
 *
 * Lists are ordered by a key and the cursor is the last key of the page, so a
 * page is stable while rows are added. Keys are checked before they reach SQL.
 */
#ifndef PLATFORM_LIST_H
#define PLATFORM_LIST_H

#include "req.h"

struct list_page {
	long limit;	 /* 1..100, default 50 */
	char cursor[80]; /* "" for the first page */
};

/* What a list's cursor is, so its check is written once, here. */
enum list_cursor {
	LIST_CURSOR_UUID,  /* a row id (naming_is_uuid) */
	LIST_CURSOR_SEQ,   /* a deployment's number in its project: 1 to 9 digits (an int) */
	LIST_CURSOR_ID,	   /* a bigint row id: 1 to 18 digits */
	LIST_CURSOR_WS,	   /* a workspace id (naming: a DNS label of NAMING_ID_MAX at most) */
	LIST_CURSOR_LOGIN, /* a GitHub login: at most 39 characters */
	LIST_CURSOR_TIME,  /* seconds since the epoch with a fraction: digits and '.' */
	LIST_CURSOR_PAGE,  /* a page number of a list read from GitHub: 1 to 10000 */
};

/* 1 when `c` is a cursor of that kind. */
int list_cursor_ok(enum list_cursor kind, const char *c);

/* Read limit and cursor; answers 400 invalid_limit / invalid_cursor and returns -1 on bad
 * values. */
int list_parse(struct req *r, struct list_page *p, enum list_cursor kind);

/* Answer {"items": items, "next_cursor": next or null}; takes ownership of items. */
void list_answer(struct req *r, struct json_object *items, const char *next);

/* Answer one page from `res`, fetched with list_fetch's LIMIT: up to p->limit rows, each
 * rendered by `render` (a new reference), and as next cursor the value of column
 * `cursor_col` of the last row shown when one more row was fetched. When the query failed
 * (res NULL), answer `e`. Consumes res. */
void list_answer_rows(struct req *r, PGresult *res, const struct err *e, const struct list_page *p,
		      struct json_object *(*render)(struct req *r, const PGresult *res, int row),
		      int cursor_col);

/* Answer the single row of `res` rendered by `render` with `status`; when the query failed
 * (res NULL) answer `e`, and when it found no row 404 not_found with `missing` as message.
 * Consumes res. */
void list_answer_one(struct req *r, PGresult *res, const struct err *e,
		     struct json_object *(*render)(struct req *r, const PGresult *res, int row),
		     int status, const char *missing);

/* The SQL LIMIT to ask for: one more than the page to know if another follows. */
const char *list_fetch(const struct list_page *p, char *buf, size_t n);

#endif
