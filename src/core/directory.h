/*
 * The org tree and accounts: creation used by `civicloop init`, `user add`
 * and `demo`. These run inside writer jobs.
 */
#ifndef CIVICLOOP_CORE_DIRECTORY_H
#define CIVICLOOP_CORE_DIRECTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/auth.h"
#include "core/writer.h"
#include "util/error.h"

/* Finds an org by id (a JSON integer) or code (a JSON string): its id into
 * *id, and, where path or code is given, its path and code. 0, or -1 if v
 * names no org. */
int org_resolve(struct store_conn *c, json_t *v, int64_t *id, char *path, size_t pathcap,
                char *code, size_t codecap);
/* True if kind is an org kind of the schema (the CHECK on orgs.kind):
 * county, township, village, grid, department, enterprise or centre.
 * Defined in core/assignments.c, beside the kinds' names. */
bool org_kind_known(const char *kind);

/* Adds an org under parent_code (NULL for a root). Returns its id or -1. */
int64_t org_add(struct wctx *w, const char *code, const char *name, const char *kind,
                const char *parent_code, const char *region_code, struct err *e);

struct role_spec {
	const char *role;
	const char *scope_code; /* NULL = the user's own org */
};

/* Adds a user; pw_hash is an Argon2id string. Returns its id or -1. */
int64_t user_add(struct wctx *w, const char *login, const char *name, const char *org_code,
                 const char *pw_hash, const char *phone, const struct role_spec *roles, int nroles,
                 struct err *e);

/* Account management (CLI `user passwd|disable|enable`, PATCH /users/{id},
 * POST /auth/password). Each runs inside a writer job and writes one event
 * on the audit chain (case_id NULL): actor_id 0 is the command line (the
 * system), org_id the acting user's org (the account's own org from the
 * command line), and the payload names the account
 * {"user":LOGIN,"user_id":ID,"via":"cli"|"api",…}. */
struct account {
	int64_t id;
	int64_t org_id;
	char login[LOGIN_MAX + 1];
	char org_code[64];
	char org_path[ORG_PATH_MAX];
	char pw_hash[crypto_pwhash_STRBYTES];
	bool disabled;
};

/* Finds an account by login (when login is not NULL) or id. 0, or -1 when
 * there is none. */
int account_find(struct store_conn *c, const char *login, int64_t id, struct account *out);

/* Who changes an account, for its event. */
struct account_actor {
	int64_t user_id; /* 0 = the command line */
	int64_t org_id;  /* 0 = the account's own org */
	const char *via; /* "cli" or "api" */
};

/* Sets the account's password hash and ends its sessions, all of them or
 * all but the one whose token hashes to keep_session (32 bytes, may be
 * NULL); event `user.password` with "sessions_revoked". *revoked (may be
 * NULL) gets the number of sessions ended. 0, or -1 with *e set. */
int account_set_password(struct wctx *w, const struct account *u, const char *pw_hash,
                         const unsigned char *keep_session, const struct account_actor *by,
                         int *revoked, struct err *e);

/* Disables (ending every session and revoking every API key of the
 * account) or enables it; event `user.disable` / `user.enable` with
 * "sessions_revoked" and "apikeys_revoked". Nothing is written, and *changed
 * is false, when the account already is in that state. 0, or -1 with *e. */
int account_set_disabled(struct wctx *w, const struct account *u, bool disabled,
                         const struct account_actor *by, bool *changed, int *sessions, int *apikeys,
                         struct err *e);

/* API keys with their event (apikey.add / apikey.revoke, never the key
 * itself): makes a key named `name` for account `login` into key_out (the
 * caller wipes it), or revokes the live key named `name`; *u (may be NULL)
 * gets the key's account. 0, or -1 with *e set. */
int account_apikey_add(struct wctx *w, const struct account_actor *by, const char *login,
                       const char *name, char key_out[APIKEY_LEN + 1], struct account *u,
                       struct err *e);
int account_apikey_revoke(struct wctx *w, const struct account_actor *by, const char *name,
                          struct account *u, struct err *e);

/* Appends an event about accounts or keys (no case) with `payload` (a JSON
 * object, stolen), adding "via". 0, or -1 with *e set. */
int directory_event(struct wctx *w, const struct account_actor *by, int64_t org_id,
                    const char *action, json_t *payload, struct err *e);

#endif
