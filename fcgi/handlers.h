/* handlers.h: the request handlers, one file per resource (fcgi/h_<resource>.c) */
#ifndef PLATFORM_HANDLERS_H
#define PLATFORM_HANDLERS_H

#include "req.h"

/* h_health.c */
void h_healthz(struct req *r);
void h_readyz(struct req *r);

#endif
