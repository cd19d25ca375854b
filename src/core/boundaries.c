/*
 * Org boundaries (util/geojson.h): storing one with its box in the R*Tree
 * org_bbox (core/placement.h finds a case's org through it), and the
 * audited change the API (PUT /api/v1/orgs/{id}/boundary) and the command
 * line (`civicloop geo import`) make. Both run in a writer job; a failure
 * leaves the boundary, the box and the chain as they were.
 */
#include "core/directory.h"

#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/geojson.h"

/* A boundary as it is stored: compact JSON, ten significant digits (seven
 * decimals of a longitude over 100°: about a centimetre). */
static char *boundary_text(const json_t *boundary)
{
	return json_dumps(boundary, JSON_COMPACT | JSON_REAL_PRECISION(10));
}

int org_set_boundary(struct wctx *w, int64_t org_id, const json_t *boundary, struct err *e)
{
	char *text = NULL;
	if (boundary) {
		if (geojson_boundary_check(boundary, "boundary", e) != 0)
			return -1;
		text = boundary_text(boundary);
		if (!text)
			return err_oom(e);
	}
	struct store_stmt *s = store_stmt(w->conn, ST_ORG_SET_BOUNDARY);
	sbind_int(s, 1, org_id);
	sbind_text(s, 2, text);
	int rc = sdone(s);
	free(text);
	if (rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "写入单位边界失败");
	if (store_changes(w->conn) != 1)
		return err_set(e, E_NOT_FOUND, NULL, "没有这个单位");
	/* the R*Tree of boundary boxes (core/placement.h) follows in this
	 * transaction: the old box out, the new one (if any) in */
	s = store_stmt(w->conn, ST_ORG_BBOX_DELETE);
	sbind_int(s, 1, org_id);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "写入单位边界失败");
	s = store_stmt(w->conn, ST_ORG_BBOX_INSERT);
	sbind_int(s, 1, org_id);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "写入单位边界失败");
	return 0;
}

int org_boundary_change(struct wctx *w, const struct account_actor *by, int64_t org_id,
                        const json_t *boundary, struct err *e)
{
	char code[64];
	json_t *v = json_integer(org_id);
	int rc = org_resolve(w->conn, v, &org_id, NULL, 0, code, sizeof code);
	json_decref(v);
	if (rc != 0)
		return err_set(e, E_NOT_FOUND, NULL, "没有这个单位");
	if (org_set_boundary(w, org_id, boundary, e) != 0)
		return -1;
	json_t *p = json_pack("{s:s,s:n}", "org", code, "boundary");
	if (boundary && p) {
		char *text = boundary_text(boundary);
		unsigned char h[HASH_LEN];
		char hex[HEX_LEN(HASH_LEN)];
		if (!text) {
			json_decref(p);
			return err_oom(e);
		}
		hash_blake2b(h, text, strlen(text), NULL, 0);
		hex_encode(h, HASH_LEN, hex);
		json_object_set_new(p, "boundary",
		                    json_pack("{s:O,s:s}", "type",
		                              json_object_get(boundary, "type"), "blake2b", hex));
		free(text);
	}
	return directory_event(w, by, org_id, "org.boundary", p, e);
}
