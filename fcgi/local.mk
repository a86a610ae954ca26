# fcgi/local.mk: platform-api, the FastCGI pool: route table, access, handlers, the answer cache
bin_PROGRAMS += fcgi/platform-api
fcgi_platform_api_SOURCES = fcgi/main.c \
	fcgi/server.c fcgi/server.h \
	fcgi/req.c fcgi/req.h \
	fcgi/router.c fcgi/router.h \
	fcgi/routes.c fcgi/handlers.h \
	fcgi/list.c fcgi/list.h \
	fcgi/access.c fcgi/access.h \
	fcgi/rcache.c fcgi/rcache.h \
	fcgi/api_metrics.c fcgi/api_metrics.h \
	fcgi/h_health.c \
	fcgi/h_auth.c \
	fcgi/h_workspaces.c \
	fcgi/h_projects.c \
	fcgi/h_deployments.c \
	fcgi/h_internal.c \
	fcgi/h_hooks.c \
	fcgi/h_logs.c \
	fcgi/h_versions.c \
	fcgi/h_previews.c \
	fcgi/h_notify.c fcgi/h_notify.h
nodist_fcgi_platform_api_SOURCES = fcgi/openapi_data.c
fcgi_platform_api_LDADD = $(PLATFORM_LIBS)
BUILT_SOURCES += fcgi/openapi_data.c
CLEANFILES += fcgi/openapi_data.c
EXTRA_DIST += api/openapi.yaml scripts/embed-file
fcgi/openapi_data.c: $(top_srcdir)/api/openapi.yaml $(top_srcdir)/scripts/embed-file
	$(AM_V_GEN)$(SHELL) $(top_srcdir)/scripts/embed-file openapi_yaml $(top_srcdir)/api/openapi.yaml $@
