/* log.h: structured logging, one JSON object per line on stderr.
 *
 * Each line has "time" (RFC 3339 UTC, milliseconds), "level", "msg", the
 * request id when one is set, the process role and pid, and the fields given
 * as key/value string pairs ending with NULL:
 *
 *	log_info("request done", "status", "200", "path", path, NULL);
 *
 * A field whose key names a secret (token, secret, password, authorization,
 * cookie, key) is written as "[redacted]", whatever the caller passed: a
 * secret never reaches a log by mistake. The level is checked before anything
 * is formatted.
 */
#ifndef PLATFORM_LOG_H
#define PLATFORM_LOG_H

#include <stdio.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL };

extern enum log_level log_min_level;

/* `role` names the process in each line ("api", "worker"...); borrowed, must outlive logging. */
void log_init(const char *role, enum log_level min, FILE *out);
/* Parse "debug", "info", "warn", "error"; -1 if unknown. */
int log_level_parse(const char *s, enum log_level *out);
/* The request id written with every line until it is cleared with NULL (copied). */
void log_set_request_id(const char *id);

void log_write(enum log_level level, const char *msg, ...) __attribute__((sentinel));

#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_min_level <= LOG_DEBUG)                                                    \
			log_write(LOG_DEBUG, __VA_ARGS__);                                         \
	} while (0)
#define log_info(...)                                                                              \
	do {                                                                                       \
		if (log_min_level <= LOG_INFO)                                                     \
			log_write(LOG_INFO, __VA_ARGS__);                                          \
	} while (0)
#define log_warn(...)                                                                              \
	do {                                                                                       \
		if (log_min_level <= LOG_WARN)                                                     \
			log_write(LOG_WARN, __VA_ARGS__);                                          \
	} while (0)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

/* 1 if a field of this name holds a secret and is redacted. */
int log_key_is_secret(const char *key);

#endif
