/* test_deploy.c: the deployment state table and the log chunk rules (lib/model/deploy) */
#include "deploy.h"
#include "tap.h"

#include <string.h>

static void test_states(void)
{
	enum deploy_state s;

	for (int i = 0; i < DEPLOY_NSTATES; i++) {
		ok(deploy_state_parse(deploy_state_name((enum deploy_state)i), &s) == 0 &&
		       (int)s == i,
		   "state %d round-trips through its name", i);
	}
	ok(deploy_state_parse("nope", &s) < 0, "an unknown state is refused");
	ok(deploy_state_name(DEPLOY_NSTATES) == NULL, "no name past the last state");
	ok(deploy_can_move(DEPLOY_QUEUED, DEPLOY_BUILDING), "queued -> building");
	ok(deploy_can_move(DEPLOY_BUILDING, DEPLOY_PUSHED), "building -> pushed");
	ok(deploy_can_move(DEPLOY_BUILDING, DEPLOY_RELEASED),
	   "building -> released (lost pushed event)");
	ok(deploy_can_move(DEPLOY_PUSHED, DEPLOY_RELEASED), "pushed -> released");
	ok(deploy_can_move(DEPLOY_RELEASED, DEPLOY_SYNCING), "released -> syncing");
	ok(deploy_can_move(DEPLOY_SYNCING, DEPLOY_LIVE), "syncing -> live");
	ok(deploy_can_move(DEPLOY_QUEUED, DEPLOY_CANCELLED), "queued -> cancelled");
	ok(deploy_can_move(DEPLOY_PUSHED, DEPLOY_SUPERSEDED), "pushed -> superseded");
	ok(!deploy_can_move(DEPLOY_RELEASED, DEPLOY_CANCELLED), "released cannot be cancelled");
	ok(!deploy_can_move(DEPLOY_BUILDING, DEPLOY_QUEUED), "nothing moves back");
	for (int i = DEPLOY_FAILED; i < DEPLOY_NSTATES; i++) {
		int any = 0;

		for (int k = 0; k < DEPLOY_NSTATES; k++)
			any |= deploy_can_move((enum deploy_state)i, (enum deploy_state)k);
		ok(!any && deploy_state_final((enum deploy_state)i), "%s is final",
		   deploy_state_name((enum deploy_state)i));
	}
	ok(!deploy_can_move(DEPLOY_LIVE, DEPLOY_FAILED), "live is final");
	ok(!deploy_can_move(DEPLOY_QUEUED, DEPLOY_QUEUED), "no move to the same state");
}

static void test_cut(void)
{
	const char *euro = "a\xe2\x82\xac"; /* "a€" */

	is_int(deploy_log_cut("hello\n", 6), 6, "ASCII is kept whole");
	is_int(deploy_log_cut(euro, 4), 4, "a complete 3-byte character is kept");
	is_int(deploy_log_cut(euro, 3), 1, "a character missing its last byte is held back");
	is_int(deploy_log_cut(euro, 2), 1, "a character missing two bytes is held back");
	is_int(deploy_log_cut("\xf0\x9f\x98", 3), 0,
	       "a lone partial 4-byte character is held back");
	is_int(deploy_log_cut("", 0), 0, "empty stays empty");
	is_int(deploy_log_cut("ab\x80\x80\x80\x80", 6), 6, "garbage is not held back for ever");
}

static void test_clean(void)
{
	struct buf b = BUF_INIT;

	deploy_log_clean("ok \xc3\xa9\n", 6, &b);
	is_str(b.buf, "ok \xc3\xa9\n", "valid UTF-8 is copied byte for byte");
	buf_reset(&b);
	deploy_log_clean("a\0b", 3, &b);
	is_str(b.buf,
	       "a\xef\xbf\xbd"
	       "b",
	       "NUL becomes U+FFFD");
	buf_reset(&b);
	deploy_log_clean("x\xffy", 3, &b);
	is_str(b.buf, "x\xef\xbf\xbdy", "an invalid byte becomes U+FFFD");
	buf_reset(&b);
	deploy_log_clean("\xed\xa0\x80", 3, &b);
	is_int(b.len, 9, "a surrogate is three replacement characters");
	buf_release(&b);
}

int main(void)
{
	test_states();
	test_cut();
	test_clean();
	return tap_done();
}
