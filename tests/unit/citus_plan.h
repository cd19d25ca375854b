/*
 * The Citus plan as the schema tests read it (test_pg_shard.c,
 * test_shard_joins.c): deploy/citus/distribute.sql names every table once,
 * as a reference table or as distributed by region_code co-located with
 * cases. plan_read fails the test on a line that is neither, a table
 * named twice or one not co-located. Include after <cmocka.h>.
 */
#ifndef CIVICLOOP_TESTS_UNIT_CITUS_PLAN_H
#define CIVICLOOP_TESTS_UNIT_CITUS_PLAN_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define PLAN_FILE "deploy/citus/distribute.sql"
#define TABLES_MAX 128

struct plan {
	char name[TABLES_MAX][64];
	bool distributed[TABLES_MAX];
	int n;
};

static struct plan plan;

/* Reads PLAN_FILE's create_reference_table / create_distributed_table lines. */
static inline void plan_read(void)
{
	FILE *f = fopen(PLAN_FILE, "r");
	if (!f)
		fail_msg("cannot open %s", PLAN_FILE);
	char line[512];
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (!strncmp(line, "--", 2) || !strstr(line, "create_"))
			continue;
		char name[64];
		bool dist = false;
		if (sscanf(line, "SELECT create_reference_table('%63[a-z0-9_]');", name) == 1) {
			dist = false;
		} else if (sscanf(line,
		                  "SELECT create_distributed_table('%63[a-z0-9_]', 'region_code'",
		                  name) == 1) {
			dist = true;
			if (strcmp(name, "cases") && !strstr(line, "colocate_with => 'cases')"))
				fail_msg("%s:%d: %s is not co-located with cases", PLAN_FILE,
				         lineno, name);
		} else {
			fail_msg("%s:%d: not a table's line: %s", PLAN_FILE, lineno, line);
		}
		for (int i = 0; i < plan.n; i++)
			if (!strcmp(plan.name[i], name))
				fail_msg("%s:%d: %s is named twice", PLAN_FILE, lineno, name);
		assert_true(plan.n < TABLES_MAX);
		snprintf(plan.name[plan.n], sizeof plan.name[0], "%s", name);
		plan.distributed[plan.n++] = dist;
	}
	fclose(f);
}

/* -1 when table is not in the plan, else whether it is distributed. */
static inline int plan_distributed(const char *table)
{
	for (int i = 0; i < plan.n; i++)
		if (!strcmp(plan.name[i], table))
			return plan.distributed[i];
	return -1;
}

#endif
