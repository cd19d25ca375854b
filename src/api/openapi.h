/*
 * The OpenAPI 3.1 description of the route table (api/openapi.c; docs/api.md
 * "OpenAPI"). Each route's path, method, summary, path parameters, security,
 * x-auth and x-permission come from the table (api/routes.c); its
 * description, parameters, request body and responses from the fragment
 * files src/api/openapi/<resource>.json, compiled into the binary by
 * cmake/openapi_embed.cmake. 401 and 503 are added to every signed-in
 * route, 503 to every route that writes (any method but GET).
 */
#ifndef CIVICLOOP_API_OPENAPI_H
#define CIVICLOOP_API_OPENAPI_H

#include <jansson.h>
#include <stddef.h>

#include "http/http.h"

/* One fragment file as compiled in: its name ("cases.json") and bytes. */
struct openapi_fragment {
	const char *name;
	const unsigned char *data;
	size_t len;
};
/* The build's fragments (generated openapi_fragments.c), in name order,
 * ended by one with name NULL. */
extern const struct openapi_fragment openapi_fragments[];
extern const int openapi_nfragments;

/* Builds the document for table[0..n) from the fragments: a new
 * reference, or NULL out of memory. Each way the description falls short is
 * appended to `problems` (when non-NULL) as a line of text: a route without
 * a fragment entry, a fragment entry that is no route, a fragment that is
 * not JSON or has keys the assembly does not take, a component defined
 * twice differently, a $ref to a component nobody defined. */
json_t *openapi_build(const struct route *table, int n, json_t *problems);

/* The document of the server's route table (api/routes.c), built once:
 * its JSON text (static, never freed) and length, or NULL out of memory;
 * *nproblems (when non-NULL) gets the number of problems found. */
const char *openapi_text(size_t *len, size_t *nproblems);

#endif
