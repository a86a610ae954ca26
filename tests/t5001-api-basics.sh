#!/usr/bin/env bash
# t5001-api-basics.sh: health, readiness, request ids, JSON errors and the nchan publisher, through nginx
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PLATFORM_MAX_BODY=1024 PLATFORM_LOG_LEVEL=debug stack_up all

# --- health and readiness
http GET "$PLATFORM_URL/api/healthz"
is "$HTTP_STATUS" 200 "healthz answers 200"
json_is .status ok "healthz body is {\"status\":\"ok\"}"
like "$(http_header Content-Type)" '^application/json' "healthz is JSON"

http GET "$PLATFORM_URL/api/readyz"
is "$HTTP_STATUS" 200 "readyz answers 200 on a migrated database"
json_is .status ready "readyz says ready"
latest=$(psql_stack -c 'SELECT max(version) FROM schema_migrations')
json_is .schema_version "$latest" "readyz reports the schema version the database holds ($latest)"

# --- request ids
http GET "$PLATFORM_URL/api/healthz" -H 'X-Request-Id: t5001-given.id:1'
is "$(http_header X-Request-Id)" t5001-given.id:1 "a given X-Request-Id is echoed"
is "$(http_header_count X-Request-Id)" 1 "exactly one X-Request-Id header"

http GET "$PLATFORM_URL/api/healthz"
id1=$(http_header X-Request-Id)
like "$id1" '^[A-Za-z0-9._:-]{8,}$' "without one, an X-Request-Id is made"
http GET "$PLATFORM_URL/api/healthz"
isnt "$(http_header X-Request-Id)" "$id1" "each request gets its own id"

http GET "$PLATFORM_URL/api/healthz" -H "X-Request-Id: bad id with spaces;$(printf 'x%.0s' {1..300})"
id=$(http_header X-Request-Id)
like "$id" '^[A-Za-z0-9._:-]{8,128}$' "an unsafe X-Request-Id is replaced by a made one"

# --- the app's JSON errors
http GET "$PLATFORM_URL/api/no-such-route" -H 'X-Request-Id: t5001-404'
is "$HTTP_STATUS" 404 "unknown API route: 404"
json_error not_found "unknown API route: JSON error not_found"
is "$(http_header X-Request-Id)" t5001-404 "the 404 carries the request id"

http POST "$PLATFORM_URL/api/healthz" -d '{}' -H 'Content-Type: application/json'
is "$HTTP_STATUS" 405 "POST on a GET route: 405"
json_error method_not_allowed "405 is a JSON error"
like "$(http_header Allow)" '(^|[ ,])GET($|[ ,])' "405 lists GET in Allow"
like "$(http_header X-Request-Id)" . "405 carries a request id"

head -c 4096 /dev/zero | tr '\0' a >"$TEST_TMP/big"
# (healthz is the only route yet; a GET with a body is still checked against the limit)
http GET "$PLATFORM_URL/api/healthz" --data-binary "@$TEST_TMP/big" -H 'Content-Type: application/json'
is "$HTTP_STATUS" 413 "a body over PLATFORM_MAX_BODY (1024) is refused with 413 by the API"
json_error body_too_large "the API's 413 is a JSON error"
http GET "$PLATFORM_URL/api/healthz" --data-binary "@$TEST_TMP/big" -H 'Content-Type: application/json' \
	-H 'X-Request-Id: t5001-413'
is "$(http_header X-Request-Id)" t5001-413 "the API's 413 carries the request id"

# --- nginx's own errors, in the same JSON shape
http GET "$PLATFORM_URL/no-such-page" -H 'X-Request-Id: t5001-nginx-404'
is "$HTTP_STATUS" 404 "a path outside the API: 404"
json_error not_found "nginx's 404 is a JSON error"
is "$(http_header X-Request-Id)" t5001-nginx-404 "nginx's 404 carries the request id"

http GET "$PLATFORM_URL/internal/nchan/auth"
is "$HTTP_STATUS" 404 "/internal/ is not reachable from outside"
json_error not_found "/internal/ from outside: JSON 404"

truncate -s 31M "$TEST_TMP/huge"
http POST "$PLATFORM_URL/hooks/github" --data-binary "@$TEST_TMP/huge" -H 'Expect: 100-continue' \
	-H 'X-Request-Id: t5001-huge'
is "$HTTP_STATUS" 413 "a body over nginx's 30 MB limit: 413 from nginx"
json_error body_too_large "nginx's 413 is a JSON error, same code as the API's"
is "$(http_header X-Request-Id)" t5001-huge "nginx's 413 carries the request id"
rm -f "$TEST_TMP/huge" "$TEST_TMP/big"

http GET "$PLATFORM_URL/bench/static"
is "$HTTP_STATUS" 200 "the benchmark's fixed-body location answers"

# --- nchan publisher: loopback server only
http POST "$PLATFORM_NCHAN_PUBLISH_URL/pub/t5001-channel" -d 'hello' -H 'Content-Type: text/plain'
is "$HTTP_STATUS" 202 "publishing to a channel without subscribers: 202"
http GET "$PLATFORM_NCHAN_PUBLISH_URL/pub/t5001-channel" -H 'Accept: application/json'
is "$HTTP_STATUS" 200 "the channel exists after the publish"
json_is .messages 1 "the channel holds the message"

http POST "$PLATFORM_URL/pub/t5001-channel" -d 'hello'
is "$HTTP_STATUS" 404 "the publisher location is not on the public server"
http GET "$PLATFORM_NCHAN_PUBLISH_URL/pub/t5001-channel" -H 'Accept: application/json'
json_is .messages 1 "a publish through the public server stored nothing"
ok "the publisher listens on 127.0.0.1 only" grep -Eq "^ *listen 127\.0\.0\.1:$PLATFORM_NCHAN_PUBLISH_PORT;" \
	"$STACK_DIR/nginx/nginx.conf"

# --- nchan subscribers are authorized by the API (the endpoint itself comes later: until then,
# and later without a valid session, the subscriber is refused with the API's answer)
for path in /api/deployments/t5001d/logs/ws /api/projects/t5001p/events/ws; do
	http GET "$PLATFORM_URL$path" -H 'Cookie: __Host-platform_session=not-a-session' -H "X-Request-Id: t5001-sub" \
		-H 'Accept: text/event-stream'
	like "$HTTP_STATUS" '^4[0-9][0-9]$' "$path: a subscriber without a session is refused ($HTTP_STATUS)"
	json_ok "$path: the refusal is the API's JSON"
	is "$(http_header_count X-Request-Id)" 1 "$path: the refusal carries one X-Request-Id"
done
ok "the authorization subrequest reached the API, with the request id" \
	grep -q '"request_id":"t5001-sub".*"path":"/internal/nchan/auth"' "$STACK_DIR/logs/api.log"
ok "no nginx worker crashed" not grep -q 'exited on signal' "$STACK_DIR/logs/nginx-error.log"

# --- pool unreachable: nginx answers 502 in JSON
"$DEV_STACK" stop "$STACK_DIR" api 2>/dev/null
http GET "$PLATFORM_URL/api/healthz" -H 'X-Request-Id: t5001-502'
is "$HTTP_STATUS" 502 "with the pool stopped, nginx answers 502"
json_error bad_gateway "nginx's 502 is a JSON error"
is "$(http_header X-Request-Id)" t5001-502 "nginx's 502 carries the request id"
is "$(cat "$STACK_DIR/run/api.exit" 2>/dev/null)" 0 "platform-api exited 0 on SIGTERM"

done_testing
