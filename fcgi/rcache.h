/* rcache.h: a pool child's cache of whole answers to hot reads (prefix rcache_).
 *
 * The hot reads (the project list, a project, a deployment, a project's deployments) are
 * answered from memory when the same session asked for the same URI before and nothing that
 * could change the answer has been written since. An entry is keyed by the SHA-256 of the
 * session token and the raw request URI, so one session never sees another's answer, and
 * holds only a 200 answer that went through access_user (errors, 401 and 404 are never kept).
 *
 * What empties the cache, all of it (writes are rare next to reads, and a full flush is
 * easy to get right):
 *  - a request other than GET/HEAD anywhere in this pool: rcache_note_write bumps a counter
 *    in memory the master shares with all its children, after the handler ran and before
 *    the answer is finished, so a request that starts after the writer got its answer finds
 *    the counter moved, in whichever child it lands;
 *  - a NOTIFY on channel `platform_cache`, which triggers (sql/0010_api_cache.sql) send in
 *    the same transaction as any change to sessions, members, projects, users, workspaces
 *    or to a deployment's visible columns: the writes of the worker, platformctl or another
 *    API replica. They are read without a round trip (PQconsumeInput, PQnotifies) at the
 *    start of each cacheable request;
 *  - a lost or new database connection (notifications may have been missed), a session past
 *    its expiry, an entry older than RCACHE_MAX_AGE seconds, a full cache.
 * An entry is stored only when neither counter nor notification moved while it was built,
 * so an answer built from a snapshot older than a write never outlives the write's signal.
 *
 * Ownership: the cache is per process (a static in rcache.c); entries are owned by it.
 */
#ifndef PLATFORM_RCACHE_H
#define PLATFORM_RCACHE_H

#include "req.h"

#include <stddef.h>

/* Seconds an entry may be served at most, whatever the signals say (a bound for the
 * case of a notification lost with a silently broken connection). */
#define RCACHE_MAX_AGE 60

/* In the master, before forking: map the counter of writes the children share.
 * Without it (or with max_bytes 0 in rcache_init) nothing is cached. 0 or -1. */
int rcache_shared_init(void);

/* In a child: cache at most `max_bytes` of answers (0 disables the cache). */
void rcache_init(size_t max_bytes);
/* Drop every entry and free the cache. */
void rcache_release(void);

/* Before a cacheable handler (GET or HEAD, database connection ensured): answer from the
 * cache and return 1, or return 0 and arrange for the handler's 200 answer to be kept. */
int rcache_serve(struct req *r);
/* After a cacheable handler: keep its answer if rcache_serve asked for it and it may be kept. */
void rcache_store(struct req *r);
/* After any request: one that may have written (not GET or HEAD) empties every child's cache. */
void rcache_note_write(struct req *r);

/* Numbers for tests and benchmarks: hits, misses, entries now, bytes now. */
struct rcache_stats {
	unsigned long hits, misses, flushes;
	size_t entries, bytes;
};
void rcache_stats(struct rcache_stats *out);

#endif
