/* server.h: the accept loop of one pool child (prefix server_). */
#ifndef PLATFORM_SERVER_H
#define PLATFORM_SERVER_H

#include "req.h"

/* Serve requests on `listen_fd` (non-blocking) until SIGTERM, then finish the
 * request in flight and return. `app` is borrowed; its db is opened here. */
int server_run(struct app *app, int listen_fd);

/* Handle one accepted request (exposed for tests that drive the router). */
void server_handle(struct app *app, FCGX_Request *fr);

#endif
