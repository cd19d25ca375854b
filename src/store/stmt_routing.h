/*
 * SQL of the dispatch catalogue and the routing model (migration 11,
 * core/catalogue.c and core/routing.c). See store/statements.h for the
 * conventions.
 *
 * catalogue_versions holds each saved catalogue whole; the newest is the
 * current one. route_tokens / route_orgs / route_labels are the learned
 * model: token counts per org, per-org totals, and which (case, org)
 * labels are counted.
 */
#ifndef CIVICLOOP_STORE_STMT_ROUTING_H
#define CIVICLOOP_STORE_STMT_ROUTING_H

#define CATALOGUE_COLS "v.version, v.body, v.note, v.created_at, u.login, u.name"

#define STATEMENTS_ROUTING(STMT) \
	STMT(ST_CATALOGUE_CURRENT, "SELECT " CATALOGUE_COLS " FROM catalogue_versions v" \
	                           " LEFT JOIN users u ON u.id = v.created_by" \
	                           " ORDER BY v.version DESC LIMIT 1") \
	STMT(ST_CATALOGUE_VERSION, \
	     "SELECT " CATALOGUE_COLS " FROM catalogue_versions v" \
	     " LEFT JOIN users u ON u.id = v.created_by WHERE v.version = ?1") \
	/* the versions newest first, at most ?1, with their entry counts */ \
	STMT(ST_CATALOGUE_LIST, \
	     "SELECT v.version, v.note, v.created_at, u.login, u.name," \
	     " json_array_length(v.body, '$.entries') FROM catalogue_versions v" \
	     " LEFT JOIN users u ON u.id = v.created_by ORDER BY v.version DESC LIMIT ?1") \
	STMT(ST_CATALOGUE_HEAD, "SELECT coalesce(max(version), 0) FROM catalogue_versions") \
	STMT(ST_CATALOGUE_INSERT, \
	     "INSERT INTO catalogue_versions(version, body, note, created_by," \
	     " created_at) VALUES(?1, ?2, ?3, ?4, ?5)") \
	/* a label (case ?1, org ?2) counted once: a row back when it is new */ \
	STMT(ST_ROUTE_LABEL_ADD, \
	     "INSERT INTO route_labels(case_id, org_id, region_code)" \
	     " VALUES(?1, ?2, " REGION_OF_CASE("?1") ")" \
	                                             " ON CONFLICT DO NOTHING RETURNING 1") \
	STMT(ST_ROUTE_LABEL_DEL, \
	     "DELETE FROM route_labels WHERE case_id = ?1 AND org_id = ?2 RETURNING 1") \
	STMT(ST_ROUTE_TOKEN_ADD, \
	     "INSERT INTO route_tokens(token, org_id, count) VALUES(?1, ?2, ?3)" \
	     " ON CONFLICT(token, org_id) DO UPDATE SET count = count + ?3") \
	STMT(ST_ROUTE_TOKEN_PRUNE, \
	     "DELETE FROM route_tokens WHERE token = ?1 AND org_id = ?2 AND count <= 0") \
	STMT(ST_ROUTE_ORG_ADD, "INSERT INTO route_orgs(org_id, docs, tokens) VALUES(?1, ?2, ?3)" \
	                       " ON CONFLICT(org_id) DO UPDATE SET docs = docs + ?2," \
	                       " tokens = tokens + ?3") \
	/* the orgs the model knows, with their totals */ \
	STMT(ST_ROUTE_ORGS, "SELECT r.org_id, r.docs, r.tokens FROM route_orgs r WHERE r.docs > 0" \
	                    " ORDER BY r.org_id") \
	STMT(ST_ROUTE_TOKEN_GET, "SELECT org_id, count FROM route_tokens WHERE token = ?1") \
	/* the dispatches already made, for `civicloop routing learn`: each live \
	 * lead assignment after id ?1, with its case's text, type and org, in \
	 * id order (the primary key), at most ?2 */ \
	STMT(ST_ROUTE_HISTORY, \
	     "SELECT a.id, a.case_id, a.org_id, c.title, c.description, c.type, c.org_id" \
	     " FROM assignments a" \
	     " JOIN cases c ON c.region_code = a.region_code AND c.id = a.case_id" \
	     " WHERE a.id > ?1 AND a.kind = 'lead'" \
	     " AND a.status <> 'cancelled' ORDER BY a.id LIMIT ?2") \
	/* the evaluator starts each fold from an empty model */ \
	STMT(ST_ROUTE_CLEAR_TOKENS, "DELETE FROM route_tokens") \
	STMT(ST_ROUTE_CLEAR_ORGS, "DELETE FROM route_orgs") \
	/* the orgs of a kind (townships, villages), for finding a case's \
	 * township by the names its address holds */ \
	STMT(ST_ORG_OF_KIND, "SELECT id, name, path FROM orgs WHERE kind = ?1 ORDER BY id")

#endif
