/*
 * The parties of a case (parties.h): who a dispute is between. A type that
 * declares "parties" (type_data.h) takes them at registration as
 * "parties": [{"role","name","phone"?,"id_no"?}]; each is checked (the
 * role one of the type's, a name, a phone as a reporter's, an ID number
 * valid per GB 11643, util/idcard.h), sealed with the instance key like a
 * reporter (util/crypto.h) and stored in case_parties (migration 13) with
 * the keyed blind index of its ID number. Nothing of a party is in the
 * clear on disk, in the search index or in any list.
 *
 * Who sees what (the case's detail only): holders of party.read (the
 * mediators) or pii.read over the case's org or the org of one of its live
 * assignments (a joint mediation's other region) see every party in full,
 * with how many other cases the same ID number is a party to; the view is
 * recorded as pii.view. Anyone else who may read the case sees them masked
 * (张**, 138****5678, 360727********1234).
 */
#include "core/parties.h"
#include "core/app.h"
#include "core/input.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/idcard.h"
#include "util/text.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define PARTY_NAME_MAX 50
#define PARTY_OTHER_CASES_MAX 20

static const char *const party_keys[] = {"role", "name", "phone", "id_no"};

/* Today in Asia/Shanghai as YYYYMMDD: no one is born after it. */
static int today_ymd(int64_t now)
{
	int y, m, d;
	time_ymd_from_day(time_day_of(now), &y, &m, &d);
	return y * 10000 + m * 100 + d;
}

/* Party i of the body, checked, into a new {"role","name","phone"?,"id_no"?}. */
static int party_check(const struct matter_type *t, json_t *p, size_t i, int ymd, json_t **out,
                       struct err *e)
{
	char field[48], clip[UTF8_CLIP_BUF];
	*out = NULL;
	snprintf(field, sizeof field, "parties[%zu]", i);
	if (!json_is_object(p))
		return err_set(e, E_FIELD_INVALID, field, "当事人须为对象");
	const char *bad = json_unknown_key(p, party_keys, 4);
	if (bad)
		return err_set(e, E_FIELD_UNKNOWN, field, "当事人信息中有未知字段 %s",
		               utf8_clip(bad, 32, clip, sizeof clip));
	const char *role = json_string_value(json_object_get(p, "role"));
	snprintf(field, sizeof field, "parties[%zu].role", i);
	if (!role)
		return err_set(e, E_FIELD_REQUIRED, field, "请选择当事人身份");
	if (!type_party_role(t, role))
		return err_set(e, E_FIELD_INVALID, field, "当事人身份 %s 不是本类型的身份",
		               utf8_clip(role, 32, clip, sizeof clip));
	snprintf(field, sizeof field, "parties[%zu].name", i);
	const struct text_rule name_rule = {
	    .field = field,
	    .max = PARTY_NAME_MAX,
	    .flags = TEXT_NONEMPTY,
	    .invalid = "当事人姓名（或单位名称）须为非空单行文本",
	    .too_long = "当事人姓名最多 " TEXT_STR(PARTY_NAME_MAX) " 字",
	};
	json_t *name = json_object_get(p, "name");
	if (!name)
		return err_set(e, E_FIELD_REQUIRED, field, "请填写当事人姓名");
	if (text_check(name, &name_rule, e) != 0)
		return -1;
	json_t *phone = json_object_get(p, "phone"), *id = json_object_get(p, "id_no");
	snprintf(field, sizeof field, "parties[%zu].phone", i);
	if (phone && (!json_is_string(phone) || !phone_valid(json_string_value(phone))))
		return err_set(e, E_FIELD_INVALID, field,
		               "电话号码不正确（手机 11 位，座机含区号）");
	char norm[IDCARD_LEN + 1] = "";
	const char *why;
	snprintf(field, sizeof field, "parties[%zu].id_no", i);
	if (id && (!json_is_string(id) || !idcard_valid(json_string_value(id), ymd, norm, &why)))
		return err_set(e, E_FIELD_INVALID, field, "%s",
		               json_is_string(id) ? why : "身份证号码须为字符串");
	*out = json_pack("{s:s,s:O}", "role", role, "name", name);
	if (*out && phone)
		json_object_set(*out, "phone", phone);
	if (*out && id)
		json_object_set_new(*out, "id_no", json_string(norm));
	return *out ? 0 : err_oom(e);
}

int parties_check(const struct matter_type *t, json_t *v, int64_t now, json_t **out, struct err *e)
{
	const struct type_parties *P = &t->data.parties;
	*out = NULL;
	if (!P->max) {
		if (v && !json_is_null(v))
			return err_set(e, E_FIELD_UNKNOWN, "parties", "事项类型 %s 没有当事人",
			               t->code);
		return 0;
	}
	size_t n = json_is_array(v) ? json_array_size(v) : 0;
	if (v && !json_is_array(v))
		return err_set(e, E_FIELD_INVALID, "parties", "parties 须为数组");
	if (n < (size_t)P->min)
		return err_set(e, v ? E_FIELD_INVALID : E_FIELD_REQUIRED, "parties",
		               "至少需要 %d 名当事人", P->min);
	if (n > (size_t)P->max)
		return err_set(e, E_FIELD_TOO_LONG, "parties", "当事人最多 %d 名", P->max);
	json_t *list = json_array();
	if (!list)
		return err_oom(e);
	int ymd = today_ymd(now);
	for (size_t i = 0; i < n; i++) {
		json_t *p;
		if (party_check(t, json_array_get(v, i), i, ymd, &p, e) != 0) {
			json_decref(list);
			return -1;
		}
		json_array_append_new(list, p);
	}
	*out = list;
	return 0;
}

int parties_store(struct wctx *w, int64_t case_id, json_t *parties)
{
	size_t i;
	json_t *p;
	json_array_foreach(parties, i, p)
	{
		char *text = json_canonical(p);
		unsigned char *enc = NULL, idx[HASH_LEN];
		size_t len = 0;
		int rc = text ? seal(&w->app->keys, text, strlen(text), &enc, &len) : -1;
		if (text) {
			sodium_memzero(text, strlen(text));
			free(text);
		}
		if (rc != 0)
			return -1;
		const char *id = json_string_value(json_object_get(p, "id_no"));
		if (id)
			blind_index(&w->app->keys, id, idx);
		struct store_stmt *s = store_stmt(w->conn, ST_PARTY_INSERT);
		sbind_int(s, 1, case_id);
		sbind_int(s, 2, (int64_t)i + 1);
		sbind_text(s, 3, json_string_value(json_object_get(p, "role")));
		sbind_blob(s, 4, enc, len);
		if (id)
			sbind_blob(s, 5, idx, HASH_LEN);
		else
			sbind_null(s, 5);
		rc = sdone(s) == STORE_DONE ? 0 : -1;
		free(enc);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Whether a sees parties of cf in full: party.read or pii.read over the
 * case's org or over a live assignment's org. */
static bool parties_in_full(const struct actor *a, const struct case_full *cf)
{
	if (actor_can(a, P_PARTY_READ, cf->c.org_path) || actor_can(a, P_PII_READ, cf->c.org_path))
		return true;
	for (int i = 0; i < cf->na; i++)
		if (cf->a[i].phase != ASG_CANCELLED &&
		    (actor_can(a, P_PARTY_READ, cf->a[i].org_path) ||
		     actor_can(a, P_PII_READ, cf->a[i].org_path)))
			return true;
	return false;
}

/* How many other cases the person of blind index idx is a party to. */
static int other_cases(struct store_conn *c, const void *idx, int64_t case_id)
{
	struct store_stmt *s = store_stmt(c, ST_PARTY_OTHER_CASES);
	sbind_blob(s, 1, idx, HASH_LEN);
	sbind_int(s, 2, case_id);
	sbind_int(s, 3, PARTY_OTHER_CASES_MAX);
	int n = 0;
	while (sstep(s) == STORE_ROW)
		n++;
	sreset(s);
	return n;
}

/* One stored party as a sees it. */
static json_t *party_json(struct store_conn *c, const struct matter_type *t, const char *plain,
                          const char *role, const void *idx, int64_t case_id, bool full)
{
	json_t *p = json_loads(plain, 0, NULL);
	const char *name = json_string_value(json_object_get(p, "name"));
	const char *phone = json_string_value(json_object_get(p, "phone"));
	const char *id = json_string_value(json_object_get(p, "id_no"));
	const char *role_name = type_party_role(t, role);
	json_t *o = json_pack("{s:s,s:s}", "role", role, "role_name", role_name ? role_name : role);
	char m[64], mid[IDCARD_LEN + 1];
	if (o && name) {
		if (!full)
			mask_name(name, m, sizeof m);
		json_object_set_new(o, "name", json_string(full ? name : m));
	}
	if (o && phone) {
		if (!full)
			mask_phone(phone, m, sizeof m);
		json_object_set_new(o, "phone", json_string(full ? phone : m));
	}
	if (o && id) {
		idcard_mask(id, mid);
		json_object_set_new(o, "id_no", json_string(full ? id : mid));
	}
	if (o && full && idx)
		json_object_set_new(o, "other_cases", json_integer(other_cases(c, idx, case_id)));
	json_decref(p);
	return o;
}

json_t *parties_json(struct store_conn *c, const struct app *app, const struct actor *a,
                     const struct case_full *cf, bool *pii_shown)
{
	json_t *list = json_array();
	bool full = parties_in_full(a, cf);
	struct store_stmt *s = store_stmt(c, ST_PARTIES_OF_CASE);
	sbind_int(s, 1, cf->c.id);
	while (list && sstep(s) == STORE_ROW) {
		char *plain = NULL;
		size_t len = 0;
		if (unseal(&app->keys, scol_blob(s, 2), (size_t)scol_bytes(s, 2), &plain, &len) !=
		    0)
			continue;
		const void *idx = scol_null(s, 3) ? NULL : scol_blob(s, 3);
		json_t *p = party_json(c, cf->c.type, plain, scol_text(s, 1), idx, cf->c.id, full);
		sodium_memzero(plain, len);
		free(plain);
		if (p)
			json_array_append_new(list, p);
	}
	sreset(s);
	if (full && pii_shown && json_array_size(list) > 0)
		*pii_shown = true;
	return list;
}

/* The first party of role `role` of the case, unsealed: a new
 * {"role","name","phone"?,"id_no"?} for public tracking's check, never
 * shown as it is (api/public_party.c masks it). NULL when there is none. */
json_t *parties_first_of_role(struct store_conn *c, const struct app *app, int64_t case_id,
                              const char *role)
{
	json_t *found = NULL;
	struct store_stmt *s = store_stmt(c, ST_PARTIES_OF_CASE);
	sbind_int(s, 1, case_id);
	while (!found && sstep(s) == STORE_ROW) {
		char *plain = NULL;
		size_t len = 0;
		if (strcmp(scol_text(s, 1), role) != 0 ||
		    unseal(&app->keys, scol_blob(s, 2), (size_t)scol_bytes(s, 2), &plain, &len) !=
		        0)
			continue;
		found = json_loads(plain, 0, NULL);
		sodium_memzero(plain, len);
		free(plain);
	}
	sreset(s);
	return found;
}
