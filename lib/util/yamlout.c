/* yamlout.c: YAML emission through libyaml into a struct buf */
#include "yamlout.h"

#include "utf8.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	struct yamlout *y = data;

	/* libyaml wants 1 for success, 0 for failure. */
	return buf_add(y->out, buffer, size) == 0;
}

/* Hand one event to the emitter; on failure remember libyaml's reason once. */
static void emit(struct yamlout *y, yaml_event_t *ev, int built)
{
	if (y->failed)
		return;
	if (!built) {
		y->failed = 1;
		snprintf(y->problem, sizeof(y->problem), "%s",
			 "cannot build a yaml event (invalid utf-8?)");
		return;
	}
	/* yaml_emitter_emit takes the event, even when it fails. */
	if (!yaml_emitter_emit(&y->emitter, ev)) {
		y->failed = 1;
		snprintf(y->problem, sizeof(y->problem), "%s",
			 y->emitter.problem ? y->emitter.problem : "emitter error");
	}
}

void yamlout_init(struct yamlout *y, struct buf *out)
{
	yaml_event_t ev;

	memset(y, 0, sizeof(*y));
	y->out = out;
	if (!yaml_emitter_initialize(&y->emitter)) {
		y->failed = 1;
		snprintf(y->problem, sizeof(y->problem), "%s", "cannot initialise the emitter");
		return;
	}
	y->started = 1;
	yaml_emitter_set_output(&y->emitter, write_handler, y);
	yaml_emitter_set_unicode(&y->emitter, 1);
	yaml_emitter_set_width(&y->emitter, -1); /* never fold long strings */
	yaml_emitter_set_indent(&y->emitter, 2);
	emit(y, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit(y, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
}

void yamlout_release(struct yamlout *y)
{
	if (y->started)
		yaml_emitter_delete(&y->emitter);
	y->started = 0;
}

void yamlout_map_start(struct yamlout *y)
{
	yaml_event_t ev;

	emit(y, &ev,
	     yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
}

void yamlout_map_end(struct yamlout *y)
{
	yaml_event_t ev;

	emit(y, &ev, yaml_mapping_end_event_initialize(&ev));
}

void yamlout_seq_start(struct yamlout *y)
{
	yaml_event_t ev;

	emit(y, &ev,
	     yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE));
}

void yamlout_seq_end(struct yamlout *y)
{
	yaml_event_t ev;

	emit(y, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void scalar(struct yamlout *y, const char *s, int plain_ok, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (y->failed)
		return;
	/* libyaml decodes what it is given and writes a surrogate or an overlong form as an
	 * escape (\UD800...) that its own parser then refuses: such a string never gets in. */
	if (!utf8_valid(s, strlen(s))) {
		y->failed = 1;
		y->bad_utf8 = 1;
		snprintf(y->problem, sizeof(y->problem), "%s", "a string is not valid UTF-8");
		return;
	}
	/* plain_implicit = 0 forbids the plain style, so libyaml quotes it; the
	 * quoted form needs no tag to read back as a string. */
	emit(y, &ev,
	     yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s),
					  plain_ok, 1, style));
}

/* Words that YAML 1.1 (Helm's go-yaml, PyYAML) reads as a boolean or null; YAML 1.2 adds
 * none that start with a letter. Compared without case: quoting one too many is harmless. */
static const char *const reserved_words[] = {"y",   "n",    "yes",   "no",   "on",
					     "off", "true", "false", "null", NULL};

int yamlout_plain_safe(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	/* a leading letter or '_' rules out numbers, dates, .inf/.nan, ~, indicators
	 * (- ? : , [ ] { } # & * ! | > ' " % @ `) and spaces */
	if (!n || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '/'))
			return 0;
	}
	for (int i = 0; reserved_words[i]; i++) {
		if (!strcasecmp(s, reserved_words[i]))
			return 0;
	}
	return 1;
}

void yamlout_key(struct yamlout *y, const char *key)
{
	const char *k = key ? key : "";

	if (yamlout_plain_safe(k))
		scalar(y, k, 1, YAML_PLAIN_SCALAR_STYLE);
	else
		scalar(y, k, 0, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

void yamlout_str(struct yamlout *y, const char *s)
{
	scalar(y, s ? s : "", 0, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

void yamlout_int(struct yamlout *y, long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", v);
	scalar(y, num, 1, YAML_PLAIN_SCALAR_STYLE);
}

void yamlout_bool(struct yamlout *y, int v)
{
	scalar(y, v ? "true" : "false", 1, YAML_PLAIN_SCALAR_STYLE);
}

void yamlout_empty_map(struct yamlout *y)
{
	yaml_event_t ev;

	emit(y, &ev,
	     yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_FLOW_MAPPING_STYLE));
	yamlout_map_end(y);
}

int yamlout_finish(struct yamlout *y, struct err *e)
{
	yaml_event_t ev;

	emit(y, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit(y, &ev, yaml_stream_end_event_initialize(&ev));
	if (!y->failed && !yaml_emitter_flush(&y->emitter)) {
		y->failed = 1;
		snprintf(y->problem, sizeof(y->problem), "%s", "cannot flush the yaml output");
	}
	if (y->bad_utf8)
		return err_set(e, 422, "invalid_utf8", "cannot write yaml: %s", y->problem);
	if (y->failed)
		return err_set(e, 500, "yaml_emit_failed", "cannot write yaml: %s", y->problem);
	return 0;
}
