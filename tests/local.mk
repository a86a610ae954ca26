# tests/local.mk: every test. C unit tests (TAP, tests/unit/) against libplatform; shell tests
# (TAP, tests/tNNNN-*.sh) against a real stack each in its own folder under /tmp on free loopback
# ports, so they run in parallel (make -j2 check). The number says the area:
#   t0 the repository itself   t1 database, console, notifications   t2 GitOps
#   t3 accounts and the API    t4 deployments and the worker          t5 the pool, nginx, logs
#   t6 past one machine        t7 webhooks and tenants                t8 versions, Argo CD, release
#   t9 local builds and the runtime
UNIT_LDADD = $(PLATFORM_LIBS)
UNIT_TESTS = \
	tests/unit/test_buf tests/unit/test_config tests/unit/test_crypto tests/unit/test_json \
	tests/unit/test_reqparse tests/unit/test_yamlout_utf8 tests/unit/test_naming \
	tests/unit/test_redact tests/unit/test_webhook tests/unit/test_tenant tests/unit/test_notify \
	tests/unit/test_deploy tests/unit/test_jenkins tests/unit/test_argocd tests/unit/test_gitops \
	tests/unit/test_sealed
check_PROGRAMS += $(UNIT_TESTS)
tests_unit_test_buf_SOURCES = tests/unit/test_buf.c tests/unit/tap.h
tests_unit_test_buf_LDADD = $(UNIT_LDADD)
tests_unit_test_config_SOURCES = tests/unit/test_config.c tests/unit/tap.h
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_crypto_SOURCES = tests/unit/test_crypto.c tests/unit/tap.h
tests_unit_test_crypto_LDADD = $(UNIT_LDADD)
tests_unit_test_json_SOURCES = tests/unit/test_json.c tests/unit/tap.h
tests_unit_test_json_LDADD = $(UNIT_LDADD)
tests_unit_test_reqparse_SOURCES = tests/unit/test_reqparse.c tests/unit/tap.h
tests_unit_test_reqparse_LDADD = $(UNIT_LDADD)
tests_unit_test_yamlout_utf8_SOURCES = tests/unit/test_yamlout_utf8.c tests/unit/tap.h
tests_unit_test_yamlout_utf8_LDADD = $(UNIT_LDADD)
tests_unit_test_naming_SOURCES = tests/unit/test_naming.c tests/unit/tap.h
tests_unit_test_naming_LDADD = $(UNIT_LDADD)
tests_unit_test_redact_SOURCES = tests/unit/test_redact.c tests/unit/tap.h
tests_unit_test_redact_LDADD = $(UNIT_LDADD)
tests_unit_test_webhook_SOURCES = tests/unit/test_webhook.c tests/unit/tap.h
tests_unit_test_webhook_LDADD = $(UNIT_LDADD)
tests_unit_test_tenant_SOURCES = tests/unit/test_tenant.c tests/unit/tap.h
tests_unit_test_tenant_LDADD = $(UNIT_LDADD)
tests_unit_test_notify_SOURCES = tests/unit/test_notify.c tests/unit/tap.h
tests_unit_test_notify_LDADD = $(UNIT_LDADD)
tests_unit_test_deploy_SOURCES = tests/unit/test_deploy.c tests/unit/tap.h
tests_unit_test_deploy_LDADD = $(UNIT_LDADD)
tests_unit_test_jenkins_SOURCES = tests/unit/test_jenkins.c tests/unit/tap.h
tests_unit_test_jenkins_LDADD = $(UNIT_LDADD)
tests_unit_test_argocd_SOURCES = tests/unit/test_argocd.c tests/unit/tap.h
tests_unit_test_argocd_LDADD = $(UNIT_LDADD)
tests_unit_test_gitops_SOURCES = tests/unit/test_gitops.c tests/unit/tap.h
tests_unit_test_gitops_LDADD = $(UNIT_LDADD)
tests_unit_test_sealed_SOURCES = tests/unit/test_sealed.c tests/unit/tap.h
tests_unit_test_sealed_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/data tests/lsan.supp

# the repository itself: docs, format, fuzzing, function length, SQL's home, include layers,
# the pipeline's checkout
REPO_TESTS = tests/t0001-docs.sh tests/t0002-format.sh tests/t0003-fuzz.sh tests/t0004-fnlen.sh \
	tests/t0005-sql-home.sh tests/t0006-include-cycles.sh tests/t0007-jenkinsfile-checkout.sh
# the stack: migrations, nginx, the pool, the database going away, drains, unread bodies
STACK_TESTS = tests/t1001-migrate.sh tests/t1002-housekeep.sh tests/t5000-nginx-config.sh \
	tests/t5001-api-basics.sh tests/t5002-pool.sh tests/t5003-db-restart.sh tests/t5004-drain.sh \
	tests/t5005-unread-bodies.sh tests/t5010-read-cache.sh tests/t5011-log-cadence.sh
# accounts, isolation, bad input, security, the OpenAPI contract, the console, notifications
API_TESTS = tests/t3001-accounts.sh tests/t3002-isolation.sh tests/t3003-bad-input.sh \
	tests/t3004-security.sh tests/t3005-time-format.sh tests/t3900-openapi.sh \
	tests/t1700-console.sh tests/t1801-notify.sh tests/t1802-github-deployments.sh
# GitOps releases
GITOPS_TESTS = tests/t2001-gitops-release.sh tests/t2002-gitops-http.sh \
	tests/t2003-gitops-parallel.sh tests/t2004-gitops-doctor.sh tests/t2005-gitops-templates.sh
# deployments through the worker and the fake Jenkins; live logs
WORKER_TESTS = tests/t4001-deploy-chain.sh tests/t4002-worker-crash.sh \
	tests/t4003-cancel-supersede.sh tests/t4004-timeouts-jenkins-down.sh tests/t4005-deploy-api.sh \
	tests/t4006-pipeline-events.sh tests/t4007-supersede-setting.sh \
	tests/t5101-live-auth.sh tests/t5102-live-logs.sh tests/t5103-live-browser.sh
# webhooks, tenants' repositories, custom domains
HOOK_TESTS = tests/t7001-webhooks.sh tests/t7002-tenant-repos.sh tests/t7003-custom-domains.sh \
	tests/t7101-github-hooks.sh
# versions, rollback, Argo CD, release fidelity
RELEASE_TESTS = tests/t8001-versions.sh tests/t8002-argocd-chain.sh \
	tests/t8003-track-crash-remove.sh tests/t8004-auto-rollback.sh \
	tests/t8005-runtime-logs-argocd.sh \
	tests/t8101-release-fidelity.sh
# local builds, the engine, the podman runtime
LOCAL_TESTS = tests/t9001-detect.sh tests/t9002-local-build.sh tests/t9003-build-helper.sh \
	tests/t9100-engine.sh tests/t9101-runtime-podman.sh tests/t9102-worker-settings.sh \
	tests/t9103-runtime-logs.sh tests/t9104-previews.sh
# past one machine: nchan on Redis, metrics, many workers, the platform's chart and image
K8S_TESTS = tests/t6001-nchan-redis.sh tests/t6002-metrics.sh tests/t6003-many-workers.sh \
	tests/t6004-helm-chart.sh tests/t6005-image.sh
SHELL_TESTS = $(REPO_TESTS) $(STACK_TESTS) $(API_TESTS) $(GITOPS_TESTS) $(WORKER_TESTS) \
	$(HOOK_TESTS) $(RELEASE_TESTS) $(LOCAL_TESTS) $(K8S_TESTS)

TESTS += $(UNIT_TESTS) $(SHELL_TESTS)
EXTRA_DIST += $(SHELL_TESTS) tests/lib.sh tests/t4-lib.sh tests/t8-lib.sh tests/github-fake.sh \
	tests/package.json tests/package-lock.json \
	tests/fakes tests/contract tests/console tests/gitops tests/k8s tests/live tests/notify \
	tests/webhooks tests/fcgi
