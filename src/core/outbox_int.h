/*
 * What the outbox's own files share (outbox.c, outbox_worker.c,
 * webhooks.c); the rest of the program uses core/outbox.h.
 */
#ifndef CIVICLOOP_CORE_OUTBOX_INT_H
#define CIVICLOOP_CORE_OUTBOX_INT_H

#include "core/outbox.h"

/* Wakes the delivery workers: a batch committed new messages, or a dead
 * one was driven again (outbox_worker.c). Safe from any thread. */
void outbox_wake(void);
/* The live subscriptions changed in w's job: the writer's cache is reloaded
 * before the next event reads it (outbox.c). */
void outbox_subscriptions_changed(struct wctx *w);
/* w's batch made a message due: the workers are woken once it commits. */
void outbox_note_put(struct wctx *w);
/* The registered sender of `channel`, or NULL (outbox.c). */
outbox_deliver_fn outbox_channel_sender(const char *channel);
/* Sets the calling thread's delivery connection (outbox_reader()). */
void outbox_reader_set(struct store_conn *reader);
/* libcurl's process-wide set-up and tear-down (webhooks_send.c), around
 * the workers' lives. 0 or -1. */
int webhook_sender_global_init(void);
void webhook_sender_global_cleanup(void);
/* True once the workers are stopping: a sender cuts its transfer short. */
bool outbox_stopping(void);

#endif
