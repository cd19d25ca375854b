/*
 * civicloop openapi [--check]: the OpenAPI 3.1 description of this binary's
 * routes (api/openapi.h), printed; with --check, the ways it falls short of
 * the route table instead (a route without a fragment entry, a fragment
 * entry without a route, a component defined twice differently, a $ref to
 * nothing), exit 1 when there is any. ctest runs the check.
 */
#include "api/api.h"
#include "api/openapi.h"
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_openapi(int argc, char **argv)
{
	if (cli_flag(argc, argv, "--help")) {
		puts("civicloop openapi [--check]\n"
		     "Prints the OpenAPI 3.1 description of the routes (GET /api/openapi.json),\n"
		     "assembled from the route table and src/api/openapi/*.json. With --check it\n"
		     "lists instead every route without a fragment entry, every fragment entry\n"
		     "that is no route, and every conflicting or missing component, and exits 1\n"
		     "when there is any (docs/api.md \"OpenAPI\").");
		return 0;
	}
	json_t *problems = json_array();
	json_t *doc = openapi_build(routes, nroutes, problems);
	if (!doc || !problems) {
		fprintf(stderr, "civicloop openapi: 内存不足\n");
		json_decref(doc);
		json_decref(problems);
		return 1;
	}
	int rc = 0;
	if (cli_flag(argc, argv, "--check")) {
		size_t i;
		json_t *p;
		json_array_foreach(problems, i, p) fprintf(stderr, "%s\n", json_string_value(p));
		if (json_array_size(problems)) {
			fprintf(stderr, "civicloop openapi: OpenAPI 描述有 %zu 处问题\n",
			        json_array_size(problems));
			rc = 1;
		} else {
			printf("OpenAPI 描述完整：%d 个接口，%d 个片段\n", nroutes,
			       openapi_nfragments);
		}
	} else if (json_dumpf(doc, stdout, JSON_INDENT(2)) != 0 || puts("") < 0) {
		rc = 1;
	}
	json_decref(doc);
	json_decref(problems);
	return rc;
}
