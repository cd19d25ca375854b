/*
 * civicloop's entry point: init, serve, demo, user (users.c), audit verify,
 * apikey add / revoke (files, backup, permissions, geo, import: their own
 * files).
 * Each subcommand has --help; errors are printed in Chinese with exit 2 for
 * usage mistakes and 1 for failures.
 */
#include "api/api.h"
#include "api/openapi.h"
#include "api/apikey_auth.h"
#include "cli/cli.h"
#include "core/app.h"
#include "core/attachments.h"
#include "core/auth.h"
#include "core/chain.h"
#include "core/directory.h"
#include "core/outbox.h"
#include "core/scheduler.h"
#include "core/sms.h"
#include "core/writer.h"
#include "http/http.h"
#include "http/proxies.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "civicloop — 民情闭环 closed-loop case platform\n"
    "\n"
    "usage: civicloop <command> [options]\n"
    "\n"
    "commands:\n"
    "  init --db FILE [--name 名称] [--admin-password-stdin]  create an empty database\n"
    "  serve --db FILE [--port N] [--listen ADDR] [--threads N] [--request-timeout S]\n"
    "        [--web DIR] [--status-log FILE] [--sms-config FILE]\n"
    "  demo --db FILE                                      create the demo county\n"
    "  gen --db FILE --cases N [--seed S] [--days D] [--force]\n"
    "                                                      a county-sized database of N cases\n"
    "  routing eval --set FILE [--catalogue FILE] [--folds N]  routing's top-1/top-3 accuracy\n"
    "  user add --db FILE --login L --name N --org CODE --role ROLE[@SCOPE]... [--password-stdin]\n"
    "  user passwd|disable|enable --db FILE --login L    new password (asked for) / sign-in off, "
    "on\n"
    "  audit verify --db FILE [--skip-files]               check the audit chain and the\n"
    "                                                      attachments' files\n"
    "  files prune --db FILE                               remove files no attachment names\n"
    "  geo import --db FILE BOUNDARIES.geojson             set org boundaries (all or nothing)\n"
    "  import --db FILE --source NAME --mapping MAP.json FILE.csv|FILE.json\n"
    "                                                      import another system's cases\n"
    "  apikey add --db FILE LOGIN NAME [--scope A,B] [--org CODE] [--rate N]\n"
    "                                                      make an API key for a system\n"
    "  apikey list --db FILE                               the API keys\n"
    "  apikey revoke --db FILE NAME                        revoke an API key\n"
    "  backup --db FILE --to FILE [--force]                online copy of the database and its "
    "key\n"
    "  doc verify CODE|URL (--keys KEYS.json | --db FILE)  check a signed document's code\n"
    "  doc keys --db FILE                                  print the public signing keys\n"
    "  keys rotate --db FILE                               new signing key (server stopped)\n"
    "  stats --check|--rebuild --db FILE [--org CODE]      the stats aggregates: compare with\n"
    "                                                      the live count (exit 1) / rewrite\n"
    "  openapi [--check]                                   the OpenAPI 3.1 description; --check:\n"
    "                                                      routes and fragments that disagree\n"
    "\n"
    "Each command takes --help. Keys live beside the database in FILE.key.\n";

/* cli_open, and cli_open_unsynced's writer that commits without a sync */
static int open_app(struct app *app, const char *db, int create, bool unsynced)
{
	char err[512];
	if (!create && !store_exists(db)) {
		fprintf(stderr, "civicloop: 数据库 %s 不存在（先运行 civicloop init 或 demo）\n",
		        db);
		return -1;
	}
	if (app_init(app, db, NULL, create, err, sizeof err) != 0) {
		fprintf(stderr, "civicloop: %s\n", err);
		return -1;
	}
	app->writer_unsynced = unsynced;
	app->writer = writer_start(app, err, sizeof err);
	if (!app->writer) {
		fprintf(stderr, "civicloop: %s\n", err);
		app_release(app);
		return -1;
	}
	return 0;
}

int cli_open(struct app *app, const char *db, int create)
{
	return open_app(app, db, create, false);
}

int cli_open_unsynced(struct app *app, const char *db)
{
	return open_app(app, db, 1, true);
}

void cli_close(struct app *app)
{
	writer_stop(app->writer);
	app->writer = NULL;
	app_release(app);
}

int cli_write(const char *db, int create, int (*job)(struct wctx *, struct write_job *), void *arg,
              const struct err *e, const char *cmd)
{
	struct app app;
	if (cli_open(&app, db, create) != 0)
		return 1;
	int rc = writer_run(app.writer, job, arg);
	cli_close(&app);
	if (rc == 0)
		return 0;
	fprintf(stderr, "civicloop %s: %s\n", cmd, e->kind == E_OK ? "写入失败" : err_message(e));
	return 1;
}

static int need_db(const char *db, const char *cmd)
{
	if (db)
		return 0;
	fprintf(stderr, "civicloop %s: 缺少 --db FILE\n", cmd);
	return -1;
}

/* SIGINT and SIGTERM: `serve` blocks them in every thread (each inherits
 * the mask of the thread that starts it, so they are blocked before any is
 * started) and its main thread takes them with sigwait(). A handler with
 * `while (!flag) pause();` loses a signal that lands between the test and
 * the pause — a server stopped right after it said it was serving then
 * never stopped. */
static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

/* The UI's directory: --web DIR (must open), else $CIVICLOOP_WEB (must
 * open), else the build beside the program (build/civicloop ->
 * web/dist) or /usr/share/civicloop/web, else none: the API is served and
 * the UI's paths say it is not built. 0, or -1 with a message printed. */
static int open_web(int argc, char **argv)
{
	char err[1200];
	const char *dir = cli_opt(argc, argv, "--web");
	if (!dir)
		dir = getenv("CIVICLOOP_WEB");
	if (dir && !strcmp(dir, "none")) {
		web_root_none(); /* the API alone, by choice */
		return 0;
	}
	if (dir && *dir) {
		if (web_root_open(dir, err, sizeof err) == 0)
			return 0;
		fprintf(stderr, "civicloop serve: %s\n", err);
		return -1;
	}
	char exe[1024];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			char cand[1200];
			*slash = '\0';
			snprintf(cand, sizeof cand, "%s/../web/dist", exe);
			if (web_root_open(cand, err, sizeof err) == 0)
				return 0;
		}
	}
	if (web_root_open("/usr/share/civicloop/web", err, sizeof err) == 0)
		return 0;
	fprintf(stderr, "civicloop serve: 未找到网页界面（web/dist），只提供接口；"
	                "运行 make web 构建界面\n");
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	if (cli_flag(argc, argv, "--help")) {
		puts(
		    "civicloop serve --db FILE [--port N] [--listen ADDR] [--threads N]\n"
		    "                [--request-timeout S] [--web DIR] [--sms-config FILE]\n"
		    "                [--trusted-proxies LIST]\n"
		    "Serves the API on ADDR:N (default 127.0.0.1, port $CIVICLOOP_PORT or 8080;\n"
		    "port 0 picks a free one). Stops cleanly on SIGINT/SIGTERM.\n"
		    "A taken port, or a database another civicloop process is writing, makes it\n"
		    "exit with status 1. Each request gets S seconds in all (default 30), so a\n"
		    "client that trickles bytes cannot hold a connection.\n"
		    "The web UI is served from / out of DIR (default: $CIVICLOOP_WEB, else\n"
		    "web/dist beside the program's build directory); without it the API is\n"
		    "served and the UI's pages say it is not built; --web none serves the API\n"
		    "alone by choice (other paths are 404).\n"
		    "--status-log FILE (or $CIVICLOOP_STATUS_LOG) appends \"METHOD PATTERN "
		    "STATUS\"\n"
		    "for every answered API request (the API suite's status coverage).\n"
		    "SMS notices follow --sms-config FILE (none: off), else "
		    "CONFIG/notify/sms.json\n"
		    "when it exists (docs/notifications.md); a faulty file stops the start.\n"
		    "--trusted-proxies LIST (or $CIVICLOOP_TRUSTED_PROXIES): the reverse proxies\n"
		    "(addresses or CIDR ranges, comma-separated) whose X-Forwarded-For names the\n"
		    "client; its address then counts for the per-address limits (docs/deploy.md).");
		return 0;
	}
	const char *db = cli_opt(argc, argv, "--db");
	if (need_db(db, "serve"))
		return 2;
	const char *ps = cli_opt(argc, argv, "--port");
	if (!ps)
		ps = getenv("CIVICLOOP_PORT");
	char *end;
	long port = ps ? strtol(ps, &end, 10) : 8080;
	if (ps && (*end || port < 0 || port > 65535)) {
		fprintf(stderr, "civicloop serve: 端口 %s 不正确\n", ps);
		return 2;
	}
	const char *ts = cli_opt(argc, argv, "--threads");
	long threads = ts ? strtol(ts, &end, 10) : 4;
	if (ts && (*end || threads < 1 || threads > 64)) {
		fprintf(stderr, "civicloop serve: 线程数 %s 不正确（1–64）\n", ts);
		return 2;
	}
	const char *rs = cli_opt(argc, argv, "--request-timeout");
	long request_timeout = rs ? strtol(rs, &end, 10) : 30;
	if (rs && (*end || request_timeout < 1 || request_timeout > 3600)) {
		fprintf(stderr, "civicloop serve: 请求时限 %s 不正确（1–3600 秒）\n", rs);
		return 2;
	}
	const char *listen = cli_opt(argc, argv, "--listen");
	const char *proxies = cli_opt(argc, argv, "--trusted-proxies");
	if (!proxies)
		proxies = getenv("CIVICLOOP_TRUSTED_PROXIES");
	char perr[160];
	if (proxies_set(proxies, perr, sizeof perr) != 0) {
		fprintf(stderr, "civicloop serve: --trusted-proxies: %s\n", perr);
		return 2;
	}
	sigset_t stop;
	stop_signals(&stop);
	pthread_sigmask(SIG_BLOCK, &stop, NULL); /* before any thread starts */
	if (open_web(argc, argv) != 0)
		return 1;
	const char *slog = cli_opt(argc, argv, "--status-log");
	if (!slog)
		slog = getenv("CIVICLOOP_STATUS_LOG");
	char err[512];
	if (slog && *slog && statuslog_open(slog, err, sizeof err) != 0) {
		fprintf(stderr, "civicloop serve: %s\n", err);
		return 1;
	}
	size_t nproblems = 0;
	if (!openapi_text(NULL, &nproblems))
		return 1;
	if (nproblems)
		fprintf(
		    stderr,
		    "civicloop serve: OpenAPI 描述有 %zu 处与路由表不符（civicloop openapi --check "
		    "列出）\n",
		    nproblems);
	struct app app;
	if (cli_open(&app, db, 0) != 0)
		return 1;
	if (sms_setup(&app, cli_opt(argc, argv, "--sms-config"), err, sizeof err) != 0) {
		fprintf(stderr, "civicloop serve: 短信配置加载失败 (SMS config): %s\n", err);
		cli_close(&app);
		return 1;
	}
	sms_channel_register();
	app.key_route = apikey_route_permit; /* which routes an API key may call */
	struct scheduler *sched = scheduler_start(&app, err, sizeof err);
	/* the outbox's delivery workers (core/outbox.h); channels other than
	 * webhooks register their senders before this */
	struct outbox_workers *outbox = sched ? outbox_start(&app, err, sizeof err) : NULL;
	struct server *srv =
	    outbox ? server_start(&app, routes, nroutes, listen ? listen : "127.0.0.1", (int)port,
	                          (int)threads, (int)request_timeout, err, sizeof err)
	           : NULL;
	if (!srv) {
		fprintf(stderr, "civicloop serve: %s\n", err);
		outbox_stop(outbox);
		scheduler_stop(sched);
		cli_close(&app);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	printf("civicloop 正在服务 http://%s:%d/ （数据库 %s）\n", listen ? listen : "127.0.0.1",
	       server_port(srv), db);
	fflush(stdout);
	int sig;
	while (sigwait(&stop, &sig) != 0)
		;
	server_stop(srv);
	outbox_stop(outbox);
	scheduler_stop(sched);
	cli_close(&app);
	return 0;
}

/* Prints one attachment whose file is missing or damaged (the first 20). */
static void report_attachment(void *arg, int64_t id, int64_t case_id, const char *sha256, int why)
{
	int64_t *shown = arg;
	if ((*shown)++ < 20)
		printf("附件 %lld（工单 %lld）的文件 %s %s\n", (long long)id, (long long)case_id,
		       sha256, why == ENOENT ? "缺失" : "大小或 SHA-256 不符");
}

/* The attachments' part of audit verify: every row's file re-read and
 * hashed. 0 whole, 1 not, 2 could not check. */
static int verify_attachments(struct store_conn *c, const char *db)
{
	char dir[1100], key[1100];
	struct attach_report rep;
	int64_t shown = 0;
	if (app_state_paths(db, key, sizeof key, dir, sizeof dir) != 0)
		return 2;
	int rc = attach_verify(c, dir, report_attachment, &shown, &rep);
	if (rc < 0) {
		fprintf(stderr, "civicloop audit verify: 无法读取附件或目录 %s\n", dir);
		return 2;
	}
	if (rc > 0)
		printf("附件有误：%lld 个附件的文件缺失或内容不符%s\n", (long long)rep.bad,
		       shown > 20 ? "（只列出前 20 个）" : "");
	else
		printf("附件完好：%lld 个附件，%lld 个文件，逐个核对了 SHA-256\n",
		       (long long)rep.rows, (long long)rep.files);
	if (rep.orphans || rep.temps)
		printf("另有 %lld 个没有附件引用的文件、%lld "
		       "个临时文件（上传未提交时留下，不会被下载；"
		       "停止服务后可用 civicloop files prune 清理）\n",
		       (long long)rep.orphans, (long long)rep.temps);
	return rc;
}

static int cmd_audit(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "verify") || cli_flag(argc, argv, "--help")) {
		puts("civicloop audit verify --db FILE [--skip-files]\n"
		     "Recomputes the hash chain of every event and checks every signed checkpoint\n"
		     "(against the key in FILE.key when present), then re-reads the file of every\n"
		     "attachment in FILE.files and checks its size and SHA-256 (--skip-files: the\n"
		     "chain only). Exit 0: intact; 1: broken (the first bad event, or each\n"
		     "attachment whose file is missing or differs, is printed); 2: could not "
		     "check.");
		return argc >= 2 && !strcmp(argv[1], "verify") ? 0 : 2;
	}
	const char *db = cli_opt(argc, argv, "--db");
	if (need_db(db, "audit verify"))
		return 2;
	if (!store_exists(db)) {
		fprintf(stderr, "civicloop audit verify: 数据库 %s 不存在\n", db);
		return 2;
	}
	char err[512];
	if (crypto_init() != 0)
		return 2;
	struct store_conn *c = store_open(db, true, err, sizeof err);
	if (!c) {
		fprintf(stderr, "civicloop audit verify: %s\n", err);
		return 2;
	}
	struct keys k;
	char kp[1100];
	bool have_key = app_state_paths(db, kp, sizeof kp, NULL, 0) == 0 &&
	                keys_load(&k, kp, 0, err, sizeof err) == 0;
	struct chain_report rep;
	store_exec(c, ST_BEGIN_READ);
	int rc = chain_verify(c, have_key ? k.sign_pk : NULL, &rep);
	if (rc < 0) {
		fprintf(stderr, "civicloop audit verify: 读取失败\n");
		rc = 2;
	} else if (rc > 0) {
		printf("审计链已损坏：第一个异常事件 seq=%lld：%s\n", (long long)rep.bad_seq,
		       rep.reason);
	} else {
		printf("审计链完好：%lld 个事件，%lld 个签名检查点%s\n", (long long)rep.events,
		       (long long)rep.checkpoints,
		       have_key ? "" : "（未找到密钥文件，按检查点自带公钥核验）");
	}
	/* the same snapshot as the chain's: rows added meanwhile are not asked for */
	if (rc == 0 && !cli_flag(argc, argv, "--skip-files"))
		rc = verify_attachments(c, db);
	store_exec(c, ST_COMMIT);
	store_close(c);
	return rc;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* every file civicloop makes (database, -wal, -shm, keys, backups) is
	 * private to its user: they hold password hashes and case text */
	umask(077);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return argc < 2 ? 2 : 0;
	}
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} commands[] = {{"init", cmd_init},
	                {"serve", cmd_serve},
	                {"demo", cmd_demo},
	                {"routing", cmd_routing},
	                {"permissions", cmd_permissions},
	                {"user", cmd_user},
	                {"audit", cmd_audit},
	                {"apikey", cmd_apikey},
	                {"backup", cmd_backup},
	                {"files", cmd_files},
	                {"geo", cmd_geo},
	                {"import", cmd_import},
	                {"doc", cmd_doc},
	                {"keys", cmd_keys},
	                {"openapi", cmd_openapi},
	                {"stats", cmd_stats},
	                {"gen", cmd_gen}};
	const char *cmd = argv[1];
	/* The backend follows --db (store_select): a postgres:// URL or a
	 * libpq connection string is PostgreSQL, anything else SQLite. */
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			store_select(argv[i + 1]);
		else if (!strncmp(argv[i], "--db=", 5))
			store_select(argv[i] + 5);
	}
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "civicloop: 没有命令 %s\n\n%s", cmd, usage);
	return 2;
}
