/*
 * Target search: any text a user types into a search box. Every input is
 * a query q, byte for byte, and
 *
 *  1. util/tokenize.h gives, in each mode, tokens of 1..TOKEN_MAX bytes of
 *     valid UTF-8, each from a byte range inside the input, never a token
 *     for an invalid byte;
 *  2. core/search.h's search_match() either refuses q on the field "q"
 *     (400) or builds an FTS5 query that SQLite accepts: search_cases() and
 *     case_list() with that q (as disp1, the whole county, and town1) must
 *     answer — a syntax error would come back as 503, and no text a user
 *     types may do that.
 *
 * Input: the query's bytes.
 */
#include "harness.h"
#include "core/engine.h"
#include "core/search.h"
#include "util/tokenize.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct actor actors[2];

static void load_actor(struct fz_world *w, const char *login, struct actor *a)
{
	struct store_stmt *s = store_stmt(w->conn, ST_USER_BY_LOGIN);
	sbind_text(s, 1, login);
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (!uid || actor_load(w->conn, uid, a) != 0)
		fz_fail("no demo account %s", login);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct fz_world *w = fz_world();
	load_actor(w, "disp1", &actors[0]);
	load_actor(w, "town1", &actors[1]);
	return 0;
}

struct span {
	size_t n;
};

static int check_token(void *ctx, const char *tok, size_t len, size_t start, size_t end,
                       bool colocated)
{
	(void)colocated;
	const struct span *sp = ctx;
	if (len == 0 || len > TOKEN_MAX)
		fz_fail("a token of %zu bytes", len);
	if (!utf8_valid(tok, len))
		fz_fail("a token that is not UTF-8");
	if (start >= end || end > sp->n)
		fz_fail("a token from bytes %zu..%zu of %zu", start, end, sp->n);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span sp = {size};
	for (int m = TOKENIZE_DOCUMENT; m <= TOKENIZE_QUERY; m++)
		tokenize((const char *)data, size, (enum tokenize_mode)m, check_token, &sp);
	char *q = fz_strndup(data, size);
	if (!q)
		return 0;
	char match[SEARCH_MATCH_CAP];
	struct err e = {0};
	int rc = search_match(q, match, &e);
	if (rc != 0 && (e.kind != E_FIELD_INVALID || strcmp(e.field, "q")))
		fz_fail("search_match refused q without naming it: kind %d", (int)e.kind);
	if (rc == 0 && strlen(match) >= SEARCH_MATCH_CAP)
		fz_fail("the match overran its buffer");
	struct fz_world *w = fz_world();
	for (int i = 0; i < 2; i++) {
		json_t *out = NULL;
		struct search_query sq = {.q = q, .limit = 5};
		struct err se = {0};
		if (search_cases(w->conn, &w->app, &actors[i], &sq, &out, &se) != 0 &&
		    (se.kind != E_FIELD_INVALID || rc == 0))
			fz_fail("search for q answered %d: %s", (int)se.kind, err_message(&se));
		json_decref(out);
		out = NULL;
		struct case_query cq = {.q = q, .limit = 5};
		struct err le = {0};
		if (case_list(w->conn, &w->app, &actors[i], &cq, &out, &le) != 0 &&
		    le.kind != E_FIELD_INVALID)
			fz_fail("the list with q answered %d: %s", (int)le.kind, err_message(&le));
		json_decref(out);
	}
	free(q);
	return 0;
}
