# mk/notify.mk: workspace notifications (issue 18): outgoing webhooks, their outbox and sender
libplatform_la_SOURCES += lib/notify.c lib/notify.h
worker_platform_worker_SOURCES += worker/notifier.c worker/notifier.h
fcgi_platform_api_SOURCES += fcgi/h_notify.c fcgi/h_notify.h

NOTIFY_TESTS = tests/t1801-notify.sh
TESTS += $(NOTIFY_TESTS)
EXTRA_DIST += $(NOTIFY_TESTS) tests/notify/receiver.js
