# mk/openapi.mk: the OpenAPI contract test (api/openapi.yaml against the running stack)
TESTS += tests/t3900-openapi.sh
EXTRA_DIST += tests/t3900-openapi.sh tests/contract/openapi-contract.js \
	tests/package.json tests/package-lock.json
