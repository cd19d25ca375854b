/* The ledger of a type's cases (ledger.h). */
#include "core/ledger.h"
#include "core/directory.h"
#include "core/enterprises.h"
#include "core/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"

/* JSON paths of the ledger's fields, "$.source", … */
struct ledger_paths {
	const struct matter_type *t;
	char source[72], level[72], listed[72], category[72], deadline[72];
	char region[256];              /* the region's org path, "" = any */
	char *done, *excluded, *major; /* JSON arrays as text, owned */
};

static void paths_release(struct ledger_paths *p)
{
	free(p->done);
	free(p->excluded);
	free(p->major);
}

static int paths_init(struct store_conn *c, const struct matter_type *t,
                      const struct ledger_query *q, struct ledger_paths *p, struct err *e)
{
	memset(p, 0, sizeof *p);
	p->t = t;
	if (!p->t)
		return err_set(e, E_NOT_FOUND, NULL, "没有定义台账的事项类型");
	const struct type_ledger *G = &p->t->data.ledger;
	snprintf(p->source, sizeof p->source, "$.%s", G->source);
	snprintf(p->level, sizeof p->level, "$.%s", G->level);
	snprintf(p->listed, sizeof p->listed, "$.%s", G->listed);
	snprintf(p->category, sizeof p->category, "$.%s", G->category);
	snprintf(p->deadline, sizeof p->deadline, "$.%s", G->deadline);
	p->done = json_dumps(G->done, JSON_COMPACT);
	p->excluded = G->excluded ? json_dumps(G->excluded, JSON_COMPACT) : NULL;
	p->major = json_dumps(G->major, JSON_COMPACT);
	if (!p->done || !p->major || (G->excluded && !p->excluded)) {
		paths_release(p);
		return err_oom(e);
	}
	if (q->region) {
		json_t *v = json_string(q->region);
		int64_t id;
		int rc = v ? org_resolve(c, v, &id, p->region, sizeof p->region, NULL, 0) : -1;
		json_decref(v);
		if (rc != 0) {
			paths_release(p);
			return err_set(e, E_FIELD_INVALID, "region", "region 不是已知的单位");
		}
	}
	return 0;
}

/* The filters every ledger statement shares (stmt_ledger.h). */
static void bind_filters(struct store_stmt *s, const struct ledger_query *q,
                         const struct ledger_paths *p, bool excluded)
{
	for (int i = 0; i < 3; i++)
		sbind_text(s, i + 1, q->scopes[i]);
	sbind_text(s, 4, p->t->code);
	sbind_text(s, 5, p->source);
	sbind_text(s, 6, p->level);
	sbind_text(s, 7, p->listed);
	sbind_text(s, 10, p->region[0] ? p->region : NULL);
	sbind_text(s, 11, q->industry);
	sbind_text(s, 12, q->source);
	sbind_text(s, 13, q->level);
	sbind_text(s, 14, q->status);
	if (q->listed >= 0)
		sbind_int(s, 15, q->listed);
	sbind_opt_int(s, 18, q->from);
	sbind_opt_int(s, 19, q->to);
	sbind_text(s, 20, excluded ? p->excluded : NULL);
}

/* v is one of the enum field's values. */
static bool field_value(const struct matter_type *t, const char *field, const char *v)
{
	json_t *x = json_string(v);
	bool r = type_field_has_value(type_field(t, field), x);
	json_decref(x);
	return r;
}

int ledger_query_check(struct store_conn *c, const struct app *app, const struct actor *a,
                       struct ledger_query *q, struct err *e)
{
	const struct matter_type *t = types_ledger(app->types);
	if (!t)
		return err_set(e, E_NOT_FOUND, NULL, "没有定义台账的事项类型");
	if (actor_scopes(a, P_CASE_READ, q->scopes, 3) == 0)
		return err_set(e, E_FORBIDDEN, NULL, "没有查看工单的权限");
	const struct type_ledger *G = &t->data.ledger;
	if (q->source && !field_value(t, G->source, q->source))
		return err_set(e, E_FIELD_INVALID, "source", "source 不是隐患来源的取值");
	if (q->level && !field_value(t, G->level, q->level))
		return err_set(e, E_FIELD_INVALID, "level", "level 不是隐患等级的取值");
	if (q->status && !type_state(t, q->status))
		return err_set(e, E_FIELD_INVALID, "status", "status 不是“%s”的状态", t->name);
	if (q->industry && !enterprise_industry_known(q->industry))
		return err_set(e, E_FIELD_INVALID, "industry", "industry 不是已知的行业类别");
	if (q->from && q->to && q->to <= q->from)
		return err_set(e, E_FIELD_INVALID, "to", "to 不能早于 from");
	if (q->region) {
		json_t *v = json_string(q->region);
		int64_t id;
		int rc = v ? org_resolve(c, v, &id, NULL, 0, NULL, 0) : -1;
		json_decref(v);
		if (rc != 0)
			return err_set(e, E_FIELD_INVALID, "region", "region 不是已知的单位");
	}
	return 0;
}

static json_t *opt_text(struct store_stmt *s, int i)
{
	return scol_null(s, i) ? json_null() : json_string(scol_text(s, i));
}

static json_t *opt_time(struct store_stmt *s, int i)
{
	if (scol_null(s, i))
		return json_null();
	char at[ISO8601_MAX];
	time_format_iso(scol_int(s, i), at, sizeof at);
	return json_string(at);
}

/* One ledger row (ST_LEDGER_LIST) as JSON. */
static json_t *row_json(struct store_stmt *s, const struct matter_type *t)
{
	const struct type_state *st = type_state(t, scol_text(s, 3));
	return json_pack(
	    "{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:{s:I,s:s,s:s,s:o,s:o},s:o}", "id",
	    (json_int_t)scol_int(s, 0), "no", scol_text(s, 1), "title", scol_text(s, 2), "status",
	    scol_text(s, 3), "status_name", st ? st->name : scol_text(s, 3), "received_at",
	    opt_time(s, 4), "closed_at", opt_time(s, 5), "source", opt_text(s, 6), "level",
	    opt_text(s, 7), "listed_level", opt_text(s, 8), "category", opt_text(s, 9), "deadline",
	    opt_text(s, 10), "enterprise", "id", (json_int_t)scol_int(s, 11), "code",
	    scol_text(s, 12), "name", scol_text(s, 13), "industry", opt_text(s, 14), "risk_level",
	    opt_text(s, 15), "township",
	    scol_null(s, 16)
	        ? json_null()
	        : json_pack("{s:s,s:s}", "code", scol_text(s, 16), "name", scol_text(s, 17)));
}

int ledger_list(struct store_conn *c, const struct app *app, const struct ledger_query *q,
                json_t **out, struct err *e)
{
	struct ledger_paths p;
	if (paths_init(c, types_ledger(app->types), q, &p, e) != 0)
		return -1;
	struct store_stmt *s = store_stmt(c, ST_LEDGER_LIST);
	bind_filters(s, q, &p, false);
	sbind_text(s, 8, p.category);
	sbind_text(s, 9, p.deadline);
	sbind_opt_int(s, 16, q->cursor);
	sbind_int(s, 17, q->limit + 1);
	json_t *items = json_array();
	int rc, n = 0;
	int64_t last = 0;
	while ((rc = sstep(s)) == STORE_ROW) {
		if (n == q->limit)
			break;
		json_t *it = row_json(s, p.t);
		if (!it || json_array_append_new(items, it) != 0) {
			rc = STORE_ERROR;
			break;
		}
		last = scol_int(s, 0);
		n++;
	}
	sreset(s);
	paths_release(&p);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		json_decref(items);
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	*out = json_page(items, last, rc == STORE_ROW);
	if (!*out)
		return err_oom(e);
	if (q->cursor || q->no_summary)
		return 0;
	json_t *sum;
	if (ledger_summary(c, app, q, &sum, e) != 0) {
		json_decref(*out);
		return -1;
	}
	json_object_set_new(*out, "summary", sum);
	return 0;
}

/* {"value","found","rectified","rate"}; rate null when nothing was found */
static json_t *figure(json_t *value, int64_t found, int64_t fixed)
{
	return json_pack("{s:o,s:I,s:I,s:o}", "value", value, "found", (json_int_t)found,
	                 "rectified", (json_int_t)fixed, "rate",
	                 found ? json_real((double)(fixed * 10000 / found) / 10000.0)
	                       : json_null());
}

/* One entry per value of the enum field, in its order, plus "未定" (null)
 * when some rows have none; counts from rows [value, found, fixed]. */
static json_t *breakdown(const struct matter_type *t, const char *field, json_t *rows)
{
	const struct type_field *f = type_field(t, field);
	json_t *arr = json_array();
	size_t i, j;
	json_t *v, *r;
	json_array_foreach(f->values, i, v)
	{
		int64_t found = 0, fixed = 0;
		json_array_foreach(rows, j, r) if (json_equal(json_array_get(r, 0), v))
		{
			found += json_integer_value(json_array_get(r, 1));
			fixed += json_integer_value(json_array_get(r, 2));
		}
		json_array_append_new(arr, figure(json_copy(v), found, fixed));
	}
	int64_t found = 0, fixed = 0;
	json_array_foreach(rows, j, r) if (json_is_null(json_array_get(r, 0)))
	{
		found += json_integer_value(json_array_get(r, 1));
		fixed += json_integer_value(json_array_get(r, 2));
	}
	if (found)
		json_array_append_new(arr, figure(json_null(), found, fixed));
	return arr;
}

int ledger_summary(struct store_conn *c, const struct app *app, const struct ledger_query *q,
                   json_t **out, struct err *e)
{
	return ledger_summary_of(c, types_ledger(app->types), q, out, e);
}

int ledger_summary_of(struct store_conn *c, const struct matter_type *t,
                      const struct ledger_query *q, json_t **out, struct err *e)
{
	struct ledger_paths p;
	if (paths_init(c, t, q, &p, e) != 0)
		return -1;
	struct store_stmt *s = store_stmt(c, ST_LEDGER_SUMMARY);
	bind_filters(s, q, &p, true);
	sbind_text(s, 21, p.done);
	json_t *by_source = json_array(), *by_level = json_array();
	int64_t found = 0, fixed = 0, lfound = 0, lfixed = 0;
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		int64_t n = scol_int(s, 3), d = scol_int(s, 4);
		json_array_append_new(
		    by_source, json_pack("[o,I,I]", opt_text(s, 0), (json_int_t)n, (json_int_t)d));
		json_array_append_new(
		    by_level, json_pack("[o,I,I]", opt_text(s, 1), (json_int_t)n, (json_int_t)d));
		found += n;
		fixed += d;
		if (scol_int(s, 2)) {
			lfound += n;
			lfixed += d;
		}
	}
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(by_source);
		json_decref(by_level);
		paths_release(&p);
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	json_t *total = figure(json_null(), found, fixed);
	json_object_del(total, "value");
	json_object_set_new(total, "by_source", breakdown(p.t, p.t->data.ledger.source, by_source));
	json_object_set_new(total, "by_level", breakdown(p.t, p.t->data.ledger.level, by_level));
	json_t *listed = figure(json_null(), lfound, lfixed);
	json_object_del(listed, "value");
	json_object_set_new(total, "listed", listed);
	json_decref(by_source);
	json_decref(by_level);
	paths_release(&p);
	*out = total;
	return 0;
}

static const struct sheet_col ledger_cols[] = {
    {"编号", 20},     {"隐患名称", 36}, {"企业", 30},     {"行业", 14}, {"乡镇", 12},
    {"来源", 10},     {"等级", 8},      {"类别", 12},     {"状态", 18}, {"挂牌督办", 10},
    {"整改时限", 12}, {"登记时间", 26}, {"销号时间", 26},
};
#define LEDGER_NCOLS ((int)(sizeof ledger_cols / sizeof ledger_cols[0]))

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int ledger_sheet(struct store_conn *c, const struct app *app, const struct ledger_query *q,
                 enum sheet_format fmt, const char *dir, int *fd, int64_t *size, int64_t *rows,
                 struct err *e)
{
	struct ledger_query page = *q;
	page.limit = LEDGER_PAGE_MAX;
	page.cursor = 0;
	page.no_summary = true;
	struct sheet *sh = sheet_new(fmt, dir, "隐患台账", ledger_cols, LEDGER_NCOLS, e);
	if (!sh)
		return -1;
	*rows = 0;
	for (;;) {
		json_t *out;
		if (ledger_list(c, app, &page, &out, e) != 0)
			goto fail;
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(out, "items"), i, it)
		{
			json_t *ent = json_object_get(it, "enterprise");
			const char *cells[LEDGER_NCOLS] = {
			    str(it, "no"),
			    str(it, "title"),
			    str(ent, "name"),
			    str(ent, "industry"),
			    str(json_object_get(it, "township"), "name"),
			    str(it, "source"),
			    str(it, "level"),
			    str(it, "category"),
			    str(it, "status_name"),
			    str(it, "listed_level"),
			    str(it, "deadline"),
			    str(it, "received_at"),
			    str(it, "closed_at")};
			if (++*rows > LEDGER_EXPORT_MAX) {
				json_decref(out);
				err_set(e, E_EXPORT_TOO_LARGE, NULL,
				        "台账超过 %d 行，请缩小筛选范围", LEDGER_EXPORT_MAX);
				goto fail;
			}
			if (sheet_row(sh, cells, e) != 0) {
				json_decref(out);
				goto fail;
			}
		}
		const char *next = str(out, "next_cursor");
		page.cursor = next ? strtoll(next, NULL, 10) : 0;
		json_decref(out);
		if (!page.cursor)
			break;
	}
	if (sheet_finish(sh, fd, size, e) != 0)
		goto fail;
	sheet_free(sh);
	return 0;
fail:
	sheet_free(sh);
	return -1;
}

int ledger_map(struct store_conn *c, const struct app *app, const struct ledger_query *q,
               json_t **out, struct err *e)
{
	struct ledger_paths p;
	if (paths_init(c, types_ledger(app->types), q, &p, e) != 0)
		return -1;
	struct store_stmt *s = store_stmt(c, ST_LEDGER_MAP);
	for (int i = 0; i < 3; i++)
		sbind_text(s, i + 1, q->scopes[i]);
	sbind_text(s, 4, p.t->code);
	sbind_text(s, 6, p.level);
	sbind_text(s, 7, p.listed);
	sbind_text(s, 8, p.major);
	sbind_int(s, 9, q->limit + 1);
	json_t *features = json_array();
	int rc, n = 0;
	while ((rc = sstep(s)) == STORE_ROW) {
		if (n == q->limit)
			break;
		if (scol_null(s, 6) || scol_null(s, 7))
			continue; /* neither the case nor its enterprise has a point */
		const struct type_state *st = type_state(p.t, scol_text(s, 3));
		json_t *f = json_pack(
		    "{s:s,s:{s:s,s:[f,f]},s:{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:{s:s,s:s,s:o}}}", "type",
		    "Feature", "geometry", "type", "Point", "coordinates", scol_real(s, 6),
		    scol_real(s, 7), "properties", "id", (json_int_t)scol_int(s, 0), "no",
		    scol_text(s, 1), "title", scol_text(s, 2), "status", scol_text(s, 3),
		    "status_name", st ? st->name : scol_text(s, 3), "level", opt_text(s, 4),
		    "listed_level", opt_text(s, 5), "enterprise", "code", scol_text(s, 8), "name",
		    scol_text(s, 9), "industry", opt_text(s, 10));
		if (!f || json_array_append_new(features, f) != 0) {
			rc = STORE_ERROR;
			break;
		}
		n++;
	}
	sreset(s);
	paths_release(&p);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		json_decref(features);
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	*out = json_pack("{s:s,s:o,s:b}", "type", "FeatureCollection", "features", features,
	                 "truncated", rc == STORE_ROW);
	return *out ? 0 : err_oom(e);
}
