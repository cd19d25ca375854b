/*
 * civicloop permissions: prints the role × permission table (core/auth.c
 * perm_table) as JSON, for people and for tests that derive what each
 * account may do from it (tests/api/matrix.test.mjs):
 *
 *   {"roles":{"operator":["case.read",…],…},
 *    "permissions":["case.read",…],
 *    "reads_recorded":["discipline"],
 *    "markers":{"public":…,"user":…,"action":…}}
 *
 * reads_recorded: the roles whose every case read is an event on the audit
 * chain (case.read, case.list, case.export; core/auth.h actor_reads_recorded).
 *
 * The routes' permissions are in /api/openapi.json (x-permission); the
 * roles of each matter-type action are in the type (GET /api/v1/types/{type}).
 * Needs no database.
 */
#include "cli/cli.h"
#include "core/auth.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_permissions(int argc, char **argv)
{
	if (cli_flag(argc, argv, "--help") || argc > 1) {
		fputs("usage: civicloop permissions\n"
		      "  prints the role × permission table as JSON\n",
		      argc > 1 && !cli_flag(argc, argv, "--help") ? stderr : stdout);
		return cli_flag(argc, argv, "--help") ? 0 : 2;
	}
	json_t *roles = json_object(), *perms = json_array(), *recorded = json_array();
	for (int p = 0; p < P__COUNT; p++)
		json_array_append_new(perms, json_string(permission_name((enum permission)p)));
	for (int i = 0; role_at(i); i++) {
		json_t *list = json_array();
		for (int p = 0; p < P__COUNT; p++)
			if (role_carries(role_at(i), (enum permission)p))
				json_array_append_new(
				    list, json_string(permission_name((enum permission)p)));
		json_object_set_new(roles, role_at(i), list);
		if (role_reads_recorded(role_at(i)))
			json_array_append_new(recorded, json_string(role_at(i)));
	}
	json_t *doc = json_pack(
	    "{s:o,s:o,s:o,s:{s:s,s:s,s:s}}", "roles", roles, "permissions", perms, "reads_recorded",
	    recorded, "markers", PERM_PUBLIC, "no sign-in", PERM_USER, "any signed-in user",
	    PERM_ACTION,
	    "case.read to use the route; then, on a visible case, a role the case's type names "
	    "for {action} over the case's org (or over the caller's assignment's, for "
	    "actions on an assignment)");
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!text) {
		fprintf(stderr, "civicloop permissions: 内存不足\n");
		return 1;
	}
	puts(text);
	free(text);
	return 0;
}
