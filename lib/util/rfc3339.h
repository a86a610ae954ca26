/* rfc3339.h: the one time format of the platform's answers, events and logs.
 *
 * RFC 3339 UTC with milliseconds, "2024-05-01T12:00:00.000Z", everywhere: API answers, nchan
 * events, notifications and log lines. SQL writes the same with the function rfc3339(t) of
 * migration 0002 (use it for every time a query returns to a client, never to_char). A
 * generic utility: no platform nouns.
 */
#ifndef PLATFORM_RFC3339_H
#define PLATFORM_RFC3339_H

#include <time.h>

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" and its NUL */
#define RFC3339_LEN 25

/* Format `ts` (NULL: now, CLOCK_REALTIME) into `out`, which the caller provides. */
void rfc3339_format(const struct timespec *ts, char out[RFC3339_LEN]);

#endif
