/* detect.h: which framework a repository's files say it uses, and which file said so (prefix
 *detect_).
 *
 * The answer decides the Dockerfile the builder writes (builder/templates/<framework>.Dockerfile)
 * and the base image it names (PLATFORM_BASE_IMAGE_<KIND>). Rules, first match wins, all read
 * from the top folder of the checkout only (a monorepo needs its own Dockerfile):
 *
 *	Dockerfile                                   dockerfile  (the repository's own is kept)
 *	package.json with "next" in a dependency map nextjs
 *	package.json                                 node
 *	manage.py, or "django" in requirements.txt / pyproject.toml / Pipfile   django
 *	"fastapi" in one of those                    fastapi
 *	"flask" in one of those                      flask
 *	go.mod                                       go
 *	index.html (top folder, public/ or dist/)    static
 *
 * A folder that matches none is an error (404 no_framework) that says what was looked for.
 * Nothing is executed and no file is read past DETECT_MAX_FILE bytes.
 */
#ifndef PLATFORM_DETECT_H
#define PLATFORM_DETECT_H

#include "err.h"

#define DETECT_MAX_FILE (1024 * 1024)

/* The image family a framework builds on (the base image setting it reads). */
enum detect_base {
	DETECT_BASE_NONE,
	DETECT_BASE_NODE,
	DETECT_BASE_PYTHON,
	DETECT_BASE_GO,
	DETECT_BASE_STATIC
};

struct detect_result {
	const char *framework; /* static string: "nextjs", "node", ... "dockerfile" */
	enum detect_base base;
	int has_dockerfile; /* the repository has its own Dockerfile */
	char file[64];	    /* the file that decided, relative to the folder */
	char reason[256];   /* one sentence for a person */
};

/* Look at folder `dir`. 0 with `r` filled; -1 with `e` (404 no_framework, 400 not_a_folder). */
int detect_dir(const char *dir, struct detect_result *r, struct err *e);

/* The lower-case setting name of the base image for `b` ("base_image_node"...), NULL for none. */
const char *detect_base_setting(enum detect_base b);

#endif
