/*
 * SMS notices (docs/notifications.md, "短信"): who gets a text when, what it
 * says and how it leaves, all as data in config/notify/sms.json.
 *
 *   triggers   an event on the chain (its action, the state it leads to,
 *              the case's type) → a template to the case's reporter, to
 *              the handlers of the units a dispatch just gave it, or to the
 *              handlers of the unit whose part is overdue. Run in the
 *              event's own transaction (sms_on_event, from wctx_event):
 *              each text is an outbox row ("sms" channel) whose target is a
 *              reference ("case:ID:reporter", "user:ID") and whose payload
 *              is the template's name and the values it names, never a
 *              phone number or a name.
 *   delivery   sms_send: the reference resolved and unsealed, the template
 *              rendered, then the file sink (JSON lines, demo and tests) or
 *              an HTTP gateway described by a template (URL, method,
 *              headers, a JSON or form body with placeholders, secrets from
 *              environment variables).
 *
 * Not here: retries, backoff and the dead letter (core/outbox.c).
 */
#ifndef CIVICLOOP_CORE_SMS_H
#define CIVICLOOP_CORE_SMS_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct wctx;
struct event_rec;
struct type_registry;
struct sms_config;

/* The longest text a template may render to, in characters (the config's
 * "max_chars" is at most this). */
#define SMS_TEXT_MAX_CHARS 500

/* Loads and checks the config at path against the matter types; relative
 * sink files are taken from base_dir (the database's folder). NULL with
 * "path: key: what is wrong" in err. The caller owns the result. */
struct sms_config *sms_config_load(const char *path, const struct type_registry *types,
                                   const char *base_dir, char *err, size_t errcap);
void sms_config_free(struct sms_config *c);

/* The serve-time selection: `file` (from --sms-config; "none" turns SMS
 * off), else <config_dir>/notify/sms.json when it exists, else off. Sets
 * app->sms. 0, or -1 with the reason in err. */
int sms_setup(struct app *app, const char *file, char *err, size_t errcap);

/* Registers sms_send as the outbox's "sms" channel (serve, at start). */
void sms_channel_register(void);

/* The trigger hook (writer.c, wctx_event): queues the texts the event
 * calls for in the running transaction. 0, or -1 when the store failed. */
int sms_on_event(struct wctx *w, const struct event_rec *e);

/* One queued text as the trigger rules produce it. */
struct sms_msg {
	const char *kind;    /* "sms.<template>" */
	int64_t case_id;     /* 0: none */
	const char *target;  /* "case:ID:reporter" or "user:ID" */
	const char *payload; /* {"template","vars"} canonical JSON */
};
typedef int (*sms_emit_fn)(struct wctx *w, const struct sms_msg *m, void *arg);
/* The trigger rules of cfg applied to event e, each text handed to emit
 * (sms_on_event's emit is outbox_put). 0, or -1 when the store or emit
 * failed. */
int sms_collect(const struct sms_config *cfg, struct wctx *w, const struct event_rec *e,
                sms_emit_fn emit, void *arg);

/* Delivery of one queued text (outbox id, target, payload): 0 sent; -1
 * try again later; -2 never deliverable (no such template, no or no
 * mobile phone). err gets a reason without the phone. */
int sms_send(struct app *app, int64_t id, const char *target, const char *payload, char *err,
             size_t errcap);

#endif
