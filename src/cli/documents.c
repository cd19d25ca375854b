/*
 * civicloop doc verify | doc keys | keys rotate (docs/documents.md).
 *
 * `doc verify` checks a code offline with public keys only: from a keys
 * file (`doc keys` or GET /api/v1/keys saved), or the database's published
 * keys with --db (which also knows what was revoked). Exit 0: valid; 1:
 * anything else (tampered, unknown key, malformed, expired, revoked); 2:
 * usage or unreadable keys.
 *
 * `keys rotate` (server stopped) makes a new signing key: the old public
 * key stays published with its retired time, so what it signed still
 * verifies, and new documents and checkpoints use the new one. The
 * database is written first (the old key published and retired, the new
 * one published, a keys.rotate event), then the key file replaced
 * atomically: a failure between leaves the old key signing, still valid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/app.h"
#include "core/documents.h"
#include "core/writer.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/timeutil.h"

#define KEYS_MAX 64
#define KEYS_FILE_MAX (1 << 20)

/* The code in arg: itself, or what follows "/v/" in a pasted URL. */
static const char *code_of(const char *arg)
{
	const char *v = strstr(arg, "/v/");
	return v ? v + 3 : arg;
}

static void print_result(json_t *res, bool as_json)
{
	if (as_json) {
		char *s = json_dumps(res, JSON_SORT_KEYS | JSON_INDENT(2));
		if (s)
			puts(s);
		free(s);
		return;
	}
	printf("%s：%s\n", json_string_value(json_object_get(res, "label")),
	       json_string_value(json_object_get(res, "message")));
	json_t *d = json_object_get(res, "document");
	if (!d)
		return;
	printf("%s %s\n出具单位：%s\n", json_string_value(json_object_get(d, "title")),
	       json_string_value(json_object_get(d, "number")),
	       json_string_value(json_object_get(json_object_get(d, "issuer"), "name")));
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(d, "facts"), k, v)
	{
		char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
		printf("%s：%s\n", k, s ? s : json_string_value(v));
		free(s);
	}
	if (json_object_get(res, "revoked_at"))
		printf("撤销于 %s：%s\n", json_string_value(json_object_get(res, "revoked_at")),
		       json_string_value(json_object_get(res, "revoked_reason")));
}

/* The offline answer, shaped like the online one (less revocation). */
static json_t *offline_result(const struct doc_check *k)
{
	static const char *const names[][3] = {
	    {"valid", "真实有效", "签名真实（离线核验：撤销情况须在线查验）"},
	    {"tampered", "签名无效", "文书内容与签名不符：可能已被篡改或伪造"},
	    {"unknown_key", "无法识别", "签名所用密钥不在公钥文件中"},
	};
	int i = k->verdict == DOC_VALID ? 0 : k->verdict == DOC_BAD_SIGNATURE ? 1 : 2;
	const char *verdict = names[i][0], *label = names[i][1], *msg = names[i][2];
	if (i == 0 && k->expired) {
		verdict = "expired";
		label = "已过期";
		msg = "签名真实，但文书已超过有效期";
	}
	json_t *doc = NULL;
	if (i == 0) {
		json_t *p = k->payload;
		const struct doc_kind *dk = doc_kind(json_string_value(json_object_get(p, "kind")));
		doc = json_pack("{s:s,s:O,s:O,s:O,s:O?}", "title", dk ? dk->title : "电子文书",
		                "number", json_object_get(p, "no"), "issuer",
		                json_object_get(p, "issuer"), "facts", json_object_get(p, "facts"),
		                "valid_until", json_object_get(p, "valid_until"));
	}
	return json_pack("{s:s,s:s,s:s,s:b,s:s,s:o*}", "verdict", verdict, "label", label,
	                 "message", msg, "signature_valid", i == 0, "key_id", k->kid, "document",
	                 doc);
}

static json_t *load_keys_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	json_error_t je;
	char *text = malloc(KEYS_FILE_MAX + 1);
	size_t n = text ? fread(text, 1, KEYS_FILE_MAX + 1, f) : 0;
	fclose(f);
	json_t *doc = text && n <= KEYS_FILE_MAX ? json_loadb(text, n, 0, &je) : NULL;
	free(text);
	return doc;
}

static int doc_verify_cmd(int argc, char **argv)
{
	const char *keys_path = cli_opt(argc, argv, "--keys"), *db = cli_opt(argc, argv, "--db");
	bool as_json = cli_flag(argc, argv, "--json");
	if (argc < 3 || argv[2][0] == '-' || (!keys_path && !db)) {
		fputs("civicloop doc verify CODE|URL (--keys KEYS.json | --db FILE) [--json]\n"
		      "Checks a document's verification code: offline with only the public keys\n"
		      "(KEYS.json as `civicloop doc keys` or GET /api/v1/keys print them), or\n"
		      "against the database, which also knows revocation. Exit 0: valid; 1: not\n"
		      "valid (tampered, unknown key, malformed, expired, revoked); 2: usage.\n",
		      stderr);
		return 2;
	}
	const char *code = code_of(argv[2]);
	if (crypto_init() != 0)
		return 2;
	json_t *res = NULL;
	if (db) {
		char err[512];
		if (!store_exists(db)) {
			fprintf(stderr, "civicloop doc verify: 数据库 %s 不存在\n", db);
			return 2;
		}
		struct store_conn *c = store_open(db, true, err, sizeof err);
		if (!c) {
			fprintf(stderr, "civicloop doc verify: %s\n", err);
			return 2;
		}
		struct err e = {0};
		int rc = doc_verify_online(c, code, strlen(code), time_now_ms(), &res, &e);
		store_close(c);
		if (rc != 0) {
			fprintf(stderr, "civicloop doc verify: %s\n", err_message(&e));
			return e.kind == E_UNAVAILABLE ? 2 : 1;
		}
	} else {
		json_t *doc = load_keys_file(keys_path);
		static struct doc_pubkey keys[KEYS_MAX];
		int n = doc ? doc_keys_parse(doc, keys, KEYS_MAX) : -1;
		json_decref(doc);
		if (n < 0) {
			fprintf(stderr, "civicloop doc verify: 无法读取公钥文件 %s\n", keys_path);
			return 2;
		}
		struct doc_keyring ring = {keys, n};
		struct doc_check k;
		if (doc_check_code(code, strlen(code), doc_keyring_find, &ring, time_now_ms(),
		                   &k) == DOC_MALFORMED) {
			fprintf(stderr, "civicloop doc verify: 验证码无法识别：%s\n", k.reason);
			return 1;
		}
		res = offline_result(&k);
		json_decref(k.payload);
	}
	if (!res)
		return 2;
	print_result(res, as_json);
	int valid = !strcmp(json_string_value(json_object_get(res, "verdict")), "valid");
	json_decref(res);
	return valid ? 0 : 1;
}

/* The key file of db (app_state_paths) into path. */
static void key_path(const char *db, char *path, size_t cap)
{
	if (app_state_paths(db, path, cap, NULL, 0) != 0)
		path[0] = 0;
}

static int doc_keys_cmd(int argc, char **argv)
{
	const char *db = cli_opt(argc, argv, "--db");
	if (!db) {
		fputs("civicloop doc keys --db FILE\n"
		      "Prints the public keys the instance signs documents with (the current one\n"
		      "and every retired one), as JSON, for `civicloop doc verify --keys`.\n",
		      stderr);
		return 2;
	}
	char err[512], kp[1100];
	if (crypto_init() != 0)
		return 2;
	if (!store_exists(db)) {
		fprintf(stderr, "civicloop doc keys: 数据库 %s 不存在\n", db);
		return 2;
	}
	struct store_conn *c = store_open(db, true, err, sizeof err);
	if (!c) {
		fprintf(stderr, "civicloop doc keys: %s\n", err);
		return 2;
	}
	struct keys k;
	key_path(db, kp, sizeof kp);
	bool have = keys_load(&k, kp, 0, err, sizeof err) == 0;
	json_t *out = doc_keys_json(c, have ? &k : NULL);
	sodium_memzero(&k, sizeof k);
	store_close(c);
	char *s = out ? json_dumps(out, JSON_SORT_KEYS | JSON_INDENT(2)) : NULL;
	json_decref(out);
	if (!s) {
		fprintf(stderr, "civicloop doc keys: 读取失败\n");
		return 2;
	}
	puts(s);
	free(s);
	return 0;
}

int cmd_doc(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "verify"))
		return doc_verify_cmd(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "keys"))
		return doc_keys_cmd(argc, argv);
	fputs("civicloop doc verify CODE|URL (--keys KEYS.json | --db FILE) [--json]\n"
	      "civicloop doc keys --db FILE\n",
	      argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
	return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}

struct rotate_args {
	const struct keys *old, *next;
	struct err e;
};

static int publish(struct wctx *w, const struct keys *k)
{
	struct store_stmt *s = store_stmt(w->conn, ST_KEY_PUBLISH);
	sbind_text(s, 1, k->key_id);
	sbind_blob(s, 2, k->sign_pk, sizeof k->sign_pk);
	sbind_int(s, 3, w->now);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

static int rotate_job(struct wctx *w, struct write_job *job)
{
	struct rotate_args *a = job->arg;
	if (publish(w, a->old) != 0 || publish(w, a->next) != 0)
		return err_set(&a->e, E_UNAVAILABLE, NULL, "写入失败");
	struct store_stmt *s = store_stmt(w->conn, ST_KEY_RETIRE_OTHERS);
	sbind_text(s, 1, a->next->key_id);
	sbind_int(s, 2, w->now);
	if (sdone(s) != STORE_DONE)
		return err_set(&a->e, E_UNAVAILABLE, NULL, "写入失败");
	json_t *p = json_pack("{s:s,s:s,s:s}", "retired", a->old->key_id, "current",
	                      a->next->key_id, "via", "cli");
	char *text = p ? json_canonical(p) : NULL;
	json_decref(p);
	if (!text)
		return err_oom(&a->e);
	struct event_rec ev = {.at = w->now, .action = "keys.rotate", .payload = text};
	int rc = wctx_event(w, &ev);
	free(text);
	return rc == 0 ? 0 : err_set(&a->e, E_UNAVAILABLE, NULL, "写入失败");
}

int cmd_keys(int argc, char **argv)
{
	const char *db = cli_opt(argc, argv, "--db");
	if (argc < 2 || strcmp(argv[1], "rotate") || !db) {
		fputs("civicloop keys rotate --db FILE\n"
		      "With the server stopped: makes a new signing key in FILE.key. The old\n"
		      "public key stays published (GET /api/v1/keys, `doc keys`) with its\n"
		      "retired time, so documents it signed still verify; new documents and\n"
		      "audit checkpoints are signed with the new key.\n",
		      argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	if (crypto_init() != 0)
		return 2;
	char err[512], kp[1100];
	key_path(db, kp, sizeof kp);
	struct keys old, next;
	if (!store_exists(db)) {
		fprintf(stderr, "civicloop keys rotate: 数据库 %s 不存在\n", db);
		return 2;
	}
	if (keys_load(&old, kp, 0, err, sizeof err) != 0) {
		fprintf(stderr, "civicloop keys rotate: %s\n", err);
		return 2;
	}
	next = old;
	keys_new_sign(&next);
	struct rotate_args a = {.old = &old, .next = &next};
	store_writer_alone(); /* server stopped: servers hold the old key */
	int rc = cli_write(db, 0, rotate_job, &a, &a.e, "keys rotate");
	char note[160], when[ISO8601_MAX];
	time_format_iso(time_now_ms(), when, sizeof when);
	snprintf(note, sizeof note, "sign key %s retired %s; the current one is %s", old.key_id,
	         when, next.key_id);
	if (rc == 0 && keys_save(&next, kp, note, err, sizeof err) != 0) {
		fprintf(stderr, "civicloop keys rotate: %s（旧密钥仍在使用，可重新运行）\n", err);
		rc = 1;
	}
	if (rc == 0)
		printf("新签名密钥 %s 已启用；旧密钥 %s 已停用，其公钥仍公布以核验旧文书\n",
		       next.key_id, old.key_id);
	sodium_memzero(&old, sizeof old);
	sodium_memzero(&next, sizeof next);
	return rc;
}
