/*
 * SQL of a case's parties (core/parties.c, migration 13). See
 * store/statements.h for the conventions.
 */
#ifndef CIVICLOOP_STORE_STMT_PARTIES_H
#define CIVICLOOP_STORE_STMT_PARTIES_H

#define STATEMENTS_PARTIES(STMT) \
	STMT(ST_PARTY_INSERT, \
	     "INSERT INTO case_parties(case_id, seq, role, enc, id_index," \
	     " region_code) VALUES(?1, ?2, ?3, ?4, ?5, " REGION_OF_CASE("?1") ")") \
	STMT(ST_PARTIES_OF_CASE, \
	     "SELECT seq, role, enc, id_index FROM case_parties WHERE case_id = ?1 ORDER BY seq") \
	/* the newest other cases of one person (the ID number's blind index ?1) \
	 * but case ?2: "SEARCH case_parties USING COVERING INDEX \
	 * case_parties_person (id_index=?)", at most ?3 */ \
	STMT(ST_PARTY_OTHER_CASES, \
	     "SELECT DISTINCT case_id FROM case_parties WHERE id_index = ?1 AND case_id <> ?2" \
	     " ORDER BY case_id DESC LIMIT ?3")

#endif
