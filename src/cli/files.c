/*
 * `civicloop files prune --db FILE`: removes from FILE.files what no
 * attachment row names — the file of an upload whose commit failed (stored
 * before the commit, so an orphan when it did not land) — and the temporary
 * files of writes cut off by a crash (util/filestore.h). Neither is ever
 * served: downloads go through a row.
 *
 * It holds the database's writer lock while it works (cli_open), so it runs
 * with the server stopped: a running server may be between storing an
 * upload's file and committing its row, and that file must not go. Names it
 * does not recognise are left alone.
 */
#include "cli/cli.h"
#include "store/store.h"
#include "core/app.h"
#include "core/attachments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct prune {
	const char *names; /* sorted, FILESTORE_HEX each */
	size_t n;
	int64_t files, temps, bytes, failed, unknown;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int prune_one(void *arg, const char *name, const char *path, bool temp)
{
	struct prune *p = arg;
	if (!temp && !filestore_name_valid(name)) {
		p->unknown++;
		return 0;
	}
	if (!temp && bsearch(name, p->names, p->n, FILESTORE_HEX, name_cmp))
		return 0; /* named by a row: kept */
	struct stat st;
	int64_t size = lstat(path, &st) == 0 ? (int64_t)st.st_size : 0;
	if (unlink(path) != 0) {
		fprintf(stderr, "civicloop files prune: 无法删除 %s\n", path);
		p->failed++;
		return 0;
	}
	p->bytes += size;
	if (temp)
		p->temps++;
	else
		p->files++;
	return 0;
}

static int files_prune(const char *db)
{
	struct app app;
	store_writer_alone();           /* no server may run: see the top of this file */
	if (cli_open(&app, db, 0) != 0) /* the writer's lock: no server is running */
		return 1;
	char err[512];
	struct store_conn *c = store_open(db, true, err, sizeof err);
	char *names = NULL;
	int64_t *sizes = NULL;
	struct prune p = {0};
	int rc = 1;
	if (!c || store_exec(c, ST_BEGIN_READ) != STORE_OK ||
	    attach_files(c, &names, &sizes, &p.n) != 0) {
		fprintf(stderr, "civicloop files prune: 无法读取附件列表: %s\n",
		        c ? store_errmsg(c) : err);
		goto out;
	}
	p.names = names; /* sorted by name (then size: one name, one entry here) */
	if (filestore_walk(app.files_dir, prune_one, &p) != 0) {
		fprintf(stderr, "civicloop files prune: 无法读取目录 %s\n", app.files_dir);
		goto out;
	}
	printf("已清理 %s：删除 %lld 个没有附件引用的文件和 %lld 个临时文件（共 %.1f MB），"
	       "保留 %zu 个附件文件%s\n",
	       app.files_dir, (long long)p.files, (long long)p.temps,
	       (double)p.bytes / (1024.0 * 1024.0), p.n, p.unknown ? "；不认识的文件未动" : "");
	rc = p.failed ? 1 : 0;
out:
	if (c)
		store_exec(c, ST_COMMIT);
	store_close(c);
	free(names);
	free(sizes);
	cli_close(&app);
	return rc;
}

int cmd_files(int argc, char **argv)
{
	bool prune = argc >= 2 && !strcmp(argv[1], "prune");
	if (!prune || cli_flag(argc, argv, "--help")) {
		puts("civicloop files prune --db FILE\n"
		     "Removes from FILE.files every file no attachment names (left by an upload\n"
		     "whose write to the database failed) and every temporary file (left by a\n"
		     "write cut off by a crash). Needs the server stopped: it takes the\n"
		     "database's writer lock. `civicloop audit verify` counts such files.");
		return prune ? 0 : 2;
	}
	const char *db = cli_opt(argc, argv, "--db");
	if (!db) {
		fprintf(stderr, "civicloop files prune: 缺少 --db FILE\n");
		return 2;
	}
	if (!store_exists(db)) {
		fprintf(stderr, "civicloop files prune: 数据库 %s 不存在\n", db);
		return 1;
	}
	return files_prune(db);
}
