/* The hash chain and its checkpoints; format in chain.h. */
#include "core/chain.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void put_u64(struct buf *b, uint64_t v)
{
	unsigned char x[8];
	for (int i = 7; i >= 0; i--, v >>= 8)
		x[i] = (unsigned char)(v & 0xff);
	buf_append(b, x, 8);
}

static void put_opt_int(struct buf *b, int64_t v)
{
	unsigned char present = v != 0;
	buf_append(b, &present, 1);
	put_u64(b, (uint64_t)v);
}

static void put_str(struct buf *b, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : 0xFFFFFFFFu;
	unsigned char x[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
	                      (unsigned char)(n >> 8), (unsigned char)n};
	buf_append(b, x, 4);
	if (s)
		buf_append(b, s, n);
}

void chain_canonical(const struct event_rec *e, int64_t seq, struct buf *out)
{
	buf_puts(out, "civicloop.event.v1");
	put_u64(out, (uint64_t)seq);
	put_opt_int(out, e->case_id);
	put_opt_int(out, e->at);
	put_opt_int(out, e->actor_id);
	put_opt_int(out, e->org_id);
	put_str(out, e->action);
	put_str(out, e->from);
	put_str(out, e->to);
	put_str(out, e->payload);
}

void chain_hash(const unsigned char prev[HASH_LEN], const struct event_rec *e, int64_t seq,
                unsigned char out[HASH_LEN])
{
	struct buf b;
	buf_init(&b, (size_t)1 << 30);
	chain_canonical(e, seq, &b);
	hash_blake2b(out, prev, HASH_LEN, b.data, b.len);
	buf_release(&b);
}

int chain_load_head(struct store_conn *c, struct chain_head *head)
{
	memset(head, 0, sizeof *head);
	struct store_stmt *s = store_stmt(c, ST_EVENT_HEAD);
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		head->seq = scol_int(s, 0);
		if (scol_bytes(s, 1) == HASH_LEN)
			memcpy(head->hash, scol_blob(s, 1), HASH_LEN);
	}
	sreset(s);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : rc;
}

static void bind_opt(struct store_stmt *s, int i, int64_t v)
{
	if (v)
		sbind_int(s, i, v);
	else
		sbind_null(s, i);
}

int chain_append(struct store_conn *c, struct chain_head *head, const struct event_rec *e)
{
	int64_t seq = head->seq + 1;
	unsigned char h[HASH_LEN];
	chain_hash(head->hash, e, seq, h);
	struct store_stmt *s = store_stmt(c, ST_EVENT_INSERT);
	sbind_int(s, 1, seq);
	bind_opt(s, 2, e->case_id);
	sbind_int(s, 3, e->at);
	bind_opt(s, 4, e->actor_id);
	bind_opt(s, 5, e->org_id);
	sbind_text(s, 6, e->action);
	sbind_text(s, 7, e->from);
	sbind_text(s, 8, e->to);
	sbind_text(s, 9, e->payload);
	sbind_blob(s, 10, head->hash, HASH_LEN);
	sbind_blob(s, 11, h, HASH_LEN);
	int rc = sdone(s);
	if (rc != STORE_DONE)
		return rc;
	head->seq = seq;
	memcpy(head->hash, h, HASH_LEN);
	return 0;
}

static void checkpoint_message(int64_t seq, const unsigned char hash[HASH_LEN], int64_t at,
                               struct buf *b)
{
	buf_puts(b, "civicloop.checkpoint.v1");
	put_u64(b, (uint64_t)seq);
	buf_append(b, hash, HASH_LEN);
	put_u64(b, (uint64_t)at);
}

int chain_checkpoint(struct store_conn *c, const struct chain_head *head, const struct keys *k,
                     int64_t now)
{
	if (head->seq == 0)
		return 0;
	struct buf m;
	buf_init(&m, 256);
	checkpoint_message(head->seq, head->hash, now, &m);
	unsigned char sig[crypto_sign_BYTES];
	crypto_sign_detached(sig, NULL, (const unsigned char *)m.data, m.len, k->sign_sk);
	buf_release(&m);
	struct store_stmt *s = store_stmt(c, ST_CHECKPOINT_INSERT);
	sbind_int(s, 1, head->seq);
	sbind_blob(s, 2, head->hash, HASH_LEN);
	sbind_int(s, 3, now);
	sbind_text(s, 4, k->key_id);
	sbind_blob(s, 5, k->sign_pk, sizeof k->sign_pk);
	sbind_blob(s, 6, sig, sizeof sig);
	int rc = sdone(s);
	return rc == STORE_DONE ? 0 : rc;
}

/* Records where and why the chain fails to verify; returns 1 (broken). */
static int verify_fail(struct chain_report *rep, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int verify_fail(struct chain_report *rep, int64_t seq, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rep->bad_seq = seq;
	vsnprintf(rep->reason, sizeof rep->reason, fmt, ap);
	va_end(ap);
	return 1;
}

/* The event on s's row: number `expect`, linked to prev and hashing to its
 * stored hash; prev becomes its hash. 0, or 1 with rep set. */
static int event_verify(struct store_stmt *s, int64_t expect, unsigned char prev[HASH_LEN],
                        struct chain_report *rep)
{
	struct event_rec e = {
	    .case_id = scol_int(s, 1),
	    .at = scol_int(s, 2),
	    .actor_id = scol_int(s, 3),
	    .org_id = scol_int(s, 4),
	    .action = scol_text(s, 5),
	    .from = scol_text(s, 6),
	    .to = scol_text(s, 7),
	    .payload = scol_text(s, 8),
	};
	int64_t seq = scol_int(s, 0);
	if (!e.action)
		e.action = "";
	if (!e.payload)
		e.payload = "";
	if (seq != expect)
		return verify_fail(rep, expect,
		                   "事件序号不连续：期望 %lld，实际 %lld（事件被删除或插入）",
		                   (long long)expect, (long long)seq);
	if (scol_bytes(s, 9) != HASH_LEN || memcmp(scol_blob(s, 9), prev, HASH_LEN) != 0)
		return verify_fail(rep, seq, "事件 %lld 的 prev_hash 与前一事件不符",
		                   (long long)seq);
	unsigned char h[HASH_LEN];
	chain_hash(prev, &e, seq, h);
	if (scol_bytes(s, 10) != HASH_LEN || memcmp(scol_blob(s, 10), h, HASH_LEN) != 0)
		return verify_fail(rep, seq, "事件 %lld 的内容与其哈希不符（记录被篡改）",
		                   (long long)seq);
	memcpy(prev, h, HASH_LEN);
	return 0;
}

/* The checkpoint on cp's row, at or before event seq whose hash is h: it
 * names that event's hash and its signature verifies (against trusted_pk, or
 * the key it carries). 0, or 1 with rep set. */
static int checkpoint_verify(struct store_conn *c, struct store_stmt *cp, int64_t seq,
                             const unsigned char h[HASH_LEN], const unsigned char *trusted_pk,
                             struct chain_report *rep)
{
	int64_t cseq = scol_int(cp, 0);
	/* a key that `civicloop keys rotate` retired stays trusted: it is
	 * published in signing_keys (issue 14, core/documents.h) */
	if (trusted_pk && scol_bytes(cp, 4) == crypto_sign_PUBLICKEYBYTES &&
	    memcmp(trusted_pk, scol_blob(cp, 4), crypto_sign_PUBLICKEYBYTES) != 0) {
		struct store_stmt *k = store_stmt(c, ST_KEY_PUBLISHED);
		sbind_blob(k, 1, scol_blob(cp, 4), crypto_sign_PUBLICKEYBYTES);
		if (sstep(k) == STORE_ROW)
			trusted_pk = NULL;
		sreset(k);
	}
	const unsigned char *pk = trusted_pk ? trusted_pk : scol_blob(cp, 4);
	struct buf m;
	buf_init(&m, 256);
	bool hash_ok = cseq == seq && scol_bytes(cp, 1) == HASH_LEN &&
	               memcmp(scol_blob(cp, 1), h, HASH_LEN) == 0;
	if (scol_bytes(cp, 1) == HASH_LEN)
		checkpoint_message(cseq, scol_blob(cp, 1), scol_int(cp, 2), &m);
	bool sig_ok = scol_bytes(cp, 5) == crypto_sign_BYTES &&
	              (trusted_pk || scol_bytes(cp, 4) == crypto_sign_PUBLICKEYBYTES) &&
	              crypto_sign_verify_detached(scol_blob(cp, 5), (const unsigned char *)m.data,
	                                          m.len, pk) == 0;
	buf_release(&m);
	if (!hash_ok || !sig_ok)
		return verify_fail(rep, cseq, "%s（检查点 %lld）",
		                   !hash_ok ? "检查点哈希与事件链不符" : "检查点签名无效",
		                   (long long)cseq);
	return 0;
}

/* Hashes of events keyed by seq are needed to check checkpoints; verify walks
 * events and checkpoints together, both in seq order. */
int chain_verify(struct store_conn *c, const unsigned char *trusted_pk, struct chain_report *rep)
{
	memset(rep, 0, sizeof *rep);
	unsigned char prev[HASH_LEN] = {0}; /* the hash of the last event verified */
	int64_t seq = 1;                    /* the event expected next */
	int rc = 0;

	struct store_stmt *cp = store_stmt(c, ST_CHECKPOINTS_ALL);
	int cprc = sstep(cp);
	struct store_stmt *s = store_stmt(c, ST_EVENTS_ALL);
	int st;
	for (; (st = sstep(s)) == STORE_ROW; seq++) {
		rc = event_verify(s, seq, prev, rep);
		if (rc)
			goto out;
		rep->events++;
		/* checkpoints at this seq */
		for (; cprc == STORE_ROW && scol_int(cp, 0) <= seq; cprc = sstep(cp)) {
			rc = checkpoint_verify(c, cp, seq, prev, trusted_pk, rep);
			if (rc)
				goto out;
			rep->checkpoints++;
		}
	}
	if (st != STORE_DONE)
		rc = -1;
	else if (cprc == STORE_ROW)
		rc = verify_fail(rep, scol_int(cp, 0), "检查点 %lld 之后的事件缺失（链尾被截断）",
		                 (long long)scol_int(cp, 0));
out:
	sreset(s);
	sreset(cp);
	return rc;
}
