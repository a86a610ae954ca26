# lib/db/local.mk: PostgreSQL: the connection that survives restarts, embedded migrations, the job queue
libplatform_la_SOURCES += \
	lib/db/db.c lib/db/db.h \
	lib/db/migrate.c lib/db/migrate.h \
	lib/db/queue.c lib/db/queue.h

# sql/NNNN_name.sql travel inside the binaries
nodist_libplatform_la_SOURCES = lib/db/migrations_data.c
BUILT_SOURCES += lib/db/migrations_data.c
CLEANFILES += lib/db/migrations_data.c
MIGRATIONS = $(sort $(wildcard $(top_srcdir)/sql/[0-9]*.sql))
EXTRA_DIST += scripts/embed-sql sql
lib/db/migrations_data.c: $(MIGRATIONS) $(top_srcdir)/scripts/embed-sql
	$(AM_V_GEN)$(MKDIR_P) lib/db && $(SHELL) $(top_srcdir)/scripts/embed-sql $@ $(MIGRATIONS)
