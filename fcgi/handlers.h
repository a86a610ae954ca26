/* handlers.h: the request handlers, one file per resource (fcgi/h_<resource>.c) */
#ifndef PLATFORM_HANDLERS_H
#define PLATFORM_HANDLERS_H

#include "req.h"

/* h_health.c */
void h_healthz(struct req *r);
void h_readyz(struct req *r);

/* h_deployments.c */
void h_deploy_create(struct req *r);
void h_deployment_get(struct req *r);
void h_project_deployments(struct req *r);
void h_deployment_cancel(struct req *r);

/* h_internal.c */
void h_jenkins_event(struct req *r);

#endif
