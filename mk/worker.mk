# mk/worker.mk: deployments, the job queue, the Jenkins driver and platform-worker (included from Makefile.am)
libplatform_la_SOURCES += \
	lib/deploy.c lib/deploy.h \
	lib/queue.c lib/queue.h \
	lib/jenkins.c lib/jenkins.h

bin_PROGRAMS += worker/platform-worker
worker_platform_worker_SOURCES = worker/main.c worker/build.c worker/build.h
worker_platform_worker_LDADD = $(PLATFORM_LIBS)

# The user endpoints of deployments and the pipeline's callback endpoint.
fcgi_platform_api_SOURCES += fcgi/h_deployments.c fcgi/h_internal.c

check_PROGRAMS += tests/unit/test_deploy tests/unit/test_jenkins
tests_unit_test_deploy_SOURCES = tests/unit/test_deploy.c tests/unit/tap.h
tests_unit_test_deploy_LDADD = $(PLATFORM_LIBS)
tests_unit_test_jenkins_SOURCES = tests/unit/test_jenkins.c tests/unit/tap.h
tests_unit_test_jenkins_LDADD = $(PLATFORM_LIBS)

# Shell tests: the worker against tests/fakes/fake-jenkins.js and a real stack.
WORKER_TESTS = \
	tests/t4001-deploy-chain.sh \
	tests/t4002-worker-crash.sh \
	tests/t4003-cancel-supersede.sh \
	tests/t4004-timeouts-jenkins-down.sh \
	tests/t4005-deploy-api.sh

TESTS += tests/unit/test_deploy tests/unit/test_jenkins $(WORKER_TESTS)
EXTRA_DIST += $(WORKER_TESTS) tests/t4-lib.sh tests/fakes/fake-jenkins.js \
	jenkins/Jenkinsfile bench/deploy.sh

bench-deploy: worker/platform-worker$(EXEEXT) fcgi/platform-api$(EXEEXT) cli/platformctl$(EXEEXT)
	top_builddir=$(abs_top_builddir) $(top_srcdir)/bench/deploy.sh
.PHONY: bench-deploy
