/* test_gitops.c: values.yaml and Chart.yaml emission, input checks, URL redaction, doctor rules */
#include "buf.h"
#include "err.h"
#include "gitdoctor.h"
#include "gitops.h"
#include "tap.h"
#include "yamldoc.h"

#include <stdlib.h>
#include <string.h>

static const struct gitops_app app = {"ws1", "u1", "web"};

static struct gitops_values base_values(void)
{
	struct gitops_values v;

	memset(&v, 0, sizeof(v));
	v.image_repository = "registry.local:5000/ws1/web";
	v.image_tag = "abc123";
	v.domain = "apps.example.com";
	v.replicas = 1;
	return v;
}

/* Strings that would change meaning if pasted into YAML read back unchanged. */
static void test_tricky_values(void)
{
	static const char *const tricky[] = {
	    "say \"hi\"",
	    "a: b",
	    "line1\nline2\n",
	    "{{ .Release.Name }}",
	    "!!binary aGk=",
	    "true",
	    "0x1F",
	    "null",
	    "- item",
	    "# not a comment",
	    "'single'",
	    "  spaces ",
	    "",
	    "tab\there",
	    "ünïcödé ✓",
	    "*alias",
	    "&anchor",
	    "%TAG",
	    "@at",
	    "`tick`",
	};
	size_t n = sizeof(tricky) / sizeof(tricky[0]);
	struct gitops_kv ann[sizeof(tricky) / sizeof(tricky[0]) + 1];
	/* env names YAML 1.1 reads as booleans or null unless quoted; values are sealed */
	static const char *const env_names[] = {"ON", "yes", "NULL", "Y", "true", "off", "PORT"};
	struct gitops_kv env[7];
	char names[sizeof(tricky) / sizeof(tricky[0])][16];
	struct gitops_values v = base_values();
	struct buf out = BUF_INIT;
	struct err e = ERR_INIT;
	struct yamldoc d;

	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "v%zu", i);
		ann[i].key = names[i];
		ann[i].value = tricky[i];
	}
	ann[n].key = "nginx.ingress.kubernetes.io/proxy-body-size";
	ann[n].value = "10m: {x}";
	for (size_t i = 0; i < 7; i++) {
		env[i].key = env_names[i];
		env[i].value = "QUJDRA==";
	}
	v.sealed_env = env;
	v.n_sealed_env = 7;
	v.annotations = ann;
	v.n_annotations = n + 1;
	v.framework = "next: {{ x }}";
	is_int(gitops_values_yaml(&out, &app, &v, &e), 0, "values.yaml with tricky strings: %s",
	       e.msg);
	is_int(yamldoc_load(&d, out.buf, out.len, &e), 0, "values.yaml parses back");
	for (size_t i = 0; i < n; i++) {
		char path[32];

		snprintf(path, sizeof(path), "ingress.annotations.%s", names[i]);
		is_str(yamldoc_scalar(&d, path), tricky[i], "annotation value %zu reads back", i);
	}
	for (size_t i = 0; i < 7; i++) {
		char key[32];

		snprintf(key, sizeof(key), "\n    \"%s\": \"QUJDRA==\"", env_names[i]);
		ok(strcmp(env_names[i], "PORT") ? strstr(out.buf, key) != NULL
						: strstr(out.buf, "\n    PORT: ") != NULL,
		   "env name %s is %s", env_names[i],
		   strcmp(env_names[i], "PORT") ? "quoted" : "plain (nothing to fear)");
	}
	ok(!strstr(out.buf, "\nenv:"), "no env values in clear: only sealedEnv");
	is_str(yamldoc_scalar(&d, "sealedEnv.secretName"), "u1-web-env", "the env Secret's name");
	is_str(yamldoc_scalar(&d, "replicas"), "1", "one replica");
	is_str(yamldoc_scalar(&d, "app.framework"), "next: {{ x }}", "framework reads back");
	is_str(yamldoc_scalar(&d, "app.name"), "ws1-u1-web", "app name");
	is_str(yamldoc_scalar(&d, "app.releaseName"), "u1-web", "release name");
	is_str(yamldoc_scalar(&d, "namespace"), "user-u1", "namespace");
	is_str(yamldoc_scalar(&d, "ingress.host"), "web-u1.apps.example.com", "host");
	is_str(yamldoc_scalar(&d, "image.tag"), "abc123", "tag");
	is_str(yamldoc_scalar(&d, "port"), "8080", "default port");
	is_str(yamldoc_scalar(&d, "autoscaling.enabled"), "false", "autoscaling off");
	yamldoc_release(&d);
	buf_release(&out);
}

static void test_chart(void)
{
	struct buf out = BUF_INIT;
	struct err e = ERR_INIT;
	struct yamldoc d;

	is_int(gitops_chart_yaml(&out, &app, "1.0", 0, &e), 0, "Chart.yaml");
	is_int(yamldoc_load(&d, out.buf, out.len, &e), 0, "Chart.yaml parses");
	is_str(yamldoc_scalar(&d, "apiVersion"), "v2", "apiVersion v2");
	is_str(yamldoc_scalar(&d, "appVersion"), "1.0", "appVersion is the tag, a string");
	ok(strstr(out.buf, "\"1.0\"") != NULL, "appVersion is quoted");
	yamldoc_release(&d);
	buf_release(&out);
}

static void test_refusals(void)
{
	static const struct {
		struct gitops_app app;
		const char *tag;
		const char *field;
	} bad[] = {
	    {{"ws1", "u1", "../x"}, "t", "name"},
	    {{"ws1", "..", "web"}, "t", "user_id"},
	    {{"ws/1", "u1", "web"}, "t", "workspace_id"},
	    {{"ws1", "u1", "Web"}, "t", "name"},
	    {{"ws1", "u1", "web"}, "bad tag", "tag"},
	    {{"ws1", "u1", "web"}, "-x", "tag"},
	    {{"ws1", "u1", "web"}, "", "tag"},
	};
	struct gitops_values v = base_values();
	struct gitops_kv env[] = {{"1BAD", "QUJD"}};
	struct gitops_kv clear[] = {{"GOOD", "not sealed: a value in clear"}};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err e = ERR_INIT;

		v.image_tag = bad[i].tag;
		is_int(gitops_check(&bad[i].app, &v, &e), -1, "refused: %s/%s/%s tag '%s'",
		       bad[i].app.workspace, bad[i].app.user, bad[i].app.project, bad[i].tag);
		is_str(e.field, bad[i].field, "field named");
	}
	v = base_values();
	v.sealed_env = env;
	v.n_sealed_env = 1;
	{
		struct err e = ERR_INIT;

		is_int(gitops_check(&app, &v, &e), -1, "bad env name refused");
	}
	v = base_values();
	v.sealed_env = clear;
	v.n_sealed_env = 1;
	{
		struct err e = ERR_INIT;

		is_int(gitops_check(&app, &v, &e), -1,
		       "an env value that is not sealed is refused");
	}
	v = base_values();
	{
		struct err e = ERR_INIT;
		struct buf out = BUF_INIT;

		v.replicas = 21;
		is_int(gitops_check(&app, &v, &e), -1, "21 replicas refused");
		v.replicas = 0;
		is_int(gitops_values_yaml(&out, &app, &v, &e), 0, "0 replicas accepted");
		ok(strstr(out.buf, "\nreplicas: 0\n") != NULL, "and written as 0");
		buf_release(&out);
	}
	v = base_values();
	v.cpu_limit = "lots";
	{
		struct err e = ERR_INIT;

		is_int(gitops_check(&app, &v, &e), -1, "bad quantity refused");
		is_str(e.field, "cpu_limit", "quantity field named");
	}
}

static void test_redact(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"https://x-access-token:s3cret@github.com/o/r.git", "https://github.com/o/r.git"},
	    {"https://s3cret@github.com/o/r.git", "https://github.com/o/r.git"},
	    {"ssh://git@host:22/r.git", "ssh://host:22/r.git"},
	    {"git://127.0.0.1:9418/r.git", "git://127.0.0.1:9418/r.git"},
	    {"git@github.com:o/r.git", "github.com:o/r.git"},
	    {"file:///srv/git/r.git", "file:///srv/git/r.git"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;

		gitops_url_redact(&b, cases[i].in);
		is_str(b.buf, cases[i].want, "redact case %zu", i);
		ok(!strstr(b.buf, "s3cret"), "no secret left");
		buf_release(&b);
	}
}

static void add(struct gitdoctor *d, const char *path, const char *text)
{
	gitdoctor_add_file(path, text, strlen(text), d);
}

static int has(const struct gitdoctor *d, const char *code)
{
	for (size_t i = 0; i < d->n; i++) {
		if (!strcmp(d->items[i].code, code))
			return 1;
	}
	return 0;
}

static void test_doctor(void)
{
	struct gitdoctor d;
	struct buf v = BUF_INIT;
	struct err e = ERR_INIT;
	struct gitops_values vals = base_values();
	const char *chart = "apiVersion: v2\nname: web\nversion: 1.0.0\nappVersion: \"abc123\"\n";

	gitops_values_yaml(&v, &app, &vals, &e);
	gitdoctor_init(&d);
	add(&d, "apps/ws1/u1/web/Chart.yaml", chart);
	add(&d, "apps/ws1/u1/web/values.yaml", v.buf);
	gitdoctor_finish(&d);
	is_int(d.errors, 0, "a clean app has no errors");
	is_int(d.apps, 1, "one app");
	gitdoctor_release(&d);

	gitdoctor_init(&d);
	add(&d, "apps/ws1/u1/web/Chart.yaml", chart);
	add(&d, "apps/ws1/u1/web/values.yaml", "image: [unclosed\n");
	add(&d, "apps/ws1/u1/web/sub/Chart.yaml", chart);
	gitdoctor_finish(&d);
	ok(has(&d, "values_invalid"), "values that do not parse");
	ok(has(&d, "legacy_layout"), "nested chart");
	gitdoctor_release(&d);
	buf_release(&v);
}

int main(void)
{
	test_tricky_values();
	test_chart();
	test_refusals();
	test_redact();
	test_doctor();
	return tap_done();
}
