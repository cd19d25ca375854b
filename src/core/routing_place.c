/* Orgs as routing names them, and the township a case is in
 * (routing.h routing_township): from its owner's path (a placed case is
 * owned by its grid), else from its point through placement (the R*Tree
 * of core/placement.h), else from the names its address holds. */
#include "core/engine_int.h"
#include "core/placement.h"
#include "core/routing_cache.h"
#include "core/routing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The routing cache's key of org id's row: a control byte first, which no
 * token of routing_model.c holds. */
static size_t org_key(int64_t id, char *key, size_t cap)
{
	return (size_t)snprintf(key, cap, "\x01org:%lld", (long long)id);
}

void routing_org_touch(int64_t id)
{
	char key[32];
	routing_cache_touch(key, org_key(id, key, sizeof key));
}

int routing_org(struct store_conn *c, int64_t id, const char *code, struct route_org *o)
{
	/* by id, from the routing cache when it has the row: a ranking reads
	 * up to 64 candidates and the township's path (docs/bench.md) */
	char key[32];
	size_t klen = code ? 0 : org_key(id, key, sizeof key), got;
	if (!code && routing_cache_get(key, klen, o, sizeof *o, &got) && got == sizeof *o)
		return 0;
	uint64_t gen;
	bool fill = !code && routing_cache_fill_gen(store_in_txn(c), &gen);
	struct store_stmt *s = store_stmt(c, code ? ST_ORG_BY_CODE : ST_ORG_BY_ID);
	if (code)
		sbind_text(s, 1, code);
	else
		sbind_int(s, 1, id);
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		memset(o, 0, sizeof *o); /* the whole struct is what the cache keeps */
		o->id = scol_int(s, 0);
		snprintf(o->code, sizeof o->code, "%s", scol_text(s, 1));
		snprintf(o->name, sizeof o->name, "%s", scol_text(s, 2));
		snprintf(o->kind, sizeof o->kind, "%s", scol_text(s, 3));
		snprintf(o->path, sizeof o->path, "%s", scol_text(s, 5));
	}
	sreset(s);
	if (rc == STORE_ROW && fill)
		routing_cache_put(key, klen, o, sizeof *o, gen);
	return rc == STORE_ROW ? 0 : rc == STORE_DONE ? 1 : -1;
}

/* The township on path ("/1/23/45/"): 0 with *t, 1 if none, -1 store. */
static int township_on_path(struct store_conn *c, const char *path, struct route_org *t)
{
	const char *p = path;
	while (p && *p == '/') {
		char *end;
		long long id = strtoll(p + 1, &end, 10);
		if (end == p + 1 || *end != '/')
			break;
		int rc = routing_org(c, id, NULL, t);
		if (rc < 0)
			return -1;
		if (rc == 0 && !strcmp(t->kind, "township"))
			return 0;
		p = end;
	}
	return 1;
}

/* The township whose boundary holds (lng, lat) (placement), or whose name
 * (or one of whose villages' names, less 村民委员会/居民委员会) the address
 * holds. */
static int township_by_place(struct store_conn *c, const json_t *loc, struct route_org *t)
{
	json_t *lat = json_object_get(loc, "lat"), *lng = json_object_get(loc, "lng");
	const char *addr = json_string_value(json_object_get(loc, "address"));
	if (json_is_number(lat) && json_is_number(lng)) {
		struct placement p;
		if (placement_find(c, json_number_value(lng), json_number_value(lat), &p) != 0)
			return -1;
		int r = p.status == PLACE_PLACED ? township_on_path(c, p.org_path, t) : 1;
		if (r != 1)
			return r;
	}
	if (!addr)
		return 1;
	int64_t found = 0;
	char found_path[256] = "";
	for (int pass = 0; pass < 2 && !found; pass++) {
		struct store_stmt *s = store_stmt(c, ST_ORG_OF_KIND);
		sbind_text(s, 1, pass == 0 ? "township" : "village");
		int rc;
		while (!found && (rc = sstep(s)) == STORE_ROW) {
			const char *name = scol_text(s, 1);
			char shortname[128];
			snprintf(shortname, sizeof shortname, "%s", name);
			char *suffix = strstr(shortname, "村民委员会");
			if (!suffix)
				suffix = strstr(shortname, "居民委员会");
			if (suffix) {
				/* 黄岭村村民委员会 → 黄岭村; 东门社区居民委员会 → 东门社区 */
				*suffix = '\0';
				if (!strstr(name, "社区") && strlen(shortname) > 0 &&
				    !strstr(shortname + strlen(shortname) - 3, "村"))
					snprintf(shortname + strlen(shortname),
					         sizeof shortname - strlen(shortname), "村");
			}
			if (shortname[0] && strstr(addr, shortname)) {
				found = scol_int(s, 0);
				snprintf(found_path, sizeof found_path, "%s", scol_text(s, 2));
			}
		}
		sreset(s);
		if (rc != STORE_ROW && rc != STORE_DONE)
			return -1;
	}
	if (!found)
		return 1;
	return township_on_path(c, found_path, t);
}

int routing_township(struct store_conn *c, const struct route_case *rc, struct route_org *t)
{
	int r = rc->org_path ? township_on_path(c, rc->org_path, t) : 1;
	if (r != 1 || !rc->location)
		return r;
	return township_by_place(c, rc->location, t);
}
