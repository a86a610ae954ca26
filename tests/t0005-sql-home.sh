#!/bin/bash
# t0005-sql-home.sh: SQL lives in the model modules only (scripts/sql-home), the jobs table is
# written by lib/db/queue.c alone, and deployments.state only by deploy_transition
. "${top_srcdir:-.}/tests/lib.sh"

cd "$top_srcdir" || bail_out "no source tree"
command -v perl >/dev/null || bail_out "perl is needed"

out=$(scripts/sql-home 2>&1)
is "$?" 0 "no SQL outside lib's model modules (fcgi/, worker/, cli/ and the rest of lib/)"
[ -z "$out" ] || diag "$out"

# the check finds what it is for: inline SQL in a handler, a jobs write, a state write
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/fcgi" "$tmp/lib/model"
cat >"$tmp/fcgi/h_example.c" <<'C'
/* a handler with SQL of its own */
static void f(struct req *r)
{
	db_query(&r->app->db, "SELECT id" " FROM projects WHERE id = $1", 1, p, &e);
}
C
cat >"$tmp/lib/model/deploy.c" <<'C'
static void g(void)
{
	db_command(db, "INSERT INTO jobs (kind) VALUES ('deploy')", 0, NULL, e);
	db_command(db, "UPDATE deployments SET error = $2,"
		       " state = 'failed' WHERE id = $1", 2, p, e);
	db_command(db, "UPDATE deployments SET image = $2 WHERE id = $1 AND state = 'queued'", 2, p, e);
}
C
out=$(scripts/sql-home "$tmp/fcgi/h_example.c" "$tmp/lib/model/deploy.c")
isnt "$?" 0 "a file with misplaced SQL fails the check"
like "$out" "fcgi/h_example.c:4: SQL outside the model modules: SELECT id FROM projects" \
	"it names the handler's statement, read across adjacent literals"
like "$out" "lib/model/deploy.c:3: a jobs write outside lib/db/queue.c" "and a jobs write outside the queue"
like "$out" "lib/model/deploy.c:4: deployments.state written outside deploy_transition" \
	"and a state change that does not go through deploy_transition"
is "$(grep -c 'lib/model/deploy.c:6' <<<"$out")" 0 "a state in a WHERE clause is no write"
done_testing
