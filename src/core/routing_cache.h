/*
 * What the routing model's scoring read last, kept in memory for every
 * thread (routing_model.c): each token's rows of route_tokens, and the rows
 * of route_orgs. A create's suggestion reads one index range per distinct
 * token of its text — up to 256 tokens, each with a row per unit that had
 * it — which at a county's size (hundreds of units with labels) was a third
 * of the server's CPU under many clients; the vocabulary of a county's
 * complaints is small, so most of it is read from here.
 *
 * Exact, not approximate: the writer drops a token's entry when a label
 * changes it (routing_cache_touch, in the transaction) and again after the
 * batch's COMMIT or ROLLBACK (routing_cache_batch_end), and an entry read
 * from the store is put only when no touch happened since the reader took
 * the generation (routing_cache_gen), before its statement began — so an
 * entry never holds rows older than the last commit that changed them.
 * A statement in autocommit may fill it, and one in a read transaction
 * begun after routing_cache_snapshot_begins (with the generation taken
 * there); no other transaction (the writer's sees its own uncommitted
 * rows; a snapshot may be older than any generation taken inside it). A change made by
 * another process (civicloop routing learn while the server runs) is seen
 * once the entry is ROUTING_CACHE_TTL_MS old.
 *
 * Bounded: ROUTING_CACHE_SLOTS entries, direct-mapped by the key's hash,
 * and ROUTING_CACHE_BYTES of values in all (a put past it empties the
 * table first).
 */
#ifndef CIVICLOOP_CORE_ROUTING_CACHE_H
#define CIVICLOOP_CORE_ROUTING_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROUTING_CACHE_SLOTS 8192
#define ROUTING_CACHE_BYTES (16u << 20)
#define ROUTING_CACHE_TTL_MS 10000

/* The key of route_orgs' rows: no token is empty. */
#define ROUTING_CACHE_ORGS ""

/* The generation to pass to routing_cache_put: take it before the
 * statement whose rows are put begins. */
uint64_t routing_cache_gen(void);

/* This thread is about to begin a read transaction (an HTTP thread's
 * reader, http/server.c): rows read in it, or in a later one of this
 * thread's, may be kept with the generation taken now. */
void routing_cache_snapshot_begins(void);

/* Whether rows read now on a connection in_txn (or not) may be kept, and
 * with which generation. */
bool routing_cache_fill_gen(bool in_txn, uint64_t *gen);

/* A copy of key's value into buf (at most cap bytes), its length in *len:
 * true on a hit; false when absent or expired (*len 0) or bigger than cap
 * (*len its length: call again with room for it). */
bool routing_cache_get(const char *key, size_t klen, void *buf, size_t cap, size_t *len);

/* Keeps key's value, unless the cache was touched since gen. */
void routing_cache_put(const char *key, size_t klen, const void *val, size_t len, uint64_t gen);

/* The writer changed key's rows (or every row: routing_cache_touch_all) in
 * its open transaction. */
void routing_cache_touch(const char *key, size_t klen);
void routing_cache_touch_all(void);

/* The writer's batch committed or rolled back: the keys it touched are
 * dropped again, now that their rows are final. */
void routing_cache_batch_end(void);

/* Hits and misses since start (for /metrics and the tests). */
void routing_cache_counts(uint64_t *hits, uint64_t *misses);

#endif
