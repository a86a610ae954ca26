/* cmd_signin.c: platformctl signin-link LOGIN: a one-time sign-in link for the web console of a
 * local stack (PLATFORM_LOCAL_SIGNIN=1), creating the local user and their personal workspace
 * when the login is new. Only the code's SHA-256 is stored; POST /api/auth/local consumes it. */
#include "cmd.h"

#include "audit.h"
#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "err.h"
#include "msession.h"
#include "mws.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGNIN_TTL_DEFAULT 300
#define SIGNIN_TTL_MAX	   3600

static int usage(void)
{
	fprintf(stderr,
		"usage: platformctl signin-link LOGIN [--ttl SECONDS]\n"
		"  prints a single-use sign-in URL for the web console on its last line\n"
		"  (the local stack only: the API honours it with PLATFORM_LOCAL_SIGNIN=1)\n");
	return 2;
}

/* GitHub's login rule: 1 to 39 letters, digits and single inner hyphens. The login becomes a
 * workspace name and is shown in the console, so nothing else gets in. */
static int login_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 39 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
		if (s[i] == '-' && s[i + 1] == '-')
			return 0;
	}
	return 1;
}

/* The user of `login` (by lower-case login: the oldest one when GitHub renames left two). */
static int find_user(struct db *db, const char *login, char *id, size_t idlen, struct err *e)
{
	const char *params[] = {login};
	PGresult *res = msession_user_by_local_login(db, params, e);

	if (!res)
		return -1;
	id[0] = '\0';
	if (PQntuples(res) == 1)
		snprintf(id, idlen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* A local user has no GitHub account: it gets a negative github_id, which no GitHub user has,
 * and the same personal workspace a first GitHub sign-in makes (fcgi/h_auth.c). */
static int create_user(struct db *db, const char *login, char *id, size_t idlen, struct err *e)
{
	char uid[9], wsid[9];

	for (int attempt = 0; attempt < 5; attempt++) {
		const char *params[] = {uid, login};

		if (crypto_short_id(uid, sizeof(uid)) < 0 ||
		    crypto_short_id(wsid, sizeof(wsid)) < 0)
			return err_set(e, 500, "internal_error", "no randomness available");
		if (db_command(db, "SAVEPOINT new_user", 0, NULL, e) < 0)
			return -1;
		if (msession_local_user_insert(db, params, e) >= 0) {
			const char *wparams[] = {wsid, login, uid};

			if (mws_create_personal(db, wparams, e) >= 0 &&
			    audit_record(db, NULL, uid, "user.signup", "user", uid, NULL, NULL,
					 e) >= 0 &&
			    audit_record(db, wsid, uid, "workspace.create", "workspace", wsid, NULL,
					 NULL, e) >= 0) {
				snprintf(id, idlen, "%s", uid);
				return 0;
			}
		}
		/* a random id (user, workspace or github_id) met another's: draw again */
		if (strcmp(db->constraint, "users_pkey") &&
		    strcmp(db->constraint, "workspaces_pkey") &&
		    strcmp(db->constraint, "users_github_id_key"))
			return -1;
		if (db_command(db, "ROLLBACK TO SAVEPOINT new_user", 0, NULL, e) < 0)
			return -1;
	}
	return err_set(e, 500, "internal_error", "could not draw a free user id");
}

static int store_code(struct db *db, const char *user_id, long ttl, struct buf *code, struct err *e)
{
	unsigned char hash[32];
	struct buf hex = BUF_INIT;
	char ttls[32];
	const char *params[3];
	long n;

	if (crypto_token(code, 32) < 0)
		return err_set(e, 500, "internal_error", "no randomness available");
	crypto_sha256(code->buf, code->len, hash);
	crypto_hex(hash, sizeof(hash), &hex);
	snprintf(ttls, sizeof(ttls), "%ld", ttl);
	params[0] = hex.buf;
	params[1] = user_id;
	params[2] = ttls;
	/* expired codes go as new ones come: no sweeper needed for a development table */
	n = msession_local_code_prune(db, NULL, e);
	if (n >= 0)
		n = msession_local_code_insert(db, params, e);
	buf_release(&hex);
	return n < 0 ? -1 : 0;
}

/* The console's base URL: PLATFORM_PUBLIC_URL (scripts/dev-stack sets it for every service). */
static const char *base_url(const struct config *cfg)
{
	return cfg->public_url && *cfg->public_url ? cfg->public_url : NULL;
}

/* LOGIN [--ttl SECONDS] into *login and *ttl: 0, or the exit status of a usage error. */
static int parse_args(int argc, char **argv, const char **login, long *ttl)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ttl") && i + 1 < argc) {
			char *end;

			*ttl = strtol(argv[++i], &end, 10);
			if (*end || *ttl < 10 || *ttl > SIGNIN_TTL_MAX) {
				fprintf(stderr,
					"platformctl signin-link: --ttl is 10 to %d seconds\n",
					SIGNIN_TTL_MAX);
				return 2;
			}
		} else if (argv[i][0] == '-' || *login) {
			return usage();
		} else {
			*login = argv[i];
		}
	}
	if (!*login)
		return usage();
	if (!login_valid(*login)) {
		fprintf(stderr,
			"platformctl signin-link: '%s' is not a GitHub-style login (1 to 39 "
			"letters, digits and single hyphens)\n",
			*login);
		return 2;
	}
	return 0;
}

int cmd_signin(const struct config *cfg, int argc, char **argv)
{
	static const char *const required[] = {"database_url", NULL};
	struct db db = {0};
	struct err e = ERR_INIT;
	struct buf code = BUF_INIT;
	const char *login = NULL, *base;
	char user_id[16];
	long ttl = SIGNIN_TTL_DEFAULT;
	int rc = 1, created = 0;
	size_t blen;

	if ((rc = parse_args(argc, argv, &login, &ttl)) != 0)
		return rc;
	rc = 1;
	if (config_require(cfg, required, &e) < 0) {
		fprintf(stderr, "platformctl signin-link: %s\n", e.msg);
		return 1;
	}
	if (!cfg->local_signin) {
		fprintf(stderr,
			"platformctl signin-link: PLATFORM_LOCAL_SIGNIN is not 1, so the API "
			"refuses sign-in links (they are for local stacks only)\n");
		goto out;
	}
	base = base_url(cfg);
	if (!base) {
		fprintf(stderr, "platformctl signin-link: set PLATFORM_PUBLIC_URL (the console's "
				"address)\n");
		goto out;
	}
	if (db_open(&db, cfg->database_url, (int)cfg->db_connect_timeout, &e) < 0 ||
	    db_begin(&db, &e) < 0)
		goto fail;
	if (find_user(&db, login, user_id, sizeof(user_id), &e) < 0)
		goto rollback;
	if (!user_id[0]) {
		if (create_user(&db, login, user_id, sizeof(user_id), &e) < 0)
			goto rollback;
		created = 1;
	}
	if (store_code(&db, user_id, ttl, &code, &e) < 0 || db_commit(&db, &e) < 0)
		goto rollback;
	blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	fprintf(stderr, "%s user %s (id %s); this link signs in once, within %ld s:\n",
		created ? "created the local" : "the", login, user_id, ttl);
	/* the code rides in the fragment: browsers never send it to a server or in a Referer */
	printf("%.*s/signin#code=%s\n", (int)blen, base, code.buf);
	rc = 0;
	goto out;
rollback:
	db_rollback(&db);
fail:
	fprintf(stderr, "platformctl signin-link: %s\n", e.msg);
out:
	OPENSSL_cleanse(code.buf, code.len);
	buf_release(&code);
	db_release(&db);
	return rc;
}
