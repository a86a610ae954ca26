/* metrics.c: counters in shared pages, rendered in Prometheus' text format */
#include "metrics.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* Upper bounds (seconds) of the histogram buckets; +Inf is the count. */
static const double request_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
					0.25,  0.5,    1,     2.5,  5,	   10};
static const double stage_bounds[] = {0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
#define NBUCKETS  13
#define NSTATUS	  600
#define NKINDS	  8
#define KIND_LEN  32
#define NSERVICES 3

struct hist {
	uint64_t bucket[NBUCKETS]; /* not cumulative: the renderer adds them up */
	uint64_t count;
	uint64_t sum_us;
};

/* The stages a deployment goes through, by the state it leaves (see metrics_deploy_moved). */
static const char *const stage_names[] = {"queued", "build", "push", "release", "live"};
#define NSTAGES 5
static const char *const state_names[] = {"queued", "building", "pushed",    "released",  "syncing",
					  "live",   "failed",	"cancelled", "superseded"};
#define NSTATES 9
static const char *const service_names[NSERVICES] = {"jenkins", "github", "argocd"};
static const char *const service_callers[NSERVICES] = {"Jenkins", "GitHub", "Argo CD"};
static const char *const db_kinds[] = {"unavailable", "conflict", "error"};
#define NDBKINDS 3

struct kind_slot {
	uint32_t state; /* 0 free, 1 being named, 2 named */
	char name[KIND_LEN];
	uint64_t claimed;
};

struct page {
	/* API */
	uint64_t requests[METRICS_MAX_ROUTES][NSTATUS];
	struct hist latency[METRICS_MAX_ROUTES];
	uint32_t child[METRICS_MAX_SLOTS]; /* 0 no child, 1 idle, 2 busy */
	/* both */
	uint64_t db_errors[NDBKINDS];
	uint64_t db_reconnects;
	uint64_t calls[NSERVICES];
	uint64_t call_errors[NSERVICES][2]; /* [0] no answer, [1] status >= 500 */
	uint64_t deploy_states[NSTATES];
	struct hist stages[NSTAGES];
	/* worker */
	struct kind_slot kinds[NKINDS];
	uint64_t publish_gaps;
	uint64_t gitops_retries;
	uint64_t log_bytes;
};

static struct page *pg;
static int my_slot = -1;
static const char *const *route_methods, *const *route_patterns;
static int nroutes;

#define ADD(field, n) __atomic_fetch_add(&(field), (uint64_t)(n), __ATOMIC_RELAXED)
#define GET(field)    __atomic_load_n(&(field), __ATOMIC_RELAXED)

int metrics_init(enum metrics_role role, struct err *e)
{
	void *p;

	(void)role;
	if (pg)
		return 0;
	p = mmap(NULL, sizeof(struct page), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED)
		return err_set(e, 500, "internal_error", "cannot map the metrics pages");
	pg = p; /* anonymous pages come zeroed */
	return 0;
}

int metrics_enabled(void)
{
	return pg != NULL;
}

/* ---------------------------------------------------------------- updates */

static void observe(struct hist *h, const double *bounds, double seconds)
{
	int i = 0;

	if (seconds < 0)
		seconds = 0;
	while (i < NBUCKETS && seconds > bounds[i])
		i++;
	if (i < NBUCKETS)
		ADD(h->bucket[i], 1);
	ADD(h->count, 1);
	ADD(h->sum_us, (uint64_t)(seconds * 1e6 + 0.5));
}

void metrics_api_routes(const char *const *methods, const char *const *patterns, int n)
{
	route_methods = methods;
	route_patterns = patterns;
	nroutes = n < METRICS_MAX_ROUTES - 1 ? n : METRICS_MAX_ROUTES - 1;
}

void metrics_child_start(int slot)
{
	if (!pg || slot < 0 || slot >= METRICS_MAX_SLOTS)
		return;
	my_slot = slot;
	__atomic_store_n(&pg->child[slot], 1, __ATOMIC_RELAXED);
}

void metrics_child_gone(int slot)
{
	if (pg && slot >= 0 && slot < METRICS_MAX_SLOTS)
		__atomic_store_n(&pg->child[slot], 0, __ATOMIC_RELAXED);
}

void metrics_request_begin(void)
{
	if (pg && my_slot >= 0)
		__atomic_store_n(&pg->child[my_slot], 2, __ATOMIC_RELAXED);
}

void metrics_request(int route, int status, double seconds)
{
	if (!pg)
		return;
	if (route < 0 || route > nroutes)
		route = 0;
	if (status < 0 || status >= NSTATUS)
		status = 0;
	ADD(pg->requests[route][status], 1);
	observe(&pg->latency[route], request_bounds, seconds);
	if (my_slot >= 0)
		__atomic_store_n(&pg->child[my_slot], 1, __ATOMIC_RELAXED);
}

void metrics_db_error(const char *kind)
{
	if (!pg)
		return;
	for (int i = 0; i < NDBKINDS; i++) {
		if (!strcmp(kind, db_kinds[i])) {
			ADD(pg->db_errors[i], 1);
			return;
		}
	}
	ADD(pg->db_errors[NDBKINDS - 1], 1);
}

void metrics_db_reconnect(void)
{
	if (pg)
		ADD(pg->db_reconnects, 1);
}

void metrics_call(const char *what, long status)
{
	if (!pg || !what)
		return;
	for (int i = 0; i < NSERVICES; i++) {
		if (strcmp(what, service_callers[i]))
			continue;
		ADD(pg->calls[i], 1);
		if (status <= 0)
			ADD(pg->call_errors[i][0], 1);
		else if (status >= 500)
			ADD(pg->call_errors[i][1], 1);
		return;
	}
}

/* The stage that ends when a deployment enters `to`: its time in the state before. */
static int stage_ending_at(const char *to)
{
	static const char *const next[NSTAGES] = {"building", "pushed", "released", "syncing",
						  "live"};

	for (int i = 0; i < NSTAGES; i++) {
		if (!strcmp(to, next[i]))
			return i;
	}
	return -1;
}

void metrics_deploy_moved(const char *to, double seconds)
{
	int st;

	if (!pg || !to)
		return;
	for (int i = 0; i < NSTATES; i++) {
		if (!strcmp(to, state_names[i]))
			ADD(pg->deploy_states[i], 1);
	}
	st = stage_ending_at(to);
	if (st >= 0 && seconds >= 0)
		observe(&pg->stages[st], stage_bounds, seconds);
}

/* The slot counting `kind`, named on first use (lock-free: a slot is claimed by CAS). */
static struct kind_slot *kind_slot(const char *kind)
{
	for (int i = 0; i < NKINDS; i++) {
		struct kind_slot *k = &pg->kinds[i];
		uint32_t st = __atomic_load_n(&k->state, __ATOMIC_ACQUIRE), free_st = 0;

		if (st == 2 && !strncmp(k->name, kind, KIND_LEN - 1))
			return k;
		if (st == 0 && __atomic_compare_exchange_n(&k->state, &free_st, 1, 0,
							   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			strncpy(k->name, kind, KIND_LEN - 1);
			__atomic_store_n(&k->state, 2, __ATOMIC_RELEASE);
			return k;
		}
		/* state 1: another process is naming it right now; a later slot will do
		 * (at worst a kind is counted in two slots, which the renderer adds up) */
	}
	return NULL;
}

void metrics_jobs_claimed(const char *kind, int n)
{
	struct kind_slot *k;

	if (!pg || n <= 0 || !kind)
		return;
	if ((k = kind_slot(kind)))
		ADD(k->claimed, n);
}

void metrics_publish_gap(void)
{
	if (pg)
		ADD(pg->publish_gaps, 1);
}

void metrics_gitops_retry(void)
{
	if (pg)
		ADD(pg->gitops_retries, 1);
}

void metrics_log_bytes(size_t n)
{
	if (pg)
		ADD(pg->log_bytes, n);
}

/* ---------------------------------------------------------------- rendering */

void metrics_family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_label_value(struct buf *out, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_addch(out, '\\');
		if (*v == '\n')
			buf_addstr(out, "\\n");
		else
			buf_addch(out, *v);
	}
}

/* One histogram's _bucket, _sum and _count lines; `labels` is `a="b"` or "". */
static void render_hist(struct buf *out, const char *name, const char *labels, const struct hist *h,
			const double *bounds)
{
	uint64_t cum = 0;
	const char *sep = *labels ? "," : "";

	for (int i = 0; i < NBUCKETS; i++) {
		cum += GET(h->bucket[i]);
		buf_addf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep, bounds[i],
			 (unsigned long long)cum);
	}
	buf_addf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
		 (unsigned long long)GET(h->count));
	buf_addf(out, "%s_sum%s%s%s %.6f\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
		 (double)GET(h->sum_us) / 1e6);
	buf_addf(out, "%s_count%s%s%s %llu\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
		 (unsigned long long)GET(h->count));
}

static void route_labels(struct buf *l, int route)
{
	buf_reset(l);
	buf_addstr(l, "method=\"");
	metrics_label_value(l, route ? route_methods[route - 1] : "");
	buf_addstr(l, "\",route=\"");
	metrics_label_value(l, route ? route_patterns[route - 1] : "unmatched");
	buf_addch(l, '"');
}

static void render_api(struct buf *out)
{
	struct buf l = BUF_INIT;
	int busy = 0, children = 0;

	metrics_family(out, "platform_api_requests_total", "counter",
		       "API requests answered, by route (the pattern) and status");
	for (int r = 0; r <= nroutes; r++) {
		route_labels(&l, r);
		for (int s = 0; s < NSTATUS; s++) {
			uint64_t n = GET(pg->requests[r][s]);

			if (n)
				buf_addf(out,
					 "platform_api_requests_total{%s,status=\"%d\"} %llu\n",
					 l.buf, s, (unsigned long long)n);
		}
	}
	metrics_family(out, "platform_api_request_duration_seconds", "histogram",
		       "time from the request's start to its answer, by route");
	for (int r = 0; r <= nroutes; r++) {
		if (!GET(pg->latency[r].count))
			continue;
		route_labels(&l, r);
		render_hist(out, "platform_api_request_duration_seconds", l.buf, &pg->latency[r],
			    request_bounds);
	}
	for (int i = 0; i < METRICS_MAX_SLOTS; i++) {
		uint32_t st = __atomic_load_n(&pg->child[i], __ATOMIC_RELAXED);

		children += st != 0;
		busy += st == 2;
	}
	metrics_family(out, "platform_api_pool_children", "gauge", "pool children running");
	buf_addf(out, "platform_api_pool_children %d\n", children);
	metrics_family(out, "platform_api_pool_children_busy", "gauge",
		       "pool children handling a request right now");
	buf_addf(out, "platform_api_pool_children_busy %d\n", busy);
	buf_release(&l);
}

static void render_common(struct buf *out)
{
	metrics_family(out, "platform_db_errors_total", "counter",
		       "failed database statements, by kind");
	for (int i = 0; i < NDBKINDS; i++)
		buf_addf(out, "platform_db_errors_total{kind=\"%s\"} %llu\n", db_kinds[i],
			 (unsigned long long)GET(pg->db_errors[i]));
	metrics_family(out, "platform_db_reconnects_total", "counter",
		       "database connections made again after a lost one");
	buf_addf(out, "platform_db_reconnects_total %llu\n",
		 (unsigned long long)GET(pg->db_reconnects));
	metrics_family(out, "platform_outside_calls_total", "counter",
		       "calls to Jenkins, GitHub and Argo CD");
	for (int i = 0; i < NSERVICES; i++)
		buf_addf(out, "platform_outside_calls_total{service=\"%s\"} %llu\n",
			 service_names[i], (unsigned long long)GET(pg->calls[i]));
	metrics_family(out, "platform_outside_call_errors_total", "counter",
		       "calls to Jenkins, GitHub and Argo CD that got no answer or a 5xx");
	for (int i = 0; i < NSERVICES; i++) {
		buf_addf(
		    out, "platform_outside_call_errors_total{service=\"%s\",reason=\"%s\"} %llu\n",
		    service_names[i], "no_answer", (unsigned long long)GET(pg->call_errors[i][0]));
		buf_addf(
		    out, "platform_outside_call_errors_total{service=\"%s\",reason=\"%s\"} %llu\n",
		    service_names[i], "status_5xx", (unsigned long long)GET(pg->call_errors[i][1]));
	}
	metrics_family(out, "platform_deployment_transitions_total", "counter",
		       "deployments that entered each state (live, released, failed, cancelled "
		       "and superseded are the final ones)");
	for (int i = 0; i < NSTATES; i++)
		buf_addf(out, "platform_deployment_transitions_total{state=\"%s\"} %llu\n",
			 state_names[i], (unsigned long long)GET(pg->deploy_states[i]));
	metrics_family(out, "platform_deployment_stage_seconds", "histogram",
		       "time deployments spent in each stage: queued, build, push (pushed until "
		       "released), release (released until syncing), live (until live)");
	for (int i = 0; i < NSTAGES; i++) {
		char l[32];

		snprintf(l, sizeof(l), "stage=\"%s\"", stage_names[i]);
		render_hist(out, "platform_deployment_stage_seconds", l, &pg->stages[i],
			    stage_bounds);
	}
}

static void render_worker(struct buf *out)
{
	uint64_t claimed[NKINDS] = {0};
	const char *names[NKINDS];
	int nk = 0;

	/* a kind counted in two slots (a naming race) is one series */
	for (int i = 0; i < NKINDS; i++) {
		struct kind_slot *k = &pg->kinds[i];
		int j;

		if (__atomic_load_n(&k->state, __ATOMIC_ACQUIRE) != 2)
			continue;
		for (j = 0; j < nk && strcmp(names[j], k->name); j++)
			;
		if (j == nk)
			names[nk++] = k->name;
		claimed[j] += GET(k->claimed);
	}
	metrics_family(out, "platform_worker_jobs_claimed_total", "counter",
		       "jobs this worker claimed (taken over ones included), by kind");
	for (int j = 0; j < nk; j++) {
		buf_addstr(out, "platform_worker_jobs_claimed_total{kind=\"");
		metrics_label_value(out, names[j]);
		buf_addf(out, "\"} %llu\n", (unsigned long long)claimed[j]);
	}
	metrics_family(out, "platform_worker_publish_gaps_total", "counter",
		       "times live-log messages to nchan were lost and a gap announced");
	buf_addf(out, "platform_worker_publish_gaps_total %llu\n",
		 (unsigned long long)GET(pg->publish_gaps));
	metrics_family(out, "platform_worker_gitops_push_retries_total", "counter",
		       "GitOps pushes rejected because the remote moved, tried again");
	buf_addf(out, "platform_worker_gitops_push_retries_total %llu\n",
		 (unsigned long long)GET(pg->gitops_retries));
	metrics_family(out, "platform_worker_log_bytes_total", "counter", "build log bytes stored");
	buf_addf(out, "platform_worker_log_bytes_total %llu\n",
		 (unsigned long long)GET(pg->log_bytes));
}

void metrics_render(enum metrics_role role, struct buf *out)
{
	if (!pg)
		return;
	if (role == METRICS_API)
		render_api(out);
	else
		render_worker(out);
	render_common(out);
}
