/* rfc3339.c: RFC 3339 UTC times with milliseconds */
#include "rfc3339.h"

#include <stdio.h>

void rfc3339_format(const struct timespec *ts, char out[RFC3339_LEN])
{
	struct timespec now;
	struct tm tm;
	size_t n;

	if (!ts) {
		clock_gettime(CLOCK_REALTIME, &now);
		ts = &now;
	}
	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(out, RFC3339_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, RFC3339_LEN - n, ".%03dZ", (int)(ts->tv_nsec / 1000000) % 1000);
}
