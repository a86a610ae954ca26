#!/usr/bin/env bash
# t1001-migrate.sh: platformctl migrate on a real PostgreSQL: first run, idempotent rerun, --status, concurrent runs, the tables
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

stack_up postgres
db=$PLATFORM_DATABASE_URL
migrate() { "$PLATFORMCTL_BIN" migrate "$@"; }

# --- configuration errors name the variable
out=$(env -u PLATFORM_DATABASE_URL -u PLATFORM_CONFIG "$PLATFORMCTL_BIN" migrate 2>&1)
is "$?" 1 "migrate without PLATFORM_DATABASE_URL exits 1"
like "$out" PLATFORM_DATABASE_URL "and says which variable is missing"
out=$(env -u PLATFORM_SECRET_KEY -u PLATFORM_CONFIG PLATFORM_DATABASE_URL="$db" "$PLATFORM_API_BIN" --check 2>&1)
is "$?" 1 "platform-api --check without PLATFORM_SECRET_KEY exits 1"
like "$out" PLATFORM_SECRET_KEY "and says which variable is missing"
out=$(PLATFORM_DATABASE_URL="$db" PLATFORM_SECRET_KEY=t1001-secret-key-t1001-secret-key "$PLATFORM_API_BIN" --check 2>&1)
is "$?" 0 "platform-api --check accepts a complete configuration"

# --- first run on an empty database
out=$(migrate 2>&1)
is "$?" 0 "the first migrate exits 0"
diag "$out"
versions=$(psql_stack -c 'SELECT count(*) FROM schema_migrations')
cmp_ok "$versions" -ge 1 "schema_migrations records the applied versions ($versions)"
for t in users sessions workspaces members projects deployments deployment_logs jobs \
	webhook_deliveries audit_log; do
	is "$(psql_stack -c "SELECT to_regclass('public.$t') IS NOT NULL")" t "table $t exists"
done

# --- a second run changes nothing
tables() { psql_stack -c "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'"; }
before_tables=$(tables)
rows_sql="SELECT string_agg(version || ':' || applied_at, ',' ORDER BY version) FROM schema_migrations"
before_rows=$(psql_stack -c "$rows_sql")
like "$before_rows" '^1:' "the applied versions can be read back"
out=$(migrate 2>&1)
is "$?" 0 "the second migrate exits 0"
is "$(psql_stack -c "$rows_sql")" "$before_rows" "the second run applied nothing"
is "$(tables)" "$before_tables" "and left the tables as they were"

out=$(migrate --status 2>&1)
is "$?" 0 "migrate --status exits 0 on an up-to-date database"
like "$out" applied "--status lists applied migrations"
ok "--status lists nothing pending" not grep -qi pending <<<"$out"

# --- two at once on a fresh database: both succeed, each version once
psql_stack -c 'CREATE DATABASE concurrent' >/dev/null
db2=${db%/*}/concurrent
pids=()
for i in 1 2; do
	PLATFORM_DATABASE_URL=$db2 "$PLATFORMCTL_BIN" migrate >"$TEST_TMP/m$i.out" 2>&1 &
	pids+=($!)
done
wait "${pids[0]}"
rc1=$?
wait "${pids[1]}"
rc2=$?
is "$rc1 $rc2" "0 0" "two concurrent migrate runs both exit 0"
[ "$rc1$rc2" = 00 ] || diag "$(cat "$TEST_TMP"/m*.out)"
dups=$(psql -X -At "$db2" -c 'SELECT count(*) FROM (SELECT version FROM schema_migrations GROUP BY version HAVING count(*) > 1) d')
is "$dups" 0 "no version recorded twice"
is "$(psql -X -At "$db2" -c 'SELECT count(*) FROM schema_migrations')" "$versions" \
	"each version recorded once ($versions)"
is "$(PLATFORM_DATABASE_URL=$db2 "$PLATFORMCTL_BIN" migrate --status >/dev/null 2>&1; echo $?)" 0 \
	"the concurrently migrated database is up to date"

done_testing
