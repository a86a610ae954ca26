/* api_metrics.c: the master's metrics listener: route names and the API's families */
#include "api_metrics.h"

#include "log.h"
#include "metrics.h"
#include "metricsd.h"
#include "router.h"

static const char *methods[METRICS_MAX_ROUTES], *patterns[METRICS_MAX_ROUTES];

static void render(struct buf *out, void *arg)
{
	(void)arg;
	metrics_render(METRICS_API, out);
}

pid_t api_metrics_start(const struct config *cfg)
{
	struct err e = ERR_INIT;
	pid_t pid;
	int n = 0;

	if (!cfg->api_metrics_listen || !*cfg->api_metrics_listen)
		return -1;
	if (metrics_init(METRICS_API, &e) < 0) {
		log_warn("metrics are off", "reason", e.msg, NULL);
		return -1;
	}
	for (; n < routes_count && n < METRICS_MAX_ROUTES - 1; n++) {
		methods[n] = routes[n].method;
		patterns[n] = routes[n].pattern;
	}
	metrics_api_routes(methods, patterns, n);
	if (metricsd_start(cfg->api_metrics_listen, render, NULL, &pid, &e) < 0) {
		log_warn("metrics listener not started", "reason", e.msg, NULL);
		return -1;
	}
	log_info("metrics listener started", "listen", cfg->api_metrics_listen, NULL);
	return pid;
}
