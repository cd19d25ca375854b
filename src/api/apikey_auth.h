/*
 * API keys at the API's edge (api/key_scopes.c, docs/apikeys.md): which
 * routes a key may call (by its scopes), and authentication by a key given
 * in a form field (Open311, which names its key `api_key`).
 */
#ifndef CIVICLOOP_API_APIKEY_AUTH_H
#define CIVICLOOP_API_APIKEY_AUTH_H

#include "http/http.h"

/* Authenticates r by the API key `key` (from a form field) for `scope`
 * ("open311.submit"): fills r->actor and r->authed, applies the key's rate
 * limit and last-used stamp. Returns 0, or -1 with r->err set: E_FORBIDDEN
 * (403) for a missing, malformed, unknown, revoked key or one without the
 * scope; the rate-limit error (429) when over its rate. */
int apikey_authorize(struct req *r, const char *key, const char *scope);

/* May a caller signed in by API key (a->apikey_id) call the route `method`
 * `pattern`? 0, or -1 with *e set to 403 permission.denied naming the scope
 * the route needs (or saying no key may call it). The HTTP layer calls it
 * through app->key_route (set by the CLI's serve). */
struct actor;
int apikey_route_permit(const struct actor *a, const char *method, const char *pattern,
                        struct err *e);

#endif
