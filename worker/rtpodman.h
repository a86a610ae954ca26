/* rtpodman.h: the podman runtime's source of runtime logs (worker/rtlogs.h).
 *
 * Each round it lists the runtime's running containers (podman ps, label platform.managed)
 * and reads what each printed since the last line stored for it (`podman logs --timestamps
 * --since <that line's stamp>`, exclusive; a container seen for the first time gives its last
 * PLATFORM_RUNTIME_LOGS_KEEP lines). stdout and stderr are merged in time order; the lines are
 * shown as the container's deployment (its label platform.deployment) and masked with its env.
 */
#ifndef PLATFORM_WORKER_RTPODMAN_H
#define PLATFORM_WORKER_RTPODMAN_H

#include "rtlogs.h"

extern const struct rtlogs_source rtsrc_podman;

#endif
