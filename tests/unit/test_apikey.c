/*
 * Unit tests for API keys' scopes, org clipping and rate (core/apikey.c):
 * scope text round-trips in canonical order and ignores unknown names; a
 * grant over a scope containing the key's org is cut to it, one inside it
 * stays, others go; a bucket of 5 a minute gives 5 at once, refuses the
 * sixth with its Retry-After, and one more every 12 seconds; keys are
 * counted apart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "core/apikey.h"

#define T0 1700000000000LL

static int setup(void **state)
{
	(void)state;
	apikey_rate_reset_all();
	return 0;
}

static void test_scopes_text(void **state)
{
	(void)state;
	char text[APIKEY_SCOPES_TEXT_MAX];
	unsigned s = apikey_scopes_parse("stats.read  bogus open311.submit STATS.READ");
	assert_int_equal(s, (1u << KS_STATS_READ) | (1u << KS_OPEN311_SUBMIT));
	apikey_scopes_text(s, text, sizeof text);
	assert_string_equal(text, "open311.submit stats.read");
	apikey_scopes_text(APIKEY_SCOPES_ALL, text, sizeof text);
	assert_string_equal(text, "open311.submit linkage.110 import stats.read");
	assert_int_equal(apikey_scopes_parse(text), APIKEY_SCOPES_ALL);
	assert_int_equal(apikey_scopes_parse(""), 0);
	assert_int_equal(apikey_scope_by_name("import"), KS_IMPORT);
	assert_int_equal(apikey_scope_by_name("import "), -1);
	assert_int_equal(apikey_scope_by_name(NULL), -1);
}

static void grant(struct actor *a, const char *role, int64_t org, const char *path,
                  const char *code)
{
	struct role_grant *g = &a->roles[a->nroles++];
	snprintf(g->role, sizeof g->role, "%s", role);
	g->scope_org = org;
	snprintf(g->scope_path, sizeof g->scope_path, "%s", path);
	snprintf(g->scope_code, sizeof g->scope_code, "%s", code);
}

static void test_clip(void **state)
{
	(void)state;
	struct actor a = {.org_id = 1};
	grant(&a, "leader", 1, "/1/", "county");          /* contains the key's org: cut to it */
	grant(&a, "handler", 7, "/1/5/7/", "village.a1"); /* inside it: stays */
	grant(&a, "handler", 6, "/1/6/", "town.b");       /* beside it: goes */
	apikey_clip(&a, 5, "town.a", "/1/5/");
	assert_int_equal(a.nroles, 2);
	assert_string_equal(a.roles[0].scope_path, "/1/5/");
	assert_string_equal(a.roles[0].scope_code, "town.a");
	assert_int_equal(a.roles[0].scope_org, 5);
	assert_string_equal(a.roles[1].scope_code, "village.a1");
	assert_int_equal(a.org_id, 5);
	assert_string_equal(a.org_path, "/1/5/");
	assert_false(actor_can(&a, P_STATS_READ, "/1/"));
	assert_true(actor_can(&a, P_STATS_READ, "/1/5/9/"));
	assert_false(actor_can(&a, P_STATS_READ, "/1/6/"));
}

static void test_rate(void **state)
{
	(void)state;
	int after = 0;
	for (int i = 0; i < 5; i++)
		assert_true(apikey_rate_take(11, 5, T0, &after));
	assert_false(apikey_rate_take(11, 5, T0, &after));
	assert_int_equal(after, 12);                      /* one call every 12 s */
	assert_true(apikey_rate_take(12, 5, T0, &after)); /* another key */
	assert_false(apikey_rate_take(11, 5, T0 + 10500, &after));
	assert_int_equal(after, 2); /* 1.5 s, rounded up */
	assert_true(apikey_rate_take(11, 5, T0 + 12000, &after));
	assert_false(apikey_rate_take(11, 5, T0 + 12000, &after));
	/* a minute on, full again, never past its size */
	for (int i = 0; i < 5; i++)
		assert_true(apikey_rate_take(11, 5, T0 + 600000, &after));
	assert_false(apikey_rate_take(11, 5, T0 + 600000, &after));
	/* a rate lowered takes effect at once */
	for (int i = 0; i < 2; i++)
		assert_true(apikey_rate_take(12, 2, T0 + 600000, &after));
	assert_false(apikey_rate_take(12, 2, T0 + 600000, &after));
	apikey_rate_forget(11);
	assert_true(apikey_rate_take(11, 5, T0 + 600000, &after));
}

static void test_many_keys(void **state)
{
	(void)state;
	int after;
	/* more keys than slots: each still gets its calls, none is refused
	 * because of another */
	for (int64_t id = 1; id <= 20000; id++)
		assert_true(apikey_rate_take(id, 1, T0 + id, &after));
	assert_false(apikey_rate_take(20000, 1, T0 + 20000, &after));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_scopes_text, setup),
	    cmocka_unit_test_setup(test_clip, setup),
	    cmocka_unit_test_setup(test_rate, setup),
	    cmocka_unit_test_setup(test_many_keys, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
