# web/local.mk: the web console (served by nginx at /). `make install` puts it where
# render-nginx's production default looks: $(pkgdatadir)/web (/usr/share/platform/web with --prefix=/usr)
consolewebdir = $(pkgdatadir)
nobase_dist_consoleweb_DATA = web/index.html web/app.css web/icon.svg \
	web/js/app.js web/js/api.js web/js/dom.js web/js/ansi.js web/js/logview.js web/js/naming.js \
	web/js/envedit.js web/js/rtlogview.js web/js/views/signin.js web/js/views/workspaces.js \
	web/js/views/projects.js web/js/views/newproject.js web/js/views/project.js web/js/views/deployment.js \
	web/js/views/notifications.js
EXTRA_DIST += web
