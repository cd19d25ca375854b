/* Migration 28 (issue 16; docs/lists.md "When an org moves"): the kept
 * visibility tables follow an org that moves in the tree.
 *
 * case_scope and part_due list, for each case, the orgs above its owner
 * and its parts' orgs, read from orgs.path when the writer added them. An
 * org's path changes when it moves (an enterprise that changes township,
 * enterprises_write.c), and then the rows of the cases it owns or holds
 * a part of named the old ancestors: the new township did not see them
 * and the old one still did. The trigger below fixes both in the same
 * statement that moves the org, as stats_t_org_path (migration 25) does
 * for the stats:
 *
 * - the cases owned by an org of the moved subtree, or with a live part
 *   there, lose their case_scope rows at the old path's orgs (primary-key
 *   probes) and get back every row their owner and live parts justify
 *   now (as ST_CASE_SCOPE_REFILL, for the set);
 * - the parts of orgs in the subtree are "updated" to the org they have,
 *   which fires part_due_upd (migration 26): each case's part_due rows are
 *   recomputed from the new paths.
 *
 * A subtree that moves org by org fires it once per org; each pass works
 * on the orgs already under the new path, so the last leaves it exact. */
#ifndef CIVICLOOP_STORE_STMT_ORGMOVE_H
#define CIVICLOOP_STORE_STMT_ORGMOVE_H

/* The orgs of the moved subtree (its root is at NEW.path now). */
#define ORGMOVE_SUBTREE "(SELECT id FROM orgs WHERE path LIKE NEW.path || '%')"
/* The cases an org of the subtree owns or holds a live part of. */
#define ORGMOVE_CASES \
	"(SELECT id FROM cases WHERE org_id IN " ORGMOVE_SUBTREE " UNION SELECT case_id" \
	" FROM assignments WHERE org_id IN " ORGMOVE_SUBTREE " AND status <> 'cancelled')"
#define ORGMOVE_PATH_IDS(path) "json_each('[' || replace(trim(" path ", '/'), '/', ',') || ']')"
#define ORGMOVE_OLD_IDS ORGMOVE_PATH_IDS("OLD.path")
#define ORGMOVE_O_IDS ORGMOVE_PATH_IDS("o.path")

/* case_scope: the old path's rows of those cases go ... */
#define ORGMOVE_SCOPE_DROP \
	"DELETE FROM case_scope WHERE org_id IN (SELECT value FROM " ORGMOVE_OLD_IDS ")" \
	" AND case_id IN " ORGMOVE_CASES ";"
/* ... and what their owner and live parts justify now comes back */
#define ORGMOVE_SCOPE_FILL_OWNERS \
	"SELECT j.value, c.id FROM cases c JOIN orgs o ON o.id = c.org_id, " ORGMOVE_O_IDS \
	" j WHERE c.id IN " ORGMOVE_CASES
#define ORGMOVE_SCOPE_FILL_PARTS \
	"SELECT j.value, a.case_id FROM assignments a JOIN orgs o ON o.id = " \
	"a.org_id, " ORGMOVE_O_IDS " j WHERE a.case_id IN " ORGMOVE_CASES \
	" AND a.status <> 'cancelled'"
#define ORGMOVE_SCOPE_FILL \
	"INSERT OR IGNORE INTO case_scope(org_id, case_id) " ORGMOVE_SCOPE_FILL_OWNERS \
	" UNION " ORGMOVE_SCOPE_FILL_PARTS ";"
/* part_due: the parts "change" org, and part_due_upd recomputes their cases */
#define ORGMOVE_PART_DUE \
	"UPDATE assignments SET org_id = org_id WHERE org_id IN " ORGMOVE_SUBTREE ";"

#define ORG_MOVE_SCHEMA \
	"CREATE TRIGGER scope_t_org_path AFTER UPDATE OF path ON orgs WHEN OLD.path <> NEW.path" \
	" BEGIN " ORGMOVE_SCOPE_DROP " " ORGMOVE_SCOPE_FILL " " ORGMOVE_PART_DUE " END;"

#endif
