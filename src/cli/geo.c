/*
 * `civicloop geo import --db FILE BOUNDARIES.geojson`: sets the boundaries
 * of existing orgs from a GeoJSON FeatureCollection, one feature per org:
 * {"type":"Feature","properties":{"code":ORG_CODE,…},"geometry":POLYGON}
 * (a Polygon or MultiPolygon in WGS-84 that passes util/geojson.h's check;
 * other properties are ignored). The typical source is a GIS export of the
 * grids (网格) drawn by the township.
 *
 * All or nothing: every feature is checked before any is written, all are
 * written in one writer job, and one bad feature (or a code named twice)
 * writes nothing; the error names the feature's index and the reason, and
 * the exit status is 2. Each org set leaves an org.boundary event (via
 * "cli"). It takes the database's writer lock, so it runs with the server
 * stopped. Cases already placed keep their placement (core/placement.h).
 */
#include "cli/cli.h"
#include "core/app.h"
#include "core/directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/geojson.h"
#include "util/utf8.h"

#define GEO_FILE_MAX (64L * 1024 * 1024) /* bytes of the file */
#define GEO_FEATURES_MAX 10000

struct geo_import {
	json_t *fc;
	int64_t *org_ids; /* of each feature, once checked */
	size_t n;
	bool bad_input; /* the failure is the file's (exit 2), not the store's */
	struct err e;
};

/* Fails feature i with why (a copy is taken: why may be e's own message). */
static int feature_bad(struct geo_import *g, size_t i, const char *why)
{
	char msg[sizeof g->e.message];
	snprintf(msg, sizeof msg, "%s", why);
	g->bad_input = true;
	return err_set(&g->e, E_FIELD_INVALID, "features", "features[%zu]（第 %zu 个要素）：%s", i,
	               i + 1, msg);
}

/* Checks feature i and finds its org into g->org_ids[i]. 0, or -1 with g->e. */
static int feature_check(struct wctx *w, struct geo_import *g, size_t i, const json_t *f)
{
	if (!json_is_object(f) || !json_is_string(json_object_get(f, "type")) ||
	    strcmp(json_string_value(json_object_get(f, "type")), "Feature"))
		return feature_bad(g, i, "须为 {\"type\":\"Feature\",…} 对象");
	json_t *code = json_object_get(json_object_get(f, "properties"), "code");
	if (!json_is_string(code) || json_string_length(code) == 0 || json_string_length(code) > 64)
		return feature_bad(g, i, "properties.code 须为单位代码（1–64 个字符）");
	if (org_resolve(w->conn, code, &g->org_ids[i], NULL, 0, NULL, 0) != 0) {
		char clip[UTF8_CLIP_BUF], why[160];
		snprintf(why, sizeof why, "没有代码为 %s 的单位",
		         utf8_clip(json_string_value(code), 64, clip, sizeof clip));
		return feature_bad(g, i, why);
	}
	for (size_t k = 0; k < i; k++)
		if (g->org_ids[k] == g->org_ids[i])
			return feature_bad(g, i, "与前面的要素是同一个单位");
	if (geojson_boundary_check(json_object_get(f, "geometry"), "geometry", &g->e) != 0)
		return feature_bad(g, i, err_message(&g->e));
	return 0;
}

static int geo_import_job(struct wctx *w, struct write_job *job)
{
	struct geo_import *g = job->arg;
	static const struct account_actor cli = {0, 0, "cli"};
	json_t *features = json_object_get(g->fc, "features");
	size_t i;
	json_t *f;
	json_array_foreach(features, i, f)
	{
		if (feature_check(w, g, i, f) != 0)
			return -1;
	}
	json_array_foreach(features, i, f)
	{
		if (org_boundary_change(w, &cli, g->org_ids[i], json_object_get(f, "geometry"),
		                        &g->e) != 0)
			return -1;
	}
	return 0;
}

/* Reads the file into g->fc: 0, or 2 after saying why. */
static int geo_read(const char *file, struct geo_import *g)
{
	struct stat st;
	if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "civicloop geo import: 无法读取文件 %s\n", file);
		return 2;
	}
	if (st.st_size > GEO_FILE_MAX) {
		fprintf(stderr, "civicloop geo import: 文件超过 %ld MiB\n", GEO_FILE_MAX >> 20);
		return 2;
	}
	json_error_t je;
	g->fc = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
	if (!g->fc) {
		fprintf(stderr, "civicloop geo import: %s 不是合法的 JSON：%s（第 %d 行）\n", file,
		        je.text, je.line);
		return 2;
	}
	json_t *type = json_object_get(g->fc, "type"),
	       *features = json_object_get(g->fc, "features");
	if (!json_is_string(type) || strcmp(json_string_value(type), "FeatureCollection") ||
	    !json_is_array(features)) {
		fprintf(stderr, "civicloop geo import: 文件须为 GeoJSON FeatureCollection"
		                "（{\"type\":\"FeatureCollection\",\"features\":[…]}）\n");
		return 2;
	}
	g->n = json_array_size(features);
	if (g->n == 0 || g->n > GEO_FEATURES_MAX) {
		fprintf(stderr, "civicloop geo import: 要素须为 1–%d 个\n", GEO_FEATURES_MAX);
		return 2;
	}
	g->org_ids = calloc(g->n, sizeof *g->org_ids);
	if (!g->org_ids) {
		fprintf(stderr, "civicloop geo import: 内存不足\n");
		return 1;
	}
	return 0;
}

static int geo_import(int argc, char **argv)
{
	const char *db = cli_opt(argc, argv, "--db");
	const char *file = argc >= 2 ? argv[argc - 1] : NULL;
	if (!db || !file || file[0] == '-' || (argc >= 3 && !strcmp(argv[argc - 2], "--db"))) {
		fprintf(stderr, "civicloop geo import: 用法 civicloop geo import --db FILE "
		                "BOUNDARIES.geojson\n");
		return 2;
	}
	struct geo_import g = {0};
	int rc = geo_read(file, &g);
	struct app app;
	store_writer_alone(); /* server stopped */
	if (rc == 0 && cli_open(&app, db, 0) != 0)
		rc = 1;
	else if (rc == 0) {
		if (writer_run(app.writer, geo_import_job, &g) != 0) {
			fprintf(stderr, "civicloop geo import: %s；没有写入任何边界\n",
			        g.e.kind == E_OK ? "写入失败" : err_message(&g.e));
			rc = g.bad_input ? 2 : 1;
		} else {
			printf("已设置 %zu 个单位的边界\n", g.n);
		}
		cli_close(&app);
	}
	json_decref(g.fc);
	free(g.org_ids);
	return rc;
}

int cmd_geo(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "import") || cli_flag(argc, argv, "--help")) {
		puts("civicloop geo import --db FILE BOUNDARIES.geojson\n"
		     "Sets the boundaries of existing orgs from a GeoJSON FeatureCollection:\n"
		     "each feature's properties.code names an org, its geometry (a Polygon or\n"
		     "MultiPolygon in WGS-84) becomes that org's boundary. All or nothing: a bad\n"
		     "feature writes nothing and exits 2, naming the feature. Run it with the\n"
		     "server stopped. Cases created later are placed by the new boundaries;\n"
		     "cases placed before keep their placement.");
		return argc >= 2 && !strcmp(argv[1], "import") ? 0 : 2;
	}
	return geo_import(argc - 1, argv + 1);
}
