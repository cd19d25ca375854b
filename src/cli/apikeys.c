/*
 * `civicloop apikey add | list | revoke`: API keys from the command line,
 * with the server stopped (a running server holds the database's single
 * writer lock; `list` only reads). The same checks as the admin API
 * (core/apikey_admin.c: scopes the account's permissions allow, an org
 * inside its scope, a rate of 1–100000 a minute), and the same events on
 * the audit chain (apikey.add / apikey.revoke, actor the system,
 * "via":"cli"); never the key itself.
 */
#include "cli/cli.h"
#include "store/store.h"
#include "core/apikey.h"
#include "core/app.h"
#include "core/directory.h"
#include "core/writer.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/timeutil.h"

static const char apikey_usage[] =
    "civicloop apikey add --db FILE LOGIN NAME [--scope A,B] [--org CODE] [--rate N]\n"
    "civicloop apikey list --db FILE\n"
    "civicloop apikey revoke --db FILE NAME\n"
    "  (the older --user LOGIN --name NAME still work)\n"
    "Makes an API key for a system (the 110 linkage, an Open311 client) that acts\n"
    "as account LOGIN for org CODE (default: the account's org; it must be inside\n"
    "the account's scope) with the scopes listed (open311.submit, linkage.110,\n"
    "import, stats.read; default: every one the account's permissions allow) at\n"
    "most N calls a minute (default 600). The key is printed once, alone on the\n"
    "first line; only its hash is stored. Send it as `X-API-Key: KEY` (or as\n"
    "`Authorization: Bearer KEY`). A name labels one live key; revoke ends it.\n";

struct apikey_args {
	bool revoke;
	const char *login, *name;
	struct apikey_spec spec;
	char key[APIKEY_LEN + 1];
	struct err e;
};

static int apikey_job(struct wctx *w, struct write_job *job)
{
	struct apikey_args *a = job->arg;
	static const struct account_actor cli = {0, 0, "cli"};
	return a->revoke ? account_apikey_revoke(w, &cli, a->name, NULL, &a->e)
	                 : account_apikey_add(w, &cli, a->login, a->name, &a->spec, a->key, NULL,
	                                      NULL, &a->e);
}

/* The i-th word after the subcommand that is neither an option nor an
 * option's value, or NULL. */
static const char *positional(int argc, char **argv, int i)
{
	for (int k = 2; k < argc; k++) {
		if (!strncmp(argv[k], "--", 2)) {
			k++; /* every option of apikey takes a value */
			continue;
		}
		if (i-- == 0)
			return argv[k];
	}
	return NULL;
}

/* --scope a,b → spec's scopes; --rate N → its rate. 0, or 2 after saying why. */
static int read_spec(int argc, char **argv, struct apikey_spec *sp)
{
	const char *scopes = cli_opt(argc, argv, "--scope");
	const char *rate = cli_opt(argc, argv, "--rate");
	if (scopes) {
		sp->has_scopes = true;
		for (const char *p = scopes; *p;) {
			size_t n = strcspn(p, ",");
			char word[32];
			int s = -1;
			if (n < sizeof word) {
				memcpy(word, p, n);
				word[n] = '\0';
				s = apikey_scope_by_name(word);
			}
			if (s < 0) {
				fprintf(stderr,
				        "civicloop apikey add: 不认识的权限范围 %.*s（可选 "
				        "open311.submit、"
				        "linkage.110、import、stats.read）\n",
				        (int)(n > 32 ? 32 : n), p);
				return 2;
			}
			sp->scopes |= 1u << s;
			p += n + (p[n] == ',');
		}
	}
	if (rate) {
		char *end;
		long n = strtol(rate, &end, 10);
		if (*end || end == rate || n < APIKEY_RATE_MIN || n > APIKEY_RATE_MAX) {
			fprintf(stderr, "civicloop apikey add: --rate 须为 %d–%d 的整数\n",
			        APIKEY_RATE_MIN, APIKEY_RATE_MAX);
			return 2;
		}
		sp->rate = (int)n;
	}
	return 0;
}

static void print_time(struct store_stmt *s, int col)
{
	char at[ISO8601_MAX] = "-";
	if (!scol_null(s, col))
		time_format_iso(scol_int(s, col), at, sizeof at);
	printf("\t%s", at);
}

/* apikey list: one line a key, tab-separated, with a header line. */
static int apikey_list(const char *db)
{
	char err[512];
	if (!store_exists(db)) {
		fprintf(stderr, "civicloop apikey list: 数据库 %s 不存在\n", db);
		return 1;
	}
	struct store_conn *c = store_open(db, true, err, sizeof err);
	if (!c) {
		fprintf(stderr, "civicloop apikey list: %s\n", err);
		return 1;
	}
	int rc = store_exec(c, ST_BEGIN_READ) == STORE_OK ? STORE_ROW : STORE_ERROR;
	if (rc == STORE_ROW) {
		puts("id\tname\tuser\torg\tscopes\trate_per_min\tcreated_at\tlast_used_at\trevoked_"
		     "at");
		struct store_stmt *s = store_stmt(c, ST_APIKEY_VIEW_LIST);
		while ((rc = sstep(s)) == STORE_ROW) {
			printf("%lld\t%s\t%s\t%s\t%s\t%lld", (long long)scol_int(s, 0),
			       scol_text(s, 1), scol_text(s, 4), scol_text(s, 11), scol_text(s, 7),
			       (long long)scol_int(s, 8));
			print_time(s, 2);
			print_time(s, 9);
			print_time(s, 3);
			putchar('\n');
		}
		sreset(s);
		store_exec(c, ST_COMMIT);
	}
	store_close(c);
	if (rc != STORE_DONE) {
		fprintf(stderr, "civicloop apikey list: 读取失败\n");
		return 1;
	}
	return 0;
}

/* apikey add: prints the new key alone on the first line (scripts read it),
 * then a note on stderr; the key is not stored and cannot be shown again. */
int cmd_apikey(int argc, char **argv)
{
	bool add = argc >= 2 && !strcmp(argv[1], "add");
	bool revoke = argc >= 2 && !strcmp(argv[1], "revoke");
	bool list = argc >= 2 && !strcmp(argv[1], "list");
	if ((!add && !revoke && !list) || cli_flag(argc, argv, "--help")) {
		fputs(apikey_usage, stdout);
		return add || revoke || list ? 0 : 2;
	}
	const char *cmd = add ? "apikey add" : revoke ? "apikey revoke" : "apikey list";
	const char *db = cli_opt(argc, argv, "--db");
	if (!db) {
		fprintf(stderr, "civicloop %s: 缺少 --db FILE\n", cmd);
		return 2;
	}
	if (list)
		return apikey_list(db);
	struct apikey_args a = {.revoke = revoke,
	                        .login = cli_opt(argc, argv, "--user"),
	                        .name = cli_opt(argc, argv, "--name")};
	if (add && !a.login && !a.name) {
		a.login = positional(argc, argv, 0);
		a.name = positional(argc, argv, 1);
	} else if (revoke && !a.name) {
		a.name = positional(argc, argv, 0);
	}
	if (!a.name || (add && !a.login)) {
		fprintf(stderr, "civicloop %s: 需要 %s\n", cmd, add ? "LOGIN 和 NAME" : "NAME");
		return 2;
	}
	json_t *org = NULL;
	if (add) {
		if (read_spec(argc, argv, &a.spec) != 0)
			return 2;
		const char *code = cli_opt(argc, argv, "--org");
		if (code && !(org = json_string(code))) {
			fprintf(stderr, "civicloop %s: --org 须为组织机构代码\n", cmd);
			return 2;
		}
		a.spec.org = org;
	}
	int rc = cli_write(db, 0, apikey_job, &a, &a.e, cmd);
	json_decref(org);
	if (rc != 0) {
		sodium_memzero(a.key, sizeof a.key);
		return 1;
	}
	if (add) {
		printf("%s\n", a.key);
		fprintf(stderr, "已为账号 %s 创建 API 密钥“%s”；密钥只显示这一次，请妥善保存\n",
		        a.login, a.name);
	} else {
		printf("已吊销 API 密钥“%s”\n", a.name);
	}
	sodium_memzero(a.key, sizeof a.key);
	return 0;
}
