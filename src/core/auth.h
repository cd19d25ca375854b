/*
 * Who is asking and what they may do (DESIGN.md §1, §5).
 *
 * An actor is a signed-in user with role grants, each scoped to an org
 * subtree (an org path prefix). Permissions come from one table, role ×
 * permission (perm_table in auth.c); a permission holds over the scopes of
 * the roles that carry it. Matter-type actions name their roles in the type
 * definition instead.
 *
 * Sessions: 256-bit random tokens given to the client once; the database
 * keeps only BLAKE2b(token). Passwords are Argon2id (crypto_pwhash_str).
 * Login failures are throttled per account and per client address.
 */
#ifndef CIVICLOOP_CORE_AUTH_H
#define CIVICLOOP_CORE_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

#define ACTOR_MAX_ROLES 8
#define ORG_PATH_MAX 256
#define LOGIN_MAX 64
#define NAME_MAX_BYTES 128
#define PASSWORD_MAX 128
#define TOKEN_HEX_LEN 64 /* 32 bytes */

struct role_grant {
	char role[24];
	int64_t scope_org;
	char scope_path[ORG_PATH_MAX];
	char scope_code[64];
};

struct actor {
	int64_t user_id; /* 0 = the system (scheduler, import) */
	char login[LOGIN_MAX + 1];
	char name[NAME_MAX_BYTES + 1];
	int64_t org_id;
	char org_code[64];
	char org_path[ORG_PATH_MAX];
	int nroles;
	struct role_grant roles[ACTOR_MAX_ROLES];
	bool via_cookie; /* authenticated by cookie: writes need CSRF */
	char csrf[TOKEN_HEX_LEN + 1];
	/* by an API key (core/apikey.h): its id (0: not by a key) and its
	 * scopes (a bit set of enum apikey_scope) */
	int64_t apikey_id;
	unsigned key_scopes;
};

/* Permissions of the role table. */
#define PERMISSION_LIST(X) \
	X(P_CASE_READ, "case.read") \
	X(P_CASE_CREATE, "case.create") \
	X(P_CASE_IMPORT, "case.import") \
	X(P_PII_READ, "pii.read") \
	X(P_ORG_READ, "org.read") \
	X(P_STATS_READ, "stats.read") \
	X(P_AUDIT_READ, "audit.read") \
	X(P_USER_MANAGE, "user.manage") \
	X(P_LINKAGE, "linkage.110") \
	X(P_CASE_ATTACH, "case.attach") \
	X(P_CATALOGUE_READ, "catalogue.read") \
	X(P_CATALOGUE_MANAGE, "catalogue.manage") \
	X(P_IMPORT_MANAGE, "import.manage") \
	X(P_PARTY_READ, "party.read") \
	X(P_TOPIC_MANAGE, "topic.manage") \
	X(P_CASE_RAISE, "case.raise") \
	X(P_TASK_MANAGE, "task.manage") \
	X(P_ENTERPRISE_MANAGE, "enterprise.manage") \
	X(P_CAMPAIGN_MANAGE, "campaign.manage") \
	X(P_CAMPAIGN_VISIT, "campaign.visit") \
	X(P_DOCUMENT_REVOKE, "document.revoke") \
	X(P_NOTIFY_MANAGE, "notify.manage")

enum permission {
#define X(name, str) name,
	PERMISSION_LIST(X)
#undef X
	    P__COUNT
};

bool role_known(const char *role);
const char *permission_name(enum permission p);
/* The permission named `name` ("case.read"), or -1 if there is none. */
int permission_by_name(const char *name);
/* The role table in order, for listing it (civicloop permissions): the
 * i-th role's name, NULL past the end. */
const char *role_at(int i);
/* True if `role` carries p. */
bool role_carries(const char *role, enum permission p);
/* True if the role's reads of cases are recorded (perm_table). */
bool role_reads_recorded(const char *role);
/* True if the actor holds such a role: each case (and case history) it
 * reads, and each list it is shown, is an event on the audit chain
 * ("case.read", "case.list"; an export it gets, "case.export"), written
 * before the answer goes out. */
bool actor_reads_recorded(const struct actor *a);

/* Route permissions (the route table's `perm`, DESIGN §3): a permission
 * name, several joined by '+' (all needed), or one of these markers. */
#define PERM_PUBLIC "public" /* no sign-in */
#define PERM_USER "user"     /* any signed-in user */
/* A case action: the roles the case's matter type names for {action}. Those
 * hold over the case's org (or the caller's assignment's), so the engine
 * checks them after visibility, in the documented order (404, then 403);
 * before the handler only case.read is needed, as one must see a case to
 * act on it. */
#define PERM_ACTION "action"
/* True if the actor may use a route needing `perm` at all: holds every
 * permission of it (a name, or names joined by '+') over some scope; any
 * actor for PERM_PUBLIC and PERM_USER; case.read for PERM_ACTION. Unknown
 * names are false. */
bool actor_permitted(const struct actor *a, const char *perm);
/* True if the actor holds p over a scope containing org_path. */
bool actor_can(const struct actor *a, enum permission p, const char *org_path);
/* True if the actor may see the org at org_path (GET /api/v1/orgs, the
 * map's regions): org.read over a scope containing it, or its own org. */
bool actor_sees_org(const struct actor *a, const char *org_path);
/* True if the actor holds p anywhere. */
bool actor_has(const struct actor *a, enum permission p);
/* Up to n distinct scope paths over which the actor holds p; returns count. */
int actor_scopes(const struct actor *a, enum permission p, const char **out, int n);
/* True if the actor holds `role` over a scope containing org_path. */
bool actor_has_role_over(const struct actor *a, const char *role, const char *org_path);
bool path_within(const char *path, const char *scope);

/* Loads user `user_id` with roles into *a. Returns 0, or -1 if missing/disabled. */
int actor_load(struct store_conn *c, int64_t user_id, struct actor *a);

/* Password hashing (Argon2id); hash out must hold crypto_pwhash_STRBYTES. */
int password_hash(const char *password, char *out);
bool password_verify(const char *hash, const char *password);

/* Login throttling (thread-safe). Every attempt first reserves a slot under
 * one lock, counted as a failure of its account and of its client address
 * until it is settled, so no more than the limits are ever verified in a
 * window however many arrive at once:
 *  - per account: THROTTLE_MAX_PER_LOGIN failures per THROTTLE_WINDOW_MS;
 *  - per address: THROTTLE_MAX_PER_ADDRESS failures per THROTTLE_WINDOW_MS;
 *  - per address: throttle_rate_limit() attempts of any outcome per
 *    THROTTLE_RATE_WINDOW_MS ($CIVICLOOP_LOGIN_RATE, default 60).
 * A reserved attempt is settled exactly once: THROTTLE_FAILED keeps it as a
 * failure; THROTTLE_SUCCEEDED releases it and forgives the account's earlier
 * failures (the address keeps its own); THROTTLE_CANCELLED releases it
 * unverified (the server was too busy to check it). */
enum throttle_verdict { THROTTLE_OK, THROTTLE_LOGIN, THROTTLE_ADDRESS, THROTTLE_RATE };
enum throttle_outcome { THROTTLE_FAILED, THROTTLE_SUCCEEDED, THROTTLE_CANCELLED };

enum throttle_verdict throttle_reserve(const char *login, const char *address, int64_t now);
void throttle_settle(const char *login, const char *address, enum throttle_outcome o, int64_t now);
/* A message in Chinese for a refused verdict. */
const char *throttle_message(enum throttle_verdict v);
int throttle_rate_limit(void);
void throttle_reset_all(void);

#define THROTTLE_WINDOW_MS (15 * 60 * 1000)
#define THROTTLE_MAX_PER_LOGIN 5
#define THROTTLE_MAX_PER_ADDRESS 30
#define THROTTLE_RATE_WINDOW_MS (60 * 1000)
#define THROTTLE_RATE_DEFAULT 60

/* Password policy for new passwords (user add, passwd, password change):
 * at least min_chars characters (UTF-8 code points), at most PASSWORD_MAX
 * bytes, not only white space, not containing the login (ignoring ASCII
 * case), and characters from at least min_classes of the four classes
 * lower-case letter, upper-case letter, digit, other. The defaults are 10
 * and 3; $CIVICLOOP_PASSWORD_MIN_LENGTH (8–64) and
 * $CIVICLOOP_PASSWORD_MIN_CLASSES (1–4) change them for the process. */
struct password_policy {
	int min_chars;
	int min_classes;
};
#define PASSWORD_MIN_CHARS_DEFAULT 10
#define PASSWORD_MIN_CLASSES_DEFAULT 3

/* The process's policy (the defaults, or the environment's). */
const struct password_policy *password_policy_get(void);
/* Checks `password` for `login` against p. Returns 0, or -1 with *e set to a
 * 400 field.invalid naming `field` and saying in Chinese which rule failed. */
int password_policy_check(const struct password_policy *p, const char *login, const char *password,
                          const char *field, struct err *e);

/* Looks up a session token (hex). On success fills *a and returns 0;
 * -1 if unknown or expired. */
int session_lookup(struct store_conn *c, const char *token_hex, int64_t now, struct actor *a);
void session_token_hash(const char *token_hex, unsigned char out[32]);

/* API keys, for systems (the 110 linkage, Open311 clients): "ck_" followed
 * by 40 hex characters (160 random bits), shown once when made; the database
 * keeps only BLAKE2b(key) (api_keys.key_hash). A key acts as its user. A
 * name labels the key so it can be revoked; at most one live key per name. */
#define APIKEY_PREFIX "ck_"
#define APIKEY_LEN 43 /* "ck_" + 40 hex */
#define APIKEY_NAME_MAX 64

void apikey_hash(const char *key, unsigned char out[32]);
/* True if key has the shape of a key ("ck_" and 40 lower-case hex). */
bool apikey_wellformed(const char *key);
/* Looks up a key. On success fills *a with the key's user and returns 0;
 * -1 if malformed, unknown, revoked, or its user is disabled. */
int apikey_lookup(struct store_conn *c, const char *key, struct actor *a);
/* Makes a key for user `login` named `name` on a writer connection, writing
 * it (NUL-terminated, APIKEY_LEN chars) into key_out, which the caller owns
 * and must wipe. Returns 0, or -1 with *e set (unknown user, name in use). */
int apikey_create(struct store_conn *c, const char *login, const char *name, int64_t now,
                  char key_out[APIKEY_LEN + 1], struct err *e);
/* Revokes the live key named `name`. Returns 0, or -1 with *e set (none). */
int apikey_revoke(struct store_conn *c, const char *name, int64_t now, struct err *e);

#endif
