/*
 * The transactional outbox (docs/notifications.md). A message to the world
 * outside (a webhook, an SMS) is a row of `outbox` inserted in the same
 * transaction as the event that causes it: it exists exactly when that
 * event does, so nothing is sent for a write that rolled back, and nothing
 * committed is forgotten across a crash.
 *
 * Delivery workers (threads started by `serve`) pick due rows on their own
 * read connections, claim them in memory (no two workers send one row),
 * hand each to its channel's sender and record the result through a writer
 * job: delivered; or attempts + 1 and next_at = now + base · 2^attempts
 * (+ up to a tenth more, at random), capped; or dead after max_attempts (or
 * at once when the sender says the failure is for good). A row is marked
 * delivered only after it was sent, so a crash between the two sends it
 * again with the same id: delivery is at least once, and receivers
 * deduplicate by the message id (the webhook payload's "id",
 * X-Civicloop-Delivery).
 *
 * Webhook fan-out: each event on a case (wctx_event) becomes one "webhook"
 * message per live subscription whose kinds name the event's kind
 * ("case." + action, or "*") and whose org subtree holds the case (its
 * owning org, or a unit at work on it: the visibility rule of DESIGN §1).
 * The live subscriptions are cached by the writer (app->outbox_cache) and
 * reloaded, inside the writer's transaction, after a subscription is added
 * or revoked; an event needs no query while no subscription wants its kind.
 *
 * Not here: what a channel sends (core/webhooks_send.c for webhooks; the
 * SMS channel registers its own sender), the admin API (api/outbox.c,
 * api/webhooks.c).
 */
#ifndef CIVICLOOP_CORE_OUTBOX_H
#define CIVICLOOP_CORE_OUTBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct app;
struct actor;
struct event_rec;
struct store_conn;
struct wctx;

struct outbox_msg {
	int64_t id;          /* also the idempotency id's number */
	const char *channel; /* "webhook", "sms" */
	const char *kind;    /* the event kind, e.g. "case.create", "sms.case_registered" */
	int64_t case_id;     /* 0 = none */
	const char *target;  /* channel-specific: a webhook subscription id; for sms
	                      * a reference resolved at delivery ("case:12:reporter",
	                      * "user:7") — never a plaintext phone number */
	const char *payload; /* JSON text */
	int attempts;        /* before this one */
};
/* 0 delivered; -1 failed, retry later (err says why); -2 failed for good (dead now). */
typedef int (*outbox_deliver_fn)(struct app *app, const struct outbox_msg *m, char *err,
                                 size_t errcap);
/* Registers the sender of a channel (before the workers start; app start-up). */
void outbox_channel_register(const char *channel, outbox_deliver_fn fn);
/* Inserts a message in w's transaction (it commits or rolls back with the
 * event that caused it). payload: JSON text (copied). 0 or -1. */
int outbox_put(struct wctx *w, const char *channel, const char *kind, int64_t case_id,
               const char *target, const char *payload);

/* The read connection of the worker thread running the current delivery,
 * for a sender that resolves its target (a subscription's URL, a case's
 * reporter); NULL outside a delivery. Read only; do not close it. */
struct store_conn *outbox_reader(void);

#define OUTBOX_CHANNEL_MAX 16   /* bytes of a channel name */
#define OUTBOX_KIND_MAX 96      /* bytes of a kind */
#define OUTBOX_TARGET_MAX 128   /* bytes of a target */
#define OUTBOX_PAYLOAD_MAX 8192 /* bytes of a payload */
#define OUTBOX_ERROR_MAX 300    /* bytes of last_error kept (cut on a character) */

/* The workers' settings, from the environment at start (docs/notifications.md):
 * CIVICLOOP_OUTBOX_WORKERS (0–8, default 2; 0 delivers nothing),
 * CIVICLOOP_OUTBOX_MAX_ATTEMPTS (1–100, default 8),
 * CIVICLOOP_OUTBOX_BACKOFF_MS (10 ms – 1 h, default 30 s),
 * CIVICLOOP_OUTBOX_BACKOFF_CAP_MS (10 ms – 7 d, default 6 h). */
struct outbox_options {
	int workers;
	int max_attempts;
	int64_t backoff_ms;
	int64_t backoff_cap_ms;
	int64_t keep_ms; /* delivered rows older than this are deleted */
};
void outbox_options_from_env(struct outbox_options *o);
/* The wait before the next attempt after `attempts` failed ones (≥ 1):
 * base · 2^(attempts-1), capped, without the jitter. */
int64_t outbox_backoff(const struct outbox_options *o, int attempts);

/* Starts the delivery workers (the webhook sender is registered here; other
 * channels register before). NULL with err set when they could not start;
 * with 0 workers a stopped handle (nothing is delivered). */
struct outbox_workers *outbox_start(struct app *app, char *err, size_t errcap);
/* Stops the workers: a delivery in flight is cut off and left pending (it
 * is sent again at the next start). Call before the writer stops. */
void outbox_stop(struct outbox_workers *ow);
/* One pass of delivery on the calling thread with reader: every due
 * message is sent and its result recorded. How many were handled, or -1.
 * For tests and the workers. */
int outbox_deliver_due(struct app *app, struct store_conn *reader, const struct outbox_options *o);
/* Deletes the delivered messages older than o->keep_ms, in writer jobs of
 * OUTBOX_PRUNE_BATCH rows, at most `max_jobs` of them. Rows deleted, or -1
 * when the store failed. Pending and dead rows are never deleted. */
#define OUTBOX_PRUNE_BATCH 1000
int64_t outbox_prune(struct app *app, const struct outbox_options *o, int max_jobs);

/* What the delivery workers did since the start, for /metrics: attempts by
 * channel ("webhook", "sms", anything else "other") and outcome. */
enum outbox_outcome { OUTBOX_DELIVERED, OUTBOX_RETRY, OUTBOX_DEAD, OUTBOX_OUTCOMES };
extern const char *const outbox_metric_channels[3];
extern const char *const outbox_outcome_names[OUTBOX_OUTCOMES];
uint64_t outbox_attempts_count(int channel, enum outbox_outcome outcome);

/* Writer hooks (core/writer.c). After an event is on the chain, in its
 * job: the webhook messages it causes. 0, or -1 when the store failed. */
int outbox_on_event(struct wctx *w, const struct event_rec *e, int64_t seq);
/* A job rolled back: a subscription change or cache reload it saw is gone. */
void outbox_job_rolled_back(struct app *app);
/* A batch ended (committed or not): wakes the workers for what it added. */
void outbox_batch_end(struct app *app, bool committed);
/* Frees the writer's cache (app_release). */
void outbox_cache_release(struct app *app);

/* Kinds whose events never leave the instance: the records of reading
 * (case.read, case.list, case.export, pii.view, …: who read what is for
 * the audit chain, not for other systems). */
bool outbox_kind_private(const char *action);

/* --- webhook subscriptions (core/webhooks.c) --- */
#define WEBHOOK_URL_MAX 2048
#define WEBHOOK_KINDS_MAX 32   /* kinds of one subscription */
#define WEBHOOK_ACTIVE_MAX 100 /* live subscriptions of the instance */
#define WEBHOOK_SECRET_PREFIX "whsec_"
#define WEBHOOK_SECRET_LEN 70 /* "whsec_" + 64 hex */

/* Checks a subscription's URL: http or https, a host, no user or password,
 * printable ASCII, at most WEBHOOK_URL_MAX bytes. 0, or -1 with e set
 * (400 field.invalid naming "url"). */
int webhook_url_check(const char *url, struct err *e);
/* Checks a kinds array (1–32 distinct kinds, each "*" or "case." and an
 * action of a matter type or of the engine) into a new canonical JSON text
 * (*out, the caller frees). 0, or -1 with e set naming "kinds". */
int webhook_kinds_check(struct app *app, json_t *kinds, char **out, struct err *e);
/* Adds a subscription for org_id (its path org_path) in the writer: the
 * secret (WEBHOOK_SECRET_LEN + 1 bytes, the caller wipes it) is made here,
 * sealed in the row and given back once; a webhook.add event records it
 * (never the secret). *id set. 0, or -1 with e set. */
int webhook_add(struct wctx *w, const struct actor *a, int64_t org_id, const char *url,
                const char *kinds_json, char *secret_out, int64_t *id, struct err *e);
/* Revokes subscription id in the writer when the actor holds notify.manage
 * over its org (else 404); a second revoke is 409. A webhook.revoke event. */
int webhook_revoke(struct wctx *w, const struct actor *a, int64_t id, struct err *e);
/* A dead message back to pending with attempts 0, due now, when the actor
 * holds notify.manage over its org (else 404); not dead: 409. An
 * outbox.redrive event. */
int outbox_redrive(struct wctx *w, const struct actor *a, int64_t id, struct err *e);
/* The webhook channel's sender (core/webhooks_send.c). */
int webhook_deliver(struct app *app, const struct outbox_msg *m, char *err, size_t errcap);
/* The sender's per-thread state, freed when a worker thread ends. */
void webhook_sender_thread_end(void);

#endif
