#!/usr/bin/env bash
# t5003-db-restart.sh: PostgreSQL stopped under the pool: readyz 503 JSON, healthz 200; back on the same port: ready again, same pool
# shellcheck disable=SC2317 # functions called through wait_until
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PLATFORM_WORKERS=2 stack_up all
master=${PLATFORM_API_PID:?}
kids=$(children_of "$master" | tr '\n' ' ')
port=$PLATFORM_PG_PORT

http GET "$PLATFORM_URL/api/readyz"
is "$HTTP_STATUS" 200 "ready with the database up"

"$DEV_STACK" stop "$STACK_DIR" postgres 2>/dev/null
ok "PostgreSQL is down" not psql_stack -c "SELECT 1" 2>/dev/null

# several requests, so that every child (each with its own connection) is asked
statuses='' codes=''
for _ in 1 2 3 4 5 6; do
	http GET "$PLATFORM_URL/api/readyz"
	statuses+="$HTTP_STATUS "
	codes+="$(json_get .error.code) "
done
is "$statuses" "503 503 503 503 503 503 " "readyz answers 503 while the database is down"
is "$codes" "database_unavailable database_unavailable database_unavailable database_unavailable database_unavailable database_unavailable " \
	"each 503 is the JSON error database_unavailable"
json_error database_unavailable "the 503 body has code and message"
like "$(http_header X-Request-Id)" . "the 503 carries a request id"

http GET "$PLATFORM_URL/api/healthz"
is "$HTTP_STATUS" 200 "healthz still answers 200 without the database"

"$DEV_STACK" start "$STACK_DIR" postgres 2>/dev/null
# shellcheck disable=SC1091
. "$STACK_DIR/stack.env"
is "$PLATFORM_PG_PORT" "$port" "PostgreSQL is back on the same port"

ready() {
	http GET "$PLATFORM_URL/api/readyz"
	[ "$HTTP_STATUS" = 200 ]
}
ok "readyz answers 200 again within 10 s" wait_until 10 ready
statuses=''
for _ in 1 2 3 4 5 6; do
	http GET "$PLATFORM_URL/api/readyz"
	statuses+="$HTTP_STATUS "
done
is "$statuses" "200 200 200 200 200 200 " "every child reconnected"
ok "the pool's master was not restarted" alive "$master"
is "$(children_of "$master" | tr '\n' ' ')" "$kids" "the children were not restarted either (they reconnect)"

done_testing
