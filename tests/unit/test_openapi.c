/*
 * Unit tests of the OpenAPI assembly (api/openapi.c): the route table's
 * columns and the compiled-in fragments make one operation; the automatic
 * 401 and 503, unless a fragment gives its own; and every disagreement
 * between table and fragments is a problem (what `civicloop openapi
 * --check` fails on), tried with route tables of our own against the
 * build's real fragments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/openapi.h"

static bool has_problem(json_t *problems, const char *text)
{
	size_t i;
	json_t *p;
	json_array_foreach(problems, i, p) if (strstr(json_string_value(p), text)) return true;
	return false;
}

static json_t *op_of(json_t *doc, const char *path, const char *method)
{
	return json_object_get(json_object_get(json_object_get(doc, "paths"), path), method);
}

/* The real table: every route is in the document with the table's columns. */
static void test_real_table(void **state)
{
	(void)state;
	json_t *problems = json_array();
	json_t *doc = openapi_build(routes, nroutes, problems);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	for (int i = 0; i < nroutes; i++) {
		char m[8];
		size_t n = strlen(routes[i].method);
		for (size_t k = 0; k <= n && k < sizeof m; k++)
			m[k] = (char)(routes[i].method[k] | (k < n ? 0x20 : 0));
		json_t *op = op_of(doc, routes[i].pattern, m);
		assert_non_null(op);
		assert_string_equal(json_string_value(json_object_get(op, "x-auth")),
		                    routes[i].auth == AUTH_USER ? "user" : "none");
		assert_string_equal(json_string_value(json_object_get(op, "x-permission")),
		                    routes[i].perm);
		assert_string_equal(json_string_value(json_object_get(op, "summary")),
		                    routes[i].summary);
	}
	json_decref(doc);
	json_decref(problems);
}

/* A route no fragment describes: a problem, and still its automatic parts. */
static void test_route_without_fragment(void **state)
{
	(void)state;
	const struct route table[] = {
	    {"GET", "/api/v1/nowhere/{id}", api_health, AUTH_USER, RF_NONE, "无处", "case.read"}};
	json_t *problems = json_array();
	json_t *doc = openapi_build(table, 1, problems);
	assert_true(has_problem(problems, "路由没有片段描述：GET /api/v1/nowhere/{id}"));
	json_t *op = op_of(doc, "/api/v1/nowhere/{id}", "get");
	json_t *responses = json_object_get(op, "responses");
	assert_non_null(json_object_get(responses, "401"));
	assert_non_null(json_object_get(responses, "503"));
	assert_int_equal(json_object_size(responses), 2);
	assert_non_null(json_object_get(op, "security"));
	json_t *param = json_array_get(json_object_get(op, "parameters"), 0);
	assert_string_equal(json_string_value(json_object_get(param, "name")), "id");
	assert_string_equal(json_string_value(json_object_get(param, "in")), "path");
	json_decref(doc);
	json_decref(problems);
}

/* Fragment entries whose route is gone: each a problem. A write without
 * sign-in gets 503 but no 401 and no security; a fragment's path
 * parameter replaces the table's plain string. */
static void test_fragment_without_route(void **state)
{
	(void)state;
	const struct route table[] = {
	    {"POST", "/api/v1/auth/login", api_health, AUTH_NONE, RF_NONE, "登录", "public"},
	    {"GET", "/api/v1/cases/{id}", api_health, AUTH_USER, RF_NONE, "工单详情", "case.read"}};
	json_t *problems = json_array();
	json_t *doc = openapi_build(table, 2, problems);
	assert_true(has_problem(problems, "GET /api/v1/cases 不是路由表中的接口"));
	assert_true(has_problem(problems, "GET /healthz 不是路由表中的接口"));
	assert_false(has_problem(problems, "POST /api/v1/auth/login"));
	json_t *login = op_of(doc, "/api/v1/auth/login", "post");
	json_t *responses = json_object_get(login, "responses");
	assert_non_null(json_object_get(responses, "200"));
	assert_non_null(json_object_get(responses, "401")); /* the fragment's: bad credentials */
	assert_non_null(json_object_get(responses, "503"));
	assert_null(json_object_get(login, "security"));
	json_t *param = json_array_get(
	    json_object_get(op_of(doc, "/api/v1/cases/{id}", "get"), "parameters"), 0);
	assert_string_equal(json_string_value(json_object_get(param, "$ref")),
	                    "#/components/parameters/Id");
	json_decref(doc);
	json_decref(problems);
}

static const char *response_ref_of(json_t *doc, const char *path, const char *method,
                                   const char *status)
{
	json_t *r = json_object_get(json_object_get(op_of(doc, path, method), "responses"), status);
	return json_string_value(json_object_get(r, "$ref"));
}

/* A fragment's own 503 is kept: Open311's writes answer the spec's error
 * list, not the Error object of the automatic Unavailable. */
static void test_fragment_keeps_its_503(void **state)
{
	(void)state;
	json_t *problems = json_array();
	json_t *doc = openapi_build(routes, nroutes, problems);
	assert_non_null(doc);
	assert_string_equal(response_ref_of(doc, "/open311/v2/requests.{format}", "post", "503"),
	                    "#/components/responses/Open311Error503");
	assert_string_equal(
	    response_ref_of(doc, "/open311/v2/servicerequestupdates.{format}", "post", "503"),
	    "#/components/responses/Open311Error503");
	assert_string_equal(response_ref_of(doc, "/api/v1/cases", "post", "503"),
	                    "#/components/responses/Unavailable");
	json_decref(doc);
	json_decref(problems);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_table),
	    cmocka_unit_test(test_route_without_fragment),
	    cmocka_unit_test(test_fragment_without_route),
	    cmocka_unit_test(test_fragment_keeps_its_503),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
