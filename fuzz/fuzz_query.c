/*
 * Target query: query strings and list cursors through the GET endpoints
 * that read them — /api/v1/cases (limit, cursor, status, class, channel,
 * queue, type, org, mine, overdue, due_soon, problem, q, from, to) and the
 * exports /export/cases.csv and .xlsx (the same filters), /callers (phone, limit,
 * cursor "received_at.id"), /notices, /orgs (parent), /calendar and
 * /stats/{type} (from, to, org, group), /public/track (no, phone_tail),
 * /users (org, q, limit, cursor), /geo/cases (type, status, limit) and
 * /geo/regions —
 * through the server's request path, so the query is decoded and checked
 * as MHD hands it over.
 *
 * Input: a first line "ENDPOINT LOGIN" (e.g. "cases disp1"; the path after
 * /api/v1/), then the query string, in which %no[N]% and %tail[N]% stand for
 * demo case N's number and the last four digits of its reporter's phone
 * (numbers carry the date they were made, so no seed can hold one). Each
 * input comes from its own client address, so the public tracking limiter
 * never shuts the door for good.
 *
 * Seeds and the dictionary also reach the org search (/orgs: q, kinds,
 * limit, cursor) and the audit page (/audit/events: order, cursor, limit,
 * case_id, action, actor).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_world();
	return 0;
}

/* The query with %no[N]% and %tail[N]% replaced; the caller frees it. */
static char *expand(const uint8_t *q, size_t n, size_t *len)
{
	/* a macro is at least 7 bytes ("%no[1]%") and gives at most 31 */
	char *out = malloc(5 * n + 1), *p = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		char kind[5];
		long id;
		int used = 0;
		char head[24];
		size_t k = n - i < sizeof head - 1 ? n - i : sizeof head - 1;
		memcpy(head, q + i, k);
		head[k] = '\0';
		if (q[i] == '%' && sscanf(head, "%%%4[a-z][%ld]%%%n", kind, &id, &used) == 2 &&
		    used > 0 && (!strcmp(kind, "no") || !strcmp(kind, "tail"))) {
			char no[32] = "", tail[5] = "";
			fz_case_public(id, no, sizeof no, tail);
			const char *v = kind[0] == 'n' ? no : tail;
			size_t vl = strlen(v);
			memcpy(p, v, vl);
			p += vl;
			i += (size_t)used;
			continue;
		}
		*p++ = (char)q[i++];
	}
	*p = '\0';
	*len = (size_t)(p - out);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned serial;
	char line[320], endpoint[200] = "cases", login[LOGIN_MAX + 1] = "disp1";
	size_t off = fz_line(data, size, line, sizeof line);
	sscanf(line, "%199s %64s", endpoint, login);
	size_t qlen;
	char *query = expand(data + off, size - off, &qlen);
	size_t head = sizeof "/api/v1/?" + strlen(endpoint);
	char *target = query ? malloc(head + qlen) : NULL;
	if (!target) {
		free(query);
		return 0;
	}
	int n = snprintf(target, head, "/api/v1/%s?", endpoint);
	memcpy(target + n, query, qlen);
	free(query);
	struct fz_request q;
	fz_request_init(&q, "GET");
	fz_request_target(&q, target, (size_t)n + qlen);
	fz_request_as(&q, login);
	serial++;
	snprintf(q.address, sizeof q.address, "10.%u.%u.%u", (serial >> 16) & 255,
	         (serial >> 8) & 255, serial & 255);
	fz_request_run(&q);
	fz_request_release(&q);
	free(target);
	return 0;
}
