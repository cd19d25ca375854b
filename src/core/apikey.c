/*
 * API keys' scopes, org clipping, per-key rate limit and last-used stamp
 * (core/apikey.h). The rate table is a fixed set of token buckets keyed by
 * key id (like the login throttle's table in auth.c): a bucket holds up to
 * `rate` calls and fills at rate a minute; a key new to a full table takes
 * the slot of its probe run that was used longest ago.
 */
#include "core/apikey.h"
#include "core/app.h"
#include "core/writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	const char *perms; /* any one of, '|'-separated */
} scope_tab[KS__COUNT] = {
#define X(id, name, perms, label) [id] = {name, perms},
    APIKEY_SCOPE_LIST(X)
#undef X
};

int apikey_scope_by_name(const char *name)
{
	for (int i = 0; i < KS__COUNT; i++)
		if (name && !strcmp(name, scope_tab[i].name))
			return i;
	return -1;
}

const char *apikey_scope_name(enum apikey_scope s)
{
	return (unsigned)s < KS__COUNT ? scope_tab[s].name : "";
}

unsigned apikey_scopes_parse(const char *text)
{
	unsigned set = 0;
	char word[32];
	while (text && *text) {
		while (*text == ' ')
			text++;
		size_t n = strcspn(text, " ");
		if (n > 0 && n < sizeof word) {
			memcpy(word, text, n);
			word[n] = '\0';
			int s = apikey_scope_by_name(word);
			if (s >= 0)
				set |= 1u << s;
		}
		text += n;
	}
	return set;
}

void apikey_scopes_text(unsigned scopes, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (int i = 0; i < KS__COUNT; i++) {
		if (!(scopes & (1u << i)))
			continue;
		int n = snprintf(out + len, cap - len, "%s%s", len ? " " : "", scope_tab[i].name);
		if (n < 0 || (size_t)n >= cap - len)
			return; /* APIKEY_SCOPES_TEXT_MAX holds them all */
		len += (size_t)n;
	}
}

unsigned apikey_scopes_allowed(const struct actor *a)
{
	unsigned set = 0;
	for (int i = 0; i < KS__COUNT; i++) {
		const char *p = scope_tab[i].perms;
		while (*p) {
			size_t n = strcspn(p, "|");
			char perm[32];
			if (n < sizeof perm) {
				memcpy(perm, p, n);
				perm[n] = '\0';
				int pi = permission_by_name(perm);
				if (pi >= 0 && actor_has(a, (enum permission)pi))
					set |= 1u << i;
			}
			p += n + (p[n] == '|');
		}
	}
	return set;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

void apikey_clip(struct actor *a, int64_t org_id, const char *org_code, const char *org_path)
{
	int kept = 0;
	for (int i = 0; i < a->nroles; i++) {
		struct role_grant g = a->roles[i];
		if (path_within(org_path, g.scope_path)) {
			g.scope_org = org_id;
			copy_str(g.scope_path, sizeof g.scope_path, org_path);
			copy_str(g.scope_code, sizeof g.scope_code, org_code);
		} else if (!path_within(g.scope_path, org_path)) {
			continue;
		}
		a->roles[kept++] = g;
	}
	a->nroles = kept;
	a->org_id = org_id;
	copy_str(a->org_code, sizeof a->org_code, org_code);
	copy_str(a->org_path, sizeof a->org_path, org_path);
}

/* ------------------------------------------------------------------ */
/* rate and last use                                                   */

#define RATE_SLOTS 4096
#define RATE_PROBES 16
static struct rate_entry {
	int64_t id;        /* 0 = free */
	int64_t tokens;    /* thousandths of a call */
	int64_t filled_at; /* ms of the last refill */
	int64_t last_used; /* ms */
	int64_t stamped;   /* ms of the last last_used_at write queued */
} rate_tab[RATE_SLOTS];
static pthread_mutex_t rate_mu = PTHREAD_MUTEX_INITIALIZER;

/* The slot of id (made when new, evicting the stalest of its probe run). */
static struct rate_entry *rate_slot(int64_t id, int rate, int64_t now, bool create)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;
	struct rate_entry *victim = NULL;
	for (int p = 0; p < RATE_PROBES; p++) {
		struct rate_entry *e = &rate_tab[(h + (uint64_t)p) % RATE_SLOTS];
		if (e->id == id)
			return e;
		if (!victim || (victim->id && (!e->id || e->last_used < victim->last_used)))
			victim = e;
	}
	if (!create)
		return NULL;
	*victim = (struct rate_entry){.id = id, .tokens = (int64_t)rate * 1000, .filled_at = now};
	return victim;
}

/* Takes a call from e at rate; the caller holds rate_mu. */
static bool bucket_take(struct rate_entry *e, int rate, int64_t now, int *retry_after_s)
{
	int64_t cap = (int64_t)rate * 1000;
	if (now > e->filled_at) {
		/* rate/60 thousandths of a call per ms */
		e->tokens += (now - e->filled_at) * rate / 60;
		e->filled_at = now;
	}
	if (e->tokens > cap)
		e->tokens = cap;
	if (e->tokens >= 1000) {
		e->tokens -= 1000;
		return true;
	}
	int64_t wait_ms = ((1000 - e->tokens) * 60 + rate - 1) / rate;
	*retry_after_s = (int)((wait_ms + 999) / 1000);
	if (*retry_after_s < 1)
		*retry_after_s = 1;
	return false;
}

bool apikey_rate_take(int64_t id, int rate, int64_t now, int *retry_after_s)
{
	if (rate < APIKEY_RATE_MIN)
		rate = APIKEY_RATE_MIN;
	pthread_mutex_lock(&rate_mu);
	bool ok = bucket_take(rate_slot(id, rate, now, true), rate, now, retry_after_s);
	pthread_mutex_unlock(&rate_mu);
	return ok;
}

int64_t apikey_last_used(int64_t id)
{
	pthread_mutex_lock(&rate_mu);
	struct rate_entry *e = rate_slot(id, 1, 0, false);
	int64_t at = e ? e->last_used : 0;
	pthread_mutex_unlock(&rate_mu);
	return at;
}

void apikey_rate_forget(int64_t id)
{
	pthread_mutex_lock(&rate_mu);
	struct rate_entry *e = rate_slot(id, 1, 0, false);
	if (e)
		*e = (struct rate_entry){0};
	pthread_mutex_unlock(&rate_mu);
}

struct stamp_job {
	struct write_job job;
	int64_t id, at;
};

static int stamp_run(struct wctx *w, struct write_job *job)
{
	struct stamp_job *j = (struct stamp_job *)job;
	struct store_stmt *s = store_stmt(w->conn, ST_APIKEY_TOUCH);
	sbind_int(s, 1, j->id);
	sbind_int(s, 2, j->at);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

static void stamp_done(struct write_job *job, bool committed)
{
	struct stamp_job *j = (struct stamp_job *)job;
	if (!committed) { /* the next use tries again */
		pthread_mutex_lock(&rate_mu);
		struct rate_entry *e = rate_slot(j->id, 1, 0, false);
		if (e && e->stamped == j->at)
			e->stamped = 0;
		pthread_mutex_unlock(&rate_mu);
	}
	free(j);
}

/* Queues the write of key id's last use, unless one went out within the
 * minute. The request does not wait for it. */
static void stamp(struct app *app, int64_t id, int64_t now)
{
	bool due = false;
	pthread_mutex_lock(&rate_mu);
	struct rate_entry *e = rate_slot(id, 1, now, false);
	if (e) {
		e->last_used = now;
		if (!e->stamped || now - e->stamped >= APIKEY_STAMP_MS) {
			e->stamped = now;
			due = true;
		}
	}
	pthread_mutex_unlock(&rate_mu);
	if (!due || !app || !app->writer)
		return;
	struct stamp_job *j = calloc(1, sizeof *j);
	if (!j)
		return; /* the next use tries again a minute on: no harm */
	j->id = id;
	j->at = now;
	j->job.run = stamp_run;
	j->job.done = stamp_done;
	j->job.arg = j;
	writer_submit(app->writer, &j->job);
}

enum apikey_verdict apikey_authenticate(struct app *app, struct store_conn *c, const char *key,
                                        int64_t now, struct actor *a, int *retry_after_s)
{
	memset(a, 0, sizeof *a);
	if (!key || !apikey_wellformed(key))
		return APIKEY_INVALID;
	unsigned char h[32];
	apikey_hash(key, h);
	struct store_stmt *s = store_stmt(c, ST_APIKEY_AUTH);
	if (!s)
		return APIKEY_STORE;
	sbind_blob(s, 1, h, sizeof h);
	int rc = sstep(s);
	if (rc != STORE_ROW) {
		sreset(s);
		return rc == STORE_DONE ? APIKEY_INVALID : APIKEY_STORE;
	}
	int64_t id = scol_int(s, 0), uid = scol_int(s, 1);
	unsigned scopes = apikey_scopes_parse(scol_text(s, 2));
	int rate = (int)scol_int(s, 3);
	int64_t org = scol_null(s, 4) ? 0 : scol_int(s, 4);
	char code[64], path[ORG_PATH_MAX];
	copy_str(code, sizeof code, scol_text(s, 5));
	copy_str(path, sizeof path, scol_text(s, 6));
	sreset(s);
	if (actor_load(c, uid, a) != 0)
		return APIKEY_INVALID;
	if (org && org != a->org_id)
		apikey_clip(a, org, code, path);
	a->apikey_id = id;
	a->key_scopes = scopes;
	if (!apikey_rate_take(id, rate, now, retry_after_s))
		return APIKEY_RATE;
	stamp(app, id, now);
	return APIKEY_OK;
}
