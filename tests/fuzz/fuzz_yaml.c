/* fuzz_yaml.c: the YAML emitter (lib/util/yamlout) round-trips through libyaml's parser: strings
 * from the input written as values (and one as a key) read back unchanged, and a string that
 * is not strict UTF-8 is refused with invalid_utf8 instead of being written. */
#include "fuzz.h"

#include "buf.h"
#include "utf8.h"
#include "yamldoc.h"
#include "yamlout.h"

#define NVALUES 4

struct want {
	const char *key;
	const char *value;
	int found;
};

static int check_key(const char *key, yaml_node_t *value, void *arg)
{
	struct want *w = arg;

	if (!strcmp(key, w->key)) {
		FUZZ_ASSERT(value->type == YAML_SCALAR_NODE);
		FUZZ_ASSERT(!strcmp((const char *)value->data.scalar.value, w->value));
		w->found = 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *v[NVALUES], *free_key = fuzz_field(&p, end);
	struct buf out = BUF_INIT;
	struct yamlout y;
	struct err e = ERR_INIT;
	struct yamldoc d;
	int all_valid = utf8_valid(free_key, strlen(free_key)), dup;

	for (int i = 0; i < NVALUES; i++) {
		v[i] = fuzz_field(&p, end);
		all_valid &= utf8_valid(v[i], strlen(v[i]));
	}
	yamlout_init(&y, &out);
	yamlout_map_start(&y);
	for (int i = 0; i < NVALUES; i++) {
		char k[8];

		snprintf(k, sizeof(k), "k%d", i);
		yamlout_key(&y, k);
		if (i == 1) { /* one nested level, as values.yaml has */
			yamlout_map_start(&y);
			yamlout_key(&y, "inner");
			yamlout_str(&y, v[i]);
			yamlout_map_end(&y);
		} else {
			yamlout_str(&y, v[i]);
		}
	}
	/* the free key is another key only when it is not one of k0..k3 */
	dup = strlen(free_key) == 2 && free_key[0] == 'k' && free_key[1] >= '0' &&
	      free_key[1] < '0' + NVALUES;
	if (!dup) {
		yamlout_key(&y, free_key);
		yamlout_str(&y, v[0]);
	}
	yamlout_map_end(&y);
	if (yamlout_finish(&y, &e) < 0) {
		/* refused only for bytes that are not UTF-8 (or a key libyaml cannot take) */
		FUZZ_ASSERT(!all_valid || strcmp(e.code, "invalid_utf8"));
		FUZZ_ASSERT(all_valid || !strcmp(e.code, "invalid_utf8"));
	} else {
		struct want w = {free_key, v[0], 0};

		FUZZ_ASSERT(all_valid);
		FUZZ_ASSERT(yamldoc_load(&d, out.buf, out.len, &e) == 0);
		FUZZ_ASSERT(!strcmp(yamldoc_scalar(&d, "k0"), v[0]));
		FUZZ_ASSERT(!strcmp(yamldoc_scalar(&d, "k1.inner"), v[1]));
		FUZZ_ASSERT(!strcmp(yamldoc_scalar(&d, "k2"), v[2]));
		FUZZ_ASSERT(!strcmp(yamldoc_scalar(&d, "k3"), v[3]));
		if (!dup) {
			yamldoc_each(&d, NULL, check_key, &w);
			FUZZ_ASSERT(w.found);
		}
		yamldoc_release(&d);
	}
	yamlout_release(&y);
	buf_release(&out);
	free(free_key);
	for (int i = 0; i < NVALUES; i++)
		free(v[i]);
	return 0;
}
