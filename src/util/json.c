/* Canonical JSON and the known-keys check (json.h). */
#include "util/json.h"

#include <stdio.h>
#include <string.h>

char *json_canonical(const json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
}

const char *json_unknown_key(json_t *o, const char *const *keys, size_t n)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		size_t i = 0;
		while (i < n && strcmp(key, keys[i]))
			i++;
		if (i == n)
			return key;
	}
	return NULL;
}

json_t *json_page(json_t *items, int64_t last, bool more)
{
	char cur[32];
	snprintf(cur, sizeof cur, "%lld", (long long)last);
	return json_pack("{s:o,s:s?}", "items", items, "next_cursor", more ? cur : NULL);
}
