/*
 * SQL of discipline supervision campaigns (专项监督检查; the campaign
 * migration, api/campaigns.c, core/campaigns.c). See store/statements.h for
 * the conventions. A finding is a case of the type with a "campaign" block
 * (?1), whose fields name the campaign (path ?2, '$.campaign_id' from the
 * block), the visit and the group; the solved states (?4) are the type's
 * too: no SQL here names them. Findings are found by a scan of the type's
 * cases (cases_type_status): a campaign finds dozens, a county a few
 * hundred a year.
 */
#ifndef CIVICLOOP_STORE_STMT_CAMPAIGN_H
#define CIVICLOOP_STORE_STMT_CAMPAIGN_H

#define CAMPAIGN_COLS \
	"c.id, c.title, c.starts_on, c.ends_on, c.focus, o.id, o.code, o.name, o.path," \
	" c.created_at"

/* findings, solved, open, overdue at ?5 (due passed, not closed) */
#define CAMPAIGN_ITEM_COLS \
	"count(c.id), coalesce(sum(c.status IN (SELECT value FROM json_each(?4))), 0)," \
	" coalesce(sum(c.closed_at IS NULL), 0)," \
	" coalesce(sum(c.closed_at IS NULL AND c.due_at IS NOT NULL AND c.due_at < ?5), 0)"

#define STATEMENTS_CAMPAIGN(STMT) \
	STMT(ST_CAMPAIGN_INSERT, \
	     "INSERT INTO campaigns(title, starts_on, ends_on, focus, org_id, created_by," \
	     " created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)") \
	STMT(ST_CAMPAIGN_GET, "SELECT " CAMPAIGN_COLS " FROM campaigns c" \
	                      " JOIN orgs o ON o.id = c.org_id WHERE c.id = ?1") \
	/* newest first, before cursor ?1 (NULL: from the newest), ?2 rows */ \
	STMT(ST_CAMPAIGN_PAGE, "SELECT " CAMPAIGN_COLS " FROM campaigns c" \
	                       " JOIN orgs o ON o.id = c.org_id WHERE (?1 IS NULL OR c.id < ?1)" \
	                       " ORDER BY c.id DESC LIMIT ?2") \
	STMT(ST_CAMPAIGN_TARGET_INSERT, \
	     "INSERT INTO campaign_targets(campaign_id, org_id, seq) VALUES(?1, ?2, ?3)") \
	STMT(ST_CAMPAIGN_TARGETS, \
	     "SELECT o.id, o.code, o.name, o.kind FROM campaign_targets t" \
	     " JOIN orgs o ON o.id = t.org_id WHERE t.campaign_id = ?1 ORDER BY t.seq") \
	STMT(ST_CAMPAIGN_TARGET_IS, \
	     "SELECT 1 FROM campaign_targets WHERE campaign_id = ?1 AND org_id = ?2") \
	STMT(ST_CAMPAIGN_GROUP_INSERT, \
	     "INSERT INTO campaign_groups(campaign_id, name, leader_id) VALUES(?1, ?2, ?3)") \
	STMT(ST_CAMPAIGN_GROUPS, \
	     "SELECT g.id, g.name, u.id, u.login, u.name FROM campaign_groups g" \
	     " JOIN users u ON u.id = g.leader_id WHERE g.campaign_id = ?1 ORDER BY g.id") \
	STMT(ST_CAMPAIGN_GROUP_GET, "SELECT g.id, g.name, g.leader_id FROM campaign_groups g" \
	                            " WHERE g.id = ?1 AND g.campaign_id = ?2") \
	STMT(ST_CAMPAIGN_MEMBER_INSERT, \
	     "INSERT OR IGNORE INTO campaign_members(group_id, user_id) VALUES(?1, ?2)") \
	STMT(ST_CAMPAIGN_MEMBERS, \
	     "SELECT m.group_id, u.id, u.login, u.name FROM campaign_members m" \
	     " JOIN campaign_groups g ON g.id = m.group_id JOIN users u ON u.id = m.user_id" \
	     " WHERE g.campaign_id = ?1 ORDER BY m.group_id, u.login") \
	/* whether user ?2 is a member of group ?1 (the leader is one) */ \
	STMT(ST_CAMPAIGN_IS_MEMBER, \
	     "SELECT 1 FROM campaign_members WHERE group_id = ?1 AND user_id = ?2") \
	/* the groups of campaign ?1 that user ?2 is a member of */ \
	STMT(ST_CAMPAIGN_USER_GROUPS, \
	     "SELECT m.group_id FROM campaign_members m JOIN campaign_groups g ON g.id = " \
	     "m.group_id" \
	     " WHERE g.campaign_id = ?1 AND m.user_id = ?2 ORDER BY m.group_id") \
	STMT(ST_CAMPAIGN_VISIT_INSERT, \
	     "INSERT INTO campaign_visits(campaign_id, group_id, org_id, visited_at, day," \
	     " unannounced, checked, note, actor_id, created_at)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)") \
	/* campaign ?1's visits, newest day first, on day ?2 (NULL: any), of \
	 * group ?3 (NULL: any), before cursor ?4, ?5 rows */ \
	STMT(ST_CAMPAIGN_VISITS, \
	     "SELECT v.id, v.group_id, g.name, o.id, o.code, o.name, v.visited_at, v.day," \
	     " v.unannounced, v.checked, v.note, u.name FROM campaign_visits v" \
	     " JOIN campaign_groups g ON g.id = v.group_id JOIN orgs o ON o.id = v.org_id" \
	     " LEFT JOIN users u ON u.id = v.actor_id WHERE v.campaign_id = ?1" \
	     " AND (?2 IS NULL OR v.day = ?2) AND (?3 IS NULL OR v.group_id = ?3)" \
	     " AND (?4 IS NULL OR v.id < ?4) ORDER BY v.id DESC LIMIT ?5") \
	/* group ?1's visits on day ?2, in time order (the daily report) */ \
	STMT(ST_CAMPAIGN_DAY_VISITS, \
	     "SELECT v.id, v.visited_at, o.name, v.unannounced, v.checked FROM campaign_visits v" \
	     " JOIN orgs o ON o.id = v.org_id WHERE v.group_id = ?1 AND v.day = ?2" \
	     " ORDER BY v.visited_at, v.id") \
	/* the findings (cases of type ?1) of visit ?3 (path ?2) */ \
	STMT(ST_CAMPAIGN_VISIT_FINDINGS, \
	     "SELECT c.id, c.no, c.title, c.status, c.due_at, c.closed_at FROM cases c" \
	     " WHERE c.type = ?1 AND json_extract(c.fields, ?2) = ?3 ORDER BY c.id") \
	/* campaign ?3's findings (path ?2), group (path ?6) ?7 (NULL: any), \
	 * unit ?8 (NULL: any), open only with ?9, after cursor ?10, ?11 rows */ \
	STMT(ST_CAMPAIGN_FINDINGS, \
	     "SELECT c.id, c.no, c.title, c.status, c.due_at, c.closed_at, o.id, o.code, o.name," \
	     " json_extract(c.fields, ?6), c.received_at FROM cases c JOIN orgs o ON o.id = " \
	     "c.org_id" \
	     " WHERE c.type = ?1 AND json_extract(c.fields, ?2) = ?3" \
	     " AND (?7 IS NULL OR json_extract(c.fields, ?6) = ?7)" \
	     " AND (?8 IS NULL OR c.org_id = ?8) AND (?9 IS NULL OR c.closed_at IS NULL)" \
	     " AND (?10 IS NULL OR c.id > ?10) ORDER BY c.id LIMIT ?11") \
	STMT(ST_CAMPAIGN_REPORT_INSERT, \
	     "INSERT INTO campaign_reports(group_id, day, note, visits, unannounced, problems," \
	     " lines, submitted_by, submitted_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)") \
	STMT(ST_CAMPAIGN_REPORT_GET, \
	     "SELECT r.note, r.visits, r.unannounced, r.problems, r.lines, u.name, r.submitted_at" \
	     " FROM campaign_reports r JOIN users u ON u.id = r.submitted_by" \
	     " WHERE r.group_id = ?1 AND r.day = ?2") \
	/* the days campaign ?1's groups submitted, for the missing ones */ \
	STMT(ST_CAMPAIGN_REPORTED, \
	     "SELECT r.group_id, r.day FROM campaign_reports r" \
	     " JOIN campaign_groups g ON g.id = r.group_id WHERE g.campaign_id = ?1") \
	/* visits and unannounced ones: the campaign's, per group, per unit */ \
	STMT(ST_CAMPAIGN_VISIT_COUNTS, \
	     "SELECT count(*), coalesce(sum(unannounced), 0) FROM campaign_visits" \
	     " WHERE campaign_id = ?1") \
	STMT(ST_CAMPAIGN_VISIT_COUNTS_GROUP, \
	     "SELECT group_id, count(*), coalesce(sum(unannounced), 0) FROM campaign_visits" \
	     " WHERE campaign_id = ?1 GROUP BY group_id") \
	STMT(ST_CAMPAIGN_VISIT_COUNTS_ORG, \
	     "SELECT org_id, count(*), coalesce(sum(unannounced), 0) FROM campaign_visits" \
	     " WHERE campaign_id = ?1 GROUP BY org_id") \
	/* findings of campaign ?3: all, per group (path ?6), per unit */ \
	STMT(ST_CAMPAIGN_ITEM_COUNTS, "SELECT " CAMPAIGN_ITEM_COLS " FROM cases c" \
	                              " WHERE c.type = ?1 AND json_extract(c.fields, ?2) = ?3") \
	STMT(ST_CAMPAIGN_ITEM_COUNTS_GROUP, \
	     "SELECT json_extract(c.fields, ?6), " CAMPAIGN_ITEM_COLS " FROM cases c" \
	     " WHERE c.type = ?1 AND json_extract(c.fields, ?2) = ?3 GROUP BY 1") \
	/* 约谈提醒 records (kind ?2) of campaign ?1: the count, per unit, and \
	 * the records newest first (INTERVIEW_COLS, stmt_enterprise.h), ?3 rows */ \
	STMT(ST_CAMPAIGN_WARNINGS, \
	     "SELECT count(*) FROM interviews WHERE campaign_id = ?1 AND kind = ?2") \
	STMT(ST_CAMPAIGN_WARNINGS_ORG, "SELECT org_id, count(*) FROM interviews" \
	                               " WHERE campaign_id = ?1 AND kind = ?2 GROUP BY org_id") \
	STMT(ST_CAMPAIGN_INTERVIEWS, \
	     "SELECT " INTERVIEW_COLS " FROM interviews i JOIN orgs o ON o.id = i.org_id" \
	     " LEFT JOIN cases c ON c.region_code = i.region_code AND c.id = i.case_id" \
	     " WHERE i.campaign_id = ?1 AND i.kind = ?2" \
	     " ORDER BY i.held_at DESC, i.id DESC LIMIT ?3") \
	/* whether case ?4 is a finding (type ?1, campaign path ?2) of campaign ?3 \
	 * at unit ?5 */ \
	STMT(ST_CAMPAIGN_FINDING_IS, "SELECT 1 FROM cases c WHERE c.id = ?4 AND c.type = ?1" \
	                             " AND json_extract(c.fields, ?2) = ?3 AND c.org_id = ?5") \
	STMT(ST_CAMPAIGN_ITEM_COUNTS_ORG, \
	     "SELECT c.org_id, " CAMPAIGN_ITEM_COLS " FROM cases c" \
	     " WHERE c.type = ?1 AND json_extract(c.fields, ?2) = ?3 GROUP BY 1")

#endif
