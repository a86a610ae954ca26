# mk/console.mk: the web console (web/, served by nginx at /), one-time sign-in links for the
# local stack (platformctl signin-link, POST /api/auth/local) and the browser journey (issue 17)
cli_platformctl_SOURCES += cli/cmd_signin.c

TESTS += tests/t1700-console.sh
EXTRA_DIST += tests/t1700-console.sh tests/console web
