/*
 * `civicloop init` (the database with its root org and `admin`) and
 * `civicloop user add | passwd | disable | enable`: accounts from the command
 * line. A password is never an argument (it would stay in the shell history
 * and in every process listing): it is asked for twice without echo when
 * standard input is a terminal, and otherwise read as one line from standard
 * input (`--password-stdin` says so explicitly, for scripts). New passwords
 * must pass the password policy (core/auth.h). Every change is an event on
 * the audit chain (`user.add`, `user.password`, `user.disable`,
 * `user.enable`; actor the system, "via":"cli").
 */
#include "cli/cli.h"
#include "core/app.h"
#include "core/auth.h"
#include "core/directory.h"
#include "core/region.h"
#include "core/writer.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "util/utf8.h"

static const char user_usage[] =
    "civicloop user add --db FILE --login L --name 姓名 --org CODE\n"
    "                   --role ROLE[@SCOPE_CODE] [--role …] [--phone N] [--password-stdin]\n"
    "civicloop user passwd --db FILE --login L [--password-stdin]\n"
    "civicloop user disable --db FILE --login L\n"
    "civicloop user enable --db FILE --login L\n"
    "\n"
    "add makes an account; a role's scope defaults to the user's org. passwd sets\n"
    "a new password and ends every session of the account. disable stops the\n"
    "account from signing in, ends its sessions and revokes its API keys;\n"
    "enable lets it sign in again (its keys stay revoked).\n"
    "\n"
    "The password is asked for twice, without echo, when standard input is a\n"
    "terminal; otherwise (or with --password-stdin) it is the first line of\n"
    "standard input. It is never taken as an argument. It needs at least 10\n"
    "characters ($CIVICLOOP_PASSWORD_MIN_LENGTH), characters of at least 3 of\n"
    "the classes lower-case, upper-case, digit, other\n"
    "($CIVICLOOP_PASSWORD_MIN_CLASSES), must not contain the login and must not\n"
    "be only spaces.\n"
    "\n"
    "Exit status: 0 done; 1 failed (unknown account or org, a login in use,\n"
    "database); 2 usage, a malformed login or name, an unknown role or a password\n"
    "the policy refuses (nothing is written).\n";

static int need_db_login(const char *db, const char *login, const char *cmd)
{
	if (db && login)
		return 0;
	fprintf(stderr, "civicloop user %s: 需要 --db FILE 和 --login L\n", cmd);
	return -1;
}

/* The terminal's settings while echo is off, to restore on SIGINT/SIGTERM. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

static void restore_tty(int sig)
{
	if (tty_changed)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Reads one line of at most cap-1 bytes into out without its line end.
 * 0, or -1 at end of input or for a longer line (the rest is skipped). */
static int read_line(char *out, size_t cap)
{
	if (!fgets(out, (int)cap, stdin))
		return -1;
	size_t n = strlen(out);
	bool whole = n > 0 && out[n - 1] == '\n';
	if (!whole && !feof(stdin)) {
		int c;
		while ((c = getchar()) != EOF && c != '\n')
			;
		sodium_memzero(out, cap);
		return -1;
	}
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return 0;
}

/* Asks for a line on the terminal with echo off. */
static int prompt_noecho(const char *prompt, char *out, size_t cap)
{
	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &saved_tty) != 0)
		return read_line(out, cap);
	struct termios quiet = saved_tty;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ICANON | ECHONL;
	signal(SIGINT, restore_tty);
	signal(SIGTERM, restore_tty);
	tty_changed = 1;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	int rc = read_line(out, cap);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	tty_changed = 0;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return rc;
}

/* Reads a new password into out (cap bytes, wiped by the caller) and checks
 * it against the policy for `login`. 0, or an exit status (message printed). */
static int read_new_password(const char *cmd, const char *login, bool from_stdin, char *out,
                             size_t cap)
{
	bool tty = !from_stdin && isatty(STDIN_FILENO);
	if (tty) {
		char again[PASSWORD_MAX + 2];
		int rc = prompt_noecho("新密码：", out, cap);
		if (rc == 0)
			rc = prompt_noecho("再输入一次：", again, sizeof again);
		bool same = rc == 0 && strcmp(out, again) == 0;
		sodium_memzero(again, sizeof again);
		if (rc != 0) {
			fprintf(stderr, "civicloop %s: 未读到密码（不能超过 %d 字节）\n", cmd,
			        PASSWORD_MAX);
			return 2;
		}
		if (!same) {
			fprintf(stderr, "civicloop %s: 两次输入的密码不一致\n", cmd);
			return 2;
		}
	} else if (read_line(out, cap) != 0) {
		fprintf(stderr,
		        "civicloop %s: 未从标准输入读到密码（第一行即密码，不能超过 %d 字节）\n",
		        cmd, PASSWORD_MAX);
		return 2;
	}
	struct err e = {0};
	if (password_policy_check(password_policy_get(), login, out, "password", &e) != 0) {
		fprintf(stderr, "civicloop %s: %s\n", cmd, err_message(&e));
		return 2;
	}
	return 0;
}

/* The new password of `login` (read_new_password), hashed into hash
 * (crypto_pwhash_STRBYTES); the plain text is wiped. 0, or the exit status. */
static int new_password_hash(const char *cmd, const char *login, bool from_stdin, char *hash)
{
	char pw[PASSWORD_MAX + 2];
	int rc = read_new_password(cmd, login, from_stdin, pw, sizeof pw);
	if (rc == 0 && password_hash(pw, hash) != 0) {
		fprintf(stderr, "civicloop %s: 内存不足，无法计算密码散列\n", cmd);
		rc = 1;
	}
	sodium_memzero(pw, sizeof pw);
	return rc;
}

static const struct account_actor cli_actor = {0, 0, "cli"};

struct useradd_args {
	const char *login, *name, *org, *phone;
	struct role_spec roles[ACTOR_MAX_ROLES];
	int nroles;
	char hash[crypto_pwhash_STRBYTES];
	struct err e;
};

/* Adds the account and its user.add event (directory.h account_add). */
static int useradd_run(struct wctx *w, struct useradd_args *a)
{
	struct account_new n = {.login = a->login,
	                        .name = a->name,
	                        .org = a->org,
	                        .phone = a->phone,
	                        .pw_hash = a->hash,
	                        .roles = a->roles,
	                        .nroles = a->nroles};
	return account_add(w, &cli_actor, &n, &a->e) < 0 ? -1 : 0;
}

static int useradd_job(struct wctx *w, struct write_job *job)
{
	return useradd_run(w, job->arg);
}

struct init_args {
	const char *name;
	const char *region; /* the root's division code, or NULL */
	struct useradd_args admin;
};

static int init_job(struct wctx *w, struct write_job *job)
{
	struct init_args *a = job->arg;
	if (org_add(w, "county", a->name, "county", NULL, a->region, &a->admin.e) < 0)
		return -1;
	return useradd_run(w, &a->admin);
}

/* init: a new database, its key file, the root org `county` and `admin`.
 * The admin password comes from standard input (--admin-password-stdin,
 * policy checked) or is random, printed once. */
int cmd_init(int argc, char **argv)
{
	if (cli_flag(argc, argv, "--help")) {
		puts("civicloop init --db FILE [--name 名称] [--region CODE] "
		     "[--admin-password-stdin]\n"
		     "Creates the database, the key file FILE.key, a root org `county` and the\n"
		     "account `admin`. With --admin-password-stdin the admin password is the\n"
		     "first line of standard input (the password policy applies); without it a\n"
		     "random password is generated and printed once. --region gives the root\n"
		     "its administrative division code (6, 9 or 12 digits, e.g. 431121): its\n"
		     "city is the region of every case (docs/citus.md); without it the region\n"
		     "is 000000, none.");
		return 0;
	}
	if (cli_opt(argc, argv, "--admin-password")) {
		fprintf(stderr,
		        "civicloop init: 密码不能作为命令行参数（会留在命令历史和进程列表中）；"
		        "请用 --admin-password-stdin 从标准输入读取\n");
		return 2;
	}
	struct init_args a = {.name = cli_opt(argc, argv, "--name"),
	                      .region = cli_opt(argc, argv, "--region")};
	if (a.region && !region_code_ok(a.region)) {
		fprintf(stderr, "civicloop init: --region 须为 6、9 或 12 位数字的行政区划代码"
		                "（统计用区划代码，如 431121）\n");
		return 2;
	}
	const char *db;
	int bad = cli_new_db(argc, argv, "init", &db);
	if (bad)
		return bad;
	if (!a.name)
		a.name = "本级";
	a.admin = (struct useradd_args){.login = "admin",
	                                .name = "系统管理员",
	                                .org = "county",
	                                .roles = {{"admin", NULL}},
	                                .nroles = 1};
	char gen[33] = "";
	if (cli_flag(argc, argv, "--admin-password-stdin")) {
		int rc = new_password_hash("init", "admin", true, a.admin.hash);
		if (rc != 0)
			return rc;
	} else {
		random_hex(gen, 16);
		if (password_hash(gen, a.admin.hash) != 0) {
			fprintf(stderr, "civicloop init: 内存不足，无法计算密码散列\n");
			return 1;
		}
	}
	if (cli_write(db, 1, init_job, &a, &a.admin.e, "init") != 0)
		return 1;
	char key[1100];
	if (app_state_paths(db, key, sizeof key, NULL, 0) != 0)
		snprintf(key, sizeof key, "?");
	printf("已创建数据库 %s（密钥文件 %s）\n管理员账号 admin，密码 %s\n", db, key,
	       gen[0] ? gen : "（已从标准输入设置）");
	sodium_memzero(gen, sizeof gen);
	return 0;
}

static int user_add_cmd(int argc, char **argv, const char *db)
{
	struct useradd_args a = {.login = cli_opt(argc, argv, "--login"),
	                         .name = cli_opt(argc, argv, "--name"),
	                         .org = cli_opt(argc, argv, "--org"),
	                         .phone = cli_opt(argc, argv, "--phone")};
	char roles[ACTOR_MAX_ROLES][96];
	for (int i = 0; i < argc - 1 && a.nroles < ACTOR_MAX_ROLES; i++) {
		if (strcmp(argv[i], "--role"))
			continue;
		snprintf(roles[a.nroles], sizeof roles[0], "%s", argv[i + 1]);
		char *at = strchr(roles[a.nroles], '@');
		if (at)
			*at = '\0';
		a.roles[a.nroles].role = roles[a.nroles];
		a.roles[a.nroles].scope_code = at ? at + 1 : NULL;
		a.nroles++;
	}
	if (!a.login || !a.name || !a.org || a.nroles == 0) {
		fprintf(stderr,
		        "civicloop user add: 需要 --login、--name、--org 和至少一个 --role\n");
		return 2;
	}
	/* the account's own checks before the password is asked for */
	if (user_check(a.login, a.name, &a.e) != 0 ||
	    user_roles_check(a.roles, a.nroles, &a.e) != 0) {
		fprintf(stderr, "civicloop user add: %s\n", err_message(&a.e));
		return 2;
	}
	int rc = new_password_hash("user add", a.login, cli_flag(argc, argv, "--password-stdin"),
	                           a.hash);
	if (rc != 0)
		return rc;
	if (cli_write(db, 0, useradd_job, &a, &a.e, "user add") != 0)
		return 1;
	printf("已添加账号 %s\n", a.login);
	return 0;
}

struct account_args {
	const char *login;
	enum { ACC_PASSWD, ACC_DISABLE, ACC_ENABLE } op;
	char hash[crypto_pwhash_STRBYTES];
	bool changed;
	int sessions, apikeys;
	struct err e;
};

static int account_job(struct wctx *w, struct write_job *job)
{
	struct account_args *a = job->arg;
	struct account u;
	char clip[UTF8_CLIP_BUF];
	if (account_find(w->conn, a->login, 0, &u) != 0)
		return err_set(&a->e, E_NOT_FOUND, "login", "没有账号 %s",
		               utf8_clip(a->login, 64, clip, sizeof clip));
	if (a->op == ACC_PASSWD) {
		a->changed = true;
		return account_set_password(w, &u, a->hash, NULL, &cli_actor, &a->sessions, &a->e);
	}
	return account_set_disabled(w, &u, a->op == ACC_DISABLE, &cli_actor, &a->changed,
	                            &a->sessions, &a->apikeys, &a->e);
}

static int user_account_cmd(int argc, char **argv, const char *db, const char *cmd)
{
	struct account_args a = {.login = cli_opt(argc, argv, "--login")};
	a.op = !strcmp(cmd, "passwd")    ? ACC_PASSWD
	       : !strcmp(cmd, "disable") ? ACC_DISABLE
	                                 : ACC_ENABLE;
	if (need_db_login(db, a.login, cmd))
		return 2;
	if (a.op == ACC_PASSWD) {
		int rc = new_password_hash("user passwd", a.login,
		                           cli_flag(argc, argv, "--password-stdin"), a.hash);
		if (rc != 0)
			return rc;
	}
	char what[32];
	snprintf(what, sizeof what, "user %s", cmd);
	int rc = cli_write(db, 0, account_job, &a, &a.e, what);
	sodium_memzero(a.hash, sizeof a.hash);
	if (rc != 0)
		return 1;
	if (a.op == ACC_PASSWD)
		printf("已修改账号 %s 的密码，结束了它的 %d 个登录\n", a.login, a.sessions);
	else if (!a.changed)
		printf("账号 %s 已是%s状态，未作改动\n", a.login,
		       a.op == ACC_DISABLE ? "停用" : "启用");
	else if (a.op == ACC_DISABLE)
		printf("已停用账号 %s，结束了它的 %d 个登录，吊销了 %d 个 API 密钥\n", a.login,
		       a.sessions, a.apikeys);
	else
		printf("已启用账号 %s\n", a.login);
	return 0;
}

int cmd_user(int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";
	bool known = !strcmp(sub, "add") || !strcmp(sub, "passwd") || !strcmp(sub, "disable") ||
	             !strcmp(sub, "enable");
	if (!known || cli_flag(argc, argv, "--help")) {
		fputs(user_usage, known ? stdout : stderr);
		return known ? 0 : 2;
	}
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--password") || !strncmp(argv[i], "--password=", 11)) {
			fprintf(
			    stderr,
			    "civicloop user %s: 不再接受 --password：命令行上的密码会留在 shell "
			    "历史和进程列表里。请在提示时输入，或用 --password-stdin 从标准输入读取"
			    "（如 printf '%%s\\n' \"$PW\" | civicloop user %s … "
			    "--password-stdin）\n",
			    sub, sub);
			return 2;
		}
	}
	const char *db = cli_opt(argc, argv, "--db");
	if (!db) {
		fprintf(stderr, "civicloop user %s: 缺少 --db FILE\n", sub);
		return 2;
	}
	if (!strcmp(sub, "add"))
		return user_add_cmd(argc, argv, db);
	return user_account_cmd(argc, argv, db, sub);
}
