/* cmd_detect.c: platformctl detect [--json] [DIR]: the framework of a checkout and why */
#include "cmd.h"

#include "detect.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static int usage(FILE *out)
{
	fprintf(out,
		"usage: platformctl detect [--json] [DIR]\n"
		"Prints the framework of the checkout in DIR (default .) and the file that "
		"decided it.\n"
		"--json: {\"framework\",\"file\",\"reason\",\"dockerfile\",\"base_image_setting\"}"
		" on one line.\n"
		"Exit status: 0 found, 1 nothing supported found, 2 bad usage.\n");
	return out == stdout ? 0 : 2;
}

int cmd_detect(const struct config *cfg, int argc, char **argv)
{
	(void)cfg; /* reads no setting */
	struct detect_result r;
	struct err e = ERR_INIT;
	const char *dir = NULL;
	int json = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return usage(stdout);
		else if (argv[i][0] == '-' || dir)
			return usage(stderr);
		else
			dir = argv[i];
	}
	if (!dir)
		dir = ".";
	if (detect_dir(dir, &r, &e) < 0) {
		if (json) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "framework", NULL);
			json_object_object_add(o, "error", json_object_new_string(e.code));
			json_object_object_add(o, "reason", json_object_new_string(e.msg));
			printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
			json_object_put(o);
		}
		fprintf(stderr, "platformctl detect: %s\n", e.msg);
		return e.status == 400 ? 2 : 1;
	}
	if (json) {
		struct json_object *o = json_object_new_object();
		const char *base = detect_base_setting(r.base);

		json_object_object_add(o, "framework", json_object_new_string(r.framework));
		json_object_object_add(o, "file", json_object_new_string(r.file));
		json_object_object_add(o, "reason", json_object_new_string(r.reason));
		json_object_object_add(o, "dockerfile", json_object_new_boolean(r.has_dockerfile));
		json_object_object_add(o, "base_image_setting",
				       base ? json_object_new_string(base) : NULL);
		printf("%s\n", json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("%s\t%s\t%s\n", r.framework, r.file, r.reason);
	}
	return 0;
}
