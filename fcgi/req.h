/* req.h: one FastCGI request and its response (prefix req_).
 *
 * struct app is per process (configuration and the database connection) and
 * outlives requests; struct req is per request and is released after each
 * one. Strings from the FastCGI environment (req_env, req_header, method,
 * query) are borrowed and die at the end of the request; req_param strings are
 * owned by the req.
 *
 * A handler answers exactly once, with req_send, req_json or req_error. If it
 * returns without answering, the dispatcher answers 500.
 */
#ifndef PLATFORM_REQ_H
#define PLATFORM_REQ_H

#include "buf.h"
#include "config.h"
#include "db.h"
#include "err.h"

#include <fcgiapp.h>
#include <json-c/json.h>
#include <time.h>

struct app {
	struct config cfg;
	struct db db;
	pid_t master_pid; /* the pool's master (0: none, e.g. tests that drive the router) */
};

#define REQ_MAX_PARAMS 4

/* A role in a workspace, lowest first (fcgi/access.h reads and names them). The values fit
 * the route flags' role bits (router.h). */
enum role { ROLE_NONE = 0, ROLE_VIEWER, ROLE_DEVELOPER, ROLE_ADMIN, ROLE_OWNER };

/* Who is asking (access_user). */
struct user_ref {
	char id[16];
	char login[64];
};

/* A project the caller reached, and their role in its workspace (access_project). */
struct project_ref {
	char id[40];
	char workspace_id[16];
	char user_id[16];
	char name[40];
	enum role role;
};

struct req {
	FCGX_Request *fcgi;
	struct app *app;
	const char *method;
	const char *query;	      /* without '?', "" when none */
	char *path;		      /* the raw path, without the query; owned */
	char *params[REQ_MAX_PARAMS]; /* decoded path parameters of the route; owned */
	int nparams;
	char request_id[129];
	struct buf body;
	int body_read;
	struct buf headers; /* extra response header lines */
	int status;	    /* 0 until answered */
	int head_only;	    /* HEAD: headers without the body */
	struct timespec started;
	long long session_expires; /* the session's end (Unix time) once access_user passed */
	struct buf *capture;	   /* when set, req_send also appends the body here (borrowed) */
	const char *sent_type;	   /* the Content-Type req_send sent (static strings only) */
	int route; /* index + 1 of the route that matched in its table, 0 none (metrics) */
	/* What the route's flags asked the router to load before the handler (router.h):
	 * the signed-in user (ROUTE_USER), the caller's role in the workspace of the path
	 * (ROUTE_WORKSPACE, and the project's workspace for ROUTE_PROJECT/ROUTE_DEPLOYMENT),
	 * and the project of the path or of the path's deployment. Zero when not asked for. */
	struct user_ref user;
	enum role role;
	struct project_ref project;
};

void req_init(struct req *r, struct app *app, FCGX_Request *fcgi);
void req_release(struct req *r);

/* A FastCGI parameter ("REQUEST_METHOD") or a request header by its HTTP name
 * ("X-Hub-Signature-256"); NULL when absent. Borrowed. */
const char *req_env(struct req *r, const char *name);
const char *req_header(struct req *r, const char *name);

/* Read and discard what is left of the body (up to 64 MiB). Called after every answer:
 * closing a connection with request bytes unread makes the kernel reset it, and the reset
 * can destroy the answer before nginx reads it (a 413 or 401 turning into a 502). */
void req_drain(struct req *r);

/* Read the whole body once (later calls return the same). Over `max` bytes:
 * 413 before anything is read. */
int req_body(struct req *r, size_t max, struct err *e);
/* Read the body and parse it as one JSON object (new reference). */
struct json_object *req_json_body(struct req *r, struct err *e);

/* The decoded value of query parameter `name` into `out` (replaced); 1 found, 0 not, -1
 * malformed (a bad escape, a NUL or invalid UTF-8: answer 400, never read it as absent). */
int req_query(struct req *r, const char *name, struct buf *out);
/* The same with an empty value read as absent: 1 a non-empty value, 0 absent or empty, -1
 * malformed. */
int req_query_value(struct req *r, const char *name, struct buf *out);

/* Add a response header; refuses names or values with CR/LF. */
void req_add_header(struct req *r, const char *name, const char *value);

void req_send(struct req *r, int status, const char *content_type, const char *body, size_t len);
/* Answer with `obj` as JSON; borrows obj. */
void req_json(struct req *r, int status, struct json_object *obj);
/* Answer {"error":{"code","message","field"?}} with e->status. */
void req_error(struct req *r, const struct err *e);
void req_fail(struct req *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Percent-decode `in` (len bytes) into out; -1 on a bad escape or a NUL. */
int req_decode(const char *in, size_t len, struct buf *out);

#endif
