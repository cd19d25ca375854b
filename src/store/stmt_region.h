/*
 * The region of a new row (core/region.h, docs/citus.md): the SQL that an
 * INSERT into a table distributed by region_code gives that column.
 *
 * A case takes its owner org's region (orgs.city_code); a row of a case
 * takes the case's, so the two always agree (on PostgreSQL the foreign
 * key (case_id, region_code) holds them together); a row that may have no
 * case (an event, a notice, an interview, a document, a message) takes its
 * org's when it has none; an idempotency key its user's org's.
 *
 * The subquery keeps every caller as it was; on Citus, whose INSERT …
 * VALUES takes no subquery, the writer will bind the region it knows
 * (docs/citus.md "What is left").
 */
#ifndef CIVICLOOP_STORE_STMT_REGION_H
#define CIVICLOOP_STORE_STMT_REGION_H

/* The region of org ?org / of case ?c (NULL when there is none). */
#define REGION_OF_ORG(org) "(SELECT city_code FROM orgs WHERE id = " org ")"
#define REGION_OF_CASE(c) "(SELECT region_code FROM cases WHERE id = " c ")"

/* The region of user ?u's org, else none: an idempotency key's. */
#define REGION_OF_USER(u) \
	"coalesce((SELECT o.city_code FROM users u JOIN orgs o ON o.id = u.org_id" \
	" WHERE u.id = " u "), '000000')"

/* Case ?c's region, else org ?org's, else none (core/region.h REGION_NONE). */
#define REGION_OF_CASE_OR_ORG(c, org) \
	"coalesce(" REGION_OF_CASE(c) ", " REGION_OF_ORG(org) ", '000000')"

/* The city of division code `code` (core/region.c region_city): XX0000 for
 * the four municipalities, else the first four digits and 00. */
#define REGION_CITY_SQL(code) \
	"CASE WHEN substr(" code ", 1, 2) IN ('11', '12', '31', '50')" \
	" THEN substr(" code ", 1, 2) || '0000' ELSE substr(" code ", 1, 4) || '00' END"

/* Migration 32 on either engine (schema.h, pg_schema.h): table t gains
 * region_code, each row x given expr (one of the above, on x's columns);
 * only rows of a region are written, the others keep the default, none. */
#define REGION_FILL(t, expr) \
	" ALTER TABLE " t " ADD COLUMN region_code TEXT NOT NULL DEFAULT '000000';" \
	" UPDATE " t " AS x SET region_code = " expr " WHERE " expr " <> '000000';"

#endif
