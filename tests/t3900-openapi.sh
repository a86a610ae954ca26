#!/bin/bash
# t3900-openapi.sh: api/openapi.yaml is a valid OpenAPI 3.1 document, and the running stack keeps
# to it: tests/contract/openapi-contract.js drives sign-in, workspaces, members, projects,
# deployments, the pipeline callback and the error cases (401 403 404 405 409 413 422 ...)
# through nginx against the fake GitHub, and checks every answer against the document.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/github-fake.sh"

if [ ! -d "$top_srcdir/tests/node_modules/@apidevtools/swagger-parser" ] ||
	[ ! -d "$top_srcdir/tests/node_modules/ajv-formats" ]; then
	bail_out "the Node packages are missing: run 'npm ci' in tests/"
fi

github_fake_up
export PLATFORM_DOMAIN=apps.test PLATFORM_PUBLIC_URL=https://platform.contract.test
# a small body limit, so a 413 needs only a small request
export PLATFORM_MAX_BODY=65536
stack_up

# The served copy is the one built into the binary: it must be the file in the checkout.
http GET "$PLATFORM_URL/api/openapi.yaml"
is "$HTTP_STATUS" 200 "GET /api/openapi.yaml answers"
ok "the served document is api/openapi.yaml as it is now (run make after editing it)" \
	cmp -s "$top_srcdir/api/openapi.yaml" <(printf '%s\n' "$HTTP_BODY")

summary=$TEST_TMP/contract-summary.json
TAP_START=$TAP_N ROUTES_C=$top_srcdir/fcgi/routes.c FAKE_GITHUB=$FAKE_GITHUB PLATFORM_URL=$PLATFORM_URL \
	PLATFORM_API_LISTEN=$PLATFORM_API_LISTEN PLATFORM_DATABASE_URL=$PLATFORM_DATABASE_URL \
	NODE_PATH="$top_srcdir/tests/node_modules" \
	node "$top_srcdir/tests/contract/openapi-contract.js" "$top_srcdir/api/openapi.yaml" "$summary"
[ -s "$summary" ] || bail_out "the contract script ended without a summary"
TAP_N=$((TAP_N + $(jq -r .count "$summary")))
TAP_FAILED=$((TAP_FAILED + $(jq -r .failed "$summary")))

done_testing
