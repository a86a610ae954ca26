#!/usr/bin/env bash
# t6002-metrics.sh: Prometheus metrics of the API pool (summed across pre-forked children) and the
# worker, on their own loopback listeners, accepted by promtool; the README's alert rule too
. "${top_srcdir:-.}/tests/t4-lib.sh"

export PLATFORM_WORKERS=3
export PLATFORM_DEPLOY_SUPERSEDE=0
export PLATFORM_JENKINS_POLL_MS=100
t4_stack
t4_seed alice

# metric FILE NAME{LABELS}: the value of one series (empty when absent)
metric() { awk -v s="$2" '$1 == s { print $2 }' "$1"; }
scrape() { curl -sS --max-time 10 -o "$2" -w '%{http_code}' "$1"; }

like "${PLATFORM_API_METRICS_URL:-}" '^http://127\.0\.0\.1:[0-9]+/metrics$' "stack.env names the API's metrics URL, on loopback"
http GET "$PLATFORM_URL/metrics"
is "$HTTP_STATUS" 404 "the public nginx does not serve metrics"
http GET "$PLATFORM_URL/api/metrics"
is "$HTTP_STATUS" 404 "nor does the API's public route table"

# ---- requests by route and status, added up across the pool's children
for i in $(seq 1 60); do curl -s -o /dev/null "$PLATFORM_URL/api/healthz"; done
for i in $(seq 1 7); do curl -s -o /dev/null "$PLATFORM_URL/api/nothing-here"; done
for i in $(seq 1 5); do curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$PLATFORM_URL/api/me"; done
for i in $(seq 1 4); do curl -s -o /dev/null "$PLATFORM_URL/api/me"; done
is "$(scrape "$PLATFORM_API_METRICS_URL" "$TEST_TMP/api.prom")" 200 "GET /metrics answers 200"
ok "promtool accepts the API's metrics" promtool check metrics <"$TEST_TMP/api.prom"
is "$(metric "$TEST_TMP/api.prom" 'platform_api_requests_total{method="GET",route="/api/healthz",status="200"}')" 60 \
	"60 healthz requests counted once each, whichever child served them"
is "$(metric "$TEST_TMP/api.prom" 'platform_api_requests_total{method="",route="unmatched",status="404"}')" 8 \
	"unknown paths (7 and /api/metrics above) are one series, not one per path"
is "$(metric "$TEST_TMP/api.prom" 'platform_api_requests_total{method="GET",route="/api/me",status="200"}')" 5 "routes by their pattern and status (200)"
is "$(metric "$TEST_TMP/api.prom" 'platform_api_requests_total{method="GET",route="/api/me",status="401"}')" 4 "and 401"
is "$(metric "$TEST_TMP/api.prom" 'platform_api_request_duration_seconds_count{method="GET",route="/api/healthz"}')" 60 "a latency histogram per route"
is "$(metric "$TEST_TMP/api.prom" 'platform_api_request_duration_seconds_bucket{method="GET",route="/api/healthz",le="+Inf"}')" 60 "whose +Inf bucket is its count"
is "$(metric "$TEST_TMP/api.prom" 'platform_api_pool_children')" 3 "three pool children"
like "$(metric "$TEST_TMP/api.prom" 'platform_api_pool_children_busy')" '^[0-3]$' "and how many are busy"
# api_children: the pool children of the master (the metrics listener is a child too, named metricsd)
api_children() {
	local f s
	for f in /proc/[0-9]*/stat; do
		{ read -r s <"$f"; } 2>/dev/null || continue
		case $s in *"(metricsd)"*) continue ;; esac
		s=${s##*) }
		read -r _ ppid _ <<<"$s"
		[ "$ppid" = "$PLATFORM_API_PID" ] && f=${f#/proc/} && echo "${f%/stat}"
	done
}
listeners() {
	local f s
	for f in /proc/[0-9]*/stat; do
		{ read -r s <"$f"; } 2>/dev/null || continue
		case $s in *"(metricsd)"*) ;; *) continue ;; esac
		s=${s##*) }
		read -r _ ppid _ <<<"$s"
		[ "$ppid" = "$PLATFORM_API_PID" ] && echo x
	done | wc -l
}
is "$(listeners)" 1 "the listener is one process of the master's own, named metricsd"
kill -KILL "$(api_children | head -n1)"
children_back() {
	scrape "$PLATFORM_API_METRICS_URL" "$TEST_TMP/api2.prom" >/dev/null &&
		[ "$(metric "$TEST_TMP/api2.prom" platform_api_pool_children)" = 3 ] && [ "$(api_children | wc -l)" = 3 ]
}
ok "a killed child is replaced and the gauge says three again" wait_until 20 children_back
is "$(metric "$TEST_TMP/api2.prom" 'platform_api_requests_total{method="GET",route="/api/healthz",status="200"}')" 60 \
	"the dead child's counts are kept"

# ---- database errors and reconnects
"$DEV_STACK" stop "$STACK_DIR" postgres 2>>"$TEST_TMP/stack-up.log"
http GET "$PLATFORM_URL/api/me" -H "Authorization: Bearer $TOKEN"
is "$HTTP_STATUS" 503 "without PostgreSQL the API answers 503"
"$DEV_STACK" start "$STACK_DIR" postgres 2>>"$TEST_TMP/stack-up.log"
back() { [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$PLATFORM_URL/api/me")" = 200 ]; }
ok "and 200 once it is back" wait_until 30 back
for i in 1 2 3 4 5 6; do curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$PLATFORM_URL/api/me"; done
scrape "$PLATFORM_API_METRICS_URL" "$TEST_TMP/api3.prom" >/dev/null
cmp_ok "$(metric "$TEST_TMP/api3.prom" 'platform_db_errors_total{kind="unavailable"}')" -ge 1 "the lost database is counted"
cmp_ok "$(metric "$TEST_TMP/api3.prom" 'platform_db_reconnects_total')" -ge 1 "and the reconnects"
is "$(metric "$TEST_TMP/api3.prom" 'platform_api_requests_total{method="GET",route="/api/me",status="503"}')" 1 "the 503 under its route"
ok "promtool accepts them after all that" promtool check metrics <"$TEST_TMP/api3.prom"

# ---- the worker: jobs, transitions, stages, log bytes, Jenkins errors, the queue from PostgreSQL
free_port_t() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export PLATFORM_WORKER_METRICS_LISTEN=127.0.0.1:$(free_port_t)
WMURL=http://$PLATFORM_WORKER_METRICS_LISTEN/metrics
fake_config '{"default":{"queueMs":200,"lines":30,"lineMs":10},"burst5xx":2}'
worker_start w1
ids=()
for n in m1 m2 m3; do
	p=$(t4_project "$n")
	deploy "$p"
	ids+=("$DEPLOY_ID")
done
for id in "${ids[@]}"; do ok "deployment released" wait_state "$id" released 60; done
for id in "${ids[@]}"; do wait_until 20 job_done "$id"; done
psql_stack -c "INSERT INTO jobs (kind, run_after) VALUES ('probe', now() - interval '90 seconds')" >/dev/null
is "$(scrape "$WMURL" "$TEST_TMP/w.prom")" 200 "the worker's listener answers"
ok "promtool accepts the worker's metrics" promtool check metrics <"$TEST_TMP/w.prom"
is "$(metric "$TEST_TMP/w.prom" 'platform_worker_jobs_claimed_total{kind="deploy"}')" 3 "three deploy jobs claimed"
# With Jenkins, the pipeline's callbacks move states in the API, the worker moves the rest:
# an operator sums the two jobs, and so does this test.
scrape "$PLATFORM_API_METRICS_URL" "$TEST_TMP/api4.prom" >/dev/null
both() { echo $(($(metric "$TEST_TMP/w.prom" "$1") + $(metric "$TEST_TMP/api4.prom" "$1"))); }
both_sum_ms() { awk -v s="$1" '$1 == s { t += $2 } END { printf "%d", t * 1000 }' "$TEST_TMP/w.prom" "$TEST_TMP/api4.prom"; }
is "$(both 'platform_deployment_transitions_total{state="released"}')" 3 "three deployments released (worker + API)"
is "$(both 'platform_deployment_transitions_total{state="building"}')" 3 "after building"
is "$(both 'platform_deployment_transitions_total{state="failed"}')" 0 "none failed"
for st in queued build push; do
	is "$(both "platform_deployment_stage_seconds_count{stage=\"$st\"}")" 3 "a $st stage time for each"
done
cmp_ok "$(both_sum_ms 'platform_deployment_stage_seconds_sum{stage="build"}')" -ge 600 \
	"build stage times add up to at least the fake's 3 x 300 ms of printed lines"
cmp_ok "$(both_sum_ms 'platform_deployment_stage_seconds_sum{stage="queued"}')" -ge 0 "queued stage times are there"
bytes=$(psql_stack -c "SELECT sum(octet_length(chunk)) FROM deployment_logs")
is "$(metric "$TEST_TMP/w.prom" 'platform_worker_log_bytes_total')" "$bytes" "log bytes: exactly what was stored"
is "$(metric "$TEST_TMP/w.prom" 'platform_outside_call_errors_total{service="jenkins",reason="status_5xx"}')" 2 \
	"the two 5xx answers of Jenkins are counted"
cmp_ok "$(metric "$TEST_TMP/w.prom" 'platform_outside_calls_total{service="jenkins"}')" -gt 6 "among all the calls to it"
is "$(metric "$TEST_TMP/w.prom" 'platform_jobs{kind="deploy",state="done"}')" 3 "jobs by kind and state, from PostgreSQL"
is "$(metric "$TEST_TMP/w.prom" 'platform_queue_depth')" 1 "queue depth: the one job no worker takes"
cmp_ok "$(awk '$1 == "platform_queue_oldest_job_age_seconds" { printf "%d", $2 }' "$TEST_TMP/w.prom")" -ge 90 "and its age"
is "$(metric "$TEST_TMP/w.prom" 'platform_worker_queue_read_ok')" 1 "read on the listener's own connection"
isnt "$(metric "$TEST_TMP/w.prom" 'platform_worker_publish_gaps_total')" "" "publish gaps are exported"
isnt "$(metric "$TEST_TMP/w.prom" 'platform_worker_gitops_push_retries_total')" "" "and GitOps push retries"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://$PLATFORM_WORKER_METRICS_LISTEN/other")" 404 "only /metrics is served"
like "$(ss -ltnH "sport = :${PLATFORM_WORKER_METRICS_LISTEN##*:}" 2>/dev/null | awk '{print $4}')" '^127\.0\.0\.1:' "bound to loopback only"
worker_stop w1
ok "the listener ends with its worker" not curl -s -o /dev/null --max-time 2 "$WMURL"

# ---- the README's sample alert for a stuck queue is a valid rule file
sed -n '/^# BEGIN stuck-queue-alert/,/^# END stuck-queue-alert/p' "$top_srcdir/README.md" >"$TEST_TMP/rules.yml"
ok "the README has the sample alert" grep -q 'alert:' "$TEST_TMP/rules.yml"
ok "promtool check rules accepts it" promtool check rules "$TEST_TMP/rules.yml"
done_testing
