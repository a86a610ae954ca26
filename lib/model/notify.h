/* notify.h: workspace notifications (outgoing webhooks): their events, the outbox rows a
 * deployment's state change queues, and the address rules of their URLs (prefix notify_).
 *
 * A notification subscribes a URL to events of its workspace. When a deployment changes
 * state, deploy_transition() calls notify_enqueue() in the same transaction, which stores
 * one pending row in notification_deliveries per subscribed notification; platform-worker
 * (worker/notify.c) sends them. Events:
 *
 *	deployment.building  deployment.released  deployment.live
 *	deployment.failed    deployment.cancelled deployment.superseded
 *	preview.ready        a pull request's preview went live (besides its deployment.live)
 *	notification.test    (never subscribed: the "send test" action)
 *
 * Address rules (SSRF): a notification URL is http or https, with a host and without
 * user:password; a host that is, or resolves to, a loopback, link-local, private (RFC 1918,
 * ULA), shared (CGNAT 100.64/10), "this network" (0/8), multicast, reserved or
 * documentation address is refused unless the operator allows private addresses
 * (PLATFORM_NOTIFY_ALLOW_PRIVATE=1). The sender applies notify_addr_blocked() to the very
 * address it connects to, so a name that resolves elsewhere later gains nothing.
 *
 * Functions that take a struct db return 0/-1 (or the documented count) with `e` filled.
 * Every string argument is borrowed.
 */
#ifndef PLATFORM_NOTIFY_H
#define PLATFORM_NOTIFY_H

#include "buf.h"
#include "db.h"
#include "err.h"

#include <stddef.h>
#include <sys/socket.h>

#define NOTIFY_CHANNEL	  "platform_notify" /* NOTIFY'd when deliveries are queued */
#define NOTIFY_EVENT_TEST "notification.test"
#define NOTIFY_URL_MAX	  2048

/* 1 when `event` is one a notification may subscribe to. */
int notify_event_known(const char *event);
/* The subscribable events, NULL-terminated (for messages and docs). */
extern const char *const notify_events[];
/* The event a deployment entering state `state` ("live") raises, or NULL for none. */
const char *notify_event_of_state(const char *state);

/* Queue the deliveries that deployment `deployment_id` entering `state` causes: one per
 * notification of the deployment's workspace subscribed to the state's event. Run it in
 * the transaction of the state change. Returns the number queued (0 for a state without
 * an event), or -1. */
long notify_enqueue(struct db *db, const char *deployment_id, const char *state, struct err *e);

/* Queue a notification.test delivery for notification `notification_id` of workspace
 * `workspace_id`; its id is appended to `delivery_id`. 404 notification_not_found. */
int notify_enqueue_test(struct db *db, const char *workspace_id, const char *notification_id,
			struct buf *delivery_id, struct err *e);

/* 1 when an address the rules refuse; `why` (may be NULL) gets "127.0.0.1 is a loopback
 * address" or the like. Families other than IPv4/IPv6 are refused. */
int notify_addr_blocked(const struct sockaddr *sa, char *why, size_t why_len);

/* Check a notification URL: 422 invalid_url (field "url") when it is not an absolute
 * http(s) URL with a host, carries user:password, or is too long; 422 url_not_allowed when
 * its host is or resolves to a refused address and `allow_private` is 0. A host that does
 * not resolve now is accepted (the sender checks again at every attempt). */
int notify_check_url(const char *url, int allow_private, struct err *e);

#endif
