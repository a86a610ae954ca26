#!/bin/bash
# t5011-log-cadence.sh: the worker polls a build's Jenkins log fast while its nchan channel has
# subscribers and at the slow PLATFORM_JENKINS_POLL_MS otherwise (worker/cadence.h)
. "${top_srcdir:-.}/tests/t4-lib.sh"

export PLATFORM_JENKINS_POLL_MS=2500 PLATFORM_JENKINS_WATCHED_POLL_MS=100
export PLATFORM_DEPLOY_SUPERSEDE=0
t4_stack
t4_seed alice
# a build that prints a line every 50 ms for 6 s
fake_config '{"default":{"queueMs":300,"lines":120,"lineMs":50}}'
worker_start w1

# reads DEPLOYMENT: how many times the worker stored new log text, i.e. polls that found some
reads() { psql_stack -c "SELECT count(*) FROM deployment_logs WHERE deployment_id = '$1'"; }

quiet=$(t4_project quiet)
deploy "$quiet"
q=$DEPLOY_ID
ok "an unwatched build is released" wait_state "$q" released 40
nq=$(reads "$q")
cmp_ok "$nq" -le 8 "nobody watching: the 6 s log was read at the slow rate (got $nq reads)"

watched=$(t4_project watched)
deploy "$watched"
w=$DEPLOY_ID
(cd "$top_srcdir/tests" && node live/subscribe.mjs "ws://${PLATFORM_URL#http://}/api/deployments/$w/logs/ws" \
	--bearer "$TOKEN" --want 100000 --timeout 20000 >"$TEST_TMP/sub") &
bg_register $!
ok "a watched build is released" wait_state "$w" released 40
nw=$(reads "$w")
cmp_ok "$nw" -ge 20 "someone watching: the log was read fast (got $nw reads)"
stored() { [ "$(fake_get "log/$w" | wc -c)" = "$(psql_stack -c "SELECT coalesce(sum(octet_length(chunk)), 0) FROM deployment_logs WHERE deployment_id = '$w'")" ]; }
ok "and all of it was stored" wait_until 10 stored

done_testing
