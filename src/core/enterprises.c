/*
 * The enterprise registry (enterprises.h): the lists of industries and risk
 * levels, loading a row, and its JSON. The checks of a new or changed
 * enterprise are enterprises_check.c, the writes enterprises_write.c.
 */
#include "core/enterprises.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/text.h"
#include "util/timeutil.h"

/* 行业类别: the industries of the county's safety ledgers (安全生产重点行业领域). */
static const char *const industries[] = {
    "煤矿",     "非煤矿山",          "危险化学品",    "烟花爆竹", "建筑施工",
    "交通运输", "商贸/人员密集场所", "学校/培训机构", "工贸",     "\"九小\"场所",
    "其他",
};

/* 四色分级: the risk levels, most severe first, with their names and the
 * colours the UI shows them in. */
static const struct {
	const char *code, *name, *color;
} risks[] = {
    {"红", "重大风险", "#d93026"},
    {"橙", "较大风险", "#f08c00"},
    {"黄", "一般风险", "#e6b800"},
    {"蓝", "低风险", "#1f6fd1"},
};

#define NINDUSTRIES (sizeof industries / sizeof industries[0])
#define NRISKS (sizeof risks / sizeof risks[0])

bool enterprise_industry_known(const char *s)
{
	for (size_t i = 0; s && i < NINDUSTRIES; i++)
		if (!strcmp(industries[i], s))
			return true;
	return false;
}

bool enterprise_risk_known(const char *s)
{
	for (size_t i = 0; s && i < NRISKS; i++)
		if (!strcmp(risks[i].code, s))
			return true;
	return false;
}

json_t *enterprise_lists_json(void)
{
	json_t *ind = json_array(), *risk = json_array();
	for (size_t i = 0; i < NINDUSTRIES; i++)
		json_array_append_new(ind, json_string(industries[i]));
	for (size_t i = 0; i < NRISKS; i++)
		json_array_append_new(risk,
		                      json_pack("{s:s,s:s,s:s}", "code", risks[i].code, "name",
		                                risks[i].name, "color", risks[i].color));
	return json_pack("{s:o,s:o}", "industries", ind, "risk_levels", risk);
}

static void col_copy(struct store_stmt *s, int i, char *out, size_t cap)
{
	snprintf(out, cap, "%s", scol_null(s, i) ? "" : scol_text(s, i));
}

/* One row of ENT_COLS (store/stmt_enterprise.h) into *e. */
void enterprise_read(struct store_stmt *s, struct enterprise *e)
{
	memset(e, 0, sizeof *e);
	e->org_id = scol_int(s, 0);
	col_copy(s, 1, e->code, sizeof e->code);
	col_copy(s, 2, e->name, sizeof e->name);
	col_copy(s, 3, e->org_path, sizeof e->org_path);
	col_copy(s, 4, e->credit_code, sizeof e->credit_code);
	col_copy(s, 5, e->industry, sizeof e->industry);
	col_copy(s, 6, e->risk_level, sizeof e->risk_level);
	col_copy(s, 7, e->address, sizeof e->address);
	e->has_point = !scol_null(s, 8) && !scol_null(s, 9);
	e->lng = e->has_point ? scol_real(s, 8) : 0;
	e->lat = e->has_point ? scol_real(s, 9) : 0;
	e->township_id = scol_int(s, 10);
	col_copy(s, 11, e->township_code, sizeof e->township_code);
	col_copy(s, 12, e->township_name, sizeof e->township_name);
	e->grid_id = scol_null(s, 13) ? 0 : scol_int(s, 13);
	col_copy(s, 14, e->grid_code, sizeof e->grid_code);
	col_copy(s, 15, e->grid_name, sizeof e->grid_name);
	e->created_at = scol_int(s, 16);
	e->updated_at = scol_int(s, 17);
	e->version = scol_int(s, 18);
}

int enterprise_load(struct store_conn *c, int64_t org_id, struct enterprise *e)
{
	struct store_stmt *s = store_stmt(c, ST_ENT_GET);
	sbind_int(s, 1, org_id);
	int rc = sstep(s);
	if (rc == STORE_ROW)
		enterprise_read(s, e);
	sreset(s);
	return rc == STORE_ROW ? 0 : -1;
}

static json_t *iso(int64_t ms)
{
	char at[ISO8601_MAX];
	time_format_iso(ms, at, sizeof at);
	return json_string(at);
}

json_t *enterprise_json(const struct enterprise *e)
{
	json_t *loc = json_null();
	if (e->has_point)
		loc = json_pack("{s:f,s:f}", "lng", e->lng, "lat", e->lat);
	else if (*e->address)
		loc = json_object();
	if (*e->address)
		json_object_set_new(loc, "address", json_string(e->address));
	json_t *grid = e->grid_id ? json_pack("{s:I,s:s,s:s}", "id", (json_int_t)e->grid_id, "code",
	                                      e->grid_code, "name", e->grid_name)
	                          : json_null();
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:{s:I,s:s,s:s},s:o,s:o,s:o,s:I}", "id",
	                 (json_int_t)e->org_id, "code", e->code, "name", e->name, "credit_code",
	                 e->credit_code, "industry", e->industry, "risk_level", e->risk_level,
	                 "location", loc, "township", "id", (json_int_t)e->township_id, "code",
	                 e->township_code, "name", e->township_name, "grid", grid, "created_at",
	                 iso(e->created_at), "updated_at", iso(e->updated_at), "version",
	                 (json_int_t)e->version);
}

json_t *enterprise_contacts(struct store_conn *c, const struct keys *k, int64_t org_id)
{
	struct store_stmt *s = store_stmt(c, ST_ENT_CONTACTS);
	sbind_int(s, 1, org_id);
	int rc = sstep(s);
	json_t *out = NULL;
	if (rc == STORE_ROW && scol_null(s, 0)) {
		out = json_object();
	} else if (rc == STORE_ROW) {
		char *plain = NULL;
		size_t len = 0;
		if (unseal(k, scol_blob(s, 0), scol_bytes(s, 0), &plain, &len) == 0) {
			out = json_loadb(plain, len, 0, NULL);
			sodium_memzero(plain, len);
			free(plain);
		}
	}
	sreset(s);
	if (out && !json_is_object(out)) {
		json_decref(out);
		out = NULL;
	}
	return out;
}

void enterprise_contacts_mask(json_t *contacts)
{
	const char *role;
	json_t *p;
	json_object_foreach(contacts, role, p)
	{
		char m[64];
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *phone = json_string_value(json_object_get(p, "phone"));
		if (name) {
			mask_name(name, m, sizeof m);
			json_object_set_new(p, "name", json_string(m));
		}
		if (phone) {
			mask_phone(phone, m, sizeof m);
			json_object_set_new(p, "phone", json_string(m));
		}
	}
}
