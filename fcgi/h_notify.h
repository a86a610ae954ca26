/* h_notify.h: the workspace notification endpoints (fcgi/h_notify.c) */
#ifndef PLATFORM_H_NOTIFY_H
#define PLATFORM_H_NOTIFY_H

#include "req.h"

/* GET/POST /api/workspaces/{ws}/notifications: list (viewer), create (admin) */
void h_notifications_list(struct req *r);
void h_notifications_create(struct req *r);
/* DELETE /api/workspaces/{ws}/notifications/{id} (admin) */
void h_notification_delete(struct req *r);
/* POST /api/workspaces/{ws}/notifications/{id}/test (admin): queue a test delivery */
void h_notification_test(struct req *r);
/* GET /api/workspaces/{ws}/notifications/{id}/deliveries (viewer) */
void h_notification_deliveries(struct req *r);

#endif
