/*
 * Target case_action: JSON bodies through POST
 * /api/v1/cases/{id}/actions/{action} — every action of the hotline type
 * with its fields, guards, branches and effects — as a sequence, so one
 * input can walk a case through its states. The sequence shares one
 * transaction, rolled back at the end (harness.h).
 *
 * Input: one or more commands (at most 16). A command is a line
 *   "@ACTION LOGIN CASE [+HOURS]"
 * and then its JSON body, up to the next line starting with '@'. ACTION is
 * the action's name as it appears in the path (percent escapes allowed), or
 * "create" to POST /api/v1/cases instead; CASE is a case id of the demo
 * county (1–55), or "$" for the case the last "create" made. +HOURS moves
 * the business clock forward first (deadlines, overdue, before_due).
 */
#include "harness.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COMMANDS 16

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_world();
	return 0;
}

/* The id of the case in a create's answer, 0 if none. */
static long long created_id(const struct fz_request *q)
{
	if (q->status != 201)
		return 0;
	json_t *doc = json_loadb(q->resp_body, q->resp_len, 0, NULL);
	long long id = json_integer_value(json_object_get(json_object_get(doc, "case"), "id"));
	json_decref(doc);
	return id;
}

static void run_command(const char *head, const uint8_t *body, size_t len, long long *last)
{
	char action[200] = "", login[LOGIN_MAX + 1] = "", cas[40] = "", hours[24] = "";
	if (sscanf(head, "%199s %64s %39s %23s", action, login, cas, hours) < 1)
		return;
	if (hours[0] == '+') {
		long h = strtol(hours + 1, NULL, 10);
		if (h > 0 && h <= 24 * 400)
			fz_clock_advance(h * 3600000LL);
	}
	char target[320];
	if (!strcmp(action, "create")) {
		snprintf(target, sizeof target, "/api/v1/cases");
	} else {
		char id[40];
		if (!strcmp(cas, "$"))
			snprintf(id, sizeof id, "%lld", *last);
		else
			snprintf(id, sizeof id, "%s", cas);
		snprintf(target, sizeof target, "/api/v1/cases/%s/actions/%s", id, action);
	}
	struct fz_request q;
	fz_request_init(&q, "POST");
	fz_request_target(&q, target, strlen(target));
	fz_request_header(&q, "Content-Type", "application/json");
	fz_request_as(&q, login);
	q.body = body;
	q.body_len = len;
	fz_request_run(&q);
	long long id = created_id(&q);
	if (id)
		*last = id;
	fz_request_release(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long last = 0;
	size_t off = 0;
	int n = 0;
	fz_txn_begin();
	while (off < size && n < MAX_COMMANDS) {
		if (data[off] != '@') { /* no command line: skip to the next one */
			const uint8_t *at = memchr(data + off, '@', size - off);
			if (!at)
				break;
			off = (size_t)(at - data);
			continue;
		}
		char head[320];
		size_t body = off + fz_line(data + off, size - off, head, sizeof head);
		size_t end = body;
		while (end < size) { /* the body runs to the next line starting with '@' */
			const uint8_t *nl = memchr(data + end, '\n', size - end);
			if (!nl) {
				end = size;
				break;
			}
			end = (size_t)(nl - data) + 1;
			if (end < size && data[end] == '@')
				break;
		}
		run_command(head + 1, data + body, end - body, &last);
		off = end;
		n++;
	}
	fz_txn_end();
	return 0;
}
