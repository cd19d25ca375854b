/*
 * API keys' scopes, org binding, rate limit and last-used time (issue 15,
 * docs/apikeys.md). A key's rights are its account's permissions, cut to
 * its scopes (which routes it may call: api/key_scopes.c) and to its org's
 * subtree (the account's grants clipped to it). Each key has a rate in
 * calls a minute, counted in memory per process (a token bucket per key
 * id), and a last-used time kept in memory and written through the writer
 * at most once a minute per key (no chain event per use).
 */
#ifndef CIVICLOOP_CORE_APIKEY_H
#define CIVICLOOP_CORE_APIKEY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/auth.h"
#include "store/store.h"
#include "util/error.h"

struct app;

/* The scopes, in their canonical order (the stored text lists them so,
 * space-separated), with the permission an account needs to be given each
 * (any one of `perms`, '|'-separated). */
#define APIKEY_SCOPE_LIST(X) \
	X(KS_OPEN311_SUBMIT, "open311.submit", "case.create", "12345 开放接口提交") \
	X(KS_LINKAGE_110, "linkage.110", "linkage.110", "110 联动") \
	X(KS_IMPORT, "import", "import.manage|enterprise.manage", "数据导入") \
	X(KS_STATS_READ, "stats.read", "stats.read", "统计查询")

enum apikey_scope {
#define X(id, name, perms, label) id,
	APIKEY_SCOPE_LIST(X)
#undef X
	    KS__COUNT
};
#define APIKEY_SCOPES_ALL ((1u << KS__COUNT) - 1)
#define APIKEY_SCOPES_TEXT_MAX 64 /* every scope's name, space-separated */
#define APIKEY_RATE_MIN 1
#define APIKEY_RATE_MAX 100000
#define APIKEY_RATE_DEFAULT 600
#define APIKEY_STAMP_MS (60 * 1000) /* last_used_at is written at most this often */

/* The scope named `name`, or -1. */
int apikey_scope_by_name(const char *name);
const char *apikey_scope_name(enum apikey_scope s);
/* Parses space-separated scope names (the stored text) into a bit set;
 * unknown names are ignored (a scope removed from the code grants
 * nothing). */
unsigned apikey_scopes_parse(const char *text);
/* The canonical text of a bit set into out (APIKEY_SCOPES_TEXT_MAX). */
void apikey_scopes_text(unsigned scopes, char *out, size_t cap);
/* The scopes an account with actor a's roles may be given: those whose
 * permission it holds anywhere. */
unsigned apikey_scopes_allowed(const struct actor *a);

/* Cuts the actor's grants to the subtree at org_path (the key's org, which
 * becomes the actor's org): a grant over a scope containing it now covers
 * just the subtree; one inside it stays; others go. */
void apikey_clip(struct actor *a, int64_t org_id, const char *org_code, const char *org_path);

enum apikey_verdict {
	APIKEY_OK,
	APIKEY_INVALID, /* malformed, unknown, revoked, or its account is disabled */
	APIKEY_RATE,    /* over its rate: *retry_after_s says when to try again */
	APIKEY_STORE,   /* the store failed to answer */
};

/* Authenticates by `key` on the read connection c: fills *a with the key's
 * account clipped to the key's org (a->apikey_id, a->key_scopes set), takes
 * one call from its rate, and stamps its last use (a writer job of app's,
 * at most once a minute). */
enum apikey_verdict apikey_authenticate(struct app *app, struct store_conn *c, const char *key,
                                        int64_t now, struct actor *a, int *retry_after_s);

/* The rate limiter alone (thread-safe): takes one call of key `id` at
 * `rate` a minute. True if allowed; false with *retry_after_s (≥ 1). */
bool apikey_rate_take(int64_t id, int rate, int64_t now, int *retry_after_s);
/* The last use of key `id` this process has seen (ms), or 0. */
int64_t apikey_last_used(int64_t id);
/* Forgets every key's counters (tests, and a key revoked or changed). */
void apikey_rate_forget(int64_t id);

#endif
