/*
 * Target catalogue: a dispatch catalogue an admin imports (core/catalogue.h)
 * as CSV or as JSON — the same bytes tried both ways. Either is refused on
 * a field (400; the CSV's "line N.column", the JSON's "entries[i]…"), or
 * checked against the demo county's orgs into the document that would be
 * stored, which must check again unchanged (what is stored is what a
 * later read and save will see).
 *
 * Input: the file's bytes.
 */
#include "harness.h"
#include "core/catalogue.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_world();
	return 0;
}

/* A refusal must be a 400 with a message. */
static void refused(const struct err *e, const char *how)
{
	if (err_status(e->kind) != 400)
		fz_fail("%s: refused with %d: %s", how, err_status(e->kind), err_message(e));
	if (!*err_message(e))
		fz_fail("%s: a refusal without a message", how);
}

/* The stored form of a checked document checks again to itself. */
static void stable(struct fz_world *w, json_t *doc, const char *how)
{
	json_t *again = NULL;
	struct err e = {0};
	if (catalogue_check(w->conn, json_object_get(doc, "entries"), &again, &e) != 0)
		fz_fail("%s: the stored form is refused: %s", how, err_message(&e));
	if (!json_equal(doc, again))
		fz_fail("%s: the stored form changes when checked again", how);
	json_decref(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_world *w = fz_world();
	static int lines[CATALOGUE_ENTRIES_MAX];
	json_t *doc = NULL, *checked = NULL;
	struct err e = {0};
	if (catalogue_csv_parse((const char *)data, size, &doc, lines, &e) != 0) {
		refused(&e, "CSV");
	} else if (catalogue_check(w->conn, json_object_get(doc, "entries"), &checked, &e) != 0) {
		catalogue_csv_fault(&e, lines);
		refused(&e, "CSV entries");
	} else {
		stable(w, checked, "CSV");
	}
	json_decref(doc);
	json_decref(checked);
	checked = NULL;
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	struct err je = {0};
	if (j && catalogue_check(w->conn, json_object_get(j, "entries"), &checked, &je) != 0)
		refused(&je, "JSON");
	else if (j)
		stable(w, checked, "JSON");
	json_decref(j);
	json_decref(checked);
	return 0;
}
