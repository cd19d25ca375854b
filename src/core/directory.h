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

/* Sets the org's boundary (util/geojson.h: a Polygon or MultiPolygon,
 * checked, stored as compact JSON), or clears it when boundary is NULL,
 * and its box in the R*Tree org_bbox (core/placement.h) with it. No event:
 * org_boundary_change is the audited way.
 * 0, or -1 with *e set (400 field.invalid on "boundary", 404 no such org). */
int org_set_boundary(struct wctx *w, int64_t org_id, const json_t *boundary, struct err *e);

struct account_actor;
/* Sets (or with boundary NULL clears) the org's boundary as org_set_boundary
 * does, and records it: event `org.boundary` {"org":CODE,"boundary":null |
 * {"type","blake2b"(of the stored text, hex)},"via"} on the audit chain.
 * Cases placed before keep their placement. 0, or -1 with *e set (404 no
 * such org, 400 field.invalid on "boundary"). */
int org_boundary_change(struct wctx *w, const struct account_actor *by, int64_t org_id,
                        const json_t *boundary, struct err *e);

/* GET /api/v1/geo/regions: the orgs the actor may see (actor_sees_org)
 * that have a boundary, by id, as a GeoJSON FeatureCollection
 * {"type":"FeatureCollection","features":[{"type":"Feature","id":ID,
 * "geometry":BOUNDARY,"properties":{"id","code","name","kind","parent"(id
 * or null)}}]}. 0 with *out (the caller's), or -1 with *e set. */
int org_regions(struct store_conn *c, const struct actor *a, json_t **out, struct err *e);

struct role_spec {
	const char *role;
	const char *scope_code; /* NULL = the user's own org */
};

#define USER_NAME_MAX 32 /* characters of an account's name */

/* The checks of a new account's login (1–64 of [a-z0-9._-]) and name (valid
 * UTF-8, 1–USER_NAME_MAX characters, not blank, no control character), the
 * same for `civicloop user add` and POST /api/v1/users. 0, or -1 with *e
 * set to 400 field.invalid on "login" or "name". */
int user_check(const char *login, const char *name, struct err *e);
/* The name half of user_check. */
int user_name_check(const char *name, struct err *e);

/* The checks of a new account's roles: 1–ACTOR_MAX_ROLES, each a role of
 * the permission table (core/auth.c), none given twice over one scope. 0,
 * or -1 with *e set to 400 field.invalid on "roles". */
int user_roles_check(const struct role_spec *roles, int nroles, struct err *e);

/* Adds a user (user_check, user_roles_check; a login in use is 409 user.exists); pw_hash is an
 * Argon2id string. No event: account_add is the audited way. Returns its id
 * or -1. */
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
	char name[NAME_MAX_BYTES + 1];
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

/* A new account: what `civicloop user add` and POST /api/v1/users give. */
struct account_new {
	const char *login, *name;
	const char *org;   /* the org's code */
	const char *phone; /* may be NULL */
	const char *pw_hash;
	const struct role_spec *roles;
	int nroles;
};

/* Adds the account (user_add) and its `user.add` event
 * {"user","user_id","org","roles":[{"role","scope"}],"via"}, never the
 * password or its hash. Returns the account's id, or -1 with *e set. */
int64_t account_add(struct wctx *w, const struct account_actor *by, const struct account_new *a,
                    struct err *e);

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

/* Renames the account (user_name_check); event `user.update`
 * {"user","user_id","name"}. Nothing is written, and *changed is false, when
 * it already has that name. 0, or -1 with *e set. */
int account_set_name(struct wctx *w, const struct account *u, const char *name,
                     const struct account_actor *by, bool *changed, struct err *e);

/* Sets the account's grants to roles (user_roles_check): "ROLE@SCOPE" is
 * that grant; a ROLE named alone keeps every grant of it the account holds,
 * or, when it holds none, is granted over the account's own org. Grants of
 * roles not named are removed. At most ACTOR_MAX_ROLES grants in all.
 * Event `user.roles` {"user","user_id","roles":[{"role","scope"}],"from":[…]}
 * when the grants change (*changed); nothing is written otherwise. Takes
 * effect on the account's next request (a session loads its grants each
 * time). 0, or -1 with *e set. */
int account_set_roles(struct wctx *w, const struct account *u, const struct role_spec *roles,
                      int nroles, const struct account_actor *by, bool *changed, struct err *e);

/* API keys with their event (apikey.add / apikey.revoke, never the key
 * itself): makes a key named `name` for account `login` into key_out (the
 * caller wipes it) with spec's scopes, org and rate (NULL: the defaults;
 * core/apikey.h, the settings resolved into *o, may be NULL), or revokes the
 * live key named `name`; *u (may be NULL) gets the key's account. 0, or -1
 * with *e set. apikey.add carries {"name","user","user_id","scopes","org",
 * "rate_per_min"}. */
struct apikey_spec;
struct apikey_opts;
int account_apikey_add(struct wctx *w, const struct account_actor *by, const char *login,
                       const char *name, const struct apikey_spec *spec,
                       char key_out[APIKEY_LEN + 1], struct account *u, struct apikey_opts *o,
                       struct err *e);
int account_apikey_revoke(struct wctx *w, const struct account_actor *by, const char *name,
                          struct account *u, struct err *e);

/* An account as GET /api/v1/users lists it and POST /api/v1/users answers:
 * {"id","login","name","org":{"id","code","name"},"roles":[role…],
 * "grants":[{"role","scope"(org code)}],"disabled","created_at"}, never a
 * password hash. NULL if there is no such account (or out of memory). */
json_t *account_view(struct store_conn *c, int64_t id);

#define ACCOUNT_QUERY_MAX 64 /* characters of a ?q= search */

/* GET /api/v1/users: the accounts whose org lies inside the actor's
 * user.manage scopes (403 when it holds none), and inside org_path when not
 * NULL, whose login or name contains q (literally; NULL = any), after id
 * cursor (0 = from the first), at most limit, by id.
 * *out = {"items":[account_view…],"next_cursor":"ID"|null}. 0, or -1 with *e. */
struct account_query {
	const char *org_path; /* NULL = every scope of the actor */
	const char *q;        /* at most ACCOUNT_QUERY_MAX characters, or NULL */
	int64_t cursor;
	int limit; /* 1..200 */
};
int account_list(struct store_conn *c, const struct actor *a, const struct account_query *q,
                 json_t **out, struct err *e);

/* Appends an event about accounts or keys (no case) with `payload` (a JSON
 * object, stolen), adding "via". 0, or -1 with *e set. */
int directory_event(struct wctx *w, const struct account_actor *by, int64_t org_id,
                    const char *action, json_t *payload, struct err *e);

#endif
