/*
 * The outbox's writing side (core/outbox.h): the channel registry,
 * outbox_put, and the webhook fan-out of each event with the writer's cache
 * of live subscriptions. Everything here but the registry runs on the
 * writer's thread, inside its transaction.
 */
#include "core/outbox_int.h"
#include "core/app.h"
#include "core/auth.h"
#include "core/engine.h"
#include "core/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"

/* --- the channel registry: written at start-up, read by the workers --- */

#define OUTBOX_CHANNELS 8

static struct {
	char name[OUTBOX_CHANNEL_MAX + 1];
	outbox_deliver_fn fn;
} channels[OUTBOX_CHANNELS];

void outbox_channel_register(const char *channel, outbox_deliver_fn fn)
{
	if (NEVER(!channel || strlen(channel) > OUTBOX_CHANNEL_MAX))
		return;
	for (int i = 0; i < OUTBOX_CHANNELS; i++) {
		if (!channels[i].name[0] || !strcmp(channels[i].name, channel)) {
			snprintf(channels[i].name, sizeof channels[i].name, "%s", channel);
			channels[i].fn = fn;
			return;
		}
	}
	(void)NEVER(1); /* more channels than OUTBOX_CHANNELS */
}

outbox_deliver_fn outbox_channel_sender(const char *channel)
{
	for (int i = 0; i < OUTBOX_CHANNELS && channels[i].name[0]; i++)
		if (!strcmp(channels[i].name, channel))
			return channels[i].fn;
	return NULL;
}

/* --- the writer's cache of live subscriptions --- */

struct sub {
	int64_t id;
	int64_t org_id;
	char path[ORG_PATH_MAX]; /* the org's path: the subtree it sees */
	bool all;                /* kinds holds "*" */
	int nkinds;
	char kinds[WEBHOOK_KINDS_MAX][OUTBOX_KIND_MAX];
};

/* Owned by app->outbox_cache, touched by the writer's thread only. */
struct outbox_cache {
	bool loaded;  /* subs is what the database (in this transaction) holds */
	bool touched; /* loaded or changed in the running batch: a rollback undoes it */
	bool put;     /* the running batch added messages */
	int n;
	struct sub subs[WEBHOOK_ACTIVE_MAX];
};

static struct outbox_cache *cache_of(struct app *app)
{
	if (!app->outbox_cache)
		app->outbox_cache = calloc(1, sizeof(struct outbox_cache));
	return app->outbox_cache;
}

void outbox_cache_release(struct app *app)
{
	free(app->outbox_cache);
	app->outbox_cache = NULL;
}

/* Fills one subscription from its row (id, kinds, path, org_id). */
static void sub_read(struct sub *s, struct store_stmt *st)
{
	memset(s, 0, sizeof *s);
	s->id = scol_int(st, 0);
	s->org_id = scol_int(st, 3);
	snprintf(s->path, sizeof s->path, "%s", scol_text(st, 2));
	json_t *kinds = json_loads(scol_text(st, 1), 0, NULL);
	size_t i;
	json_t *k;
	json_array_foreach(kinds, i, k)
	{
		const char *v = json_string_value(k);
		if (!v || s->nkinds == WEBHOOK_KINDS_MAX || strlen(v) >= OUTBOX_KIND_MAX)
			continue;
		if (!strcmp(v, "*"))
			s->all = true;
		snprintf(s->kinds[s->nkinds++], OUTBOX_KIND_MAX, "%s", v);
	}
	json_decref(kinds);
}

static int cache_load(struct wctx *w, struct outbox_cache *c)
{
	struct store_stmt *st = store_stmt(w->conn, ST_WEBHOOK_ACTIVE);
	int rc, n = 0;
	while ((rc = sstep(st)) == STORE_ROW)
		if (n < WEBHOOK_ACTIVE_MAX)
			sub_read(&c->subs[n++], st);
	sreset(st);
	if (rc != STORE_DONE)
		return -1;
	c->n = n;
	c->loaded = true;
	c->touched = true;
	return 0;
}

void outbox_subscriptions_changed(struct wctx *w)
{
	struct outbox_cache *c = cache_of(w->app);
	if (c) {
		c->loaded = false;
		c->touched = true;
	}
}

void outbox_job_rolled_back(struct app *app)
{
	struct outbox_cache *c = app->outbox_cache;
	if (c && c->touched)
		c->loaded = false;
}

void outbox_batch_end(struct app *app, bool committed)
{
	struct outbox_cache *c = app->outbox_cache;
	if (!c)
		return;
	if (!committed && c->touched)
		c->loaded = false;
	if (committed && c->put)
		outbox_wake();
	c->touched = false;
	c->put = false;
}

static const struct sub *sub_find(const struct outbox_cache *c, int64_t id)
{
	for (int i = 0; c && c->loaded && i < c->n; i++)
		if (c->subs[i].id == id)
			return &c->subs[i];
	return NULL;
}

static bool sub_wants(const struct sub *s, const char *kind)
{
	if (s->all)
		return true;
	for (int i = 0; i < s->nkinds; i++)
		if (!strcmp(s->kinds[i], kind))
			return true;
	return false;
}

/* --- writing messages --- */

void outbox_note_put(struct wctx *w)
{
	struct outbox_cache *c = cache_of(w->app);
	if (c)
		c->put = true;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && !strcmp(s + n - m, tail);
}

bool outbox_kind_private(const char *action)
{
	return !action || ends_with(action, ".read") || ends_with(action, ".view") ||
	       ends_with(action, ".list") || ends_with(action, ".export");
}

static int put_row(struct wctx *w, const char *channel, const char *kind, int64_t case_id,
                   int64_t org_id, const char *target, const char *payload)
{
	struct store_stmt *s = store_stmt(w->conn, ST_OUTBOX_INSERT);
	sbind_text(s, 1, channel);
	sbind_text(s, 2, kind);
	sbind_opt_int(s, 3, case_id);
	sbind_opt_int(s, 4, org_id);
	sbind_text(s, 5, target);
	sbind_text(s, 6, payload);
	sbind_int(s, 7, time_real_ms()); /* due now, by the workers' own clock */
	sbind_int(s, 8, w->now);
	if (sdone(s) != STORE_DONE)
		return -1;
	outbox_note_put(w);
	return 0;
}

/* The org a message belongs to (the admin list's scope): a webhook's
 * subscription's, else its case's, else none (0). */
static int64_t put_org(struct wctx *w, const char *channel, int64_t case_id, const char *target)
{
	if (!strcmp(channel, "webhook")) {
		struct outbox_cache *c = cache_of(w->app);
		if (c && !c->loaded)
			cache_load(w, c);
		const struct sub *s = sub_find(c, strtoll(target, NULL, 10));
		if (s)
			return s->org_id;
	}
	if (!case_id)
		return 0;
	struct store_stmt *s = store_stmt(w->conn, ST_OUTBOX_CASE);
	sbind_int(s, 1, case_id);
	int64_t org = sstep(s) == STORE_ROW ? scol_int(s, 6) : 0;
	sreset(s);
	return org;
}

int outbox_put(struct wctx *w, const char *channel, const char *kind, int64_t case_id,
               const char *target, const char *payload)
{
	if (NEVER(!channel || !kind || !target || !payload) ||
	    NEVER(strlen(channel) > OUTBOX_CHANNEL_MAX || strlen(kind) >= OUTBOX_KIND_MAX ||
	          strlen(target) > OUTBOX_TARGET_MAX || strlen(payload) > OUTBOX_PAYLOAD_MAX))
		return -1;
	return put_row(w, channel, kind, case_id, put_org(w, channel, case_id, target), target,
	               payload);
}

/* --- the webhook fan-out --- */

/* The case an event is about, as a payload shows it. */
struct case_info {
	char no[64], type[64], status[64], org_code[64], org_name[256], path[ORG_PATH_MAX];
	int nunits;
	char units[CASE_MAX_ASSIGNMENTS][ORG_PATH_MAX]; /* paths of the units at work */
};

static int case_info_load(struct wctx *w, int64_t case_id, struct case_info *ci)
{
	struct store_stmt *s = store_stmt(w->conn, ST_OUTBOX_CASE);
	sbind_int(s, 1, case_id);
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		snprintf(ci->no, sizeof ci->no, "%s", scol_text(s, 0));
		snprintf(ci->type, sizeof ci->type, "%s", scol_text(s, 1));
		snprintf(ci->status, sizeof ci->status, "%s", scol_text(s, 2));
		snprintf(ci->org_code, sizeof ci->org_code, "%s", scol_text(s, 3));
		snprintf(ci->org_name, sizeof ci->org_name, "%s", scol_text(s, 4));
		snprintf(ci->path, sizeof ci->path, "%s", scol_text(s, 5));
	}
	sreset(s);
	if (rc != STORE_ROW)
		return rc == STORE_DONE ? 1 : -1;
	s = store_stmt(w->conn, ST_OUTBOX_CASE_UNITS);
	sbind_int(s, 1, case_id);
	ci->nunits = 0;
	while ((rc = sstep(s)) == STORE_ROW)
		if (ci->nunits < CASE_MAX_ASSIGNMENTS)
			snprintf(ci->units[ci->nunits++], ORG_PATH_MAX, "%s", scol_text(s, 0));
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

static bool case_in_subtree(const struct case_info *ci, const char *scope)
{
	if (path_within(ci->path, scope))
		return true;
	for (int i = 0; i < ci->nunits; i++)
		if (path_within(ci->units[i], scope))
			return true;
	return false;
}

/* The payload of a case event (docs/notifications.md): no personal data and
 * no free text; the message id is added at delivery. Caller frees. */
static char *event_payload(const struct event_rec *e, int64_t seq, const char *kind,
                           const struct case_info *ci)
{
	char at[ISO8601_MAX];
	time_format_iso(e->at, at, sizeof at);
	json_t *p = json_pack("{s:s,s:s,s:{s:I,s:s,s:s,s:s,s:{s:s,s:s}},s:{s:I,s:s,s:s?,s:s?}}",
	                      "kind", kind, "at", at, "case", "id", (json_int_t)e->case_id, "no",
	                      ci->no, "type", ci->type, "status", ci->status, "org", "code",
	                      ci->org_code, "name", ci->org_name, "event", "seq", (json_int_t)seq,
	                      "action", e->action, "from", e->from, "to", e->to);
	char *text = json_canonical(p);
	json_decref(p);
	return text;
}

int outbox_on_event(struct wctx *w, const struct event_rec *e, int64_t seq)
{
	if (!e->case_id || outbox_kind_private(e->action))
		return 0;
	struct outbox_cache *c = cache_of(w->app);
	if (!c || (!c->loaded && cache_load(w, c) != 0))
		return -1;
	if (c->n == 0)
		return 0;
	char kind[OUTBOX_KIND_MAX];
	if ((size_t)snprintf(kind, sizeof kind, "case.%s", e->action) >= sizeof kind)
		return 0; /* no subscription can name it */
	int want[WEBHOOK_ACTIVE_MAX], nwant = 0;
	for (int i = 0; i < c->n; i++)
		if (sub_wants(&c->subs[i], kind))
			want[nwant++] = i;
	if (nwant == 0)
		return 0;
	struct case_info *ci = malloc(sizeof *ci);
	if (!ci)
		return -1;
	int rc = case_info_load(w, e->case_id, ci);
	char *payload = rc == 0 ? event_payload(e, seq, kind, ci) : NULL;
	if (rc == 0 && !payload)
		rc = -1;
	for (int i = 0; rc == 0 && i < nwant; i++) {
		const struct sub *s = &c->subs[want[i]];
		if (!case_in_subtree(ci, s->path))
			continue;
		char target[24];
		snprintf(target, sizeof target, "%lld", (long long)s->id);
		rc = put_row(w, "webhook", kind, e->case_id, s->org_id, target, payload);
	}
	free(payload);
	free(ci);
	return rc < 0 ? -1 : 0;
}
