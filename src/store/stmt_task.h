/*
 * SQL of published task lists and their items (migration 16; core/tasklists.h,
 * api/tasklists.c, core/stats_task.c). See store/statements.h for the
 * conventions. An item is a case of the task type (?1) whose list field
 * (?2, a JSON path '$.list_id' built from the type's task_list block)
 * names the list. The states counted as done (?4) and partly done (?5) and
 * the overdue count's path (?6) are the type's too: no SQL here names them.
 * Items are found by a scan of the type's cases: lists hold hundreds.
 */
#ifndef CIVICLOOP_STORE_STMT_TASK_H
#define CIVICLOOP_STORE_STMT_TASK_H

#define TASK_LIST_COLS "l.id, l.title, l.year, o.id, o.code, o.name, o.path, l.created_at"

/* items, done, partly done, closed (销号), overdue steps, flagged items */
#define TASK_COUNT_COLS \
	"count(c.id), coalesce(sum(c.status IN (SELECT value FROM json_each(?4))), 0)," \
	" coalesce(sum(c.status IN (SELECT value FROM json_each(?5))), 0)," \
	" coalesce(sum(c.closed_at IS NOT NULL), 0)," \
	" coalesce(sum(json_extract(c.fields, ?6)), 0)," \
	" coalesce(sum(coalesce(json_extract(c.fields, ?6), 0) > 0), 0)"

#define TASK_ITEM_UNITS(KIND) \
	"(SELECT group_concat(o.name, '、') FROM assignments a JOIN orgs o ON o.id = a.org_id" \
	" WHERE a.case_id = c.id AND a.region_code = c.region_code AND a.kind = '" KIND "'" \
	" AND a.status <> 'cancelled')"

#define STATEMENTS_TASK(STMT) \
	STMT(ST_TASK_LIST_EXISTS, "SELECT 1 FROM task_lists WHERE id = ?1") \
	STMT(ST_TASK_LIST_INSERT, \
	     "INSERT INTO task_lists(title, year, org_id, created_by, created_at)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5)") \
	STMT(ST_TASK_LIST_GET, "SELECT " TASK_LIST_COLS " FROM task_lists l" \
	                       " JOIN orgs o ON o.id = l.org_id WHERE l.id = ?1") \
	/* newest first, before cursor ?1 (NULL: from the newest), ?2 rows */ \
	STMT(ST_TASK_LIST_PAGE, "SELECT " TASK_LIST_COLS " FROM task_lists l" \
	                        " JOIN orgs o ON o.id = l.org_id WHERE (?1 IS NULL OR l.id < ?1)" \
	                        " ORDER BY l.id DESC LIMIT ?2") \
	/* list ?3's figures */ \
	STMT(ST_TASK_LIST_COUNTS, "SELECT " TASK_COUNT_COLS " FROM cases c" \
	                          " WHERE c.type = ?1 AND json_extract(c.fields, ?2) = ?3") \
	/* list ?3's figures by the leader's level (path ?7) */ \
	STMT(ST_TASK_LIST_LEVELS, \
	     "SELECT json_extract(c.fields, ?7), " TASK_COUNT_COLS " FROM cases c" \
	     " WHERE c.type = ?1 AND json_extract(c.fields, ?2) = ?3 GROUP BY 1 ORDER BY 1") \
	/* list ?3's items in id order after cursor ?9, ?10 rows: with status in \
	 * ?4 (NULL: any) and not in ?11 (NULL: none), the leader's level (path \
	 * ?6) = ?5 (NULL: any), and with ?7 set only those with an overdue step \
	 * (path ?8) */ \
	STMT(ST_TASK_ITEMS, \
	     "SELECT c.id, c.no, c.title, c.status, c.fields, " TASK_ITEM_UNITS( \
	         "lead") ", " TASK_ITEM_UNITS("assist") " FROM cases c" \
	                                                " WHERE c.type = ?1 AND " \
	                                                "json_extract(c.fields, ?2) = ?3" \
	                                                " AND (?4 IS NULL OR c.status IN (SELECT " \
	                                                "value FROM json_each(?4)))" \
	                                                " AND (?11 IS NULL OR c.status NOT IN " \
	                                                "(SELECT value FROM json_each(?11)))" \
	                                                " AND (?5 IS NULL OR " \
	                                                "json_extract(c.fields, ?6) = ?5)" \
	                                                " AND (?7 IS NULL OR " \
	                                                "coalesce(json_extract(c.fields, ?8), 0) " \
	                                                "> 0)" \
	                                                " AND (?9 IS NULL OR c.id > ?9) ORDER BY " \
	                                                "c.id LIMIT ?10") \
	/* GET /api/v1/stats/task: each list published in the subtree ?3 */ \
	STMT(ST_TASK_STATS_LISTS, \
	     "SELECT " TASK_LIST_COLS ", " TASK_COUNT_COLS " FROM task_lists l" \
	     " JOIN orgs o ON o.id = l.org_id" \
	     " LEFT JOIN cases c ON c.type = ?1 AND json_extract(c.fields, ?2) = l.id" \
	     " WHERE o.path LIKE ?3 || '%' GROUP BY l.id ORDER BY l.id") \
	STMT(ST_TASK_STATS_LEVELS, \
	     "SELECT l.id, json_extract(c.fields, ?7), " TASK_COUNT_COLS " FROM task_lists l" \
	     " JOIN orgs o ON o.id = l.org_id" \
	     " JOIN cases c ON c.type = ?1 AND json_extract(c.fields, ?2) = l.id" \
	     " WHERE o.path LIKE ?3 || '%' GROUP BY 1, 2 ORDER BY 1, 2") \
	/* the case's newest live lead assignment: the one a step's timer is on, \
	 * read from the store since it may have been opened by this very action */ \
	STMT(ST_TASK_LEAD_ASG, "SELECT id FROM assignments WHERE case_id = ?1 AND kind = 'lead'" \
	                       " AND status <> 'cancelled' ORDER BY id DESC LIMIT 1") \
	/* a dated step's timer done (core/milestones.c) */ \
	STMT(ST_TIMER_STOP_AT, \
	     "UPDATE timers SET state = 'stopped' WHERE case_id = ?1 AND kind = ?2" \
	     " AND due_at = ?3 AND state IN ('running','paused')")

#endif
