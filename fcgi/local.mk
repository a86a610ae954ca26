# fcgi/local.mk: platform-api, the FastCGI pool
bin_PROGRAMS += fcgi/platform-api
fcgi_platform_api_SOURCES = fcgi/main.c \
	fcgi/server.c fcgi/server.h \
	fcgi/req.c fcgi/req.h \
	fcgi/router.c fcgi/router.h \
	fcgi/routes.c fcgi/handlers.h \
	fcgi/h_health.c \
	fcgi/access.c fcgi/access.h
fcgi_platform_api_LDADD = $(PLATFORM_LIBS)
