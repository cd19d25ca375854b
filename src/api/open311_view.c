/*
 * What Open311 shows of a case (docs/open311.md "Fields"): a public request
 * and its public updates. Never the reporter (name, phone, email), never
 * who acted, never an internal step (actions marked "public": false),
 * reasons or comments; the unit's reply only once the type makes it public
 * (public_reply), as public tracking does (api/public.c).
 *
 * Updates are the case's public events: its receipt, each public action
 * (the reply, the callback's result, the closing), and the updates citizens
 * posted, which keep the client's update_id as given; the others are
 * "cl-<event seq>", which no client id can be taken for (docs/open311.md).
 */
#include "api/open311.h"
#include "core/app.h"

#include <stdio.h>
#include <string.h>

#include "core/type_data.h"

#define NOTE_MAX 9000 /* bytes of a description built here */

static json_t *event_payload(struct store_stmt *s)
{
	const char *p = scol_text(s, 4);
	json_t *j = p ? json_loads(p, 0, NULL) : NULL;
	return j ? j : json_object();
}

json_t *o311_update_json(struct store_stmt *s, const struct matter_type *t, const char *no)
{
	int64_t seq = scol_int(s, 0), at = scol_int(s, 1);
	const char *action = scol_text(s, 2);
	const char *to = scol_null(s, 3) ? NULL : scol_text(s, 3);
	char id[32], desc[NOTE_MAX];
	const char *status = "OPEN";
	const char *media = NULL;
	json_t *payload = NULL;
	if (!action)
		return NULL;
	if (!scol_null(s, 5)) { /* a citizen's update: as the client sent it */
		snprintf(id, sizeof id, "%.31s", scol_text(s, 5));
		payload = event_payload(s);
		snprintf(desc, sizeof desc, "%s",
		         json_string_value(json_object_get(payload, "description"))
		             ? json_string_value(json_object_get(payload, "description"))
		             : "");
		status = scol_text(s, 6);
		media = scol_null(s, 7) ? NULL : scol_text(s, 7);
		json_t *u =
		    json_pack("{s:s,s:s,s:s,s:s,s:o,s:s}", "update_id", scol_text(s, 5),
		              "service_request_id", no, "status", status, "description", desc,
		              "updated_datetime", o311_time(at), "media_url", media ? media : "");
		json_decref(payload);
		return u;
	}
	snprintf(id, sizeof id, O311_UPDATE_PREFIX "%lld", (long long)seq);
	const struct type_state *st = to ? type_state(t, to) : NULL;
	if (!strcmp(action, "create")) {
		snprintf(desc, sizeof desc, "已受理");
	} else {
		const struct type_action *act = type_action(t, action);
		if (!act || act->internal)
			return NULL;
		payload = event_payload(s);
		const char *reply = to ? type_public_reply(t, to, payload) : NULL;
		json_t *resolved = json_object_get(payload, "resolved");
		if (reply)
			snprintf(desc, sizeof desc, "%s：%s", act->name, reply);
		else if (json_is_boolean(resolved))
			snprintf(desc, sizeof desc, "%s：%s", act->name,
			         json_is_true(resolved) ? "问题已解决" : "问题未解决");
		else
			snprintf(desc, sizeof desc, "%s", act->name);
		json_decref(payload);
	}
	if (st && st->final) {
		status = "CLOSED";
		size_t n = strlen(desc);
		snprintf(desc + n, sizeof desc - n, "（%s）", st->name);
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:s}", "update_id", id, "service_request_id", no,
	                 "status", status, "description", desc, "updated_datetime", o311_time(at),
	                 "media_url", "");
}

/* The time of the case's latest public change: its latest public update,
 * or the latest event that moved it to another state. status_notes names
 * the state, so an internal step that moves it (退单, 延期, 审签答复 …)
 * changes what the request shows without being an update. */
static int64_t request_updated(struct store_conn *c, const struct case_full *cf)
{
	int64_t last = cf->c.received_at;
	char state[64] = ""; /* the state after the events read so far */
	struct store_stmt *s = store_stmt(c, ST_O311_EVENTS_CASE);
	sbind_int(s, 1, cf->c.id);
	while (sstep(s) == STORE_ROW) {
		const char *to = scol_null(s, 3) ? NULL : scol_text(s, 3);
		bool moved = to && strcmp(to, state);
		if (moved)
			snprintf(state, sizeof state, "%s", to);
		json_t *u = o311_update_json(s, cf->c.type, cf->c.no);
		if ((u || moved) && scol_int(s, 1) > last)
			last = scol_int(s, 1);
		json_decref(u);
	}
	sreset(s);
	return last;
}

/* The unit handling it: the live lead part's org (its Chinese name). */
static const char *request_agency(const struct case_full *cf)
{
	for (int i = 0; i < cf->na; i++)
		if (!strcmp(cf->a[i].kind, "lead") && strcmp(cf->a[i].status, "cancelled"))
			return cf->a[i].org_name;
	return NULL;
}

json_t *o311_request_json(struct store_conn *c, const struct app *app, const struct case_full *cf,
                          const char *media_url, bool extended)
{
	const struct case_rec *k = &cf->c;
	const struct type_state *st = type_state(k->type, k->status);
	const struct o311_service *sv = o311_service_by_class(app, k->class_);
	const struct type_class *cls = type_class(k->type, k->class_);
	char notes[NOTE_MAX];
	const char *reply = type_public_reply(k->type, k->status, k->fields);
	snprintf(notes, sizeof notes, "%s%s%s", st ? st->name : k->status, reply ? "。答复：" : "",
	         reply ? reply : "");
	json_t *loc = k->location;
	json_t *lat = json_object_get(loc, "lat"), *lng = json_object_get(loc, "lng");
	const char *addr = json_string_value(json_object_get(loc, "address"));
	const char *agency = request_agency(cf);
	json_t *o = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:s,s:s,s:O,s:O,s:s}",
	    "service_request_id", k->no, "status",
	    st && st->final ? "closed" : "open", /* not a type name */
	    "status_notes", notes, "service_name", cls ? cls->name : k->class_, "service_code",
	    sv ? sv->code : "", "description", k->description ? k->description : "",
	    "agency_responsible", agency ? agency : "", "service_notice", "", "requested_datetime",
	    o311_time(k->received_at), "updated_datetime", o311_time(request_updated(c, cf)),
	    "expected_datetime", o311_time(k->due_at), "address", addr ? addr : "", "address_id",
	    "", "zipcode", "", "lat", json_is_number(lat) ? lat : json_null(), "long",
	    json_is_number(lng) ? lng : json_null(), "media_url", media_url ? media_url : "");
	if (!o)
		return NULL;
	if (extended) {
		const char *cat = json_string_value(json_object_get(k->fields, "category"));
		json_object_set_new(o, "extended_attributes",
		                    json_pack("{s:s,s:s,s:s}", "status_code", k->status,
		                              "status_name", st ? st->name : k->status, "category",
		                              cat ? cat : "")); /* an absent string is "" */
	}
	return o;
}
