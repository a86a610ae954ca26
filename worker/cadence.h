/* cadence.h: how soon to read a followed build's log again (prefix cadence_).
 *
 * Jenkins has no push, so the worker polls each build's progressive log. Polling every build
 * fast costs Jenkins; polling slowly makes a person watching the log wait. The interval is
 * PLATFORM_JENKINS_WATCHED_POLL_MS while the deployment's nchan channel has subscribers and the
 * caller's slow interval (PLATFORM_JENKINS_POLL_MS) otherwise, so builds nobody watches cost
 * Jenkins no more than the slow rate.
 *
 * nchan tells the subscriber count: a GET on the publisher location of a channel answers its
 * info, {"messages":..,"subscribers":N,..}, or 404 when the channel does not exist. That GET is
 * a short blocking call to the loopback publisher, made at most once per
 * PLATFORM_JENKINS_WATCH_CHECK_MS per deployment; without PLATFORM_NCHAN_PUBLISH_URL, or when
 * nchan does not answer, the slow interval applies.
 *
 * State: one table per process (the worker follows its builds in one thread), of the last
 * few thousand deployments asked about; nothing to free by the caller.
 */
#ifndef PLATFORM_WORKER_CADENCE_H
#define PLATFORM_WORKER_CADENCE_H

#include "config.h"

/* Seconds until `deployment_id`'s log should be read again; `slow` is the unwatched interval.
 * `now` is build_now()'s clock. */
double cadence_interval(const struct config *cfg, const char *deployment_id, double slow,
			double now);

/* The subscriber count nchan reported at the last check (-1: never asked or no answer). */
long cadence_subscribers(const char *deployment_id);

#endif
