/*
 * Rule 4 of the Citus plan (docs/citus.md): a join between two
 * distributed tables equates their region_code, so that Citus runs it on
 * one node. Each statement's PostgreSQL text (store/pg.h pg_statement) is
 * read for its tables and their aliases (FROM, JOIN, UPDATE, INTO and
 * comma joins) and for the equalities between two aliases' columns
 * (`a.case_id = c.id`, in an ON, a WHERE or a correlated subquery): two
 * aliases of distributed tables (deploy/citus/distribute.sql) that are
 * equated so must also be equated by `x.region_code = y.region_code`.
 *
 * Every statement holds it: a new one that joins without the region fails
 * here by name. What it does not see: a join through IN (SELECT …) or a
 * CTE's name, and USING; and the region equated anywhere in a statement
 * counts for every equality of the same two aliases (ST_GEN_SEEDS's
 * `l.other_id = c.id`, a link to another city's case, passes so).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "citus_plan.h"
#include "store/pg.h"
#include "store/store.h"

#define NAME_MAX_ 64
#define ALIASES_MAX 96

/* Whether t is distributed in the plan. */
static bool distributed(const char *t)
{
	return plan_distributed(t) == 1;
}

static bool keyword(const char *w)
{
	static const char *const kw[] = {
	    "where",   "on",    "join",    "left",   "inner",     "cross",  "using",  "group",
	    "order",   "limit", "union",   "select", "set",       "values", "as",     "lateral",
	    "natural", "full",  "right",   "outer",  "returning", "and",    "or",     "not",
	    "exists",  "in",    "default", "do",     "select",    "having", "window", "offset"};
	for (size_t i = 0; i < sizeof kw / sizeof *kw; i++)
		if (!strcasecmp(w, kw[i]))
			return true;
	return false;
}

struct aliases {
	char name[ALIASES_MAX][NAME_MAX_], table[ALIASES_MAX][NAME_MAX_];
	int n;
};

static void alias_add(struct aliases *a, const char *name, const char *table)
{
	if (a->n < ALIASES_MAX) {
		snprintf(a->name[a->n], NAME_MAX_, "%s", name);
		snprintf(a->table[a->n++], NAME_MAX_, "%s", table);
	}
}

static const char *alias_table(const struct aliases *a, const char *name)
{
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->name[i], name))
			return a->table[i];
	return NULL;
}

static void group(const char *s, const regmatch_t *m, char *out)
{
	size_t n = m->rm_so < 0 ? 0 : (size_t)(m->rm_eo - m->rm_so);
	if (n >= NAME_MAX_)
		n = NAME_MAX_ - 1;
	memcpy(out, s + (m->rm_so < 0 ? 0 : m->rm_so), n);
	out[n] = '\0';
}

/* The aliases of the distributed tables of sql (a table named without
 * an alias is its own). */
static void aliases_of(const char *sql, struct aliases *a)
{
	regex_t named, comma;
	assert_int_equal(regcomp(&named,
	                         "(FROM|JOIN|UPDATE|INTO)[[:space:]]+([a-z_0-9]+)"
	                         "([[:space:]]+(AS[[:space:]]+)?([a-z_0-9]+))?",
	                         REG_EXTENDED | REG_ICASE),
	                 0);
	assert_int_equal(
	    regcomp(&comma, ",[[:space:]]*([a-z_0-9]+)[[:space:]]+([a-z_0-9]+)", REG_EXTENDED), 0);
	a->n = 0;
	regmatch_t m[6];
	char t[NAME_MAX_], al[NAME_MAX_];
	for (const char *p = sql; !regexec(&named, p, 6, m, 0); p += m[2].rm_eo) {
		group(p, &m[2], t);
		if (!distributed(t))
			continue;
		alias_add(a, t, t);
		group(p, &m[5], al);
		if (*al && !keyword(al))
			alias_add(a, al, t);
	}
	for (const char *p = sql; !regexec(&comma, p, 3, m, 0); p += m[1].rm_eo) {
		group(p, &m[1], t);
		group(p, &m[2], al);
		if (distributed(t) && !keyword(al))
			alias_add(a, al, t);
	}
	regfree(&named);
	regfree(&comma);
}

/* Whether sql says `x.region_code = y.region_code` (either way round). */
static bool region_equated(const char *sql, const char *x, const char *y)
{
	char a[160], b[160];
	snprintf(a, sizeof a, "%s.region_code = %s.region_code", x, y);
	snprintf(b, sizeof b, "%s.region_code = %s.region_code", y, x);
	for (const char *p = sql; (p = strstr(p, a)) != NULL; p++)
		if (p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			return true;
	for (const char *p = sql; (p = strstr(p, b)) != NULL; p++)
		if (p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			return true;
	return false;
}

/* The first pair of aliases of distributed tables that sql equates
 * without their regions, into why; false when there is none. */
static bool breaks_rule(const char *sql, char *why, size_t cap)
{
	struct aliases *a = calloc(1, sizeof *a);
	assert_non_null(a);
	aliases_of(sql, a);
	regex_t eq;
	assert_int_equal(regcomp(&eq,
	                         "([a-z_0-9]+)\\.([a-z_0-9]+)[[:space:]]*=[[:space:]]*"
	                         "([a-z_0-9]+)\\.([a-z_0-9]+)",
	                         REG_EXTENDED),
	                 0);
	regmatch_t m[5];
	bool bad = false;
	for (const char *p = sql; !bad && !regexec(&eq, p, 5, m, 0); p += m[0].rm_eo) {
		char x[NAME_MAX_], cx[NAME_MAX_], y[NAME_MAX_], cy[NAME_MAX_];
		group(p, &m[1], x);
		group(p, &m[2], cx);
		group(p, &m[3], y);
		group(p, &m[4], cy);
		if (!strcmp(x, y) || !alias_table(a, x) || !alias_table(a, y) ||
		    (!strcmp(cx, "region_code") && !strcmp(cy, "region_code")))
			continue;
		if (!region_equated(sql, x, y)) {
			snprintf(why, cap, "%s.%s = %s.%s (%s, %s) without their region_code", x,
			         cx, y, cy, alias_table(a, x), alias_table(a, y));
			bad = true;
		}
	}
	regfree(&eq);
	free(a);
	return bad;
}

static void joins_between_distributed_tables_hold_the_region(void **state)
{
	(void)state;
	int bad = 0, held = 0;
	for (int i = 0; i < STMT__COUNT; i++) {
		struct pg_sql q;
		if (pg_statement_none((enum stmt_id)i))
			continue;
		assert_int_equal(pg_statement((enum stmt_id)i, &q), 0);
		const char *name = pg_statement_name((enum stmt_id)i);
		char why[512];
		bool breaks = breaks_rule(q.sql, why, sizeof why);
		if (breaks) {
			print_error("%s: %s\n", name, why);
			bad++;
		}
		held += !breaks && strstr(q.sql, ".region_code = ") != NULL;
		pg_sql_release(&q);
	}
	print_message("%d statements join distributed tables without the region,"
	              " %d equate regions\n",
	              bad, held);
	assert_int_equal(bad, 0);
}

/* The check itself on statements made for it. */
static void the_check_tells_a_join_without_the_region(void **state)
{
	(void)state;
	char why[512];
	assert_true(breaks_rule("SELECT 1 FROM cases c JOIN assignments a ON a.case_id = c.id", why,
	                        sizeof why));
	assert_non_null(strstr(why, "a.case_id = c.id"));
	assert_false(breaks_rule("SELECT 1 FROM cases c JOIN assignments a"
	                         " ON a.region_code = c.region_code AND a.case_id = c.id",
	                         why, sizeof why));
	assert_false(
	    breaks_rule("SELECT 1 FROM cases c JOIN orgs o ON o.id = c.org_id", why, sizeof why));
	assert_true(breaks_rule("SELECT 1 FROM cases c WHERE EXISTS (SELECT 1 FROM events e"
	                        " WHERE e.case_id = c.id)",
	                        why, sizeof why));
	assert_true(
	    breaks_rule("SELECT 1 FROM cases c, links l WHERE l.case_id = c.id", why, sizeof why));
	assert_false(breaks_rule("SELECT 1 FROM cases c, links l WHERE c.region_code ="
	                         " l.region_code AND l.case_id = c.id",
	                         why, sizeof why));
	/* a prefix of another alias is not its region */
	assert_true(breaks_rule("SELECT 1 FROM cases c JOIN assignments a ON a.case_id = c.id"
	                        " AND xa.region_code = c.region_code",
	                        why, sizeof why));
}

/* The plan, read once: it has the case's family distributed. */
static int plan_setup(void **state)
{
	(void)state;
	plan_read();
	int n = 0;
	for (int i = 0; i < plan.n; i++)
		n += plan.distributed[i];
	assert_true(n > 20);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_check_tells_a_join_without_the_region),
	    cmocka_unit_test(joins_between_distributed_tables_hold_the_region),
	};
	return cmocka_run_group_tests(tests, plan_setup, NULL);
}
