/* Role table, actors, passwords, sessions and login throttling (auth.h). */
#include "core/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/crypto.h"

/* The permission table: which role carries which permission. The scope of a
 * permission is the scope of the role grant carrying it. Matter-type actions
 * are not here: each type names the roles of each action. */
static const struct {
	const char *role;
	unsigned perms; /* bit set of enum permission */
} perm_table[] = {
#define B(p) (1u << (p))
	{"admin", B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_CASE_IMPORT) | B(P_PII_READ) |
		  B(P_ORG_READ) | B(P_STATS_READ) | B(P_AUDIT_READ) | B(P_USER_MANAGE)},
	{"operator", B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_PII_READ) | B(P_ORG_READ)},
	{"dispatcher", B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_PII_READ) | B(P_ORG_READ)},
	{"supervisor", B(P_CASE_READ) | B(P_PII_READ) | B(P_ORG_READ) | B(P_STATS_READ)},
	{"handler", B(P_CASE_READ) | B(P_ORG_READ)},
	{"unit_lead", B(P_CASE_READ) | B(P_ORG_READ) | B(P_STATS_READ)},
	{"grid_worker", B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_ORG_READ)},
	{"mediator", B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_ORG_READ)},
	{"inspector", B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_ORG_READ)},
	{"enterprise", B(P_CASE_READ) | B(P_CASE_CREATE)},
	{"leader", B(P_CASE_READ) | B(P_ORG_READ) | B(P_STATS_READ)},
	{"discipline", B(P_CASE_READ) | B(P_PII_READ) | B(P_ORG_READ) | B(P_STATS_READ) |
			       B(P_AUDIT_READ)},
	/* the 110 system: hands incidents over with their own receipt time */
	{"linkage", B(P_CASE_CREATE) | B(P_CASE_IMPORT) | B(P_LINKAGE)},
#undef B
};

static const char *const permission_names[] = {
#define X(name, str) str,
	PERMISSION_LIST(X)
#undef X
};

const char *permission_name(enum permission p)
{
	return p < P__COUNT ? permission_names[p] : "?";
}

static unsigned role_perms(const char *role)
{
	for (size_t i = 0; i < sizeof perm_table / sizeof perm_table[0]; i++)
		if (!strcmp(perm_table[i].role, role))
			return perm_table[i].perms;
	return 0;
}

bool role_known(const char *role)
{
	for (size_t i = 0; i < sizeof perm_table / sizeof perm_table[0]; i++)
		if (!strcmp(perm_table[i].role, role))
			return true;
	return false;
}

bool path_within(const char *path, const char *scope)
{
	return path && scope && strncmp(path, scope, strlen(scope)) == 0;
}

bool actor_can(const struct actor *a, enum permission p, const char *org_path)
{
	for (int i = 0; i < a->nroles; i++)
		if ((role_perms(a->roles[i].role) & (1u << p)) &&
		    path_within(org_path, a->roles[i].scope_path))
			return true;
	return false;
}

bool actor_has(const struct actor *a, enum permission p)
{
	for (int i = 0; i < a->nroles; i++)
		if (role_perms(a->roles[i].role) & (1u << p))
			return true;
	return false;
}

int actor_scopes(const struct actor *a, enum permission p, const char **out, int n)
{
	int k = 0;
	for (int i = 0; i < a->nroles && k < n; i++) {
		if (!(role_perms(a->roles[i].role) & (1u << p)))
			continue;
		const char *sp = a->roles[i].scope_path;
		bool covered = false;
		for (int j = 0; j < k && !covered; j++)
			covered = path_within(sp, out[j]);
		if (!covered)
			out[k++] = sp;
	}
	return k;
}

bool actor_has_role_over(const struct actor *a, const char *role, const char *org_path)
{
	for (int i = 0; i < a->nroles; i++)
		if (!strcmp(a->roles[i].role, role) && path_within(org_path, a->roles[i].scope_path))
			return true;
	return false;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

int actor_load(struct store_conn *c, int64_t user_id, struct actor *a)
{
	memset(a, 0, sizeof *a);
	struct store_stmt *s = store_stmt(c, ST_USER_BY_ID);
	sbind_int(s, 1, user_id);
	if (sstep(s) != STORE_ROW || scol_int(s, 5) != 0) {
		sreset(s);
		return -1;
	}
	a->user_id = scol_int(s, 0);
	copy_str(a->login, sizeof a->login, scol_text(s, 1));
	copy_str(a->name, sizeof a->name, scol_text(s, 2));
	a->org_id = scol_int(s, 3);
	copy_str(a->org_code, sizeof a->org_code, scol_text(s, 6));
	copy_str(a->org_path, sizeof a->org_path, scol_text(s, 7));
	sreset(s);
	s = store_stmt(c, ST_ROLES_OF);
	sbind_int(s, 1, user_id);
	while (sstep(s) == STORE_ROW && a->nroles < ACTOR_MAX_ROLES) {
		struct role_grant *g = &a->roles[a->nroles++];
		copy_str(g->role, sizeof g->role, scol_text(s, 0));
		g->scope_org = scol_int(s, 1);
		copy_str(g->scope_path, sizeof g->scope_path, scol_text(s, 2));
		copy_str(g->scope_code, sizeof g->scope_code, scol_text(s, 3));
	}
	sreset(s);
	return 0;
}

int password_hash(const char *password, char *out)
{
	return crypto_pwhash_str(out, password, strlen(password),
				 crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

bool password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void session_token_hash(const char *token_hex, unsigned char out[32])
{
	hash_blake2b(out, "civicloop.session", 17, token_hex, strlen(token_hex));
}

int session_lookup(struct store_conn *c, const char *token_hex, int64_t now, struct actor *a)
{
	if (strlen(token_hex) != TOKEN_HEX_LEN)
		return -1;
	unsigned char h[32];
	session_token_hash(token_hex, h);
	struct store_stmt *s = store_stmt(c, ST_SESSION_GET);
	sbind_blob(s, 1, h, sizeof h);
	if (sstep(s) != STORE_ROW || scol_int(s, 2) <= now) {
		sreset(s);
		return -1;
	}
	int64_t uid = scol_int(s, 0);
	char csrf[TOKEN_HEX_LEN + 1];
	copy_str(csrf, sizeof csrf, scol_text(s, 1));
	sreset(s);
	if (actor_load(c, uid, a) != 0)
		return -1;
	memcpy(a->csrf, csrf, sizeof csrf);
	return 0;
}

void apikey_hash(const char *key, unsigned char out[32])
{
	hash_blake2b(out, "civicloop.apikey", 16, key, strlen(key));
}

static bool apikey_wellformed(const char *key)
{
	size_t np = strlen(APIKEY_PREFIX);
	if (strlen(key) != APIKEY_LEN || strncmp(key, APIKEY_PREFIX, np) != 0)
		return false;
	for (const char *p = key + np; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int apikey_lookup(struct store_conn *c, const char *key, struct actor *a)
{
	if (!apikey_wellformed(key))
		return -1;
	unsigned char h[32];
	apikey_hash(key, h);
	struct store_stmt *s = store_stmt(c, ST_APIKEY_LOOKUP);
	sbind_blob(s, 1, h, sizeof h);
	if (sstep(s) != STORE_ROW) {
		sreset(s);
		return -1;
	}
	int64_t uid = scol_int(s, 0);
	sreset(s);
	return actor_load(c, uid, a);
}

static bool apikey_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > APIKEY_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

int apikey_create(struct store_conn *c, const char *login, const char *name, int64_t now,
		  char key_out[APIKEY_LEN + 1], struct err *e)
{
	if (!apikey_name_ok(name))
		return err_set(e, E_FIELD_INVALID, "name", "密钥名称须为 1–%d 字节的单行文本",
			       APIKEY_NAME_MAX);
	struct store_stmt *s = store_stmt(c, ST_USER_BY_LOGIN);
	sbind_text(s, 1, login);
	int64_t uid = 0;
	bool disabled = false;
	if (sstep(s) == STORE_ROW) {
		uid = scol_int(s, 0);
		disabled = scol_int(s, 5) != 0;
	}
	sreset(s);
	if (!uid)
		return err_set(e, E_FIELD_INVALID, "user", "没有账号 %.64s", login);
	if (disabled)
		return err_set(e, E_FIELD_INVALID, "user", "账号 %.64s 已停用", login);
	s = store_stmt(c, ST_APIKEY_ACTIVE_BY_NAME);
	sbind_text(s, 1, name);
	int64_t live = sstep(s) == STORE_ROW ? scol_int(s, 0) : -1;
	sreset(s);
	if (live != 0)
		return live < 0 ? err_set(e, E_UNAVAILABLE, NULL, NULL)
				: err_set(e, E_CONFLICT, "name", "已有名为 %.64s 的有效密钥，请先吊销",
					  name);
	size_t np = strlen(APIKEY_PREFIX);
	memcpy(key_out, APIKEY_PREFIX, np);
	random_hex(key_out + np, (APIKEY_LEN - np) / 2);
	unsigned char h[32];
	apikey_hash(key_out, h);
	s = store_stmt(c, ST_APIKEY_INSERT);
	sbind_int(s, 1, uid);
	sbind_text(s, 2, name);
	sbind_blob(s, 3, h, sizeof h);
	sbind_int(s, 4, now);
	if (sdone(s) != STORE_DONE) {
		sodium_memzero(key_out, APIKEY_LEN + 1);
		return err_set(e, E_UNAVAILABLE, NULL, "写入密钥失败");
	}
	return 0;
}

int apikey_revoke(struct store_conn *c, const char *name, int64_t now, struct err *e)
{
	struct store_stmt *s = store_stmt(c, ST_APIKEY_REVOKE);
	sbind_text(s, 1, name);
	sbind_int(s, 2, now);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "吊销密钥失败");
	if (store_changes(c) == 0)
		return err_set(e, E_NOT_FOUND, "name", "没有名为 %.64s 的有效密钥", name);
	return 0;
}

/* Login throttling: a small fixed table of recent failure counters keyed by
 * "l:<login>" and "a:<address>", the oldest entry reused when full. */
#define THROTTLE_SLOTS 4096
static struct {
	char key[80];
	int64_t window_start;
	int failures;
} throttle_tab[THROTTLE_SLOTS];
static pthread_mutex_t throttle_mu = PTHREAD_MUTEX_INITIALIZER;

static int throttle_slot(const char *key, int64_t now, bool create)
{
	int oldest = 0;
	uint32_t h = 2166136261u;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (int probe = 0; probe < 16; probe++) {
		int i = (int)((h + (uint32_t)probe) % THROTTLE_SLOTS);
		if (!strcmp(throttle_tab[i].key, key))
			return i;
		if (throttle_tab[i].window_start < throttle_tab[oldest].window_start || probe == 0)
			oldest = i;
		if (!throttle_tab[i].key[0])
			break;
	}
	if (!create)
		return -1;
	snprintf(throttle_tab[oldest].key, sizeof throttle_tab[oldest].key, "%s", key);
	throttle_tab[oldest].window_start = now;
	throttle_tab[oldest].failures = 0;
	return oldest;
}

static int throttle_count(const char *key, int64_t now)
{
	int i = throttle_slot(key, now, false);
	if (i < 0 || now - throttle_tab[i].window_start > THROTTLE_WINDOW_MS)
		return 0;
	return throttle_tab[i].failures;
}

bool throttle_allow(const char *login, const char *address, int64_t now)
{
	char kl[80], ka[80];
	snprintf(kl, sizeof kl, "l:%s", login);
	snprintf(ka, sizeof ka, "a:%s", address);
	pthread_mutex_lock(&throttle_mu);
	bool ok = throttle_count(kl, now) < THROTTLE_MAX_PER_LOGIN &&
		  throttle_count(ka, now) < THROTTLE_MAX_PER_ADDRESS;
	pthread_mutex_unlock(&throttle_mu);
	return ok;
}

static void throttle_bump(const char *key, int64_t now)
{
	int i = throttle_slot(key, now, true);
	if (now - throttle_tab[i].window_start > THROTTLE_WINDOW_MS) {
		throttle_tab[i].window_start = now;
		throttle_tab[i].failures = 0;
	}
	throttle_tab[i].failures++;
}

void throttle_fail(const char *login, const char *address, int64_t now)
{
	char kl[80], ka[80];
	snprintf(kl, sizeof kl, "l:%s", login);
	snprintf(ka, sizeof ka, "a:%s", address);
	pthread_mutex_lock(&throttle_mu);
	throttle_bump(kl, now);
	throttle_bump(ka, now);
	pthread_mutex_unlock(&throttle_mu);
}

void throttle_success(const char *login)
{
	char kl[80];
	snprintf(kl, sizeof kl, "l:%s", login);
	pthread_mutex_lock(&throttle_mu);
	int i = throttle_slot(kl, 0, false);
	if (i >= 0)
		throttle_tab[i].failures = 0;
	pthread_mutex_unlock(&throttle_mu);
}

void throttle_reset_all(void)
{
	pthread_mutex_lock(&throttle_mu);
	memset(throttle_tab, 0, sizeof throttle_tab);
	pthread_mutex_unlock(&throttle_mu);
}
