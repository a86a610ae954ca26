/* log.c: one JSON object per line, secrets redacted by field name */
#include "log.h"

#include "rfc3339.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum log_level log_min_level = LOG_INFO;
static FILE *log_out;
static const char *log_role = "platform";
static char log_request_id[129];

static const char *const level_names[] = {"debug", "info", "warn", "error", "fatal"};

void log_init(const char *role, enum log_level min, FILE *out)
{
	log_role = role;
	log_min_level = min;
	log_out = out;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcasecmp(s, level_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void log_set_request_id(const char *id)
{
	snprintf(log_request_id, sizeof(log_request_id), "%s", id ? id : "");
}

int log_key_is_secret(const char *key)
{
	static const char *const words[] = {"token",	     "secret", "password", "passwd",
					    "authorization", "cookie", "key",	   "credential"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasestr(key, words[i]))
			return 1;
	}
	return 0;
}

void log_write(enum log_level level, const char *msg, ...)
{
	struct json_object *o = json_object_new_object();
	char when[RFC3339_LEN];
	const char *key;
	va_list ap;

	if (level < log_min_level)
		goto out;
	rfc3339_format(NULL, when);
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "level", json_object_new_string(level_names[level]));
	json_object_object_add(o, "role", json_object_new_string(log_role));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	if (log_request_id[0])
		json_object_object_add(o, "request_id", json_object_new_string(log_request_id));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	va_start(ap, msg);
	while ((key = va_arg(ap, const char *))) {
		const char *val = va_arg(ap, const char *);

		if (log_key_is_secret(key))
			val = "[redacted]";
		json_object_object_add(o, key, val ? json_object_new_string(val) : NULL);
	}
	va_end(ap);
	fprintf(log_out ? log_out : stderr, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(log_out ? log_out : stderr);
out:
	json_object_put(o);
}
