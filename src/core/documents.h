/*
 * Signed documents (DESIGN.md §7, docs/documents.md): e-letters, reception
 * certificates, homestead approval certificates. A document is a canonical
 * JSON payload
 *   {"v":1,"kind","no","issuer":{"code","name"},"subject","facts",
 *    "valid_until"?,"kid","iat"}
 * signed with Ed25519 by the instance's key (kid names it; every public key
 * the instance ever signed with is published in signing_keys). Its
 * verification code is base64url(payload) "." base64url(signature), no
 * padding, so anyone holding the public key can check it offline; the
 * verify URL is PUBLIC_BASE "/v/" CODE (CIVICLOOP_PUBLIC_URL, else a path).
 *
 * A payload is public to whoever holds the paper: no personal data of
 * citizens goes into subject or facts (DESIGN §6), only orgs, officials in
 * role, dates, places and counts.
 */
#ifndef CIVICLOOP_CORE_DOCUMENTS_H
#define CIVICLOOP_CORE_DOCUMENTS_H

#include <jansson.h>
#include <stdint.h>

#include "util/error.h"

struct wctx;
struct store_conn;
struct app;
struct actor;

/* A canonical payload's most bytes: its code must fit a printable QR. */
#define DOC_PAYLOAD_MAX 1200
/* A verification code's most characters (payload and signature, base64url). */
#define DOC_CODE_MAX (((DOC_PAYLOAD_MAX + 2) / 3) * 4 + 1 + 86)

/* A kind of document: its code, its title, its number's prefix. */
struct doc_kind {
	const char *code;
	const char *title;
	const char *prefix;
};

/* The kind named code, or NULL. */
const struct doc_kind *doc_kind(const char *code);

struct doc_spec {
	const char *kind;    /* a doc_kind code */
	int64_t case_id;     /* 0: none */
	int64_t org_id;      /* the issuing org */
	json_t *subject;     /* object, borrowed */
	json_t *facts;       /* object, borrowed */
	int64_t valid_until; /* UTC ms, 0: no end */
	int64_t actor_id;    /* who issues it (the event's actor), 0: the system */
};

/* Issues a document inside the caller's writer job: numbers it, signs its
 * payload with the instance key, stores it, publishes the key and appends a
 * document.issue event. *doc (the caller's) is the document as the API
 * shows it (doc_json). 0, or -1 with e set (400 when the payload is too
 * big, 503 when the store failed). */
int doc_issue(struct wctx *w, const struct doc_spec *spec, json_t **doc, struct err *e);

/* The verification code of payload (len bytes) and its 64-byte signature
 * into out (cap >= DOC_CODE_MAX + 1); 0, or -1 if it does not fit. */
int doc_code(const char *payload, size_t len, const unsigned char *sig, char *out, size_t cap);

/* The documents of case_id the actor may see (404 when the case is not
 * visible): {"items":[doc_json…]}. */
int doc_list_case(struct store_conn *c, const struct app *app, const struct actor *a,
                  int64_t case_id, json_t **out, struct err *e);

#endif
