/* err.h: the error a lib/ function hands back to its caller.
 *
 * lib/ functions return 0 or -1 and describe a failure in a struct err that
 * the caller passes in. lib/ never writes a response and never exits; fcgi/
 * maps the struct to an HTTP status and a JSON body, the CLI to a message and
 * an exit status. `msg` is for a person and must never hold a secret.
 */
#ifndef PLATFORM_ERR_H
#define PLATFORM_ERR_H

struct err {
	int status;	/* HTTP status that fits the failure (400, 404, 503...) */
	char code[48];	/* snake_case machine code, e.g. "database_unavailable" */
	char field[64]; /* the input at fault, or "" */
	char msg[320];	/* lowercase sentence for a person */
};

#define ERR_INIT                                                                                   \
	{                                                                                          \
		0, "", "", ""                                                                      \
	}

/* Fill `e` (if not NULL) and return -1, so that `return err_set(...)` works. */
int err_set(struct err *e, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same, naming the input field at fault. */
int err_field(struct err *e, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void err_clear(struct err *e);

#endif
