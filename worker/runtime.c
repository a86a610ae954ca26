/* runtime.c: the podman runtime stage: run a release from git, health-gate it, route it */
#include "runtime.h"

#include "gitops.h"
#include "http.h"
#include "log.h"
#include "naming.h"
#include "podman.h"
#include "release.h"
#include "snapshot.h"
#include "yamldoc.h"
#include "deploy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_REPLICAS 20
#define DRAIN_S	     1.0  /* from the route switch to removing the old containers */
#define ROUTE_S	     15.0 /* to see the new route answer through nginx */
#define LOG_LINES    20	  /* of a container that never got ready, into the deployment log */

/* What git says about one app (values.yaml and Chart.yaml of apps/<ws>/<user>/<project>/). */
struct rt_values {
	char app[80], ws[48], user[48], project[48];
	char image[512], tag[160], host[256];
	char cpu[32], memory[32], probe_path[256];
	int port, replicas, probes;
	long long seq; /* Chart.yaml annotation deployment-seq, 0 when absent */
};

enum rt_phase { RT_LOAD, RT_READY, RT_ROUTE, RT_DRAIN };

struct rt_stage {
	enum rt_phase phase;
	struct rt_values v;
	char names[MAX_REPLICAS][160];
	int ports[MAX_REPLICAS];
	int n;
	double started_at, routed_at;
	char prev[48]; /* the deployment the route served before the switch, "" for none */
};

/* ---------------------------------------------------------------- settings */

int runtime_check_config(const struct config *cfg, struct err *e)
{
	static const char *const required[] = {"gitops_url", "runtime_routes_dir",
					       "runtime_nginx_listen", NULL};

	if (config_require(cfg, required, e) < 0)
		return -1;
	if (mkdir(cfg->runtime_routes_dir, 0755) < 0 && errno != EEXIST)
		return err_set(e, 500, "bad_config",
			       "cannot create %s (PLATFORM_RUNTIME_ROUTES_DIR): %s",
			       cfg->runtime_routes_dir, strerror(errno));
	return 0;
}

/* ---------------------------------------------------------------- reading git */

static void scalar(struct yamldoc *d, const char *path, char *out, size_t n, const char *def)
{
	const char *v = yamldoc_scalar(d, path);

	snprintf(out, n, "%s", v && *v ? v : def);
}

static int parse_values(const char *text, size_t len, struct rt_values *v)
{
	struct yamldoc d;
	struct err e = ERR_INIT;
	char num[32];

	if (yamldoc_load(&d, text, len, &e) < 0)
		return -1;
	scalar(&d, "app.name", v->app, sizeof(v->app), "");
	scalar(&d, "app.workspace", v->ws, sizeof(v->ws), "");
	scalar(&d, "app.user", v->user, sizeof(v->user), "");
	scalar(&d, "app.project", v->project, sizeof(v->project), "");
	scalar(&d, "image.repository", v->image, sizeof(v->image), "");
	scalar(&d, "image.tag", v->tag, sizeof(v->tag), "");
	scalar(&d, "ingress.host", v->host, sizeof(v->host), "");
	scalar(&d, "resources.limits.cpu", v->cpu, sizeof(v->cpu), "");
	scalar(&d, "resources.limits.memory", v->memory, sizeof(v->memory), "");
	scalar(&d, "probes.path", v->probe_path, sizeof(v->probe_path), "/");
	scalar(&d, "probes.enabled", num, sizeof(num), "true");
	v->probes = strcmp(num, "false") != 0;
	scalar(&d, "port", num, sizeof(num), "8080");
	v->port = atoi(num);
	scalar(&d, "replicas", num, sizeof(num), "1");
	v->replicas = atoi(num);
	/* one machine has no load to scale on: an autoscaled app runs its minimum */
	scalar(&d, "autoscaling.enabled", num, sizeof(num), "false");
	if (!strcmp(num, "true")) {
		scalar(&d, "autoscaling.minReplicas", num, sizeof(num), "1");
		v->replicas = atoi(num);
	}
	if (v->replicas > MAX_REPLICAS)
		v->replicas = MAX_REPLICAS;
	yamldoc_release(&d);
	return v->app[0] && v->image[0] && v->tag[0] && v->port > 0 && v->port < 65536 ? 0 : -1;
}

static long long chart_seq(const char *text, size_t len)
{
	struct yamldoc d;
	struct err e = ERR_INIT;
	const char *s;
	long long seq = 0;

	if (yamldoc_load(&d, text, len, &e) < 0)
		return 0;
	s = yamldoc_scalar(&d, "annotations.deployment-seq");
	if (s)
		seq = atoll(s);
	yamldoc_release(&d);
	return seq;
}

/* The apps of a read: one entry per folder, values and Chart.yaml joined by folder. */
struct rt_apps {
	struct rt_values *v;
	char (*dir)[300];
	size_t n, alloc;
};

static struct rt_values *app_at(struct rt_apps *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dl = slash ? (size_t)(slash - path) : 0;

	for (size_t i = 0; i < a->n; i++) {
		if (strlen(a->dir[i]) == dl && !strncmp(a->dir[i], path, dl))
			return &a->v[i];
	}
	if (a->n == a->alloc) {
		a->alloc = a->alloc ? a->alloc * 2 : 16;
		a->v = xrealloc(a->v, a->alloc * sizeof(*a->v));
		a->dir = xrealloc(a->dir, a->alloc * sizeof(*a->dir));
	}
	memset(&a->v[a->n], 0, sizeof(a->v[a->n]));
	snprintf(a->dir[a->n], sizeof(a->dir[a->n]), "%.*s", (int)dl, path);
	return &a->v[a->n++];
}

static int on_file(const char *path, const char *data, size_t len, void *arg)
{
	struct rt_values *v = app_at(arg, path);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (!strcmp(base, "Chart.yaml")) {
		v->seq = chart_seq(data, len);
	} else {
		long long seq = v->seq;

		if (parse_values(data, len, v) < 0)
			v->app[0] = '\0'; /* unreadable: not run */
		v->seq = seq;
	}
	return 0;
}

/* Read the apps under `prefix` ("apps/" or one app's folder) at the tip of the GitOps repo. */
static int read_apps(const struct config *cfg, const char *prefix, struct rt_apps *out,
		     struct err *e)
{
	static const char *const names[] = {"values.yaml", "Chart.yaml", NULL};
	struct gitops_opts o;

	memset(out, 0, sizeof(*out));
	release_gitops_opts(cfg, &o);
	return gitops_read_files(&o, prefix, names, on_file, out, NULL, e) < 0 ? -1 : 0;
}

static void apps_release(struct rt_apps *a)
{
	free(a->v);
	free(a->dir);
	memset(a, 0, sizeof(*a));
}

/* ---------------------------------------------------------------- containers */

/* A free port on 127.0.0.1 (the kernel's pick; podman binds it a moment later). */
static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 0;

	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &l) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Kubernetes quantities to podman's: 500m -> 0.5 cpus, 256Mi -> 256m, 1Gi -> 1g. */
static void cpus_of(const char *q, char *out, size_t n)
{
	size_t l = strlen(q);

	if (l && q[l - 1] == 'm')
		snprintf(out, n, "%.3f", atof(q) / 1000.0);
	else
		snprintf(out, n, "%s", q);
}

static void memory_of(const char *q, char *out, size_t n)
{
	char unit = 0;
	long long v = atoll(q);
	const char *p = q;

	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == 'K' || *p == 'k')
		unit = 'k';
	else if (*p == 'M')
		unit = 'm';
	else if (*p == 'G')
		unit = 'g';
	if (unit)
		snprintf(out, n, "%lld%c", v, unit);
	else
		snprintf(out, n, "%lld", v);
}

/* The deployment's env (its sealed settings snapshot, lib/model/snapshot) as a 0600 env file for
 * podman run --env-file: the values never reach a command line. */
static int write_env_file(struct worker *w, const char *deployment_id, const char *path, int port)
{
	struct snapshot_env env;
	struct err e = ERR_INIT;
	struct buf text = BUF_INIT;
	int fd, ret = -1;

	if (snapshot_env_open(&w->db, w->cfg->secret_key, deployment_id, &env, &e) < 0) {
		log_warn("runtime: the deployment's env does not open", "deployment_id",
			 deployment_id, "reason", e.msg, NULL);
		return -1;
	}
	buf_addf(&text, "PORT=%d\n", port);
	for (size_t i = 0; i < env.n; i++) {
		if (!strchr(env.items[i].value, '\n')) /* an env file holds one line per value */
			buf_addf(&text, "%s=%s\n", env.items[i].key, env.items[i].value);
	}
	snapshot_env_release(&env);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && write(fd, text.buf, text.len) == (ssize_t)text.len)
		ret = 0;
	if (fd >= 0)
		close(fd);
	memset(text.buf, 0, text.len);
	buf_release(&text);
	return ret;
}

/* podman run of replica `i` of deployment `dep` of app `v`; its host port into *port. */
static int run_one(struct worker *w, const char *project_id, const struct rt_values *v,
		   const char *dep, const char *name, int *port, struct err *e)
{
	const struct config *cfg = w->cfg;
	char *extra = xstrdup(cfg->podman_run_flags ? cfg->podman_run_flags : "");
	const char *args[96];
	char publish[64], l_app[128], l_dep[80], l_proj[80], l_tag[200], image[700];
	char cpus[32], mem[32], envf[1200];
	struct buf er = BUF_INIT;
	int n = 0, rc;

	*port = free_port();
	snprintf(envf, sizeof(envf), "%s/.env-%s", cfg->runtime_routes_dir, name);
	if (!*port || write_env_file(w, dep, envf, v->port) < 0) {
		free(extra);
		return err_set(e, 500, "runtime_error", "cannot prepare the container %s", name);
	}
	snprintf(publish, sizeof(publish), "127.0.0.1:%d:%d", *port, v->port);
	snprintf(l_app, sizeof(l_app), "%s=%s", PODMAN_LABEL_APP, v->app);
	snprintf(l_dep, sizeof(l_dep), "%s=%s", PODMAN_LABEL_DEPLOYMENT, dep);
	snprintf(l_proj, sizeof(l_proj), "%s=%s", PODMAN_LABEL_PROJECT, project_id);
	snprintf(l_tag, sizeof(l_tag), "%s=%s", PODMAN_LABEL_TAG, v->tag);
	snprintf(image, sizeof(image), "%s:%s", v->image, v->tag);
	args[n++] = "run";
	args[n++] = "-d";
	args[n++] = "--name";
	args[n++] = name;
	args[n++] = "--label";
	args[n++] = PODMAN_LABEL_MANAGED "=1";
	args[n++] = "--label";
	args[n++] = l_app;
	args[n++] = "--label";
	args[n++] = l_dep;
	args[n++] = "--label";
	args[n++] = l_proj;
	args[n++] = "--label";
	args[n++] = l_tag;
	args[n++] = "-p";
	args[n++] = publish;
	args[n++] = "--env-file";
	args[n++] = envf;
	if (cfg->registry_url && !strncmp(cfg->registry_url, "http://", 7))
		args[n++] = "--tls-verify=false"; /* the registry speaks plain HTTP */
	if (v->cpu[0]) {
		cpus_of(v->cpu, cpus, sizeof(cpus));
		args[n++] = "--cpus";
		args[n++] = cpus;
	}
	if (v->memory[0]) {
		memory_of(v->memory, mem, sizeof(mem));
		args[n++] = "--memory";
		args[n++] = mem;
	}
	for (char *save = NULL, *t = strtok_r(extra, " \t\n", &save); t && n < 90;
	     t = strtok_r(NULL, " \t\n", &save))
		args[n++] = t;
	args[n++] = image;
	args[n] = NULL;
	rc = podman_exec(cfg, args, 120, NULL, &er, e);
	unlink(envf);
	if (rc > 0)
		err_set(e, 502, "runtime_error", "podman run of %s failed: %.400s", image,
			er.len ? er.buf : "");
	free(extra);
	buf_release(&er);
	return rc == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- probes and routes */

/* 1 when 127.0.0.1:port answers the probe (HTTP 200-399 on path, or a TCP connect). */
static int probe(int port, const struct rt_values *v)
{
	struct http_request rq;
	struct http_response rs;
	struct err e = ERR_INIT;
	char url[400];
	int ok;

	if (!v->probes) {
		struct sockaddr_in a;
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		if (fd >= 0)
			close(fd);
		return ok;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s%s", port,
		 v->probe_path[0] == '/' ? "" : "/", v->probe_path);
	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.timeout_ms = 1000;
	http_response_init(&rs);
	ok = http_do("the app", &rq, &rs, &e) == 0 && rs.status >= 200 && rs.status < 400;
	http_response_release(&rs);
	return ok;
}

/* 1 when the app's host answers through the platform's nginx with deployment `dep`. */
static int route_answers(const struct config *cfg, const struct rt_values *v, const char *dep)
{
	struct http_request rq;
	struct http_response rs;
	struct err e = ERR_INIT;
	struct buf got = BUF_INIT;
	char url[400], host[300];
	const char *headers[] = {host, NULL};
	int ok;

	snprintf(url, sizeof(url), "http://%s%s", cfg->runtime_nginx_listen,
		 v->probe_path[0] == '/' ? v->probe_path : "/");
	snprintf(host, sizeof(host), "Host: %s", v->host);
	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.headers = headers;
	rq.timeout_ms = 2000;
	http_response_init(&rs);
	ok = http_do("nginx", &rq, &rs, &e) == 0 &&
	     http_header(&rs, "X-Platform-Deployment", &got) == 1 && !strcmp(got.buf, dep);
	http_response_release(&rs);
	buf_release(&got);
	return ok;
}

static void route_path(const struct config *cfg, const char *app, char *out, size_t n)
{
	snprintf(out, n, "%s/%s.conf", cfg->runtime_routes_dir, app);
}

/* nginx is told to re-read its configuration: new workers take the new routes, old ones finish
 * what they serve (no request dropped). */
static void reload_nginx(const struct config *cfg)
{
	char text[32] = "";
	FILE *f;
	long pid;

	if (!cfg->runtime_nginx_pid || !*cfg->runtime_nginx_pid)
		return;
	f = fopen(cfg->runtime_nginx_pid, "r");
	if (!f || !fgets(text, sizeof(text), f) || (pid = strtol(text, NULL, 10)) <= 1 ||
	    kill((pid_t)pid, SIGHUP) < 0)
		log_warn("nginx could not be reloaded", "pid_file", cfg->runtime_nginx_pid, NULL);
	if (f)
		fclose(f);
}

/* Replace the app's route file: its host proxied to `ports`, answering which deployment
 * serves (the rollout reads it back). The first line names the deployment (runtime_resync). */
static int write_route(const struct config *cfg, const struct rt_values *v, const char *dep,
		       const int *ports, int n)
{
	char path[1200], tmp[1300];
	struct buf t = BUF_INIT;
	int fd, ok;

	route_path(cfg, v->app, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	buf_addf(&t, "# deployment %s (written by platform-worker, podman runtime)\n", dep);
	buf_addf(&t, "upstream app-%s {\n", v->app);
	for (int i = 0; i < n; i++)
		buf_addf(&t, "    server 127.0.0.1:%d max_fails=0;\n", ports[i]);
	buf_addf(&t, "    keepalive 8;\n}\n");
	buf_addf(&t, "server {\n    listen %s;\n    server_name %s;\n", cfg->runtime_nginx_listen,
		 v->host);
	buf_addf(&t, "    location / {\n        proxy_pass http://app-%s;\n", v->app);
	buf_addstr(&t, "        proxy_http_version 1.1;\n"
		       "        proxy_set_header Connection \"\";\n"
		       "        proxy_set_header Host $host;\n"
		       "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
		       "        proxy_next_upstream error timeout http_502;\n");
	buf_addf(&t, "        add_header X-Platform-Deployment %s always;\n    }\n}\n", dep);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ok = fd >= 0 && write(fd, t.buf, t.len) == (ssize_t)t.len;
	if (fd >= 0)
		close(fd);
	ok = ok && rename(tmp, path) == 0;
	buf_release(&t);
	if (!ok)
		return -1;
	reload_nginx(cfg);
	return 0;
}

/* The deployment the app's route serves (its first line), "" when there is no route. */
static void route_deployment(const struct config *cfg, const char *app, char *out, size_t n)
{
	char path[1200], line[200];
	FILE *f;

	out[0] = '\0';
	route_path(cfg, app, path, sizeof(path));
	f = fopen(path, "r");
	if (f && fgets(line, sizeof(line), f))
		sscanf(line, "# deployment %47s", out);
	if (f)
		fclose(f);
	(void)n;
}

/* ---------------------------------------------------------------- the stage */

static void rt_start(struct build *b, double now)
{
	(void)now;
	if (!b->stage_state)
		b->stage_state = xcalloc(1, sizeof(struct rt_stage));
}

static void rt_drv_release(struct build *b)
{
	free(b->stage_state);
	b->stage_state = NULL;
}

/* Remove containers of the app's deployment `keep` side: those of `dep` (keep 0) or every
 * other deployment's (keep 1). */
static void remove_containers(const struct config *cfg, const char *app, const char *dep, int keep)
{
	char label[160];
	struct podman_list l;
	struct err e = ERR_INIT;
	const char **names;
	size_t n = 0;

	snprintf(label, sizeof(label), "%s=%s", PODMAN_LABEL_APP, app);
	if (podman_list(cfg, label, &l, &e) < 0) {
		log_warn("podman ps failed", "app", app, "reason", e.msg, NULL);
		return;
	}
	names = xcalloc(l.n + 1, sizeof(*names));
	for (size_t i = 0; i < l.n; i++) {
		if ((strcmp(l.items[i].deployment, dep) != 0) == keep)
			names[n++] = l.items[i].name;
	}
	if (podman_remove(cfg, names, n, &e) < 0)
		log_warn("podman rm failed", "app", app, "reason", e.msg, NULL);
	free(names);
	podman_list_release(&l);
}

/* Append `text` to the deployment's stored and live log. */
static void log_append(struct build *b, const char *text)
{
	struct err e = ERR_INIT;
	struct buf clean = BUF_INIT;
	size_t keep;

	deploy_log_clean(text, strlen(text), &clean);
	keep = redact_mask(&b->redact, clean.buf, clean.len, clean.len, 1);
	if (keep && deploy_store_log(&b->w->db, b->id, b->offset, clean.buf, keep, &e) == 1) {
		if (b->w->sink.chunk)
			b->w->sink.chunk(b->w->sink.arg, b->id, b->offset, clean.buf, keep);
		b->offset += (long long)keep;
	}
	buf_release(&clean);
}

/* The new version never got ready: its last words into the log, its containers gone, the
 * route untouched (the previous version serves on). */
static void rollout_failed(struct build *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void rollout_failed(struct build *b, const char *fmt, ...)
{
	struct rt_stage *rs = b->stage_state;
	const struct config *cfg = b->w->cfg;
	struct buf text = BUF_INIT;
	struct err e = ERR_INIT;
	char why[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	buf_addf(&text, "==> runtime: %s\n", why);
	if (rs->n > 0) {
		buf_addf(&text, "==> last lines of %s:\n", rs->names[0]);
		if (podman_logs(cfg, rs->names[0], LOG_LINES, &text, &e) < 0)
			buf_addf(&text, "(podman logs failed: %s)\n", e.msg);
		if (text.len && text.buf[text.len - 1] != '\n')
			buf_addch(&text, '\n');
	}
	log_append(b, text.buf);
	remove_containers(cfg, rs->v.app, b->id, 0);
	buf_release(&text);
	engine_failf(b, "%s; the previous version keeps serving", why);
}

/* The row: still released or syncing, its project's folder in git, no newer release there. */
static int load(struct build *b, struct rt_stage *rs, double now)
{
	const char *p[1] = {b->id};
	struct err e = ERR_INIT;
	struct rt_apps apps;
	char prefix[300];
	enum deploy_state st;
	long long seq;
	PGresult *res;
	int ret = -1;

	res = deploy_runtime_row(&b->w->db, p, &e);
	if (!res) {
		engine_db_trouble(b, now, &e);
		return -1;
	}
	if (PQntuples(res) != 1 || deploy_state_parse(db_value(res, 0, 0), &st) < 0 ||
	    (st != DEPLOY_RELEASED && st != DEPLOY_SYNCING)) {
		engine_over(b); /* gone, or ended: nothing to run */
		goto out;
	}
	seq = atoll(db_value(res, 0, 4));
	snprintf(prefix, sizeof(prefix), "apps/%s/%s/%s/", db_value(res, 0, 1), db_value(res, 0, 2),
		 db_value(res, 0, 3));
	if (read_apps(b->w->cfg, prefix, &apps, &e) < 0) {
		log_warn("gitops read failed; retrying", "deployment_id", b->id, "reason", e.msg,
			 NULL);
		b->next_at = now + 2.0;
		goto out;
	}
	if (apps.n != 1 || !apps.v[0].app[0]) {
		engine_failf(b, "the release of this deployment is not in the GitOps repository");
	} else if (apps.v[0].seq > seq) {
		log_info("a newer release is in gitops", "deployment_id", b->id, NULL);
		engine_finish(b, DEPLOY_SUPERSEDED, NULL);
	} else {
		rs->v = apps.v[0];
		ret = 0;
	}
	apps_release(&apps);
out:
	PQclear(res);
	return ret;
}

static void step_load(struct build *b, struct rt_stage *rs, double now)
{
	struct err e = ERR_INIT;

	if (load(b, rs, now) < 0)
		return;
	if (engine_move(b, DEPLOY_SYNCING, NULL) < 0)
		return;
	/* a rollout a dead worker left half done starts again from nothing */
	remove_containers(b->w->cfg, rs->v.app, b->id, 0);
	rs->n = 0;
	for (int i = 0; i < (rs->v.replicas > 0 ? rs->v.replicas : 1); i++) {
		snprintf(rs->names[i], sizeof(rs->names[i]), "%s-%lld-%d", rs->v.app, rs->v.seq, i);
		rs->n = i + 1;
		if (run_one(b->w, b->project_id, &rs->v, b->id, rs->names[i], &rs->ports[i], &e) <
		    0) {
			rollout_failed(b, "the container could not be started: %s", e.msg);
			return;
		}
	}
	log_info("runtime: containers started", "deployment_id", b->id, "app", rs->v.app, NULL);
	rs->started_at = now;
	rs->phase = RT_READY;
	b->next_at = now + 0.2;
}

static void step_ready(struct build *b, struct rt_stage *rs, double now)
{
	const struct config *cfg = b->w->cfg;
	int ready = 0;

	for (int i = 0; i < rs->n; i++)
		ready += probe(rs->ports[i], &rs->v);
	if (ready < rs->n) {
		if (now - rs->started_at > (double)cfg->runtime_ready_timeout)
			rollout_failed(b,
				       "the new version did not get ready within %ld s (%s on port "
				       "%d)",
				       cfg->runtime_ready_timeout,
				       rs->v.probes ? "HTTP GET probes.path" : "TCP connect",
				       rs->v.port);
		else
			b->next_at = now + 0.25;
		return;
	}
	route_deployment(cfg, rs->v.app, rs->prev, sizeof(rs->prev));
	if (write_route(cfg, &rs->v, b->id, rs->ports, rs->n) < 0) {
		rollout_failed(b, "the route file could not be written in %s",
			       cfg->runtime_routes_dir);
		return;
	}
	rs->routed_at = now;
	rs->phase = RT_ROUTE;
	b->next_at = now + 0.1;
}

/* The switch did not take: the route goes back to the version that served before (its
 * containers still run), or away when there was none, before the new containers go. */
static void route_restore(const struct config *cfg, struct rt_stage *rs)
{
	char label[160], path[1200];
	struct podman_list l;
	struct err e = ERR_INIT;
	int ports[MAX_REPLICAS], n = 0;

	snprintf(label, sizeof(label), "%s=%s", PODMAN_LABEL_DEPLOYMENT, rs->prev);
	if (rs->prev[0] && podman_list(cfg, label, &l, &e) == 0) {
		for (size_t i = 0; i < l.n && n < MAX_REPLICAS; i++) {
			if (l.items[i].running && l.items[i].host_port)
				ports[n++] = l.items[i].host_port;
		}
		podman_list_release(&l);
	}
	if (n && write_route(cfg, &rs->v, rs->prev, ports, n) == 0)
		return;
	route_path(cfg, rs->v.app, path, sizeof(path));
	unlink(path);
	reload_nginx(cfg);
}

static void step_route(struct build *b, struct rt_stage *rs, double now)
{
	if (route_answers(b->w->cfg, &rs->v, b->id)) {
		rs->phase = RT_DRAIN;
		b->next_at = now + DRAIN_S;
	} else if (now - rs->routed_at > ROUTE_S) {
		route_restore(b->w->cfg, rs);
		rollout_failed(b, "the route of %s did not answer through nginx (%s)", rs->v.host,
			       b->w->cfg->runtime_nginx_listen);
	} else {
		b->next_at = now + 0.2;
	}
}

static void rt_step(struct build *b, double now)
{
	struct rt_stage *rs = b->stage_state;

	switch (rs->phase) {
	case RT_LOAD:
		step_load(b, rs, now);
		break;
	case RT_READY:
		step_ready(b, rs, now);
		break;
	case RT_ROUTE:
		step_route(b, rs, now);
		break;
	case RT_DRAIN:
		remove_containers(b->w->cfg, rs->v.app, b->id, 1); /* the old version goes */
		log_info("runtime: live", "deployment_id", b->id, "app", rs->v.app, "host",
			 rs->v.host, NULL);
		engine_finish(b, DEPLOY_LIVE, NULL);
		break;
	}
}

const struct stage_driver stage_podman = {
    .name = "podman",
    .check_config = runtime_check_config,
    .start = rt_start,
    .step = rt_step,
    .release = rt_drv_release,
    .resync = runtime_resync,
};

/* ---------------------------------------------------------------- resync */

/* 1 when one of this worker's builds is rolling `app` out now: the rollout owns it. */
static int rolling_out(struct worker *w, const char *app)
{
	for (struct build *b = w->builds; b; b = b->next) {
		struct rt_stage *rs = b->stage_state;

		if (b->phase == ENGINE_STAGE && rs && !strcmp(rs->v.app, app))
			return 1;
	}
	return 0;
}

static const struct rt_values *git_app(const struct rt_apps *a, const char *app)
{
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].app[0] && !strcmp(a->v[i].app, app))
			return &a->v[i];
	}
	return NULL;
}

/* An app gone from git (a deleted project): its containers and its route go. */
static void resync_removed(struct worker *w, const struct rt_apps *git, const struct podman_list *l)
{
	const struct config *cfg = w->cfg;
	const char **names = xcalloc(l->n + 1, sizeof(*names));
	struct err e = ERR_INIT;
	char path[1200];
	size_t n = 0;
	int reload = 0;

	for (size_t i = 0; i < l->n; i++) {
		const char *app = l->items[i].app;

		if (git_app(git, app) || rolling_out(w, app))
			continue;
		names[n++] = l->items[i].name;
		route_path(cfg, app, path, sizeof(path));
		if (unlink(path) == 0) {
			reload = 1;
			log_info("runtime: app removed (not in gitops)", "app", app, NULL);
		}
	}
	if (reload)
		reload_nginx(cfg);
	if (podman_remove(cfg, names, n, &e) < 0)
		log_warn("runtime: podman rm failed", "reason", e.msg, NULL);
	free(names);
}

/* The deployment of `v` (its project and seq) when it went live once: only a version that was
 * healthy is started again without a rollout. */
static int deployment_of(struct worker *w, const struct rt_values *v, char *dep, char *project)
{
	char seq[24];
	const char *p[4] = {v->ws, v->user, v->project, seq};
	struct err e = ERR_INIT;
	PGresult *res;
	int ok;

	snprintf(seq, sizeof(seq), "%lld", v->seq);
	res = deploy_runtime_find(&w->db, p, &e);
	ok = res && PQntuples(res) == 1;
	if (ok) {
		snprintf(dep, 48, "%s", db_value(res, 0, 0));
		snprintf(project, 48, "%s", db_value(res, 0, 1));
	}
	PQclear(res);
	return ok;
}

/* An app in git: the serving version's stopped containers start again; an app running
 * nothing at all (a fresh machine, a wiped podman) is started from git and routed. */
static void resync_app(struct worker *w, const struct rt_values *v, const struct podman_list *l)
{
	const struct config *cfg = w->cfg;
	char served[48], dep[48], project[48], name[200];
	struct err e = ERR_INIT;
	int ports[MAX_REPLICAS], n = 0, any = 0;

	route_deployment(cfg, v->app, served, sizeof(served));
	for (size_t i = 0; i < l->n; i++) {
		const struct podman_container *c = &l->items[i];
		const char *args[] = {"start", c->name, NULL};

		if (strcmp(c->app, v->app))
			continue;
		any = 1;
		if (c->running || !served[0] || strcmp(c->deployment, served))
			continue;
		log_info("runtime: starting a stopped container again", "app", v->app, "container",
			 c->name, NULL);
		if (podman_exec(cfg, args, 60, NULL, NULL, &e) != 0)
			log_warn("runtime: podman start failed", "container", c->name, NULL);
	}
	if (any || !deployment_of(w, v, dep, project))
		return;
	for (int i = 0; i < (v->replicas > 0 ? v->replicas : 1); i++) {
		snprintf(name, sizeof(name), "%s-%lld-%d", v->app, v->seq, i);
		if (run_one(w, project, v, dep, name, &ports[n], &e) < 0) {
			log_warn("runtime: could not start the app from gitops", "app", v->app,
				 "reason", e.msg, NULL);
			return;
		}
		n++;
	}
	log_info("runtime: app started from gitops", "app", v->app, "deployment_id", dep, NULL);
	if (write_route(cfg, v, dep, ports, n) < 0)
		log_warn("runtime: the route could not be written", "app", v->app, NULL);
}

void runtime_resync(struct worker *w)
{
	struct rt_apps git;
	struct podman_list l;
	struct err e = ERR_INIT;

	if (read_apps(w->cfg, "apps/", &git, &e) < 0) {
		log_warn("runtime: gitops read failed; resync later", "reason", e.msg, NULL);
		return;
	}
	if (podman_list(w->cfg, NULL, &l, &e) < 0) {
		log_warn("runtime: podman ps failed; resync later", "reason", e.msg, NULL);
		apps_release(&git);
		return;
	}
	resync_removed(w, &git, &l);
	for (size_t i = 0; i < git.n; i++) {
		if (git.v[i].app[0] && !rolling_out(w, git.v[i].app))
			resync_app(w, &git.v[i], &l);
	}
	podman_list_release(&l);
	apps_release(&git);
}
