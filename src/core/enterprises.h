/*
 * The enterprise registry (issue 13; docs/enterprise.md). An enterprise is
 * an org of kind enterprise under its township plus one row of enterprises
 * (migration 17): its unified social credit code (util/creditcode.h), its
 * industry and risk level (the lists below, the one table in C), where it
 * lies (an address, a WGS-84 point, the township and, by placing the
 * point, the grid) and its two contacts, the legal representative and the
 * safety officer, sealed like a case's reporter. Its hazards and
 * inspections are cases whose org it is: nothing joins an enterprise to a
 * case but the case's org_id, so who sees what follows the org tree.
 */
#ifndef CIVICLOOP_CORE_ENTERPRISES_H
#define CIVICLOOP_CORE_ENTERPRISES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/auth.h"
#include "core/writer.h"
#include "store/store.h"
#include "util/creditcode.h"
#include "util/error.h"

struct keys;

#define ENT_NAME_MAX 100    /* characters, as an org's name */
#define ENT_ADDRESS_MAX 200 /* characters */
#define ENT_PERSON_MAX 50   /* characters of a contact's name */

/* An enterprise as stored (enterprise_load). */
struct enterprise {
	int64_t org_id;
	char code[64];
	char name[ENT_NAME_MAX * 4 + 1];
	char org_path[ORG_PATH_MAX];
	char credit_code[CREDITCODE_LEN + 1];
	char industry[64];
	char risk_level[8];
	char address[ENT_ADDRESS_MAX * 4 + 1]; /* "" when none */
	bool has_point;
	double lng, lat;
	int64_t township_id;
	char township_code[64];
	char township_name[ENT_NAME_MAX * 4 + 1];
	int64_t grid_id; /* 0 when the point lies in no grid, or there is none */
	char grid_code[64];
	char grid_name[ENT_NAME_MAX * 4 + 1];
	int64_t created_at, updated_at, version;
};

/* The registered enterprise of org org_id into *e: 0, or -1 when there is
 * none (or the store failed). */
int enterprise_load(struct store_conn *c, int64_t org_id, struct enterprise *e);
/* One row of ENT_COLS (store/stmt_enterprise.h) into *e: for the lists. */
void enterprise_read(struct store_stmt *s, struct enterprise *e);
/* The enterprise's registry data without its contacts:
 * {"id","code","name","credit_code","industry","risk_level","location"
 * ({"lng","lat","address"} or {"address"} or null),"township":{"id","code",
 * "name"},"grid":{…}|null,"created_at","updated_at","version"}. */
json_t *enterprise_json(const struct enterprise *e);

/* The industries (行业类别) and the risk levels (红 橙 黄 蓝, 四色分级), the
 * one list of each; the UI reads them from GET /api/v1/enterprises/meta. */
bool enterprise_industry_known(const char *s);
bool enterprise_risk_known(const char *s);
/* {"industries":[…],"risk_levels":[{"code","name","color"}…]} */
json_t *enterprise_lists_json(void);

/* A new or changed enterprise, checked (enterprise_check): every value it
 * will have. */
struct enterprise_new {
	int64_t org_id;    /* 0 for a new org; else an org of kind enterprise with no row yet
	                    * (the demo's ent.demo1), or on update the enterprise */
	char org_code[64]; /* a new org's code; "" = "ent." and the credit code */
	char name[ENT_NAME_MAX * 4 + 1];
	char credit_code[CREDITCODE_LEN + 1];
	char industry[64];
	char risk_level[8];
	char address[ENT_ADDRESS_MAX * 4 + 1];
	bool has_point;
	double lng, lat;
	int64_t township_id;
	char township_code[64];
	char township_path[ORG_PATH_MAX];
	int64_t grid_id;
	json_t
	    *contacts; /* {"legal_rep"?,"safety_officer"?: {"name","phone"?}}, owned; NULL none */
};
void enterprise_new_release(struct enterprise_new *n);

/* Checks body (a create's, or with old a PATCH's whose absent members keep
 * old's values; keys: name, credit_code, industry, risk_level, township
 * (code or id of a township), location ({"lng","lat","address"?} as a
 * case's, or {"address"}), contacts ({"legal_rep","safety_officer"}, each
 * {"name","phone"?} or null), and with old "version") into *n. Without a
 * township the point places it (core/placement.h); a point inside no
 * township is refused. The grid is the placed grid inside the township.
 * 0, or -1 with *e set (400 naming the field). */
int enterprise_check(struct store_conn *c, const struct keys *k, json_t *body,
                     const struct enterprise *old, struct enterprise_new *n, struct err *e);

/* writer: registers n — its org (code n->org_code, or "ent." and the credit
 * code in lower case, unless n->org_id names one) and its row — and the event
 * `enterprise.add` (no contacts in it). *org_id the enterprise's. A credit
 * code already registered is 409. 0, or -1 with *e set. */
int enterprise_insert(struct wctx *w, const struct enterprise_new *n, int64_t actor_id,
                      int64_t *org_id, struct err *e);
/* writer: replaces enterprise old's values by n if its version is still
 * `version` (else 409), with `enterprise.update` {"changed":[…]} and, when
 * the risk level changes, `enterprise.risk` (from → to). *changed false and
 * nothing written when n changes nothing. 0, or -1 with *e set. */
int enterprise_update(struct wctx *w, const struct enterprise *old, const struct enterprise_new *n,
                      int64_t version, int64_t actor_id, bool *changed, struct err *e);

/* The enterprise's contacts unsealed (a new object, {} when none; NULL if
 * the store or the key failed). */
json_t *enterprise_contacts(struct store_conn *c, const struct keys *k, int64_t org_id);
/* Masks contacts in place (张**, 138****5678). */
void enterprise_contacts_mask(json_t *contacts);

#endif
