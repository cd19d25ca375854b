/*
 * One case's share of the stats aggregates (stats_int.h), from one
 * statement (ST_STATS_FOLD): the case row, the share stats_case holds, the
 * case's assignments and its events — only those after the stored share's
 * last event (seq) when the upkeep folds a change in, so an action on an
 * old case reads its new event, not its history again.
 *
 * The counting is STATS_CASE_COLS' (store/stmt_stats.h, the definition,
 * docs/rates.md) on one case, done here on the rows: a name of the type's
 * rates block compared as text, as SQL's = and IN compare them. What SQL
 * must judge stays in the statement: a follow-up's payload field against
 * its "in" list, a reply's time against the deadline in its payload.
 *
 * A case counts, in each scope org whose subtree holds it (every
 * ancestor-or-self of its own org and of the orgs of its live
 * assignments): its own 17 counters and the assignment counters of the
 * assignments that scope counts (all of them when its own org is inside,
 * else those made to an org inside). Per lead unit U (a live lead
 * assignment) and each scope holding U it counts as a unit row; and every
 * assignment of an org U counts in (scope, U) for the scopes that hold
 * both U and the case (a unit's assignments on the cases it does not lead:
 * the ranking's response and return rates).
 */
#include "core/stats.h"
#include "core/stats_int.h"
#include "core/engine.h" /* FOLLOW_PARENT_EVENT */

#include <stdlib.h>
#include <string.h>

#define MAX_ASG STATS_MAX_PARTS /* assignments of one case read */
#define MAX_DEPTH 16            /* org levels in a path */

/* The case's own counters, in the order of STATS_CASE_COLS. */
enum {
	V_RECEIVED,
	V_CLOSED,
	V_MERGED,
	V_TRANSFERRED,
	V_FROM_110,
	V_PROBLEM,
	V_TO_110,
	V_REPLIED,
	V_REPLIED_ON_TIME,
	V_REOPENED,
	V_CALLBACKS,
	V_RESOLVED,
	V_SATISFIED,
	V_ESCALATED,
	V_CLOSED_LOCALLY,
	V_DUPLICATES,
	V_CLOSED_DUPLICATES,
};

void stats_fold_cache_release(struct stats_fold_cache *fc)
{
	for (int i = 0; i < fc->n; i++)
		rate_binds_release(&fc->b[i]);
	fc->n = 0;
}

static const struct rate_binds *cache_get(struct stats_fold_cache *fc, const struct matter_type *t)
{
	for (int i = 0; i < fc->n; i++)
		if (fc->type[i] == t)
			return &fc->b[i];
	if (fc->n == 32 || rate_binds_init(&fc->b[fc->n], &t->data.rates) != 0)
		return NULL;
	fc->type[fc->n] = t;
	return &fc->b[fc->n++];
}

static int copy_code(char *dst, const char *src)
{
	size_t n = strlen(src ? src : "");
	if (n >= STATS_CODE_MAX)
		return -1;
	memcpy(dst, src ? src : "", n + 1);
	return 0;
}

int stats_region_copy(char dst[REGION_LEN + 1], const char *src)
{
	if (!src || strlen(src) != REGION_LEN)
		return -1;
	memcpy(dst, src, REGION_LEN + 1);
	return 0;
}

/* s = name, as SQL's = (NULL matches nothing). */
static bool eq(const char *s, const char *name)
{
	return s && name && !strcmp(s, name);
}

/* s IN (SELECT value FROM json_each(list)): list an array of names, or NULL. */
static bool in_list(const char *s, const json_t *list)
{
	size_t i;
	const json_t *v;
	if (!s || !list)
		return false;
	json_array_foreach(list, i, v)
	{
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return true;
	}
	return false;
}

/* The actions whose events ST_STATS_CASES reads (rate_binds' actions). */
static bool rated_action(const struct type_rates *r, const char *a)
{
	return eq(a, r->transfer_action) || in_list(a, r->reopen_actions) ||
	       eq(a, r->callback_action) || in_list(a, r->escalate_actions);
}

/* Whether status is one of the type's part statuses of the open or signed
 * phase (a part not yet done: ST_STATS_UNIT_OVERDUE's list). */
static bool open_part(const struct matter_type *t, const char *status)
{
	for (int i = 0; status && i < t->nasg_statuses; i++)
		if (!strcmp(t->asg_statuses[i].code, status))
			return t->asg_statuses[i].phase == ASG_OPEN ||
			       t->asg_statuses[i].phase == ASG_SIGNED;
	return false;
}

/* The org ids of a path "/1/4/9/" (ancestors and self), up to MAX_DEPTH. */
static int path_ids(const char *path, int64_t ids[MAX_DEPTH])
{
	int n = 0;
	const char *p = path;
	while (p && *p && n < MAX_DEPTH) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p)
			break;
		ids[n++] = v;
		p = end;
	}
	return n;
}

static bool has_id(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static struct stats_row *row_get(struct stats_share *k, int64_t scope, int64_t unit)
{
	for (int i = 0; i < k->n; i++)
		if (k->rows[i].scope == scope && k->rows[i].unit == unit)
			return &k->rows[i];
	if (k->n == STATS_MAX_ROWS)
		return NULL;
	struct stats_row *r = &k->rows[k->n++];
	memset(r, 0, sizeof *r);
	r->scope = scope;
	r->unit = unit;
	return r;
}

struct asg {
	int64_t org;
	int64_t anc[MAX_DEPTH];
	int nanc;
	bool lead, live;
	int64_t signed_ok, returned;
};

/* Varints of the blob (unsigned LEB128; every value is >= 0). */
static size_t put_var(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	size_t n = 0;
	do {
		unsigned char b = u & 0x7f;
		u >>= 7;
		p[n++] = b | (u ? 0x80 : 0);
	} while (u);
	return n;
}

static int get_var(const unsigned char *p, size_t len, size_t *at, int64_t *v)
{
	uint64_t u = 0;
	for (int sh = 0; sh < 64 && *at < len; sh += 7) {
		unsigned char b = p[(*at)++];
		u |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80)) {
			*v = (int64_t)u;
			return 0;
		}
	}
	return -1;
}

/* The blob: the 17 counters, the number of rows, each row's scope, unit,
 * cases and three assignment counters; then, when there are any, the
 * number of open parts with a deadline and each one's unit, due_at and
 * assignment id. */
void stats_share_encode(struct stats_share *k)
{
	unsigned char *p = k->blob;
	size_t n = 0;
	for (int i = 0; i < STATS_CASE_N; i++)
		n += put_var(p + n, k->v[i]);
	n += put_var(p + n, k->n);
	for (int i = 0; i < k->n; i++) {
		const struct stats_row *r = &k->rows[i];
		n += put_var(p + n, r->scope);
		n += put_var(p + n, r->unit);
		n += put_var(p + n, r->cases);
		for (int j = 0; j < 3; j++)
			n += put_var(p + n, r->a[j]);
	}
	if (k->nparts > 0) { /* absent when none: a share kept before them reads the same */
		n += put_var(p + n, k->nparts);
		for (int i = 0; i < k->nparts; i++) {
			n += put_var(p + n, k->parts[i].unit);
			n += put_var(p + n, k->parts[i].due);
			n += put_var(p + n, k->parts[i].id);
		}
	}
	k->blen = n;
}

int stats_share_decode(struct stats_share *k)
{
	size_t at = 0, len = k->blen;
	const unsigned char *p = k->blob;
	int64_t n, x;
	for (int i = 0; i < STATS_CASE_N; i++)
		if (get_var(p, len, &at, &k->v[i]) != 0)
			return -1;
	if (get_var(p, len, &at, &n) != 0 || n > STATS_MAX_ROWS)
		return -1;
	k->n = (int)n;
	for (int i = 0; i < k->n; i++) {
		struct stats_row *r = &k->rows[i];
		if (get_var(p, len, &at, &r->scope) || get_var(p, len, &at, &r->unit) ||
		    get_var(p, len, &at, &x))
			return -1;
		r->cases = x != 0;
		for (int j = 0; j < 3; j++)
			if (get_var(p, len, &at, &r->a[j]))
				return -1;
	}
	k->nparts = 0;
	if (at == len)
		return 0;
	if (get_var(p, len, &at, &n) != 0 || n > STATS_MAX_PARTS)
		return -1;
	k->nparts = (int)n;
	for (int i = 0; i < k->nparts; i++) {
		struct stats_part *pt = &k->parts[i];
		if (get_var(p, len, &at, &pt->unit) || get_var(p, len, &at, &pt->due) ||
		    get_var(p, len, &at, &pt->id))
			return -1;
	}
	return at == len ? 0 : -1;
}

bool stats_share_same(const struct stats_share *a, const struct stats_share *b)
{
	if (a->present != b->present)
		return false;
	if (!a->present)
		return true;
	return a->day == b->day && !strcmp(a->type, b->type) && !strcmp(a->class_, b->class_) &&
	       !strcmp(a->channel, b->channel) && !strcmp(a->status, b->status) &&
	       !strcmp(a->region, b->region) && a->has_due == b->has_due && a->due == b->due &&
	       a->blen == b->blen && !memcmp(a->blob, b->blob, a->blen);
}

/* The stored share from row 0's columns 11..19 and 22 into *old. */
static int old_load(struct store_stmt *s, struct stats_share *old)
{
	old->present = scol_int(s, 11) != 0;
	old->n = 0;
	old->nparts = 0;
	if (!old->present)
		return 0;
	size_t n = scol_bytes(s, 19);
	if (n > STATS_BLOB_MAX || copy_code(old->type, scol_text(s, 12)) ||
	    copy_code(old->class_, scol_text(s, 14)) || copy_code(old->channel, scol_text(s, 15)) ||
	    copy_code(old->status, scol_text(s, 16)) ||
	    stats_region_copy(old->region, scol_text(s, 22)))
		return -1;
	old->day = scol_int(s, 13);
	old->has_due = !scol_null(s, 17);
	old->due = old->has_due ? scol_int(s, 17) : 0;
	old->has_seq = !scol_null(s, 18);
	old->seq = old->has_seq ? scol_int(s, 18) : 0;
	if (n)
		memcpy(old->blob, scol_blob(s, 19), n);
	old->blen = n;
	return stats_share_decode(old);
}

/* What a case's events say (STATS_EVENTS' ev and fr, for one case). */
struct evstate {
	bool to110, reopened, escalated;
	int64_t callbacks, resolved, satisfied;
	bool replied, on_time;
	int64_t first_reply; /* seq of the first reply among the events read */
	int64_t seq;         /* the last event read */
};

static void ev_add(struct evstate *e, const struct type_rates *r, struct store_stmt *s)
{
	int64_t seq = scol_int(s, 1);
	const char *action = scol_text(s, 2), *to = scol_text(s, 3);
	if (seq > e->seq)
		e->seq = seq;
	/* the events STATS_EVENTS reads: rated actions, and those into the
	 * reply state that are not a merged child's following */
	if (!rated_action(r, action) &&
	    !(eq(to, r->reply_state) && !eq(action, FOLLOW_PARENT_EVENT)))
		return;
	e->to110 |= eq(action, r->transfer_action);
	e->reopened |= in_list(action, r->reopen_actions) ||
	               (eq(action, r->callback_action) && in_list(to, r->reopen_follow_up_to));
	if (eq(action, r->callback_action)) {
		e->callbacks++;
		e->resolved += !scol_null(s, 4) && scol_int(s, 4) != 0;
		e->satisfied += !scol_null(s, 5) && scol_int(s, 5) != 0;
	}
	e->escalated |= in_list(action, r->escalate_actions);
	if (eq(to, r->reply_state) && !e->replied && (!e->first_reply || seq < e->first_reply)) {
		e->first_reply = seq;
		e->on_time = !scol_null(s, 6) && scol_int(s, 6) != 0;
	}
}

/* The scopes and unit rows of the case from its owner's path and its
 * assignments (the rules at the top of this file). */
static int rows_make(struct stats_share *k, const int64_t *owner, int nowner, const struct asg *as,
                     int na)
{
	int64_t scopes[STATS_MAX_ROWS];
	int ns = 0;
	for (int i = 0; i < nowner; i++)
		if (!has_id(scopes, ns, owner[i]))
			scopes[ns++] = owner[i];
	for (int j = 0; j < na; j++)
		for (int i = 0; as[j].live && i < as[j].nanc; i++)
			if (!has_id(scopes, ns, as[j].anc[i])) {
				if (ns == STATS_MAX_ROWS)
					return -1;
				scopes[ns++] = as[j].anc[i];
			}
	for (int i = 0; i < ns; i++) {
		struct stats_row *r = row_get(k, scopes[i], 0);
		if (!r)
			return -1;
		r->cases = true;
		bool owned = has_id(owner, nowner, scopes[i]);
		for (int j = 0; j < na; j++)
			if (owned || has_id(as[j].anc, as[j].nanc, scopes[i])) {
				r->a[0]++;
				r->a[1] += as[j].signed_ok;
				r->a[2] += as[j].returned;
			}
	}
	for (int j = 0; j < na; j++) {
		for (int i = 0; i < as[j].nanc; i++) {
			int64_t sc = as[j].anc[i];
			if (!has_id(scopes, ns, sc))
				continue;
			struct stats_row *r = row_get(k, sc, as[j].org);
			if (!r)
				return -1;
			if (as[j].lead)
				r->cases = true;
			r->a[0]++;
			r->a[1] += as[j].signed_ok;
			r->a[2] += as[j].returned;
		}
	}
	return 0;
}

/* The case's own counters from row 0 and the events. */
static void counters_set(struct stats_share *k, const struct type_rates *r, const char *status,
                         const char *channel, bool problem, bool linked, const struct evstate *e)
{
	bool closed = in_list(status, r->close_states);
	int64_t *v = k->v;
	v[V_RECEIVED] = 1;
	v[V_CLOSED] = closed;
	v[V_MERGED] = eq(status, r->merge_state);
	v[V_TRANSFERRED] = eq(status, r->transfer_state);
	v[V_FROM_110] = eq(channel, r->transfer_channel);
	v[V_PROBLEM] = problem;
	v[V_TO_110] = e->to110;
	v[V_REPLIED] = e->replied;
	v[V_REPLIED_ON_TIME] = e->replied && e->on_time;
	v[V_REOPENED] = e->reopened;
	v[V_CALLBACKS] = e->callbacks;
	v[V_RESOLVED] = e->resolved;
	v[V_SATISFIED] = e->satisfied;
	v[V_ESCALATED] = e->escalated;
	v[V_CLOSED_LOCALLY] = closed && !e->escalated;
	v[V_DUPLICATES] = eq(status, r->merge_state) || linked;
	v[V_CLOSED_DUPLICATES] = closed && linked;
}

/* The events' state the stored share already counts (incremental). */
static void ev_from_share(struct evstate *e, const struct stats_share *old)
{
	e->to110 = old->v[V_TO_110] != 0;
	e->replied = old->v[V_REPLIED] != 0;
	e->on_time = old->v[V_REPLIED_ON_TIME] != 0;
	e->reopened = old->v[V_REOPENED] != 0;
	e->callbacks = old->v[V_CALLBACKS];
	e->resolved = old->v[V_RESOLVED];
	e->satisfied = old->v[V_SATISFIED];
	e->escalated = old->v[V_ESCALATED] != 0;
	e->seq = old->seq;
}

int stats_fold_read(struct store_conn *c, struct stats_fold_cache *fc, int64_t id,
                    const struct matter_type *t, bool incremental, struct stats_share *old,
                    struct stats_share *now)
{
	static _Thread_local struct asg as[MAX_ASG];
	const struct type_rates *r = t && t->data.rates.defined ? &t->data.rates : NULL;
	const struct rate_binds *b = r ? cache_get(fc, t) : NULL;
	if (r && !b)
		return -1;
	struct store_stmt *s = store_stmt(c, ST_STATS_FOLD);
	if (!s)
		return -1;
	sbind_int(s, 1, id);
	if (r) {
		sbind_text(s, 2, r->reply_state);
		sbind_text(s, 3, r->callback_action);
		sbind_text(s, 4, b->resolved_path);
		sbind_text(s, 5, b->resolved_in);
		sbind_text(s, 6, b->satisfied_path);
		sbind_text(s, 7, b->satisfied_in);
		sbind_text(s, 8, FOLLOW_PARENT_EVENT);
		sbind_text(s, 9, r->merge_link);
		sbind_text(s, 10, r->return_action);
	}
	sbind_int(s, 11, r != NULL);
	sbind_int(s, 12, incremental);
	now->present = false;
	now->n = 0;
	now->nparts = 0;
	int64_t owner[MAX_DEPTH];
	int nowner = 0, na = 0, rc;
	bool problem = false, linked = false, open = false, bad = false;
	const char *status = NULL, *channel = NULL;
	struct evstate e = {0};
	while ((rc = sstep(s)) == STORE_ROW && !bad) {
		int kind = (int)scol_int(s, 0);
		if (kind == 0) {
			if (old_load(s, old) != 0) {
				bad = true;
				break;
			}
			now->present = r && scol_int(s, 1) != 0;
			if (!now->present)
				continue;
			bad = copy_code(now->type, scol_text(s, 2)) ||
			      copy_code(now->class_, scol_text(s, 4)) ||
			      copy_code(now->channel, scol_text(s, 5)) ||
			      copy_code(now->status, scol_text(s, 6)) ||
			      stats_region_copy(now->region, scol_text(s, 21));
			/* the raw values: NULL compares to nothing */
			status = scol_null(s, 6) ? NULL : now->status;
			channel = scol_null(s, 5) ? NULL : now->channel;
			now->day =
			    (scol_int(s, 3) + 28800000) / 86400000; /* STATS_SCOPE's day key */
			nowner = path_ids(scol_text(s, 7), owner);
			now->has_due = !scol_null(s, 8);
			now->due = now->has_due ? scol_int(s, 8) : 0;
			problem = !scol_null(s, 9) && scol_int(s, 9) != 0;
			linked = scol_int(s, 10) != 0;
			open = scol_int(s, 20) != 0;
			if (incremental && old->present && old->has_seq)
				ev_from_share(&e, old);
		} else if (kind == 1) {
			if (na == MAX_ASG) {
				bad = true;
				break;
			}
			struct asg *a = &as[na++];
			a->org = scol_int(s, 1);
			a->nanc = path_ids(scol_text(s, 2), a->anc);
			a->lead = scol_int(s, 3) != 0;
			a->live = scol_int(s, 4) != 0;
			a->signed_ok = scol_null(s, 5) ? 0 : scol_int(s, 5);
			a->returned = scol_null(s, 6) ? 0 : scol_int(s, 6);
			if (now->present && open && !scol_null(s, 9) &&
			    open_part(t, scol_text(s, 8))) {
				struct stats_part *x = &now->parts[now->nparts++];
				x->unit = a->org;
				x->due = scol_int(s, 9);
				x->id = scol_int(s, 7);
			}
		} else if (now->present) {
			ev_add(&e, r, s);
		}
	}
	sreset(s);
	if (bad || rc != STORE_DONE)
		return -1;
	if (!now->present)
		return 0;
	if (e.first_reply)
		e.replied = true;
	now->has_seq = true;
	now->seq = e.seq;
	counters_set(now, r, status, channel, problem, linked, &e);
	if (rows_make(now, owner, nowner, as, na) != 0)
		return -1;
	stats_share_encode(now);
	return 0;
}
