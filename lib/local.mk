# lib/local.mk: libplatform, linked by every program and test, in layers. Each folder may include
# the headers of its own layer and of the layers before it in this order, never of a later one
# (tests/t0006-include-cycles.sh checks it with scripts/include-cycles --layers):
#   util     generic pieces with no platform nouns (buffers, errors, logs, JSON, YAML, HTTP, crypto)
#   config   the settings table, read once at start by every process
#   rules    pure platform rules: names, framework detection, redaction, webhook payloads
#   db       PostgreSQL: the connection, migrations, the job queue
#   clients  external systems: GitHub, Jenkins, Argo CD, the GitOps repository, podman, sealing
#   model    the platform's tables and their statements: projects, workspaces, sessions,
#            deployments, webhooks, notifications, audit (one module per table family)
LIB_LAYERS = util config rules db clients model
AM_CPPFLAGS += $(LIB_LAYERS:%=-I$(top_srcdir)/lib/%)
