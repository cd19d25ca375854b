/*
 * Target http: any request — method, target, headers and body — through the
 * server's whole request path: encoding checks, routing and path
 * parameters, sign-in by session token, cookie (with the CSRF check) or API
 * key, Idempotency-Key, every handler of the route table, and the response
 * (harness.h checks it: one answer, JSON that parses, API.md's error shape).
 * Writes are rolled back after each input.
 *
 * Input, in the shape of an HTTP request:
 *   METHOD TARGET
 *   Name: value          (any number of header lines)
 *                        (an empty line)
 *   body
 * Pseudo-headers sign in as a demo account: "As: LOGIN" with its API key,
 * "Session: LOGIN" with a session token (Authorization: Bearer), and
 * "Cookie-As: LOGIN" with the session cookie and its X-CSRF-Token; sessions
 * exist for admin, op1, disp1 and cg1. The connection comes from
 * 127.0.0.1, a trusted proxy here, so X-Forwarded-For headers take the
 * server's walk (http/proxies.h).
 */
#include "harness.h"
#include "http/proxies.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_world();
	char err[160];
	if (proxies_set("127.0.0.1, 10.0.0.0/8, fd00::/8", err, sizeof err) != 0)
		fz_fail("proxies_set: %s", err);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[2048], method[16] = "GET";
	size_t off = fz_line(data, size, line, sizeof line);
	char *sp = strchr(line, ' ');
	const char *target = "/";
	if (sp) {
		*sp = '\0';
		snprintf(method, sizeof method, "%s", line);
		target = sp + 1;
	}
	struct fz_request q;
	fz_request_init(&q, method);
	fz_request_target(&q, target, strlen(target));
	while (off < size) {
		char h[2048];
		size_t next = off + fz_line(data + off, size - off, h, sizeof h);
		size_t hl = strlen(h);
		if (hl && h[hl - 1] == '\r')
			h[--hl] = '\0';
		off = next;
		if (!hl)
			break; /* end of the headers */
		char *colon = strchr(h, ':');
		if (!colon)
			continue;
		*colon = '\0';
		const char *v = colon + 1;
		while (*v == ' ')
			v++;
		if (!strcmp(h, "As"))
			fz_request_as(&q, v);
		else if (!strcmp(h, "Session"))
			fz_request_session(&q, v, false);
		else if (!strcmp(h, "Cookie-As"))
			fz_request_session(&q, v, true);
		else
			fz_request_header(&q, h, v);
	}
	q.body = data + off;
	q.body_len = size - off;
	fz_txn_begin();
	fz_request_run(&q);
	fz_txn_end();
	fz_request_release(&q);
	return 0;
}
