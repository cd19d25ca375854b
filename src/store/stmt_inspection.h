/*
 * SQL of rolling safety inspection (滚动排查; migration 17,
 * core/inspections.c, core/checklists.c, core/stats_inspection.c). See
 * store/statements.h for the conventions. An enterprise is an org with an
 * enterprises row; its inspections are cases of the inspection type (?1
 * where named) whose org is the enterprise's. The fields a count is read
 * from are JSON paths built from the type's inspection_plan block: no SQL
 * here names a type's state or field.
 */
#ifndef CIVICLOOP_STORE_STMT_INSPECTION_H
#define CIVICLOOP_STORE_STMT_INSPECTION_H

/* an enterprise with its plan: org id, code, name, path, industry, risk
 * level, township name, plan frequency, inspecting org id, code, name,
 * plan version, lat, lng, address */
#define INSPECTION_PLAN_COLS \
	"o.id, o.code, o.name, o.path, e.industry, e.risk_level, tw.name, p.frequency," \
	" io.id, io.code, io.name, coalesce(p.version, 0), e.lat, e.lng, e.address"

/* planned, done on time, done late, missed (open past due ?5), open not
 * yet due, flagged missed (path ?7), hazards found (path ?6) */
#define INSPECTION_COUNT_COLS \
	"count(*), coalesce(sum(c.closed_at IS NOT NULL AND c.closed_at <= c.due_at), 0)," \
	" coalesce(sum(c.closed_at IS NOT NULL AND c.closed_at > c.due_at), 0)," \
	" coalesce(sum(c.closed_at IS NULL AND c.due_at <= ?5), 0)," \
	" coalesce(sum(c.closed_at IS NULL AND c.due_at > ?5), 0)," \
	" coalesce(sum(coalesce(json_extract(c.fields, ?7), 0) > 0), 0)," \
	" coalesce(sum(coalesce(json_extract(c.fields, ?6), 0)), 0)"

/* the inspections of type ?1 in subtree ?2 due in (?3, ?4]: a due instant
 * is 24:00 of its last day, which belongs to that day */
#define INSPECTION_STATS_FROM \
	" FROM cases c JOIN enterprises e ON e.org_id = c.org_id JOIN orgs o ON o.id = c.org_id" \
	" LEFT JOIN orgs tw ON tw.id = e.township_id" \
	" WHERE c.type = ?1 AND o.path LIKE ?2 || '%' AND c.due_at > ?3 AND c.due_at <= ?4"

#define STATEMENTS_INSPECTION(STMT) \
	STMT(ST_INSPECTION_INDUSTRY, "SELECT industry FROM enterprises WHERE org_id = ?1") \
	/* the enterprises in subtree ?1 (org ?2 alone when bound), after org id \
	 * ?3, of industry ?4 and risk level ?5 when bound, ?6 rows */ \
	STMT(ST_INSPECTION_PLANS, \
	     "SELECT " INSPECTION_PLAN_COLS " FROM enterprises e JOIN orgs o ON o.id = e.org_id" \
	     " LEFT JOIN inspection_plans p ON p.org_id = e.org_id" \
	     " LEFT JOIN orgs io ON io.id = p.inspecting_org_id" \
	     " LEFT JOIN orgs tw ON tw.id = e.township_id" \
	     " WHERE o.path LIKE ?1 || '%' AND (?2 IS NULL OR e.org_id = ?2)" \
	     " AND (?3 IS NULL OR e.org_id > ?3) AND (?4 IS NULL OR e.industry = ?4)" \
	     " AND (?5 IS NULL OR e.risk_level = ?5) ORDER BY e.org_id LIMIT ?6") \
	/* org ?1's latest generated inspection: period, case id, due, no, \
	 * status, fields */ \
	STMT(ST_INSPECTION_LATEST, \
	     "SELECT p.period, p.case_id, p.due_at, c.no, c.status, c.fields" \
	     " FROM inspection_periods p JOIN cases c ON c.region_code = p.region_code" \
	     " AND c.id = p.case_id" \
	     " WHERE p.org_id = ?1 ORDER BY p.due_at DESC LIMIT 1") \
	STMT(ST_INSPECTION_STARTED, "SELECT 1 FROM inspection_periods LIMIT 1") \
	STMT(ST_INSPECTION_PERIOD_GET, \
	     "SELECT case_id FROM inspection_periods WHERE org_id = ?1 AND period = ?2") \
	STMT(ST_INSPECTION_PERIOD_INSERT, \
	     "INSERT INTO inspection_periods(org_id, period, case_id, due_at, created_at," \
	     " region_code) VALUES(?1, ?2, ?3, ?4, ?5, " REGION_OF_CASE("?3") ")") \
	STMT(ST_INSPECTION_PLAN_SET, \
	     "INSERT INTO inspection_plans(org_id, frequency, inspecting_org_id, updated_by," \
	     " updated_at, version) VALUES(?1, ?2, ?3, ?4, ?5, 1) ON CONFLICT(org_id) DO UPDATE" \
	     " SET frequency = ?2, inspecting_org_id = ?3, updated_by = ?4, updated_at = ?5," \
	     " version = version + 1") \
	STMT(ST_INSPECTION_COUNTS, "SELECT " INSPECTION_COUNT_COLS INSPECTION_STATS_FROM) \
	STMT(ST_INSPECTION_BY_INDUSTRY, \
	     "SELECT e.industry, " INSPECTION_COUNT_COLS INSPECTION_STATS_FROM \
	     " GROUP BY e.industry ORDER BY e.industry") \
	STMT(ST_INSPECTION_BY_TOWNSHIP, \
	     "SELECT tw.id, tw.code, tw.name, " INSPECTION_COUNT_COLS INSPECTION_STATS_FROM \
	     " GROUP BY tw.id ORDER BY tw.code")

#endif
