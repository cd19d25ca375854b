/*
 * The OpenAPI 3.1 assembly (api/openapi.h): the route table plus the
 * fragment files compiled into the binary. The route table says which
 * operations exist and who may call them; a fragment says what goes in and
 * what comes out. Neither can drift from the other unseen: every mismatch
 * is a problem that `civicloop openapi --check` lists and fails on.
 */
#include "api/openapi.h"

#include "api/api.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The keys an operation of a fragment may carry; the others (summary,
 * operationId, security, x-auth, x-permission) come from the route table. */
static const char *const fragment_op_keys[] = {"description", "parameters", "requestBody",
                                               "responses"};
/* The component sections fragments may define. */
static const char *const component_sections[] = {"schemas",       "responses", "parameters",
                                                 "requestBodies", "headers",   "examples"};

static void problem(json_t *problems, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(json_t *problems, const char *fmt, ...)
{
	if (!problems)
		return;
	char line[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	json_array_append_new(problems, json_string(line));
}

static bool in_list(const char *key, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(key, list[i]))
			return true;
	return false;
}

/* "GET" -> "get" (OpenAPI's path item keys), at most cap - 1 bytes. */
static void lower(const char *in, char *out, size_t cap)
{
	size_t i = 0;
	for (; in[i] && i + 1 < cap; i++)
		out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] | 0x20 : in[i]);
	out[i] = '\0';
}

static void upper(const char *in, char *out, size_t cap)
{
	size_t i = 0;
	for (; in[i] && i + 1 < cap; i++)
		out[i] = (char)(in[i] >= 'a' && in[i] <= 'z' ? in[i] & ~0x20 : in[i]);
	out[i] = '\0';
}

/* "post" + "/api/v1/cases/{id}/events" -> "post_api_v1_cases_id_events" */
static void operation_id(const char *method, const char *pattern, char *out, size_t cap)
{
	lower(method, out, cap);
	size_t n = strlen(out);
	bool sep = false;
	for (const char *p = pattern; *p && n + 2 < cap; p++) {
		char c = *p;
		bool alnum =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum) {
			sep = true;
			continue;
		}
		if (sep)
			out[n++] = '_';
		sep = false;
		out[n++] = c;
	}
	out[n] = '\0';
}

/* A fragment's parameter itself, or the component its $ref names. */
static json_t *param_resolve(json_t *components, json_t *p)
{
	const char *ref = json_string_value(json_object_get(p, "$ref"));
	static const char prefix[] = "#/components/parameters/";
	if (!ref || strncmp(ref, prefix, sizeof prefix - 1))
		return p;
	return json_object_get(json_object_get(components, "parameters"), ref + sizeof prefix - 1);
}

/* Merges a fragment's components into the document's. */
static void components_merge(json_t *dst, json_t *src, const char *file, json_t *problems)
{
	if (!src)
		return;
	if (!json_is_object(src)) {
		problem(problems, "%s: components 须为对象", file);
		return;
	}
	const char *section;
	json_t *defs;
	json_object_foreach(src, section, defs)
	{
		if (!in_list(section, component_sections,
		             sizeof component_sections / sizeof component_sections[0]) ||
		    !json_is_object(defs)) {
			problem(problems, "%s: 不接受的 components.%s", file, section);
			continue;
		}
		json_t *into = json_object_get(dst, section);
		if (!into) {
			into = json_object();
			json_object_set_new(dst, section, into);
		}
		const char *name;
		json_t *def;
		json_object_foreach(defs, name, def)
		{
			json_t *have = json_object_get(into, name);
			if (have && !json_equal(have, def))
				problem(problems, "%s: components.%s.%s 与其他片段中的定义不同",
				        file, section, name);
			else if (!have)
				json_object_set(into, name, def);
		}
	}
}

/* Every "$ref" under v names a component that exists. */
static void refs_check(json_t *v, json_t *components, const char *where, json_t *problems)
{
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) refs_check(e, components, where, problems);
		return;
	}
	if (!json_is_object(v))
		return;
	const char *ref = json_string_value(json_object_get(v, "$ref"));
	if (ref) {
		static const char prefix[] = "#/components/";
		char section[64];
		const char *name = NULL;
		if (!strncmp(ref, prefix, sizeof prefix - 1)) {
			const char *s = ref + sizeof prefix - 1, *slash = strchr(s, '/');
			if (slash && (size_t)(slash - s) < sizeof section) {
				memcpy(section, s, (size_t)(slash - s));
				section[slash - s] = '\0';
				name = slash + 1;
			}
		}
		if (!name || !json_object_get(json_object_get(components, section), name))
			problem(problems, "%s: $ref %s 没有定义", where, ref);
	}
	const char *key;
	json_t *e;
	json_object_foreach(v, key, e) refs_check(e, components, where, problems);
}

/* The request body of an RF_UPLOAD route that its fragment does not
 * describe: a file of one of the attachment types, sent raw. */
static json_t *upload_body(void)
{
	static const char *const types[] = {"image/jpeg", "image/png", "image/webp",
	                                    "application/pdf"};
	json_t *content = json_object();
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		json_object_set_new(content, types[i],
		                    json_pack("{s:{s:s,s:s,s:s}}", "schema", "type", "string",
		                              "contentMediaType", types[i], "description",
		                              "文件本身，至多 10 MiB"));
	return json_pack("{s:b,s:o}", "required", 1, "content", content);
}

/* The fragments' operations, by "METHOD /path": {"op":…, "file":…}. */
static json_t *fragments_load(json_t *components, json_t *problems)
{
	json_t *ops = json_object();
	json_t *docs = json_array();
	/* the components first, so that an operation's parameters may name one */
	for (int f = 0; f < openapi_nfragments; f++) {
		const struct openapi_fragment *fr = &openapi_fragments[f];
		json_error_t je;
		json_t *doc =
		    json_loadb((const char *)fr->data, fr->len, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(doc)) {
			problem(problems, "%s: 不是 JSON 对象（第 %d 行：%s）", fr->name, je.line,
			        je.text);
			json_decref(doc);
			json_array_append_new(docs, json_object());
			continue;
		}
		const char *key;
		json_t *v;
		json_object_foreach(doc, key,
		                    v) if (strcmp(key, "paths") && strcmp(key, "components"))
		    problem(problems, "%s: 不接受的顶层键 %s", fr->name, key);
		components_merge(components, json_object_get(doc, "components"), fr->name,
		                 problems);
		json_array_append_new(docs, doc);
	}
	for (int f = 0; f < openapi_nfragments; f++) {
		const char *file = openapi_fragments[f].name;
		json_t *paths = json_object_get(json_array_get(docs, (size_t)f), "paths");
		if (paths && !json_is_object(paths))
			problem(problems, "%s: paths 须为对象", file);
		const char *path;
		json_t *item;
		json_object_foreach(paths, path, item)
		{
			const char *method;
			json_t *op;
			json_object_foreach(item, method, op)
			{
				char m[16], key[512];
				upper(method, m, sizeof m);
				snprintf(key, sizeof key, "%s %s", m, path);
				json_t *had = json_object_get(ops, key);
				if (had) {
					problem(problems, "%s：%s 与 %s 重复描述", file, key,
					        json_string_value(json_object_get(had, "file")));
					continue;
				}
				if (!json_is_object(op)) {
					problem(problems, "%s：%s 须为对象", file, key);
					continue;
				}
				const char *k;
				json_t *x;
				json_object_foreach(op, k,
				                    x) if (!in_list(k, fragment_op_keys,
				                                    sizeof fragment_op_keys /
				                                        sizeof fragment_op_keys[0]))
				    problem(problems,
				            "%s：%s 的 %s 不由片段填写（来自路由表或不接受）", file,
				            key, k);
				json_object_set_new(
				    ops, key,
				    json_pack("{s:O,s:s,s:b}", "op", op, "file", file, "used", 0));
			}
		}
	}
	json_decref(docs);
	return ops;
}

/* The path parameters of a route's pattern, each {"type":"string"} unless
 * the fragment describes it; then the fragment's other parameters. */
static json_t *route_params(const struct route *rt, json_t *fragment, json_t *components,
                            const char *where, json_t *problems)
{
	json_t *params = json_array();
	for (const char *p = rt->pattern; (p = strchr(p, '{')); p++) {
		const char *e = strchr(p, '}');
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)(e - p - 1), p + 1);
		json_t *given = NULL;
		size_t i;
		json_t *fp;
		json_array_foreach(fragment, i, fp)
		{
			json_t *r = param_resolve(components, fp);
			const char *in = json_string_value(json_object_get(r, "in"));
			const char *n = json_string_value(json_object_get(r, "name"));
			if (in && n && !strcmp(in, "path") && !strcmp(n, name))
				given = fp;
		}
		json_array_append_new(params, given ? json_deep_copy(given)
		                                    : json_pack("{s:s,s:s,s:b,s:{s:s}}", "name",
		                                                name, "in", "path", "required", 1,
		                                                "schema", "type", "string"));
	}
	if (fragment && !json_is_array(fragment))
		problem(problems, "%s：parameters 须为数组", where);
	size_t i;
	json_t *fp;
	json_array_foreach(fragment, i, fp)
	{
		json_t *r = param_resolve(components, fp);
		const char *in = json_string_value(json_object_get(r, "in"));
		const char *name = json_string_value(json_object_get(r, "name"));
		if (!in || !name) {
			problem(problems, "%s：第 %zu 个参数没有 name 或 in", where, i + 1);
			continue;
		}
		if (!strcmp(in, "path")) {
			char brace[80];
			snprintf(brace, sizeof brace, "{%s}", name);
			if (!strstr(rt->pattern, brace))
				problem(problems, "%s：路径中没有参数 %s", where, name);
			continue;
		}
		json_array_append_new(params, json_deep_copy(fp));
	}
	return params;
}

static json_t *response_ref(const char *name)
{
	char ref[96];
	snprintf(ref, sizeof ref, "#/components/responses/%s", name);
	return json_pack("{s:s}", "$ref", ref);
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The members of o (taken) in key order: a response's statuses 200 … 503. */
static json_t *sorted(json_t *o)
{
	size_t n = json_object_size(o), i = 0;
	const char **keys = n ? malloc(n * sizeof *keys) : NULL;
	if (!keys)
		return o;
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) keys[i++] = key;
	qsort(keys, n, sizeof *keys, key_cmp);
	json_t *out = json_object();
	for (i = 0; i < n; i++)
		json_object_set(out, keys[i], json_object_get(o, keys[i]));
	free(keys);
	json_decref(o);
	return out;
}

/* One operation: the route table's columns, then the fragment's entry. */
static json_t *route_op(const struct route *rt, json_t *entry, json_t *components, json_t *problems)
{
	char where[512], opid[256];
	snprintf(where, sizeof where, "%s %s", rt->method, rt->pattern);
	operation_id(rt->method, rt->pattern, opid, sizeof opid);
	json_t *frag = json_object_get(entry, "op");
	json_t *op =
	    json_pack("{s:s,s:s}", "summary", rt->summary ? rt->summary : "", "operationId", opid);
	if (entry) {
		char tag[64];
		snprintf(tag, sizeof tag, "%s", json_string_value(json_object_get(entry, "file")));
		char *dot = strrchr(tag, '.');
		if (dot)
			*dot = '\0';
		json_object_set_new(op, "tags", json_pack("[s]", tag));
	}
	json_t *desc = json_object_get(frag, "description");
	if (desc)
		json_object_set(op, "description", desc);
	json_t *params =
	    route_params(rt, json_object_get(frag, "parameters"), components, where, problems);
	if (json_array_size(params))
		json_object_set_new(op, "parameters", params);
	else
		json_decref(params);
	json_t *body = json_object_get(frag, "requestBody");
	if (body)
		json_object_set(op, "requestBody", body);
	else if (rt->flags & RF_UPLOAD)
		json_object_set_new(op, "requestBody", upload_body());
	json_t *responses = json_object_get(frag, "responses");
	if (entry && (!json_is_object(responses) || json_object_size(responses) == 0))
		problem(problems, "%s：片段没有列出 responses", where);
	responses = json_is_object(responses) ? json_deep_copy(responses) : json_object();
	/* the automatic statuses, unless the fragment gives its own shape
	 * (Open311's routes answer the spec's error list) */
	bool user = rt->auth == AUTH_USER;
	if (user && !json_object_get(responses, "401"))
		json_object_set_new(responses, "401", response_ref("Unauthorized"));
	if ((user || strcmp(rt->method, "GET")) && !json_object_get(responses, "503"))
		json_object_set_new(responses, "503", response_ref("Unavailable"));
	if (json_object_size(responses))
		json_object_set_new(op, "responses", sorted(responses));
	else
		json_decref(responses);
	if (user)
		json_object_set_new(
		    op, "security",
		    json_pack("[{s:[]},{s:[]},{s:[]}]", "bearer", "apiKey", "cookie"));
	/* the route table's columns, for clients and the permission matrix test */
	json_object_set_new(op, "x-auth", json_string(user ? "user" : "none"));
	if (rt->perm)
		json_object_set_new(op, "x-permission", json_string(rt->perm));
	return op;
}

static json_t *security_schemes(void)
{
	return json_pack("{s:{s:s,s:s,s:s},s:{s:s,s:s,s:s,s:s},s:{s:s,s:s,s:s,s:s}}", "bearer",
	                 "type", "http", "scheme", "bearer", "description",
	                 "登录返回的 token，或以 ck_ 开头的 API 密钥", "apiKey", "type", "apiKey",
	                 "in", "header", "name", "X-API-Key", "description", "API 密钥（系统对接）",
	                 "cookie", "type", "apiKey", "in", "cookie", "name", "cl_session",
	                 "description", "网页登录的会话 Cookie；写操作须带 X-CSRF-Token 请求头");
}

json_t *openapi_build(const struct route *table, int n, json_t *problems)
{
	json_t *components = json_object();
	json_t *ops = fragments_load(components, problems);
	json_t *paths = json_object();
	for (int i = 0; i < n; i++) {
		const struct route *rt = &table[i];
		char key[512], method[16];
		snprintf(key, sizeof key, "%s %s", rt->method, rt->pattern);
		lower(rt->method, method, sizeof method);
		json_t *entry = json_object_get(ops, key);
		if (entry)
			json_object_set_new(entry, "used", json_true());
		else
			problem(problems, "路由没有片段描述：%s", key);
		json_t *item = json_object_get(paths, rt->pattern);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, rt->pattern, item);
		}
		json_object_set_new(item, method, route_op(rt, entry, components, problems));
	}
	const char *key;
	json_t *entry;
	json_object_foreach(ops, key, entry) if (!json_is_true(json_object_get(entry, "used")))
	    problem(problems, "%s：片段描述的 %s 不是路由表中的接口",
	            json_string_value(json_object_get(entry, "file")), key);
	json_decref(ops);
	refs_check(paths, components, "paths", problems);
	refs_check(components, components, "components", problems);
	json_object_set_new(components, "securitySchemes", security_schemes());
	return json_pack("{s:s,s:{s:s,s:s,s:s},s:o,s:o}", "openapi", "3.1.0", "info", "title",
	                 "civicloop 民情闭环 API", "version", "1", "description",
	                 "由路由表（src/api/routes.c）和描述片段（src/api/openapi/*.json）"
	                 "生成；错误的形状为 {\"error\":{\"code\",\"message\",\"field\"?}}。",
	                 "paths", paths, "components", components);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char *text;
static size_t text_len, text_problems;

static void build_once(void)
{
	json_t *problems = json_array();
	json_t *doc = openapi_build(routes, nroutes, problems);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	text_len = text ? strlen(text) : 0;
	text_problems = json_array_size(problems);
	json_decref(doc);
	json_decref(problems);
}

const char *openapi_text(size_t *len, size_t *nproblems)
{
	pthread_once(&once, build_once);
	if (len)
		*len = text_len;
	if (nproblems)
		*nproblems = text_problems;
	return text;
}
