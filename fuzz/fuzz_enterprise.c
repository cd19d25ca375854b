/*
 * Target enterprise: the enterprise registry's outside input (issue 13,
 * docs/enterprise.md) — a CSV an inspector imports (POST
 * /api/v1/enterprises/import, through the whole request path as admin, in a
 * transaction rolled back after the input) and the unified social credit
 * code check (util/creditcode.h) on every line of it. Oracles, besides the
 * sanitizers and the harness's own (one answer, its error shape):
 *   - the import answers 200, 400, 413 or 415, never anything else;
 *   - a 200 counts no more rows than the input has lines;
 *   - a code creditcode_valid accepts is 18 characters of its set whose
 *     check characters it computes itself, and its normalised form is
 *     accepted again unchanged; a refused one has a reason.
 *
 * Input: the CSV's bytes.
 */
#include "harness.h"
#include "util/creditcode.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_world();
	return 0;
}

static void code_check(const char *s)
{
	char out[CREDITCODE_LEN + 1], why[CREDITCODE_WHY_MAX] = "";
	if (!creditcode_valid(s, out, why)) {
		if (!*why)
			fz_fail("credit code refused without a reason");
		return;
	}
	if (strlen(out) != CREDITCODE_LEN || creditcode_check_char(out) != out[17])
		fz_fail("credit code %s accepted with a wrong check character", out);
	char again[CREDITCODE_LEN + 1];
	if (!creditcode_valid(out, again, why) || strcmp(again, out))
		fz_fail("credit code %s: its normalised form is not accepted unchanged", out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_world();
	/* each cell-sized piece between commas and line ends as a code */
	size_t start = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
			continue;
		if (i - start <= 64) {
			char *cell = fz_strndup(data + start, i - start);
			if (cell)
				code_check(cell);
			free(cell);
		}
		start = i + 1;
	}
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n' || data[i] == '\r';

	fz_txn_begin();
	struct fz_request q;
	fz_request_init(&q, "POST");
	static const char target[] = "/api/v1/enterprises/import";
	fz_request_target(&q, target, sizeof target - 1);
	fz_request_as(&q, "admin");
	fz_request_header(&q, "Content-Type", "text/csv; charset=utf-8");
	q.body = data;
	q.body_len = size;
	unsigned status = fz_request_run(&q);
	if (status != 200 && status != 400 && status != 413 && status != 415)
		fz_fail("the import answered %u: %.300s", status, q.resp_body);
	if (status == 200) {
		json_t *r = json_loadb(q.resp_body, q.resp_len, 0, NULL);
		json_int_t n = json_integer_value(json_object_get(r, "created")) +
		               json_integer_value(json_object_get(r, "updated")) +
		               json_integer_value(json_object_get(r, "unchanged"));
		json_decref(r);
		if (n < 1 || (size_t)n >= lines + 1)
			fz_fail("the import counted %lld rows of %zu lines", (long long)n, lines);
	}
	fz_request_release(&q);
	fz_txn_end();
	return 0;
}
