/*
 * The audit chain (DESIGN.md §6). Every event has a global sequence number
 * and hash = BLAKE2b-256(prev_hash ‖ canonical bytes), where prev_hash is
 * the previous event's hash (32 zero bytes before the first event).
 *
 * Canonical bytes of an event, version 1 (all integers big-endian):
 *   "civicloop.event.v1"            18 bytes, a domain separator
 *   seq                             8 bytes
 *   case_id, at, actor_id, org_id   each: 1 byte present (0/1) + 8 bytes
 *   action, from, to, payload       each: 4-byte length + UTF-8 bytes,
 *                                   length 0xFFFFFFFF for NULL
 * payload is the event's JSON exactly as stored: the writer produces it with
 * sorted keys and no insignificant white space, so it is canonical too.
 *
 * A checkpoint signs "civicloop.checkpoint.v1" ‖ seq ‖ hash ‖ at with the
 * instance's Ed25519 key. `civicloop audit verify` recomputes every hash and
 * checks every checkpoint, reporting the first event that does not match.
 */
#ifndef CIVICLOOP_CORE_CHAIN_H
#define CIVICLOOP_CORE_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "util/buf.h"
#include "util/crypto.h"

struct chain_head {
	int64_t seq;                  /* last appended seq, 0 when empty */
	unsigned char hash[HASH_LEN]; /* its hash, zeros when empty */
};

struct event_rec {
	int64_t case_id;  /* 0 = none */
	int64_t at;       /* UTC ms */
	int64_t actor_id; /* 0 = the system */
	int64_t org_id;   /* 0 = none */
	const char *action;
	const char *from;    /* may be NULL */
	const char *to;      /* may be NULL */
	const char *payload; /* canonical JSON, never NULL */
};

void chain_canonical(const struct event_rec *e, int64_t seq, struct buf *out);
void chain_hash(const unsigned char prev[HASH_LEN], const struct event_rec *e, int64_t seq,
                unsigned char out[HASH_LEN]);
int chain_load_head(struct store_conn *c, struct chain_head *head);
/* Appends e after head and advances head. Returns 0 or a store error. */
int chain_append(struct store_conn *c, struct chain_head *head, const struct event_rec *e);
/* Signs and stores a checkpoint of head. */
int chain_checkpoint(struct store_conn *c, const struct chain_head *head, const struct keys *k,
                     int64_t now);

struct chain_report {
	int64_t events;      /* events checked */
	int64_t checkpoints; /* checkpoints checked */
	int64_t bad_seq;     /* first event (or checkpoint seq) that fails, 0 if none */
	char reason[256];
};
/* Recomputes the chain. trusted_pk (may be NULL) is the key checkpoints must
 * be signed with; without it, each checkpoint's own key is used.
 * Returns 0 when intact, 1 when broken (report says where), -1 on error. */
int chain_verify(struct store_conn *c, const unsigned char *trusted_pk, struct chain_report *rep);

#endif
