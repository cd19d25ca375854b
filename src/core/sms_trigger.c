/*
 * Which events send which texts (core/sms.h): the config's trigger rules
 * applied to one event in its own transaction. Every text is handed to the
 * emitter (the outbox) with a reference as its target and the values its
 * template names as its payload, so a rolled-back write sends nothing and
 * the queue never holds a phone number or a name.
 *
 * A confidential case (its reporter kept from view, core/caseview.c) sends
 * its reporter nothing unless the case's consent field (the config's
 * "consent_field", a bool field the seat ticks when the reporter asks) is
 * true.
 */
#include "core/sms_int.h"
#include "core/app.h"
#include "core/chain.h"
#include "core/types.h"
#include "core/writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"

/* The case as the triggers see it, read once per event. */
struct sms_case {
	int64_t id;
	char no[32];
	char type[64];
	char cls[64];
	int64_t due_at;
	bool confidential, has_phone;
	json_t *fields; /* owned */
	const struct matter_type *t;
};

static bool in_list(char *const *a, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (s && !strcmp(a[i], s))
			return true;
	return false;
}

static int case_read(struct wctx *w, int64_t id, struct sms_case *c)
{
	memset(c, 0, sizeof *c);
	struct store_stmt *s = store_stmt(w->conn, ST_SMS_CASE);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		c->id = id;
		snprintf(c->no, sizeof c->no, "%s", scol_text(s, 0));
		snprintf(c->type, sizeof c->type, "%s", scol_text(s, 1));
		snprintf(c->cls, sizeof c->cls, "%s", scol_null(s, 2) ? "" : scol_text(s, 2));
		c->due_at = scol_null(s, 3) ? 0 : scol_int(s, 3);
		c->confidential = scol_int(s, 4) != 0;
		c->fields = json_loads(scol_text(s, 5), 0, NULL);
		c->has_phone = scol_int(s, 6) != 0;
		c->t = types_find(w->app->types, c->type);
	}
	sreset(s);
	return rc == STORE_ROW ? 0 : rc == STORE_DONE ? 1 : -1;
}

static bool trigger_matches(const struct sms_trigger *g, const struct event_rec *e,
                            const struct sms_case *c)
{
	if (g->nevents && !in_list(g->events, g->nevents, e->action))
		return false;
	if (g->to_state && (!e->to || strcmp(e->to, g->to_state)))
		return false;
	if (!in_list(g->types, g->ntypes, c->type))
		return false;
	if (!g->nnot_if)
		return true;
	/* an imported case's "create" carries its source's ext_ref: the
	 * source's citizens were told by the source, long ago */
	json_t *p = json_loads(e->payload, 0, NULL);
	bool hit = false;
	for (int i = 0; i < g->nnot_if && !hit; i++)
		hit = json_object_get(p, g->not_if[i]) != NULL;
	json_decref(p);
	return !hit;
}

/* The reporter may be told: a phone, and no confidentiality or consent. */
static bool reporter_reachable(const struct sms_config *cfg, const struct sms_case *c)
{
	if (!c->has_phone)
		return false;
	if (!c->confidential)
		return true;
	return cfg->consent_field && json_is_true(json_object_get(c->fields, cfg->consent_field));
}

static const char *outcome_of(const struct sms_trigger *g, const struct sms_case *c)
{
	for (int i = 0; i < g->noutcomes; i++) {
		json_t *v = json_object_get(c->fields, g->outcomes[i].field);
		size_t k;
		json_t *x;
		json_array_foreach(g->outcomes[i].in, k, x) if (v && json_equal(v, x)) return g
		    ->outcomes[i]
		    .text;
	}
	return g->outcome_default;
}

/* The values the template names, as {"template","vars"} canonical JSON
 * (caller frees); unit and deadline are the part's when given. */
static char *payload_of(const struct sms_trigger *g, const struct sms_case *c, const char *unit,
                        int64_t due_at)
{
	unsigned uses = g->tpl->uses;
	json_t *vars = json_object();
	char due[32] = "";
	if (due_at)
		time_format_minute(due_at, due, sizeof due);
	const char *vals[SV__N] = {[SV_NO] = c->no,
	                           [SV_TYPE_NAME] = c->t ? c->t->name : c->type,
	                           [SV_CLASS] = c->cls,
	                           [SV_DEADLINE] = due_at ? due : "—",
	                           [SV_OUTCOME] = outcome_of(g, c),
	                           [SV_UNIT] = unit ? unit : ""};
	for (int i = 0; i < SV__N; i++)
		if (uses & (1u << i))
			json_object_set_new(vars, sms_var_names[i],
			                    json_string(vals[i] ? vals[i] : ""));
	json_t *p = json_pack("{s:s,s:o}", "template", g->tpl->name, "vars", vars);
	char *text = p ? json_canonical(p) : NULL;
	json_decref(p);
	return text;
}

static int emit_one(struct wctx *w, const struct sms_trigger *g, const struct sms_case *c,
                    const char *target, const char *unit, int64_t due_at, sms_emit_fn emit,
                    void *arg)
{
	char kind[SMS_NAME_MAX + 8];
	snprintf(kind, sizeof kind, "sms.%s", g->tpl->name);
	char *payload = payload_of(g, c, unit, due_at);
	if (!payload)
		return -1;
	struct sms_msg m = {.kind = kind, .case_id = c->id, .target = target, .payload = payload};
	int rc = emit(w, &m, arg);
	free(payload);
	return rc;
}

/* A text to each account of the unit with a phone and one of the roles. */
static int emit_unit(struct wctx *w, const struct sms_trigger *g, const struct sms_case *c,
                     int64_t org_id, const char *unit, int64_t due_at, sms_emit_fn emit, void *arg)
{
	json_t *roles = json_array();
	for (int i = 0; i < g->nroles; i++)
		json_array_append_new(roles, json_string(g->roles[i]));
	char *rtext = json_dumps(roles, JSON_COMPACT);
	json_decref(roles);
	if (!rtext)
		return -1;
	int64_t users[50];
	int n = 0;
	struct store_stmt *s = store_stmt(w->conn, ST_SMS_UNIT_USERS);
	sbind_int(s, 1, org_id);
	sbind_text(s, 2, rtext);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW && n < 50)
		users[n++] = scol_int(s, 0);
	sreset(s);
	free(rtext);
	if (rc != STORE_DONE && rc != STORE_ROW)
		return -1;
	for (int i = 0; i < n; i++) {
		char target[40];
		snprintf(target, sizeof target, "user:%" PRId64, users[i]);
		if (emit_one(w, g, c, target, unit, due_at, emit, arg) != 0)
			return -1;
	}
	return 0;
}

struct part {
	int64_t org_id, due_at;
	char unit[256];
};

static int parts_read(struct store_stmt *s, struct part *p, int cap, int *n)
{
	int rc;
	*n = 0;
	while ((rc = sstep(s)) == STORE_ROW && *n < cap) {
		p[*n].org_id = scol_int(s, 0);
		snprintf(p[*n].unit, sizeof p[*n].unit, "%s", scol_text(s, 1));
		p[*n].due_at = scol_null(s, 2) ? 0 : scol_int(s, 2);
		(*n)++;
	}
	sreset(s);
	return rc == STORE_DONE || rc == STORE_ROW ? 0 : -1;
}

/* The part an overdue event names, when its timer is one the trigger
 * lists; n = 0 when none. */
static int overdue_part(struct wctx *w, const struct sms_trigger *g, const struct event_rec *e,
                        struct part *p, int *n)
{
	*n = 0;
	json_t *pl = json_loads(e->payload, 0, NULL);
	json_int_t asg = json_integer_value(json_object_get(pl, "assignment"));
	const char *timer = json_string_value(json_object_get(pl, "timer"));
	bool wanted = asg > 0 && (!g->ntimers || in_list(g->timers, g->ntimers, timer));
	json_decref(pl);
	if (!wanted)
		return 0;
	struct store_stmt *s = store_stmt(w->conn, ST_SMS_PART);
	sbind_int(s, 1, asg);
	sbind_int(s, 2, e->case_id);
	return parts_read(s, p, 1, n);
}

static int trigger_run(const struct sms_config *cfg, struct wctx *w, const struct sms_trigger *g,
                       const struct event_rec *e, const struct sms_case *c, sms_emit_fn emit,
                       void *arg)
{
	if (g->to == TO_REPORTER) {
		if (!reporter_reachable(cfg, c))
			return 0;
		char target[48];
		snprintf(target, sizeof target, "case:%" PRId64 ":reporter", c->id);
		return emit_one(w, g, c, target, NULL, c->due_at, emit, arg);
	}
	struct part parts[20];
	int n = 0;
	if (g->to == TO_NEW_UNITS) {
		struct store_stmt *s = store_stmt(w->conn, ST_SMS_NEW_PARTS);
		sbind_int(s, 1, c->id);
		sbind_int(s, 2, e->at);
		if (parts_read(s, parts, 20, &n) != 0)
			return -1;
	} else if (overdue_part(w, g, e, parts, &n) != 0) {
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (emit_unit(w, g, c, parts[i].org_id, parts[i].unit, parts[i].due_at, emit,
		              arg) != 0)
			return -1;
	return 0;
}

int sms_collect(const struct sms_config *cfg, struct wctx *w, const struct event_rec *e,
                sms_emit_fn emit, void *arg)
{
	if (!cfg || !e->case_id || !e->action)
		return 0;
	struct sms_case c;
	bool loaded = false;
	int rc = 0;
	for (int i = 0; i < cfg->ntriggers && rc == 0; i++) {
		const struct sms_trigger *g = &cfg->triggers[i];
		if (g->nevents && !in_list(g->events, g->nevents, e->action))
			continue;
		if (!loaded) {
			int r = case_read(w, e->case_id, &c);
			if (r != 0)
				return r < 0 ? -1 : 0;
			loaded = true;
		}
		if (trigger_matches(g, e, &c))
			rc = trigger_run(cfg, w, g, e, &c, emit, arg);
	}
	if (loaded)
		json_decref(c.fields);
	return rc;
}
