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
#include <stdbool.h>
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

struct store_stmt;
/* A row of the statements' DOC_COLS as the API shows it (DOCUMENT in
 * docs/api.md); NULL if out of memory. */
json_t *doc_row_json(struct store_stmt *s);

/* One stored document: its ids and its JSON (the caller's). */
struct doc_ref {
	int64_t id, case_id, org_id;
	bool revoked;
	char number[48];
	json_t *json;
};
/* 0 found, 1 no such document, -1 the store failed. */
int doc_get(struct store_conn *c, int64_t id, struct doc_ref *out);

/* The published public keys, {"items":[{"key_id","alg":"Ed25519",
 * "public_key" (hex),"public_key_b64url","pem","created_at","retired_at",
 * "current"}]} (GET /api/v1/keys, `civicloop doc keys`); current
 * (may be NULL) is the instance's signing key, listed even before it
 * signed anything. NULL if the store failed. */
struct keys;
json_t *doc_keys_json(struct store_conn *c, const struct keys *current);

/* Verifies code online (api/documents.c's public verify): doc_check
 * against the published keys, then the instance's own record of it
 * (revoked when and why). 0 with *out {"verdict","label","message",
 * "signature_valid","key_id","on_record","document"?,"revoked_at"?,
 * "revoked_reason"?}, or -1 with e set: 400 for a malformed code (field
 * "code", why in Chinese), 503 when the store failed. */
int doc_verify_online(struct store_conn *c, const char *code, size_t len, int64_t now, json_t **out,
                      struct err *e);

/* What a verification code proves (doc_check). */
enum doc_verdict {
	DOC_VALID,         /* signed by a published key, as it stands */
	DOC_BAD_SIGNATURE, /* readable, but the signature does not hold: tampered */
	DOC_UNKNOWN_KEY,   /* signed by a key id no published key has */
	DOC_MALFORMED,     /* not a code at all: reason says why */
};

struct doc_check {
	enum doc_verdict verdict;
	const char *reason; /* DOC_MALFORMED: why, in Chinese */
	json_t *payload;    /* the decoded payload once it parsed (any verdict but
	                     * DOC_MALFORMED); the caller's, json_decref it */
	unsigned char sig[64];
	char kid[17];
	int64_t issued_at;   /* from "iat", UTC ms */
	int64_t valid_until; /* from "valid_until", UTC ms; 0 = none */
	bool expired;        /* valid_until is before now */
};

/* The published public key (32 bytes) of key id kid, or NULL: the caller's
 * lookup (the database's signing_keys, or a keys file offline). */
typedef const unsigned char *(*doc_key_fn)(void *ctx, const char *kid);

/* Checks code (len bytes, any bytes at all) without a database: its form,
 * its payload (UTF-8 JSON of the shape doc_issue writes), its key and its
 * signature; at time now for "expired". Revocation is the caller's (only
 * the issuing instance knows it). Returns out->verdict; out->payload set
 * unless DOC_MALFORMED. */
enum doc_verdict doc_check_code(const char *code, size_t len, doc_key_fn key, void *ctx,
                                int64_t now, struct doc_check *out);

/* Parses a keys document ({"items":[{"key_id","public_key" (hex or base64url),…}]},
 * as `civicloop doc keys` and GET /api/v1/keys print it) into at most max
 * entries; the count, or -1 if it is not one. */
struct doc_pubkey {
	char kid[17];
	unsigned char pk[32];
};
int doc_keys_parse(const json_t *doc, struct doc_pubkey *out, int max);
/* doc_key_fn over an array of doc_pubkey; ctx is a struct doc_keyring. */
struct doc_keyring {
	const struct doc_pubkey *keys;
	int n;
};
const unsigned char *doc_keyring_find(void *ctx, const char *kid);

#endif
