/*
 * SMS on the transactional outbox (core/outbox.h): the trigger hook puts
 * each text in the event's transaction, and the "sms" channel's sender
 * sends it from a delivery worker.
 */
#include "core/sms_int.h"
#include "core/app.h"
#include "core/outbox.h"
#include "core/writer.h"

static int put(struct wctx *w, const struct sms_msg *m, void *arg)
{
	(void)arg;
	return outbox_put(w, "sms", m->kind, m->case_id, m->target, m->payload) == 0 ? 0 : -1;
}

int sms_on_event(struct wctx *w, const struct event_rec *e)
{
	return w->app->sms ? sms_collect(w->app->sms, w, e, put, NULL) : 0;
}

static int deliver(struct app *app, const struct outbox_msg *m, char *err, size_t errcap)
{
	return sms_send(app, m->id, m->target, m->payload, err, errcap);
}

void sms_channel_register(void)
{
	outbox_channel_register("sms", deliver);
}
