/* publish.h: the worker's nchan publisher: build log chunks and state changes to the
 * browsers' channels, off the build-tracking path (prefix publish_).
 *
 * Channels (nginx/platform.conf.in): "deployment-<id>" gets the log and the
 * deployment's state changes, "project-<id>" gets the state changes of every
 * deployment of the project. Each message is one JSON object (README, "Watching a
 * build from a browser"):
 *
 *	{"type":"log","deployment_id":D,"offset":N,"next_offset":M,"text":"..."}
 *	{"type":"status","deployment_id":D,"project_id":P,"state":"building","at":"<RFC 3339>"}
 *	{"type":"gap","deployment_id":D,"offset":N,"next_offset":M}
 *	{"type":"end","deployment_id":D,"offset":N}
 *
 * and "runtime-<project id>" gets what the project's containers print (worker/rtlogs.h).
 *
 * Offsets are Jenkins byte offsets, the same as in the stored log and the backlog API
 * (redaction keeps lengths). A gap says the bytes [offset, next_offset) were not
 * published (nchan was down, slow, or the queue overflowed): fetch them from
 * GET /api/deployments/{id}/logs?offset=N. offset/next_offset are null in a gap
 * that lost only status messages. "end" says the log is complete: it is N bytes long.
 *
 * Threading: a publisher runs one thread of its own with its own curl multi handle,
 * so a slow or dead nchan never delays the caller. The publish_* calls copy what they
 * are given into a bounded per-channel queue under a mutex and return at once; the
 * thread POSTs to <base>/pub/<channel>, one request in flight per channel (nchan
 * keeps the order of a channel's messages), merging queued adjacent log chunks into
 * one message as it catches up. A failed POST drops what it carried, backs the
 * channel off (100 ms doubling to 5 s) and leaves a gap to announce first thing on
 * the channel's next successful send. A full queue drops its oldest log chunks the
 * same way. Nothing is retried from memory: the stored log is the record.
 *
 * Ownership: every string argument is borrowed and copied. publish_stop drains for
 * up to one second, then frees everything.
 */
#ifndef PLATFORM_WORKER_PUBLISH_H
#define PLATFORM_WORKER_PUBLISH_H

#include "config.h"
#include "deploy.h"
#include "err.h"

#include <stddef.h>

struct publisher;

/* Start the thread. `base_url` is PLATFORM_NCHAN_PUBLISH_URL (no trailing /pub);
 * `queue_max` caps the bytes queued per channel. NULL with `e` filled on failure. */
struct publisher *publish_start(const char *base_url, long timeout_ms, size_t queue_max,
				struct err *e);
/* publish_start with the worker's settings (nchan_publish_url, publish_timeout_ms,
 * publish_queue_kb); NULL, logged, when the URL is unset or the start fails: the
 * worker then stores logs without publishing them. */
struct publisher *publish_from_config(const struct config *cfg);
/* Drain for up to a second, stop the thread, free it all. NULL is fine. */
void publish_stop(struct publisher *p);

/* Tell the publisher which project a deployment belongs to (its status messages go
 * to that project's channel too). Remembered for the last few thousand deployments. */
void publish_project(struct publisher *p, const char *deployment_id, const char *project_id);
/* Queue log bytes [offset, offset + len) of a deployment (already redacted); len 0
 * says the log is complete at `offset` (an "end" message). */
void publish_log(struct publisher *p, const char *deployment_id, long long offset, const char *data,
		 size_t len);
/* Queue a state change. */
void publish_state(struct publisher *p, const char *deployment_id, const char *state);

/* Queue one ready JSON message (copied) on `channel` ("runtime-<project>": worker/rtlogs.c),
 * a project's channel: a gap announced there names `project_id`. */
void publish_json(struct publisher *p, const char *channel, const char *project_id,
		  const char *json);

/* A struct log_sink (lib/model/deploy.h) whose callbacks are publish_log and publish_state. */
struct log_sink publish_sink(struct publisher *p);

struct publish_stats {
	unsigned long messages;		  /* published (nchan answered 201 or 202) */
	unsigned long failures;		  /* POSTs that failed or were refused */
	unsigned long gaps;		  /* gap markers published */
	unsigned long long dropped_bytes; /* log bytes never published */
};
void publish_get_stats(struct publisher *p, struct publish_stats *out);

#endif
