/* rcache.c: whole answers to hot reads, kept per pool child, emptied by writes */
#include "rcache.h"

#include "access.h"
#include "crypto.h"
#include "log.h"

#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define NBUCKETS 1024
#define MAX_URI	 1024

struct entry {
	struct entry *next;
	uint64_t hash;
	long long expires; /* the session's end, Unix time */
	time_t stored;
	unsigned char token[32];
	char *uri;
	char *type;    /* Content-Type */
	char *headers; /* extra header lines, as req->headers */
	char *body;
	size_t body_len;
	size_t size; /* what the entry costs, counted against the cap */
};

/* Shared by the master and all its children: bumped after every request that may write. */
struct shared {
	atomic_ulong writes;
};

static struct shared *shared;

static struct {
	struct entry *buckets[NBUCKETS];
	size_t max_bytes, bytes, entries;
	unsigned long writes_seen; /* shared->writes when the entries were built */
	unsigned listen_gen;	   /* db generation LISTEN ran on; 0: not listening */
	int on;
	struct rcache_stats st;
	/* the request being built for the cache (rcache_serve → rcache_store) */
	struct buf pending;
	int pending_on;
	uint64_t pending_hash;
	unsigned char pending_token[32];
} c;

int rcache_shared_init(void)
{
	void *p = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	shared = p;
	atomic_init(&shared->writes, 0);
	return 0;
}

void rcache_init(size_t max_bytes)
{
	rcache_release();
	c.max_bytes = max_bytes;
	c.on = max_bytes > 0 && shared != NULL;
	buf_init(&c.pending, 0);
}

static void flush(void)
{
	for (int i = 0; i < NBUCKETS; i++) {
		struct entry *e = c.buckets[i];

		while (e) {
			struct entry *next = e->next;

			free(e);
			e = next;
		}
		c.buckets[i] = NULL;
	}
	if (c.entries)
		c.st.flushes++;
	c.bytes = 0;
	c.entries = 0;
}

void rcache_release(void)
{
	flush();
	buf_release(&c.pending);
	c.on = 0;
	c.listen_gen = 0;
}

void rcache_note_write(struct req *r)
{
	/* GET and HEAD handlers only read (the OAuth login's state row revokes nothing). */
	if (!shared || !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"))
		return;
	atomic_fetch_add(&shared->writes, 1);
}

static uint64_t key_hash(const unsigned char token[32], const char *uri)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (int i = 0; i < 32; i++)
		h = (h ^ token[i]) * 1099511628211ull;
	for (; *uri; uri++)
		h = (h ^ (unsigned char)*uri) * 1099511628211ull;
	return h;
}

/* The raw URI of the request (path and query as the client sent them). */
static const char *request_uri(struct req *r)
{
	const char *uri = req_env(r, "REQUEST_URI");

	return uri && *uri ? uri : NULL;
}

/* Take in what the server sent to the idle connection: notifications, or an error and the
 * end of the connection when it shut down (those can come in two reads: loop while the
 * socket has more). -1 when the connection is gone. */
static int read_idle(PGconn *conn)
{
	struct pollfd p = {PQsocket(conn), POLLIN, 0};

	for (int i = 0; i < 8; i++) {
		if (PQstatus(conn) != CONNECTION_OK || p.fd < 0)
			return -1;
		if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
			return 0;
		if (!PQconsumeInput(conn))
			return -1;
	}
	return PQstatus(conn) == CONNECTION_OK ? 0 : -1;
}

/* Read what the database sent while we were idle: 0 when the cache may be used, -1 when
 * the connection is gone (the cache was emptied). Empties the cache on a notification. */
static int take_signals(struct db *db)
{
	PGnotify *n;
	int seen = 0;
	unsigned long w = atomic_load(&shared->writes);

	if (w != c.writes_seen) {
		flush();
		c.writes_seen = w;
	}
	if (!db->conn || read_idle(db->conn) < 0) {
		flush();
		c.listen_gen = 0;
		return -1;
	}
	while ((n = PQnotifies(db->conn))) {
		seen = 1;
		PQfreemem(n);
	}
	if (seen)
		flush();
	if (c.listen_gen != db->generation) {
		/* A new connection: what was sent to the old one is lost. */
		flush();
		c.listen_gen = 0;
	}
	return 0;
}

/* LISTEN on this connection, once per connection; -1 when it could not be done. */
static int ensure_listening(struct db *db)
{
	struct err e = ERR_INIT;

	if (c.listen_gen && c.listen_gen == db->generation)
		return 0;
	if (db_command(db, "LISTEN platform_cache", 0, NULL, &e) < 0)
		return -1;
	c.listen_gen = db->generation;
	return 0;
}

static struct entry *find(uint64_t h, const unsigned char token[32], const char *uri)
{
	for (struct entry *e = c.buckets[h % NBUCKETS]; e; e = e->next) {
		if (e->hash == h && !memcmp(e->token, token, 32) && !strcmp(e->uri, uri))
			return e;
	}
	return NULL;
}

static void unlink_entry(struct entry *gone)
{
	struct entry **p = &c.buckets[gone->hash % NBUCKETS];

	while (*p && *p != gone)
		p = &(*p)->next;
	if (*p)
		*p = gone->next;
	c.bytes -= gone->size;
	c.entries--;
	free(gone);
}

/* The token the request carries, hashed; 0 when it has none worth looking up. */
static int token_hash(struct req *r, unsigned char out[32])
{
	struct buf tok = BUF_INIT;
	int ok = access_token(r, &tok) && tok.len <= 512;

	if (ok)
		crypto_sha256(tok.buf, tok.len, out);
	buf_release(&tok);
	return ok;
}

int rcache_serve(struct req *r)
{
	struct db *db = &r->app->db;
	const char *uri = request_uri(r);
	unsigned char token[32];
	struct entry *e;
	uint64_t h;
	time_t now;

	c.pending_on = 0;
	if (!c.on || !uri || strlen(uri) >= MAX_URI || !token_hash(r, token))
		return 0;
	if (take_signals(db) < 0)
		return 0;
	h = key_hash(token, uri);
	e = find(h, token, uri);
	now = time(NULL);
	if (e && (now >= e->expires || now - e->stored >= RCACHE_MAX_AGE)) {
		unlink_entry(e);
		e = NULL;
	}
	if (e) {
		c.st.hits++;
		buf_addstr(&r->headers, e->headers);
		req_send(r, 200, e->type, e->body, e->body_len);
		return 1;
	}
	c.st.misses++;
	if (ensure_listening(db) < 0)
		return 0;
	/* Build this answer for the cache: what moves from here on makes it unfit. */
	c.pending_on = 1;
	c.pending_hash = h;
	memcpy(c.pending_token, token, 32);
	buf_reset(&c.pending);
	r->capture = &c.pending;
	return 0;
}

/* 1 when nothing that could change the answer happened since rcache_serve. */
static int still_fresh(struct db *db)
{
	PGnotify *n;
	int seen = 0;

	if (atomic_load(&shared->writes) != c.writes_seen || !db->conn ||
	    PQstatus(db->conn) != CONNECTION_OK || c.listen_gen != db->generation)
		return 0;
	/* Notifications read with the handler's own results. */
	while ((n = PQnotifies(db->conn))) {
		seen = 1;
		PQfreemem(n);
	}
	if (seen)
		flush();
	return !seen;
}

void rcache_store(struct req *r)
{
	const char *uri = request_uri(r);
	size_t ulen, tlen, hlen, size;
	struct entry *e, *old;
	char *p;

	if (!c.pending_on)
		return;
	c.pending_on = 0;
	r->capture = NULL;
	if (r->status != 200 || r->session_expires <= 0 || !r->sent_type || !uri ||
	    !still_fresh(&r->app->db))
		return;
	ulen = strlen(uri) + 1;
	tlen = strlen(r->sent_type) + 1;
	hlen = r->headers.len + 1;
	size = sizeof(*e) + ulen + tlen + hlen + c.pending.len + 1;
	if (size > c.max_bytes / 4)
		return; /* one answer may not take the cache over */
	if (c.bytes + size > c.max_bytes)
		flush();
	old = find(c.pending_hash, c.pending_token, uri);
	if (old)
		unlink_entry(old);
	/* one allocation per entry: the strings follow the struct */
	e = xmalloc(size);
	p = (char *)(e + 1);
	e->hash = c.pending_hash;
	memcpy(e->token, c.pending_token, 32);
	e->expires = r->session_expires;
	e->stored = time(NULL);
	e->uri = memcpy(p, uri, ulen);
	p += ulen;
	e->type = memcpy(p, r->sent_type, tlen);
	p += tlen;
	e->headers = memcpy(p, r->headers.buf, hlen);
	p += hlen;
	e->body = memcpy(p, c.pending.buf, c.pending.len + 1);
	e->body_len = c.pending.len;
	e->size = size;
	e->next = c.buckets[e->hash % NBUCKETS];
	c.buckets[e->hash % NBUCKETS] = e;
	c.bytes += size;
	c.entries++;
	/* keep the scratch buffer from pinning a large answer's memory */
	if (c.pending.alloc > 256 * 1024)
		buf_release(&c.pending);
}

void rcache_stats(struct rcache_stats *out)
{
	*out = c.st;
	out->entries = c.entries;
	out->bytes = c.bytes;
}
