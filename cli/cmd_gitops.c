/* cmd_gitops.c: platformctl gitops release|remove|doctor, over lib/clients/gitops and
 * lib/clients/gitdoctor */
#include "cmd.h"

#include "buf.h"
#include "config.h"
#include "err.h"
#include "gitdoctor.h"
#include "gitops.h"
#include "http.h"
#include "naming.h"
#include "sealed.h"
#include "snapshot.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_FAILED 1
#define EXIT_USAGE  2

static const char usage_text[] =
    "usage: platformctl gitops release --deployment ID [--api URL] [common options]\n"
    "       platformctl gitops release --workspace W --user U --project P --image REPO --tag TAG "
    "[options]\n"
    "       platformctl gitops remove  --workspace W --user U --project P [options]\n"
    "       platformctl gitops doctor  [--remote URL|PATH] [--branch B] [--json]\n"
    "\n"
    "--deployment ID          release exactly what the platform recorded for the deployment\n"
    "                         (its settings snapshot, env sealed for the cluster), read from\n"
    "                         URL/internal/deployments/ID/release (--api, default\n"
    "                         $PLATFORM_PUBLIC_URL) with the deployment's callback token in\n"
    "                         $PLATFORM_CALLBACK_TOKEN; no value option may be given with it\n"
    "release options:\n"
    "  --port N               container port (8080)\n"
    "  --host DOMAIN          custom domain (default <project>-<user>.$PLATFORM_DOMAIN)\n"
    "  --domain DOMAIN        platform domain (default $PLATFORM_DOMAIN)\n"
    "  --env KEY=VALUE        environment variable (repeat); --env-file FILE reads KEY=VALUE "
    "lines;\n"
    "                         values are sealed for the cluster (a SealedSecret), never in clear:\n"
    "  --sealed-secrets-cert PEM|FILE   the controller's certificate "
    "($PLATFORM_SEALED_SECRETS_CERT)\n"
    "  --cpu-request Q --memory-request Q --cpu-limit Q --memory-limit Q\n"
    "  --replicas N           0 to 20 (1); --autoscale --min-replicas N --max-replicas N "
    "--target-cpu PCT\n"
    "  --framework NAME       --health-path PATH  --no-probes\n"
    "  --ingress-class NAME   (nginx); --tls [--tls-secret NAME]; --annotation KEY=VALUE (repeat)\n"
    "  --pull-secret NAME     image pull Secret in the namespace\n"
    "  --deployment-id ID --triggered-by WHO --rollback   (commit message trailers)\n"
    "  --seq N                the deployment's number in its project: an older one than the\n"
    "                         app folder holds is refused (stale_release) and not written\n"
    "common options:\n"
    "  --remote URL           GitOps remote (default $PLATFORM_GITOPS_URL): file://, git://,\n"
    "                         http(s)://[user:token@]host/..., ssh://git@host/...\n"
    "  --branch B (main)  --cache DIR  --templates DIR  --max-attempts N  --json\n"
    "  --author-name N --author-email E  (or PLATFORM_GITOPS_AUTHOR_NAME/_EMAIL)\n"
    "  --ssh-key FILE --ssh-pubkey FILE  (or PLATFORM_GITOPS_SSH_KEY; passphrase in\n"
    "                         PLATFORM_GITOPS_SSH_PASSPHRASE)\n"
    "release and remove print the new commit id.\n";

/* A growable list of key/value pairs parsed from KEY=VALUE arguments. */
struct kvlist {
	struct gitops_kv *items;
	char **owned;
	size_t n;
};

static void kvlist_release(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->owned[i]);
	free(l->owned);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* Add "KEY=VALUE"; a later KEY replaces an earlier one. -1 without '='. */
static int kvlist_add(struct kvlist *l, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *copy;

	if (!eq || eq == arg)
		return -1;
	copy = xstrdup(arg);
	copy[eq - arg] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->items[i].key, copy)) {
			free(l->owned[i]);
			l->owned[i] = copy;
			l->items[i].key = copy;
			l->items[i].value = copy + (eq - arg) + 1;
			return 0;
		}
	}
	l->items = xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
	l->owned = xrealloc(l->owned, (l->n + 1) * sizeof(*l->owned));
	l->owned[l->n] = copy;
	l->items[l->n].key = copy;
	l->items[l->n].value = copy + (eq - arg) + 1;
	l->n++;
	return 0;
}

/* KEY=VALUE lines; blank lines and lines starting with '#' are skipped. The
 * value runs to the end of the line (no quoting: what follows '=' is the value). */
static int kvlist_add_file(struct kvlist *l, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "platformctl gitops: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (kvlist_add(l, line) < 0) {
			fprintf(stderr, "platformctl gitops: %s: a line is not KEY=VALUE\n", path);
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

enum {
	O_WORKSPACE = 256,
	O_USER,
	O_PROJECT,
	O_IMAGE,
	O_TAG,
	O_PORT,
	O_HOST,
	O_DOMAIN,
	O_ENV,
	O_ENV_FILE,
	O_ANNOTATION,
	O_INGRESS_CLASS,
	O_TLS,
	O_TLS_SECRET,
	O_CPU_REQ,
	O_MEM_REQ,
	O_CPU_LIM,
	O_MEM_LIM,
	O_REPLICAS,
	O_AUTOSCALE,
	O_MIN,
	O_MAX,
	O_TARGET_CPU,
	O_FRAMEWORK,
	O_PULL_SECRET,
	O_HEALTH,
	O_NO_PROBES,
	O_DEPLOYMENT,
	O_TRIGGERED,
	O_ROLLBACK,
	O_SEQ,
	O_REMOTE,
	O_BRANCH,
	O_CACHE,
	O_TEMPLATES,
	O_AUTHOR_NAME,
	O_AUTHOR_EMAIL,
	O_SSH_KEY,
	O_SSH_PUBKEY,
	O_MAX_ATTEMPTS,
	O_JSON,
	O_HELP,
	O_FROM_DEPLOYMENT,
	O_API,
	O_SEALED_CERT,
};

static const struct option long_opts[] = {
    {"workspace", required_argument, NULL, O_WORKSPACE},
    {"user", required_argument, NULL, O_USER},
    {"project", required_argument, NULL, O_PROJECT},
    {"image", required_argument, NULL, O_IMAGE},
    {"tag", required_argument, NULL, O_TAG},
    {"port", required_argument, NULL, O_PORT},
    {"host", required_argument, NULL, O_HOST},
    {"domain", required_argument, NULL, O_DOMAIN},
    {"env", required_argument, NULL, O_ENV},
    {"env-file", required_argument, NULL, O_ENV_FILE},
    {"annotation", required_argument, NULL, O_ANNOTATION},
    {"ingress-class", required_argument, NULL, O_INGRESS_CLASS},
    {"tls", no_argument, NULL, O_TLS},
    {"tls-secret", required_argument, NULL, O_TLS_SECRET},
    {"cpu-request", required_argument, NULL, O_CPU_REQ},
    {"memory-request", required_argument, NULL, O_MEM_REQ},
    {"cpu-limit", required_argument, NULL, O_CPU_LIM},
    {"memory-limit", required_argument, NULL, O_MEM_LIM},
    {"replicas", required_argument, NULL, O_REPLICAS},
    {"autoscale", no_argument, NULL, O_AUTOSCALE},
    {"min-replicas", required_argument, NULL, O_MIN},
    {"max-replicas", required_argument, NULL, O_MAX},
    {"target-cpu", required_argument, NULL, O_TARGET_CPU},
    {"framework", required_argument, NULL, O_FRAMEWORK},
    {"pull-secret", required_argument, NULL, O_PULL_SECRET},
    {"health-path", required_argument, NULL, O_HEALTH},
    {"no-probes", no_argument, NULL, O_NO_PROBES},
    {"deployment-id", required_argument, NULL, O_DEPLOYMENT},
    {"triggered-by", required_argument, NULL, O_TRIGGERED},
    {"rollback", no_argument, NULL, O_ROLLBACK},
    {"seq", required_argument, NULL, O_SEQ},
    {"remote", required_argument, NULL, O_REMOTE},
    {"repo", required_argument, NULL, O_REMOTE},
    {"branch", required_argument, NULL, O_BRANCH},
    {"cache", required_argument, NULL, O_CACHE},
    {"templates", required_argument, NULL, O_TEMPLATES},
    {"author-name", required_argument, NULL, O_AUTHOR_NAME},
    {"author-email", required_argument, NULL, O_AUTHOR_EMAIL},
    {"ssh-key", required_argument, NULL, O_SSH_KEY},
    {"ssh-pubkey", required_argument, NULL, O_SSH_PUBKEY},
    {"max-attempts", required_argument, NULL, O_MAX_ATTEMPTS},
    {"json", no_argument, NULL, O_JSON},
    {"help", no_argument, NULL, O_HELP},
    {"deployment", required_argument, NULL, O_FROM_DEPLOYMENT},
    {"api", required_argument, NULL, O_API},
    {"sealed-secrets-cert", required_argument, NULL, O_SEALED_CERT},
    {NULL, 0, NULL, 0},
};

struct args {
	struct gitops_app app;
	struct gitops_values v;
	struct gitops_opts o;
	struct gitops_meta m;
	struct kvlist env, annotations;
	struct gitops_kv *sealed;    /* env sealed for the cluster: v.sealed_env */
	const char *from_deployment; /* --deployment */
	const char *api;	     /* --api */
	const char *sealed_cert;     /* --sealed-secrets-cert */
	const char *callback_token;  /* PLATFORM_CALLBACK_TOKEN (a pipeline's) */
	int value_options;	     /* options that --deployment forbids */
	int json;
	int help;
};

static int parse_int(const char *name, const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > 1000000) {
		fprintf(stderr, "platformctl gitops: --%s wants a number, not '%s'\n", name, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int kv_opt(struct kvlist *l, const char *name, const char *arg)
{
	if (kvlist_add(l, arg) == 0)
		return 0;
	fprintf(stderr, "platformctl gitops: --%s wants KEY=VALUE\n", name);
	return -1;
}

/* Options that only fill a string field. */
static const char **string_field(struct args *a, int c)
{
	switch (c) {
	case O_WORKSPACE:
		return &a->app.workspace;
	case O_USER:
		return &a->app.user;
	case O_PROJECT:
		return &a->app.project;
	case O_IMAGE:
		return &a->v.image_repository;
	case O_TAG:
		return &a->v.image_tag;
	case O_HOST:
		return &a->v.custom_domain;
	case O_DOMAIN:
		return &a->v.domain;
	case O_INGRESS_CLASS:
		return &a->v.ingress_class;
	case O_TLS_SECRET:
		return &a->v.tls_secret;
	case O_CPU_REQ:
		return &a->v.cpu_request;
	case O_MEM_REQ:
		return &a->v.memory_request;
	case O_CPU_LIM:
		return &a->v.cpu_limit;
	case O_MEM_LIM:
		return &a->v.memory_limit;
	case O_FRAMEWORK:
		return &a->v.framework;
	case O_PULL_SECRET:
		return &a->v.pull_secret;
	case O_HEALTH:
		return &a->v.health_path;
	case O_DEPLOYMENT:
		return &a->m.deployment_id;
	case O_TRIGGERED:
		return &a->m.triggered_by;
	case O_REMOTE:
		return &a->o.url;
	case O_BRANCH:
		return &a->o.branch;
	case O_CACHE:
		return &a->o.cache_dir;
	case O_TEMPLATES:
		return &a->o.templates_dir;
	case O_AUTHOR_NAME:
		return &a->o.author_name;
	case O_AUTHOR_EMAIL:
		return &a->o.author_email;
	case O_SSH_KEY:
		return &a->o.ssh_key;
	case O_SSH_PUBKEY:
		return &a->o.ssh_pubkey;
	case O_FROM_DEPLOYMENT:
		return &a->from_deployment;
	case O_API:
		return &a->api;
	case O_SEALED_CERT:
		return &a->sealed_cert;
	default:
		return NULL;
	}
}

static int other_option(struct args *a, int c, const char *arg)
{
	switch (c) {
	case O_PORT:
		return parse_int("port", arg, &a->v.port);
	case O_REPLICAS:
		return parse_int("replicas", arg, &a->v.replicas);
	case O_MIN:
		return parse_int("min-replicas", arg, &a->v.min_replicas);
	case O_MAX:
		return parse_int("max-replicas", arg, &a->v.max_replicas);
	case O_TARGET_CPU:
		return parse_int("target-cpu", arg, &a->v.target_cpu);
	case O_MAX_ATTEMPTS:
		return parse_int("max-attempts", arg, &a->o.max_attempts);
	case O_ENV:
		return kv_opt(&a->env, "env", arg);
	case O_ENV_FILE:
		return kvlist_add_file(&a->env, arg);
	case O_ANNOTATION:
		return kv_opt(&a->annotations, "annotation", arg);
	case O_TLS:
		a->v.tls = 1;
		return 0;
	case O_AUTOSCALE:
		a->v.autoscaling = 1;
		return 0;
	case O_NO_PROBES:
		a->v.no_probes = 1;
		return 0;
	case O_ROLLBACK:
		a->m.rollback = 1;
		return 0;
	case O_SEQ: {
		int seq;

		if (parse_int("seq", arg, &seq) < 0)
			return -1;
		a->m.seq = seq;
		return 0;
	}
	case O_JSON:
		a->json = 1;
		return 0;
	case O_HELP:
		a->help = 1;
		return 0;
	default:
		return -1;
	}
}

static const char *or_setting(const char *value, const char *setting)
{
	return value ? value : (setting && *setting ? setting : NULL);
}

/* Options whose values a deployment's snapshot fixes: --deployment refuses them, so the
 * pipeline cannot release anything but what the platform recorded. The operator's own
 * (ingress class, TLS, annotations, pull secret, probes) stay allowed. */
static int snapshot_option(int c)
{
	switch (c) {
	case O_INGRESS_CLASS:
	case O_TLS:
	case O_TLS_SECRET:
	case O_ANNOTATION:
	case O_PULL_SECRET:
	case O_HEALTH:
	case O_NO_PROBES:
		return 0;
	default:
		return c >= O_WORKSPACE && c <= O_SEQ;
	}
}

/* Parse argv (argv[0] is the action) into `a`; defaults from the config
 * and environment. -1 on a usage error (already reported). */
static int parse_args(struct args *a, const struct config *cfg, int argc, char **argv)
{
	int c;

	optind = 0; /* GNU getopt: start over, this is a second parse of the process */
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		const char **field = string_field(a, c);

		if (c == '?')
			return -1;
		if (snapshot_option(c))
			a->value_options++;
		if (field)
			*field = optarg;
		else if (other_option(a, c, optarg) < 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "platformctl gitops: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	a->o.url = a->o.url ? a->o.url : cfg->gitops_url;
	a->o.branch = or_setting(a->o.branch, cfg->gitops_branch);
	a->o.cache_dir = or_setting(a->o.cache_dir, cfg->gitops_cache);
	a->o.author_name = or_setting(a->o.author_name, cfg->gitops_author_name);
	a->o.author_email = or_setting(a->o.author_email, cfg->gitops_author_email);
	a->o.ssh_key = or_setting(a->o.ssh_key, cfg->gitops_ssh_key);
	a->o.ssh_passphrase = or_setting(NULL, cfg->gitops_ssh_passphrase);
	a->v.domain = a->v.domain ? a->v.domain : cfg->domain;
	a->api = a->api ? a->api : or_setting(NULL, cfg->public_url);
	a->sealed_cert = a->sealed_cert ? a->sealed_cert : cfg->sealed_secrets_cert;
	a->callback_token = cfg->callback_token;
	a->v.annotations = a->annotations.items;
	a->v.n_annotations = a->annotations.n;
	return 0;
}

static int need(const char *value, const char *name)
{
	if (value && *value)
		return 0;
	fprintf(stderr, "platformctl gitops: --%s is required\n", name);
	return -1;
}

static int fail(const char *action, const struct err *e)
{
	fprintf(stderr, "platformctl gitops %s: %s\n", action, e->msg);
	/* Bad input is a usage error; the rest is an operation that failed. */
	return e->status >= 400 && e->status < 500 && e->status != 409 ? EXIT_USAGE : EXIT_FAILED;
}

static void print_result(const struct gitops_result *r, int json)
{
	struct json_object *o;

	if (!json) {
		printf("%s\n", r->commit);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "commit", json_object_new_string(r->commit));
	json_object_object_add(o, "previous_tag", json_object_new_string(r->previous_tag));
	json_object_object_add(o, "changed", json_object_new_boolean(r->changed));
	json_object_object_add(o, "attempts", json_object_new_int(r->attempts));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* Seal the --env values for the cluster (they never go to git in clear). */
static int seal_env(struct args *a, struct err *e)
{
	struct sealed_key key = {0};
	struct buf secret = BUF_INIT, ns = BUF_INIT, sealed = BUF_INIT;
	int rc = -1;

	if (!a->env.n)
		return 0;
	if (!a->sealed_cert || !*a->sealed_cert)
		return err_field(e, 422, "missing_setting", "env",
				 "--env values are sealed for the cluster: give "
				 "--sealed-secrets-cert or set PLATFORM_SEALED_SECRETS_CERT");
	if (gitops_env_secret_name(&secret, &a->app, e) < 0 ||
	    naming_namespace(&ns, a->app.user, e) < 0 ||
	    sealed_key_init(&key, a->sealed_cert, e) < 0)
		goto out;
	a->sealed = xcalloc(a->env.n, sizeof(*a->sealed));
	for (size_t i = 0; i < a->env.n; i++) {
		buf_reset(&sealed);
		if (sealed_seal(&key, ns.buf, secret.buf, a->env.items[i].value,
				strlen(a->env.items[i].value), &sealed, e) < 0)
			goto out;
		a->sealed[i].key = a->env.items[i].key;
		a->sealed[i].value = buf_detach(&sealed, NULL);
	}
	a->v.sealed_env = a->sealed;
	a->v.n_sealed_env = a->env.n;
	rc = 0;
out:
	sealed_key_release(&key);
	buf_release(&secret);
	buf_release(&ns);
	buf_release(&sealed);
	return rc;
}

static int need_app(struct args *a)
{
	if (need(a->app.workspace, "workspace") < 0 || need(a->app.user, "user") < 0 ||
	    need(a->app.project, "project") < 0 || need(a->v.image_repository, "image") < 0 ||
	    need(a->v.image_tag, "tag") < 0)
		return -1;
	return 0;
}

/* GET <api>/internal/deployments/<id>/release with the callback token: the description
 * of what the deployment releases (lib/model/snapshot), into `r`. */
static int fetch_release(struct args *a, struct snapshot_release *r, struct err *e)
{
	const char *token = a->callback_token;
	struct buf url = BUF_INIT, auth = BUF_INIT;
	struct http_response rs;
	struct json_object *doc = NULL;
	int rc = -1;

	http_response_init(&rs);
	if (!a->api || !*a->api || !token || !*token) {
		err_set(e, 400, "missing_setting",
			"--deployment needs --api (or PLATFORM_PUBLIC_URL) and the deployment's "
			"callback token in PLATFORM_CALLBACK_TOKEN");
		goto out;
	}
	buf_addstr(&url, a->api);
	while (url.len && url.buf[url.len - 1] == '/')
		buf_truncate(&url, url.len - 1);
	buf_addstr(&url, "/internal/deployments/");
	http_urlencode(a->from_deployment, &url);
	buf_addstr(&url, "/release");
	buf_addf(&auth, "Authorization: Bearer %s", token);
	{
		const char *headers[] = {auth.buf, "Accept: application/json", NULL};
		struct http_request rq = {.url = url.buf, .headers = headers, .timeout_ms = 30000};

		if (http_do("the platform", &rq, &rs, e) < 0)
			goto out;
	}
	doc = json_tokener_parse(rs.body.buf ? rs.body.buf : "");
	if (rs.status != 200) {
		struct json_object *err = NULL, *msg = NULL;

		json_object_object_get_ex(doc, "error", &err);
		json_object_object_get_ex(err, "message", &msg);
		err_set(e, rs.status == 409 ? 409 : 502, "release_unavailable",
			"the platform did not give the release of deployment %s (HTTP %ld): %s",
			a->from_deployment, rs.status, msg ? json_object_get_string(msg) : "");
		goto out;
	}
	rc = snapshot_release_from_json(r, doc, e);
	doc = NULL; /* taken over */
out:
	json_object_put(doc);
	if (auth.len)
		explicit_bzero(auth.buf, auth.len);
	buf_release(&auth);
	buf_release(&url);
	http_response_release(&rs);
	return rc;
}

/* The pipeline's release: exactly the platform's snapshot, with the operator's own
 * ingress and probe options of this command line. */
static int release_deployment(struct args *a, struct gitops_result *res, struct err *e)
{
	struct snapshot_release r;
	int rc;

	if (a->value_options) {
		fprintf(stderr,
			"platformctl gitops: --deployment releases the platform's snapshot; "
			"options of the app, image, env, resources or replicas cannot be "
			"given with it\n");
		return err_set(e, 400, "usage", "bad options");
	}
	memset(&r, 0, sizeof(r));
	if (fetch_release(a, &r, e) < 0) {
		snapshot_release_clear(&r);
		return -1;
	}
	r.v.ingress_class = a->v.ingress_class;
	r.v.tls = a->v.tls;
	r.v.tls_secret = a->v.tls_secret;
	r.v.annotations = a->v.annotations;
	r.v.n_annotations = a->v.n_annotations;
	r.v.pull_secret = a->v.pull_secret;
	r.v.health_path = a->v.health_path;
	r.v.no_probes = a->v.no_probes;
	if (!r.v.domain || !*r.v.domain)
		r.v.domain = a->v.domain;
	rc = gitops_release(&a->o, &r.app, &r.v, &r.m, res, e);
	snapshot_release_clear(&r);
	return rc;
}

static int do_release(struct args *a)
{
	struct gitops_result r;
	struct err e = ERR_INIT;

	if (a->from_deployment) {
		if (release_deployment(a, &r, &e) < 0)
			return strcmp(e.code, "usage") ? fail("release", &e) : EXIT_USAGE;
		print_result(&r, a->json);
		return 0;
	}
	if (need_app(a) < 0)
		return EXIT_USAGE;
	if (seal_env(a, &e) < 0 || gitops_release(&a->o, &a->app, &a->v, &a->m, &r, &e) < 0)
		return fail("release", &e);
	print_result(&r, a->json);
	return 0;
}

static int do_remove(struct args *a)
{
	struct gitops_result r;
	struct err e = ERR_INIT;

	if (need(a->app.workspace, "workspace") < 0 || need(a->app.user, "user") < 0 ||
	    need(a->app.project, "project") < 0)
		return EXIT_USAGE;
	if (gitops_remove(&a->o, &a->app, &a->m, &r, &e) < 0)
		return fail("remove", &e);
	if (!r.changed)
		fprintf(stderr, "platformctl gitops remove: the app is not in the repository\n");
	print_result(&r, a->json);
	return 0;
}

static const char *severity_name(enum gitdoctor_severity s)
{
	return s == GITDOCTOR_ERROR ? "error" : "warning";
}

static void doctor_json(const struct gitdoctor *d, const char *commit)
{
	struct json_object *o = json_object_new_object(), *list = json_object_new_array();

	json_object_object_add(o, "ok", json_object_new_boolean(d->errors == 0));
	json_object_object_add(o, "commit", json_object_new_string(commit));
	json_object_object_add(o, "apps", json_object_new_int64((int64_t)d->apps));
	json_object_object_add(o, "errors", json_object_new_int64((int64_t)d->errors));
	json_object_object_add(o, "warnings", json_object_new_int64((int64_t)d->warnings));
	for (size_t i = 0; i < d->n; i++) {
		struct json_object *f = json_object_new_object();

		json_object_object_add(f, "severity",
				       json_object_new_string(severity_name(d->items[i].severity)));
		json_object_object_add(f, "code", json_object_new_string(d->items[i].code));
		json_object_object_add(f, "path", json_object_new_string(d->items[i].path));
		json_object_object_add(f, "message", json_object_new_string(d->items[i].msg));
		json_object_array_add(list, f);
	}
	json_object_object_add(o, "findings", list);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int do_doctor(struct args *a)
{
	static const char *const names[] = {"Chart.yaml", "values.yaml", NULL};
	struct gitdoctor d;
	struct err e = ERR_INIT;
	char commit[41];
	int rc;

	gitdoctor_init(&d);
	if (gitops_read_files(&a->o, "apps/", names, gitdoctor_add_file, &d, commit, &e) < 0) {
		gitdoctor_release(&d);
		return fail("doctor", &e);
	}
	gitdoctor_finish(&d);
	if (a->json) {
		doctor_json(&d, commit);
	} else {
		for (size_t i = 0; i < d.n; i++)
			printf("%s %s %s: %s\n", severity_name(d.items[i].severity),
			       d.items[i].code, d.items[i].path, d.items[i].msg);
		printf("%zu apps at %s: %zu errors, %zu warnings\n", d.apps,
		       commit[0] ? commit : "(empty repository)", d.errors, d.warnings);
	}
	rc = d.errors ? EXIT_FAILED : 0;
	gitdoctor_release(&d);
	return rc;
}

int cmd_gitops(const struct config *cfg, int argc, char **argv)
{
	struct args a;
	const char *action = argc > 1 ? argv[1] : NULL;
	int rc = EXIT_USAGE;

	memset(&a, 0, sizeof(a));
	a.v.replicas = 1; /* --replicas 0 is honoured: 0 means no pods */
	if (!action || !strcmp(action, "-h") || !strcmp(action, "--help") ||
	    !strcmp(action, "help")) {
		fputs(usage_text, action ? stdout : stderr);
		return action ? 0 : EXIT_USAGE;
	}
	if (parse_args(&a, cfg, argc - 1, argv + 1) < 0)
		goto out;
	if (a.help) {
		fputs(usage_text, stdout);
		rc = 0;
	} else if (!strcmp(action, "release")) {
		rc = do_release(&a);
	} else if (!strcmp(action, "remove")) {
		rc = do_remove(&a);
	} else if (!strcmp(action, "doctor")) {
		rc = do_doctor(&a);
	} else {
		fprintf(stderr, "platformctl gitops: unknown action '%s'\n\n%s", action,
			usage_text);
	}
out:
	for (size_t i = 0; a.sealed && i < a.env.n; i++)
		free((char *)a.sealed[i].value);
	free(a.sealed);
	kvlist_release(&a.env);
	kvlist_release(&a.annotations);
	return rc;
}
