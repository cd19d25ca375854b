/* Role table, actors, passwords, sessions and login throttling (auth.h). */
#include "core/auth.h"
#include "core/app.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/crypto.h"
#include "util/utf8.h"

/* The permission table: which role carries which permission. The scope of a
 * permission is the scope of the role grant carrying it. case.attach (adding
 * files to a case, core/attachments.h) goes with the roles that act on
 * cases, never with those that only watch (leader, discipline), the system
 * account of the 110 linkage, or the administrator. The dispatch catalogue
 * (core/catalogue.h) is kept by the administrator (catalogue.manage) and
 * read by those who register and dispatch cases (catalogue.read). Other
 * systems' cases are brought in by the administrator alone (import.manage:
 * POST /api/v1/import), never by a system such as 110 that only hands over
 * its own incidents with their times (case.import). The parties of a
 * dispute (core/parties.c) are read in full by the mediators who work on
 * it (party.read) and by pii.read holders. Matter-type actions
 * are not here: each type names the roles of each action. A role marked
 * reads_recorded (the discipline inspectors, DESIGN §1: they read what
 * others do, and their reading is itself on the record) has every case it
 * opens written to the audit chain (auth.h actor_reads_recorded). Published
 * task lists (为民办实事, 检视整改: core/tasklists.h) and their items are
 * kept by the publishing org's unit lead and by the administrator
 * (task.manage): the lead of the office that publishes a list answers for
 * it, and the administrator sets lists up for any org. Discipline
 * supervision campaigns (专项监督检查, docs/campaign.md) are run by the
 * commission's lead (discipline_lead) and the administrator
 * (campaign.manage); the commission's inspectors (discipline) record the
 * visits of the groups they are members of (campaign.visit, plus the
 * membership each visit is checked against) and verify the units'
 * rectification of what they found: the supervision type names them,
 * no other type does, so they still act on no other case. Webhook
 * subscriptions and the outbox's delivery queue (notify.manage,
 * docs/notifications.md) are the administrator's alone: a subscription
 * sends case data to another system. */
static const struct {
	const char *role;
	unsigned perms; /* bit set of enum permission */
	bool reads_recorded;
} perm_table[] = {
#define B(p) (1u << (p))
    {"admin",
     B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_CASE_IMPORT) | B(P_PII_READ) | B(P_ORG_READ) |
         B(P_STATS_READ) | B(P_AUDIT_READ) | B(P_USER_MANAGE) | B(P_CATALOGUE_READ) |
         B(P_CATALOGUE_MANAGE) | B(P_IMPORT_MANAGE) |
         /* the collection topics of people's suggestions (征集主题) are set
          * up by the county's administrators, like the catalogue */
         B(P_TOPIC_MANAGE) | B(P_TASK_MANAGE) |
         /* the enterprise registry (issue 13), with the inspectors */
         B(P_ENTERPRISE_MANAGE) | B(P_CAMPAIGN_MANAGE) |
         /* signed documents (issue 14): withdrawing one issued in scope */
         B(P_DOCUMENT_REVOKE) |
         /* webhook subscriptions and the outbox's queue (issue 15) */
         B(P_NOTIFY_MANAGE),
     false},
    {"operator",
     B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_PII_READ) | B(P_ORG_READ) | B(P_CASE_ATTACH) |
         B(P_CATALOGUE_READ),
     false},
    {"dispatcher",
     B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_PII_READ) | B(P_ORG_READ) | B(P_CASE_ATTACH) |
         B(P_CATALOGUE_READ),
     false},
    {"supervisor",
     B(P_CASE_READ) | B(P_PII_READ) | B(P_ORG_READ) | B(P_STATS_READ) | B(P_CASE_ATTACH), false},
    /* case.raise: handlers and unit leads register cases only of the
     * types whose create_roles name them (a township's or the park's
     * whistle, 吹哨报到), without case.create's intake tools (the caller
     * history, the intake hints) */
    {"handler", B(P_CASE_READ) | B(P_CASE_RAISE) | B(P_ORG_READ) | B(P_CASE_ATTACH), false},
    {"unit_lead",
     B(P_CASE_READ) | B(P_CASE_RAISE) | B(P_ORG_READ) | B(P_STATS_READ) | B(P_CASE_ATTACH) |
         B(P_TASK_MANAGE) | B(P_DOCUMENT_REVOKE),
     false},
    {"grid_worker", B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_ORG_READ) | B(P_CASE_ATTACH), false},
    {"mediator",
     B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_ORG_READ) | B(P_CASE_ATTACH) | B(P_PARTY_READ), false},
    /* enterprise.manage: the safety inspectors keep the enterprise
     * registry of the townships in their scope (issue 13) */
    {"inspector",
     B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_ORG_READ) | B(P_CASE_ATTACH) | B(P_ENTERPRISE_MANAGE),
     false},
    {"enterprise", B(P_CASE_READ) | B(P_CASE_CREATE) | B(P_CASE_ATTACH), false},
    {"leader", B(P_CASE_READ) | B(P_ORG_READ) | B(P_STATS_READ), false},
    {"discipline",
     B(P_CASE_READ) | B(P_PII_READ) | B(P_ORG_READ) | B(P_STATS_READ) | B(P_AUDIT_READ) |
         B(P_CAMPAIGN_VISIT),
     true},
    /* the commission's lead: a discipline inspector who also runs campaigns */
    {"discipline_lead",
     B(P_CASE_READ) | B(P_PII_READ) | B(P_ORG_READ) | B(P_STATS_READ) | B(P_AUDIT_READ) |
         B(P_CAMPAIGN_VISIT) | B(P_CAMPAIGN_MANAGE),
     true},
    /* the 110 system: hands incidents over with their own receipt time */
    {"linkage", B(P_CASE_CREATE) | B(P_CASE_IMPORT) | B(P_LINKAGE), false},
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

int permission_by_name(const char *name)
{
	for (int p = 0; p < P__COUNT; p++)
		if (name && !strcmp(permission_names[p], name))
			return p;
	return -1;
}

const char *role_at(int i)
{
	return i >= 0 && (size_t)i < sizeof perm_table / sizeof perm_table[0] ? perm_table[i].role
	                                                                      : NULL;
}

static unsigned role_perms(const char *role)
{
	for (size_t i = 0; i < sizeof perm_table / sizeof perm_table[0]; i++)
		if (!strcmp(perm_table[i].role, role))
			return perm_table[i].perms;
	return 0;
}

bool role_carries(const char *role, enum permission p)
{
	return p < P__COUNT && (role_perms(role) & (1u << p));
}

bool role_reads_recorded(const char *role)
{
	for (size_t i = 0; i < sizeof perm_table / sizeof perm_table[0]; i++)
		if (!strcmp(perm_table[i].role, role))
			return perm_table[i].reads_recorded;
	return false;
}

bool actor_reads_recorded(const struct actor *a)
{
	for (int i = 0; i < a->nroles; i++)
		if (role_reads_recorded(a->roles[i].role))
			return true;
	return false;
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

bool actor_sees_org(const struct actor *a, const char *org_path)
{
	return actor_can(a, P_ORG_READ, org_path) || (org_path && !strcmp(org_path, a->org_path));
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

bool actor_permitted(const struct actor *a, const char *perm)
{
	if (!perm || !*perm)
		return false;
	/* "x|y": either alternative (POST /api/v1/cases: case.create|case.raise) */
	const char *bar = strchr(perm, '|');
	if (bar) {
		char first[64];
		size_t n = (size_t)(bar - perm);
		if (n == 0 || n >= sizeof first || !bar[1])
			return false;
		memcpy(first, perm, n);
		first[n] = '\0';
		return actor_permitted(a, first) || actor_permitted(a, bar + 1);
	}
	if (!strcmp(perm, PERM_PUBLIC) || !strcmp(perm, PERM_USER))
		return true;
	if (!strcmp(perm, PERM_ACTION))
		return actor_has(a, P_CASE_READ);
	for (const char *p = perm; *p;) {
		const char *end = strchr(p, '+');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char name[32];
		if (n == 0 || n >= sizeof name)
			return false;
		memcpy(name, p, n);
		name[n] = '\0';
		int k = permission_by_name(name);
		if (k < 0 || !actor_has(a, (enum permission)k))
			return false;
		p += n + (end ? 1 : 0);
		if (end && !*p)
			return false; /* a trailing '+' */
	}
	return true;
}

bool actor_has_role_over(const struct actor *a, const char *role, const char *org_path)
{
	for (int i = 0; i < a->nroles; i++)
		if (!strcmp(a->roles[i].role, role) &&
		    path_within(org_path, a->roles[i].scope_path))
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

bool apikey_wellformed(const char *key)
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
	char clip[UTF8_CLIP_BUF];
	if (!uid)
		return err_set(e, E_FIELD_INVALID, "user", "没有账号 %s",
		               utf8_clip(login, 64, clip, sizeof clip));
	if (disabled)
		return err_set(e, E_FIELD_INVALID, "user", "账号 %s 已停用",
		               utf8_clip(login, 64, clip, sizeof clip));
	s = store_stmt(c, ST_APIKEY_ACTIVE_BY_NAME);
	sbind_text(s, 1, name);
	int64_t live = sstep(s) == STORE_ROW ? scol_int(s, 0) : -1;
	sreset(s);
	if (live != 0)
		return live < 0 ? err_set(e, E_UNAVAILABLE, NULL, NULL)
		                : err_set(e, E_CONFLICT, "name", "已有名为 %s 的有效密钥，请先吊销",
		                          utf8_clip(name, 64, clip, sizeof clip));
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
	char clip[UTF8_CLIP_BUF];
	if (store_changes(c) == 0)
		return err_set(e, E_NOT_FOUND, "name", "没有名为 %s 的有效密钥",
		               utf8_clip(name, 64, clip, sizeof clip));
	return 0;
}

/* Login throttling (auth.h): a small fixed table of counters keyed by
 * "l:<login>" and "a:<address>" (failures in THROTTLE_WINDOW_MS) and
 * "r:<address>" (attempts in THROTTLE_RATE_WINDOW_MS), the oldest entry
 * without reservations reused when a key is new. One mutex covers the
 * table, so a check and its reservation are one step. */
#define THROTTLE_SLOTS 4096
#define THROTTLE_PROBES 16
static struct throttle_entry {
	char key[80];         /* "" = free */
	int64_t window_start; /* start of the current window, UTC ms */
	int count;            /* settled failures ("l:", "a:") or attempts ("r:") in the window */
	int pending;          /* reserved, not yet settled; outlive a window change */
} throttle_tab[THROTTLE_SLOTS];
static pthread_mutex_t throttle_mu = PTHREAD_MUTEX_INITIALIZER;
static int throttle_rate = THROTTLE_RATE_DEFAULT;
static pthread_once_t throttle_once = PTHREAD_ONCE_INIT;

static void throttle_config(void)
{
	throttle_rate = app_env_int("CIVICLOOP_LOGIN_RATE", 1, 1000000, THROTTLE_RATE_DEFAULT);
}

int throttle_rate_limit(void)
{
	pthread_once(&throttle_once, throttle_config);
	return throttle_rate;
}

/* The entry of key, or -1. With create, a new entry replaces the oldest
 * probed entry that holds no reservation (-1 if every one does). */
static int throttle_slot(const char *key, int64_t now, bool create)
{
	int victim = -1;
	uint32_t h = 2166136261u;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (int probe = 0; probe < THROTTLE_PROBES; probe++) {
		int i = (int)((h + (uint32_t)probe) % THROTTLE_SLOTS);
		struct throttle_entry *t = &throttle_tab[i];
		if (!strcmp(t->key, key))
			return i;
		if (!t->key[0]) { /* keys are never removed, so none lies past a free entry */
			victim = i;
			break;
		}
		if (t->pending == 0 &&
		    (victim < 0 || t->window_start < throttle_tab[victim].window_start))
			victim = i;
	}
	if (!create || victim < 0)
		return -1;
	struct throttle_entry *t = &throttle_tab[victim];
	snprintf(t->key, sizeof t->key, "%s", key);
	t->window_start = now;
	t->count = 0;
	t->pending = 0;
	return victim;
}

/* Starts a new window when the current one has passed. */
static void throttle_roll(struct throttle_entry *t, int64_t now, int64_t window)
{
	if (now - t->window_start > window) {
		t->window_start = now;
		t->count = 0;
	}
}

static void throttle_keys(const char *login, const char *address, char kl[80], char ka[80],
                          char kr[80])
{
	snprintf(kl, 80, "l:%s", login);
	snprintf(ka, 80, "a:%s", address);
	snprintf(kr, 80, "r:%s", address);
}

enum throttle_verdict throttle_reserve(const char *login, const char *address, int64_t now)
{
	int limit = throttle_rate_limit();
	char kl[80], ka[80], kr[80];
	throttle_keys(login, address, kl, ka, kr);
	enum throttle_verdict v = THROTTLE_RATE;
	pthread_mutex_lock(&throttle_mu);
	int ir = throttle_slot(kr, now, true);
	int il = throttle_slot(kl, now, true);
	int ia = throttle_slot(ka, now, true);
	/* a full neighbourhood (every probed entry reserved) refuses, as does a
	 * key evicted by a later one of the three */
	if (ir < 0 || il < 0 || ia < 0 || strcmp(throttle_tab[ir].key, kr) ||
	    strcmp(throttle_tab[il].key, kl) || strcmp(throttle_tab[ia].key, ka))
		goto out;
	struct throttle_entry *r = &throttle_tab[ir], *l = &throttle_tab[il],
	                      *a = &throttle_tab[ia];
	throttle_roll(r, now, THROTTLE_RATE_WINDOW_MS);
	throttle_roll(l, now, THROTTLE_WINDOW_MS);
	throttle_roll(a, now, THROTTLE_WINDOW_MS);
	if (r->count >= limit)
		v = THROTTLE_RATE;
	else if (l->count + l->pending >= THROTTLE_MAX_PER_LOGIN)
		v = THROTTLE_LOGIN;
	else if (a->count + a->pending >= THROTTLE_MAX_PER_ADDRESS)
		v = THROTTLE_ADDRESS;
	else {
		r->count++;
		l->pending++;
		a->pending++;
		v = THROTTLE_OK;
	}
out:
	pthread_mutex_unlock(&throttle_mu);
	return v;
}

/* Settles one reservation of key; a failure counts even if the entry was
 * reused meanwhile (it is made again). */
static void throttle_settle_key(const char *key, enum throttle_outcome o, bool forgive, int64_t now)
{
	int i = throttle_slot(key, now, o == THROTTLE_FAILED);
	if (i < 0)
		return;
	struct throttle_entry *t = &throttle_tab[i];
	if (t->pending > 0)
		t->pending--;
	if (o == THROTTLE_FAILED) {
		throttle_roll(t, now, THROTTLE_WINDOW_MS);
		t->count++;
	} else if (o == THROTTLE_SUCCEEDED && forgive) {
		t->count = 0;
	}
}

void throttle_settle(const char *login, const char *address, enum throttle_outcome o, int64_t now)
{
	char kl[80], ka[80], kr[80];
	throttle_keys(login, address, kl, ka, kr);
	pthread_mutex_lock(&throttle_mu);
	throttle_settle_key(kl, o, true, now);
	throttle_settle_key(ka, o, false, now);
	pthread_mutex_unlock(&throttle_mu);
}

const char *throttle_message(enum throttle_verdict v)
{
	switch (v) {
	case THROTTLE_LOGIN:
		return "该账号登录失败次数过多，请 15 分钟后再试";
	case THROTTLE_ADDRESS:
		return "本机登录失败次数过多，请 15 分钟后再试";
	case THROTTLE_RATE:
		return "登录请求过于频繁，请 1 分钟后再试";
	case THROTTLE_OK:
		break;
	}
	return "尝试次数过多，请稍后再试";
}

void throttle_reset_all(void)
{
	pthread_mutex_lock(&throttle_mu);
	memset(throttle_tab, 0, sizeof throttle_tab);
	pthread_mutex_unlock(&throttle_mu);
}

/* Password policy (auth.h). */
static struct password_policy policy = {PASSWORD_MIN_CHARS_DEFAULT, PASSWORD_MIN_CLASSES_DEFAULT};
static pthread_once_t policy_once = PTHREAD_ONCE_INIT;

static void policy_config(void)
{
	policy.min_chars =
	    app_env_int("CIVICLOOP_PASSWORD_MIN_LENGTH", 8, 64, PASSWORD_MIN_CHARS_DEFAULT);
	policy.min_classes =
	    app_env_int("CIVICLOOP_PASSWORD_MIN_CLASSES", 1, 4, PASSWORD_MIN_CLASSES_DEFAULT);
}

const struct password_policy *password_policy_get(void)
{
	pthread_once(&policy_once, policy_config);
	return &policy;
}

/* True if hay contains needle, ASCII letters compared without case. */
static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return false;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

int password_policy_check(const struct password_policy *p, const char *login, const char *password,
                          const char *field, struct err *e)
{
	size_t bytes = strlen(password);
	if (!utf8_valid(password, bytes))
		return err_set(e, E_FIELD_INVALID, field, "密码含有无效的 UTF-8 编码");
	size_t chars = 0;
	bool space_only = true;
	int lower = 0, upper = 0, digit = 0, other = 0;
	for (const unsigned char *c = (const unsigned char *)password; *c;) {
		/* one character (valid UTF-8, checked above) of n bytes */
		size_t n = *c < 0x80 ? 1 : *c < 0xe0 ? 2 : *c < 0xf0 ? 3 : 4;
		if (*c < 0x20 || *c == 0x7f)
			return err_set(e, E_FIELD_INVALID, field, "密码不能含有控制字符");
		chars++;
		/* white space: U+0020, U+00A0 and the ideographic space U+3000 */
		bool space = *c == ' ' || (n == 2 && c[0] == 0xc2 && c[1] == 0xa0) ||
		             (n == 3 && c[0] == 0xe3 && c[1] == 0x80 && c[2] == 0x80);
		space_only = space_only && space;
		if (*c >= 'a' && *c <= 'z')
			lower = 1;
		else if (*c >= 'A' && *c <= 'Z')
			upper = 1;
		else if (*c >= '0' && *c <= '9')
			digit = 1;
		else
			other = 1;
		c += n;
	}
	if (chars < (size_t)p->min_chars)
		return err_set(e, E_FIELD_INVALID, field, "密码至少需要 %d 个字符", p->min_chars);
	if (bytes > PASSWORD_MAX)
		return err_set(e, E_FIELD_INVALID, field, "密码不能超过 %d 字节", PASSWORD_MAX);
	if (space_only)
		return err_set(e, E_FIELD_INVALID, field, "密码不能全是空格");
	if (login && contains_nocase(password, login))
		return err_set(e, E_FIELD_INVALID, field, "密码不能包含账号名");
	if (lower + upper + digit + other < p->min_classes)
		return err_set(e, E_FIELD_INVALID, field,
		               "密码须包含小写字母、大写字母、数字、其他符号中的至少 %d 类",
		               p->min_classes);
	return 0;
}
