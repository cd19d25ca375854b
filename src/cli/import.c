/*
 * `civicloop import --db FILE --source NAME --mapping MAPPING.json
 * [--as LOGIN] FILE.csv|FILE.json`: brings another system's cases in
 * (多网合一; the mapping and what a re-run does: core/import.h and
 * docs/import.md).
 *
 * The file is read as a stream of records: a CSV (header row first, UTF-8
 * with or without a BOM) is mapped into memory and walked record by record
 * (core/import_csv.c), a JSON file is an array of objects. Rows are written
 * IMPORT_BATCH at a time, one writer job (one transaction) per batch, each
 * row in its own savepoint, so memory holds one batch whatever the file's
 * length. A row refused — by the mapping or by the engine's own checks —
 * writes nothing and is reported with its line (CSV) or item number (JSON);
 * the other rows land. The run ends with one "import.run" event carrying
 * its counts. Exit status: 0 every row imported or unchanged, 3 some rows
 * refused, 2 a usage, mapping or file error (or a login without
 * case.import) before any row, 1 a store failure. It takes the
 * database's writer lock: run it with the server stopped (while the server
 * runs, the administrator posts rows to POST /api/v1/import: api/import.c).
 */
#include "cli/cli.h"
#include "core/app.h"
#include "core/import.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMPORT_JSON_MAX (64L * 1024 * 1024) /* bytes of a JSON source file */
#define PROGRESS_EVERY 10000

struct importer {
	struct app app;
	struct import_map m;
	const char *as, *file;
	bool json; /* item numbers, not lines */
	struct import_row rows[IMPORT_BATCH];
	int n;
	struct import_counts count;
	int64_t seen;
	bool failed;  /* the store failed: stop */
	bool refused; /* ... because the importing login may not import */
};

/* Writes the rows gathered so far and reports the refused ones. */
static int flush(struct importer *im)
{
	if (im->n == 0)
		return 0;
	struct import_batch b = {.m = &im->m, .as = im->as, .rows = im->rows, .n = im->n};
	if (writer_run(im->app.writer, import_batch_job, &b) != 0) {
		fprintf(stderr, "civicloop import: %s；本批 %d 行未写入\n",
		        b.e.kind == E_OK ? "写入失败" : err_message(&b.e), im->n);
		im->failed = true;
		/* the importer itself refused (no such login, no case.import) */
		im->refused = b.e.kind == E_FORBIDDEN || b.e.kind == E_BAD_REQUEST;
	}
	for (int i = 0; i < im->n && !im->failed; i++) {
		struct import_row *r = &im->rows[i];
		switch (r->outcome) {
		case IR_NEW:
			im->count.added++;
			break;
		case IR_UPDATED:
			im->count.updated++;
			break;
		case IR_UNCHANGED:
			im->count.unchanged++;
			break;
		case IR_REJECTED:
			im->count.rejected++;
			printf("第 %d %s%s%s%s 被拒：%s\n", r->line, im->json ? "条" : "行",
			       r->id[0] ? "（编号 " : "", r->id, r->id[0] ? "）" : "", r->why);
			break;
		}
	}
	for (int i = 0; i < im->n; i++)
		import_row_clear(&im->rows[i]);
	im->n = 0;
	return im->failed ? -1 : 0;
}

/* One source record: mapped now, written with its batch. */
static int take(struct importer *im, const json_t *rec, int line)
{
	struct import_row *r = &im->rows[im->n++];
	memset(r, 0, sizeof *r);
	r->line = line;
	import_row_build(&im->m, rec, r);
	if (++im->seen % PROGRESS_EVERY == 0)
		fprintf(stderr, "civicloop import: 已读 %lld 行\n", (long long)im->seen);
	return im->n == IMPORT_BATCH ? flush(im) : 0;
}

/* A record refused before it could be mapped (the reader could not split
 * it, or it is no object): reported in its place among the batch's rows. */
static int refuse(struct importer *im, int line, const char *why)
{
	struct import_row *r = &im->rows[im->n++];
	memset(r, 0, sizeof *r);
	r->line = line;
	r->outcome = IR_REJECTED;
	snprintf(r->why, sizeof r->why, "%s", why);
	return im->n == IMPORT_BATCH ? flush(im) : 0;
}

static int sink_row(void *arg, const json_t *rec, int line)
{
	return take(arg, rec, line);
}

static int sink_refuse(void *arg, int line, const char *why)
{
	return refuse(arg, line, why);
}

/* A CSV file (core/import_csv.c reads it): 0, 2 a faulty header (nothing
 * read), 3 a syntax error lost the records after one line. */
static int read_csv(struct importer *im, const char *text, size_t len)
{
	struct import_csv_sink k = {sink_row, sink_refuse, im};
	struct err e = {0};
	switch (import_csv_read(&im->m, text, len, &k, &e)) {
	case 2:
		fprintf(stderr, "civicloop import: %s；没有导入任何行\n", err_message(&e));
		return 2;
	case 1:
		fprintf(stderr, "civicloop import: %s；之后未读取\n", err_message(&e));
		return 3;
	default: /* -1: the store failed, and flush said so */
		return 0;
	}
}

static int read_json(struct importer *im, const char *text, size_t len)
{
	if (len > (size_t)IMPORT_JSON_MAX) {
		fprintf(stderr, "civicloop import: JSON 文件超过 %ld MiB\n", IMPORT_JSON_MAX >> 20);
		return 2;
	}
	json_error_t je;
	json_t *arr = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_array(arr)) {
		fprintf(stderr, "civicloop import: 须为 JSON 数组 [{…},…]：%s（第 %d 行）\n",
		        arr ? "不是数组" : je.text, je.line);
		json_decref(arr);
		return 2;
	}
	im->json = true;
	size_t i;
	json_t *rec;
	json_array_foreach(arr, i, rec)
	{
		int t = json_is_object(rec) ? take(im, rec, (int)i + 1)
		                            : refuse(im, (int)i + 1, "须为对象 {列名: 值}");
		if (t != 0)
			break;
	}
	json_decref(arr);
	return 0;
}

/* Maps the file and reads it by its extension. */
static int read_source(struct importer *im)
{
	int fd = open(im->file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		fprintf(stderr, "civicloop import: 无法读取文件 %s（或文件为空）\n", im->file);
		if (fd >= 0)
			close(fd);
		return 2;
	}
	void *text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (text == MAP_FAILED) {
		fprintf(stderr, "civicloop import: 无法读取文件 %s\n", im->file);
		return 2;
	}
	madvise(text, (size_t)st.st_size, MADV_SEQUENTIAL);
	size_t fl = strlen(im->file);
	int rc = fl > 5 && !strcmp(im->file + fl - 5, ".json")
	             ? read_json(im, text, (size_t)st.st_size)
	             : read_csv(im, text, (size_t)st.st_size);
	if (rc != 2 && !im->failed)
		flush(im);
	munmap(text, (size_t)st.st_size);
	return rc;
}

/* The mapping file, checked against the database's types. 0 or 2. */
static int load_mapping(struct importer *im, const char *path, const char *source)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > IMPORT_MAP_MAX) {
		fprintf(stderr, "civicloop import: 无法读取映射文件 %s（最大 %d KiB）\n", path,
		        IMPORT_MAP_MAX >> 10);
		return 2;
	}
	json_error_t je;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		fprintf(stderr, "civicloop import: 映射文件 %s 不是合法的 JSON：%s（第 %d 行）\n",
		        path, je.text, je.line);
		return 2;
	}
	struct err e = {0};
	int rc = import_map_load(&im->app, doc, source, &im->m, &e);
	json_decref(doc);
	if (rc != 0) {
		fprintf(stderr, "civicloop import: %s；没有导入任何行\n", err_message(&e));
		return 2;
	}
	return 0;
}

static int run(struct importer *im, const char *mapping, const char *source)
{
	int rc = load_mapping(im, mapping, source);
	if (rc == 0)
		rc = read_source(im);
	if (rc == 2)
		return 2;
	if (im->failed)
		return im->refused ? 2 : 1;
	struct import_run r = {.m = &im->m, .as = im->as, .file = im->file, .n = im->count};
	if (writer_run(im->app.writer, import_run_job, &r) != 0) {
		fprintf(stderr, "civicloop import: %s\n",
		        r.e.kind == E_OK ? "写入失败" : err_message(&r.e));
		return 1;
	}
	printf("导入 %s：新增 %lld，更新 %lld，未变 %lld，拒绝 %lld\n", im->m.source,
	       (long long)im->count.added, (long long)im->count.updated,
	       (long long)im->count.unchanged, (long long)im->count.rejected);
	return rc ? rc : im->count.rejected ? 3 : 0;
}

int cmd_import(int argc, char **argv)
{
	const char *db = cli_opt(argc, argv, "--db"), *source = cli_opt(argc, argv, "--source"),
	           *mapping = cli_opt(argc, argv, "--mapping");
	const char *file = argc >= 2 ? argv[argc - 1] : NULL;
	if (cli_flag(argc, argv, "--help") || !db || !source || !mapping || !file ||
	    file[0] == '-' || !strcmp(argv[argc - 2], "--db") ||
	    !strcmp(argv[argc - 2], "--source") || !strcmp(argv[argc - 2], "--mapping") ||
	    !strcmp(argv[argc - 2], "--as")) {
		fputs(
		    "civicloop import --db FILE --source NAME --mapping MAPPING.json [--as LOGIN]\n"
		    "                 FILE.csv|FILE.json\n"
		    "Imports another system's cases (多网合一) as the mapping says "
		    "(docs/import.md).\n"
		    "Idempotent on (source, source id): a re-run updates changed titles and\n"
		    "descriptions and never duplicates. Rows are written as LOGIN (default admin,\n"
		    "who must hold case.import). Exit 0: all rows in; 3: some rows refused (each\n"
		    "printed with its line); 2: usage, mapping or file error, nothing written.\n",
		    cli_flag(argc, argv, "--help") ? stdout : stderr);
		return cli_flag(argc, argv, "--help") ? 0 : 2;
	}
	struct importer *im = calloc(1, sizeof *im);
	if (!im)
		return 1;
	im->as = cli_opt(argc, argv, "--as");
	if (!im->as)
		im->as = "admin";
	im->file = file;
	int rc = 1;
	store_writer_alone(); /* server stopped */
	if (cli_open(&im->app, db, 0) == 0) {
		rc = run(im, mapping, source);
		cli_close(&im->app);
	}
	import_map_free(&im->m);
	free(im);
	return rc;
}
