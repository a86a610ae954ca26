# mk/live.mk: live build logs through nchan (issue 5)
TESTS += tests/t5101-live-auth.sh
EXTRA_DIST += tests/t5101-live-auth.sh tests/live/subscribe.mjs
