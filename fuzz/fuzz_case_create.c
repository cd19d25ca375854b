/*
 * Target case_create: a JSON body through POST /api/v1/cases — the server's
 * request path (encoding checks, routing, API-key sign-in, Idempotency-Key),
 * the handler, and the engine's create command with every check it makes
 * (type, class, channel, text, location, reporter, fields, received_at).
 * Each input is rolled back (harness.h).
 *
 * Input: the body, optionally after a first line "@LOGIN [KEY [TIMES]]":
 * sign in as demo account LOGIN (default op1; an unknown one sends no key),
 * send Idempotency-Key KEY, and send the request TIMES times (1–3), so a
 * repeat is answered from the idempotency record.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_world();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char login[LOGIN_MAX + 1] = "op1", key[200] = "";
	int times = 1;
	size_t off = 0;
	if (size && data[0] == '@') {
		char line[320];
		off = fz_line(data, size, line, sizeof line);
		if (sscanf(line + 1, "%64s %199s %d", login, key, &times) < 1)
			snprintf(login, sizeof login, "op1");
		if (times < 1 || times > 3)
			times = 1;
	}
	fz_txn_begin();
	for (int i = 0; i < times; i++) {
		struct fz_request q;
		fz_request_init(&q, "POST");
		fz_request_target(&q, "/api/v1/cases", strlen("/api/v1/cases"));
		fz_request_header(&q, "Content-Type", "application/json");
		fz_request_as(&q, login);
		if (key[0])
			fz_request_header(&q, "Idempotency-Key", key);
		q.body = data + off;
		q.body_len = size - off;
		fz_request_run(&q);
		fz_request_release(&q);
	}
	fz_txn_end();
	return 0;
}
