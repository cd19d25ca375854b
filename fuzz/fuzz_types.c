/*
 * Target types: matter-type definitions through the loader
 * (types_load_dir, as the files of config/types/ at start-up). Every fault must be
 * refused with a message; a registry that loads is then used the way the
 * engine uses it: each state, class, field, deadline and action looked up by
 * name, each deadline computed on the official calendar, and each type's
 * definition dumped as GET /api/v1/types/{type} serves it.
 *
 * Input: up to three definitions separated by a line "=====", written as
 * a.json, b.json and c.json and loaded together (duplicate codes, order).
 */
#include "harness.h"
#include "core/calendar.h"
#include "core/effects.h"
#include "core/types.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[600];
static struct calendar *cal;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char path[1200], err[512];
	snprintf(dir, sizeof dir, "%s/types", fz_tmpdir());
	if (mkdir(dir, 0700) != 0)
		fz_fail("mkdir %s", dir);
	snprintf(path, sizeof path, "%s/calendar/cn-workdays.json", app_default_config_dir());
	cal = calendar_load_file(path, err, sizeof err);
	if (!cal)
		fz_fail("%s", err);
	return 0;
}

static void use_type(const struct matter_type *t)
{
	int64_t from = 1718330400000LL; /* 2024-06-14 10:00 +08:00 */
	if (type_state(t, t->states[0].code) != &t->states[0])
		fz_fail("type %s: state lookup", t->code);
	for (int i = 0; i < t->nclasses; i++) {
		const struct type_class *k = type_class(t, t->classes[i].code);
		if (!k)
			fz_fail("type %s: class lookup", t->code);
		if (k->has_deadline && deadline_due(cal, k->deadline, from) < from)
			fz_fail("type %s: class deadline before its start", t->code);
	}
	for (int i = 0; i < t->ndeadlines; i++)
		if (deadline_due(cal, t->deadlines[i].spec, from) < from)
			fz_fail("type %s: deadline before its start", t->code);
	for (int i = 0; i < t->nfields; i++)
		type_field(t, t->fields[i].name);
	for (int i = 0; i < t->nactions; i++) {
		const struct type_action *a = &t->actions[i];
		if (type_action(t, a->code) == NULL)
			fz_fail("type %s: action lookup", t->code);
		if (a->within_deadline && !type_deadline(t, a->within_deadline))
			fz_fail("type %s: action %s: within.deadline vanished", t->code, a->code);
		for (int k = 0; k < a->nfrom; k++)
			if (!type_state(t, a->from[k]))
				fz_fail("type %s: action %s from an unknown state", t->code,
				        a->code);
	}
	char *text = json_dumps(t->json, JSON_COMPACT);
	if (!text)
		fz_fail("type %s: definition cannot be served", t->code);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"a.json", "b.json", "c.json"};
	size_t off = 0;
	for (int i = 0; i < 3; i++) {
		char path[700];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (off > size) {
			unlink(path);
			continue;
		}
		const uint8_t *sep = NULL;
		for (size_t k = off; k + 7 <= size; k++)
			if (!memcmp(data + k, "\n=====\n", 7)) {
				sep = data + k;
				break;
			}
		size_t end = sep ? (size_t)(sep - data) : size;
		fz_write_file(path, data + off, end - off);
		off = sep ? end + 7 : size + 1;
	}
	char err[512] = "";
	struct type_registry *r = types_load_dir(dir, effect_index, err, sizeof err);
	if (!r) {
		if (!err[0])
			fz_fail("types_load_dir refused without a reason");
		return 0;
	}
	for (int i = 0; i < r->ntypes; i++) {
		if (types_find(r, r->types[i].code) == NULL)
			fz_fail("type %s not found by its code", r->types[i].code);
		use_type(&r->types[i]);
	}
	char *list = json_dumps(r->list, JSON_COMPACT);
	if (!list)
		fz_fail("the type list cannot be served");
	free(list);
	types_free(r);
	return 0;
}
