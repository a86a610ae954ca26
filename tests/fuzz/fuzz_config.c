/* fuzz_config.c: the configuration reader (lib/config/config) on any file content: it loads or
 * refuses with bad_config and a message (naming file:line:key); it never crashes or leaks,
 * whatever the YAML (repeated keys, documents, anchors, tags, block scalars). */
#include "fuzz.h"

#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

static char path[64];
static int fd = -1;

static void setup(void)
{
	extern char **environ;

	/* only the file counts: no PLATFORM_* from the environment */
	for (char **e = environ; e && *e;) {
		if (!strncmp(*e, "PLATFORM_", 9)) {
			char name[256];
			size_t n = strcspn(*e, "=");

			snprintf(name, sizeof(name), "%.*s", (int)n, *e);
			unsetenv(name);
			e = environ;
		} else {
			e++;
		}
	}
	fd = memfd_create("fuzz-config", 0);
	if (fd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct err e = ERR_INIT;

	if (fd < 0)
		setup();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (config_load(&cfg, path, CONFIG_ALL, &e) < 0)
		FUZZ_ASSERT(e.status != 0 && e.msg[0] && !strcmp(e.code, "bad_config"));
	config_release(&cfg);
	return 0;
}
