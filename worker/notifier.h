/* notifier.h: the worker's sender of workspace notifications (prefix notifier_).
 *
 * Deliveries are queued in PostgreSQL (notification_deliveries, lib/model/notify.h) by the
 * transaction that changed a deployment's state. The notifier runs one thread of its
 * own with its own database connection and curl multi handle, so a slow or dead
 * receiver never delays a deploy. It claims due rows (FOR UPDATE SKIP LOCKED; the
 * claim also leases the row until the call's time limit has passed), POSTs up to
 * NOTIFIER_BATCH of them at once and records each answer: a 2xx is delivered; anything
 * else (an error status, a redirect, which is never followed, a refused address, a
 * timeout) is tried again after PLATFORM_NOTIFY_RETRY_MS, doubling up to an hour, until
 * PLATFORM_NOTIFY_RETRY_FOR seconds after the event, then it is failed. All state is in
 * the rows, so several workers share the work and a restarted one carries on.
 *
 * Each request: POST, Content-Type application/json, X-Platform-Event: <event>,
 * X-Platform-Delivery: <delivery id>, X-Platform-Signature-256: sha256=<hex HMAC-SHA256
 * of the raw body keyed with the notification's secret>. The body is the event JSON, or
 * {"text": "..."} for the slack format. Connections go only to addresses that pass
 * notify_addr_blocked() (checked on the address being connected to, after resolution),
 * unless PLATFORM_NOTIFY_ALLOW_PRIVATE=1; no proxy from the environment is used. Neither
 * the URL (a Slack URL is a credential) nor the secret is ever logged.
 */
#ifndef PLATFORM_WORKER_NOTIFIER_H
#define PLATFORM_WORKER_NOTIFIER_H

#include "config.h"

#define NOTIFIER_BATCH 16

struct notifier;

/* Start the thread with the worker's settings (copied). NULL, logged, if it cannot start:
 * deliveries then wait in PostgreSQL for a worker that sends them. */
struct notifier *notifier_start(const struct config *cfg);
/* Stop the thread (calls in flight are abandoned and their rows made due again at once)
 * and free it. NULL is fine. */
void notifier_stop(struct notifier *n);

#endif
