/*
 * `civicloop gen`'s templates (gen.h): a seed's JSON text (an event's
 * payload, the case's fields, a part's ratings) parsed once, with the
 * places a clone changes marked as holes — a string that names one of the
 * seed's places (a code, a name, an account, the case number), an ISO
 * time, a date, an assignment id — so each clone's text is the constant
 * pieces with the holes filled, instead of a parse, a rewrite and a dump
 * per clone. The text is the one the rewrite would give: the canonical
 * dump (util/json.h) of the seed's value with those values replaced
 * (keys sorted, so a replaced value moves nothing); a text that is not
 * JSON is kept as it is.
 */
#include "cli/gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/timeutil.h"

enum hole_kind { H_SUB, H_TIME, H_DATE, H_ASG };

struct hole {
	enum hole_kind kind;
	int idx;   /* H_SUB: index in from/to; H_ASG: index in the seed's parts */
	int64_t t; /* H_TIME: UTC ms; H_DATE: day number */
};

struct gen_tmpl {
	char *text;  /* the constant pieces, one after the other */
	size_t *end; /* piece i is text[end[i-1] .. end[i]) (end[-1] = 0) */
	struct hole *hole;
	int nhole; /* the pieces are nhole + 1: hole i follows piece i */
};

/* What the marking walk knows. */
struct mark {
	const char *const *from;
	int nfrom;
	const int64_t *asg;
	int nasg;
	struct hole *hole;
	int nhole, cap;
	bool failed;
};

#define MARK_OPEN "\x01gen-hole\x02"

static bool is_iso_time(const char *s)
{
	size_t n = strlen(s);
	return n >= 19 && n <= 35 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':';
}

static bool is_date(const char *s)
{
	return strlen(s) == 10 && s[4] == '-' && s[7] == '-' && s[0] >= '1' && s[0] <= '2';
}

static bool asg_key(const char *key)
{
	return key && (!strcmp(key, "assignment") || !strcmp(key, "cancelled_assignments"));
}

/* A new marker string for a hole (NULL when out of room). */
static json_t *hole_add(struct mark *m, enum hole_kind kind, int idx, int64_t t)
{
	if (m->nhole == m->cap) {
		int cap = m->cap ? 2 * m->cap : 8;
		struct hole *h = realloc(m->hole, (size_t)cap * sizeof *h);
		if (!h) {
			m->failed = true;
			return NULL;
		}
		m->hole = h;
		m->cap = cap;
	}
	m->hole[m->nhole] = (struct hole){kind, idx, t};
	char s[48];
	snprintf(s, sizeof s, MARK_OPEN "%d", m->nhole++);
	return json_string(s);
}

/* The hole a string is, as a marker; NULL when the clone keeps it. In the
 * rewrite's order: a place first, then a time, then a date. */
static json_t *string_hole(struct mark *m, const char *v)
{
	for (int i = 0; i < m->nfrom; i++)
		if (m->from[i] && m->from[i][0] && !strcmp(m->from[i], v))
			return hole_add(m, H_SUB, i, 0);
	int64_t t;
	if (is_iso_time(v) && time_parse_iso(v, &t) == 0)
		return hole_add(m, H_TIME, 0, t);
	if (is_date(v) && time_parse_date(v, &t) == 0)
		return hole_add(m, H_DATE, 0, t);
	return NULL;
}

static json_t *asg_hole(struct mark *m, json_int_t id)
{
	for (int i = 0; i < m->nasg; i++)
		if (m->asg[i] == id)
			return hole_add(m, H_ASG, i, 0);
	return NULL;
}

/* Marks v's holes in place; key is the member that holds v (NULL in an
 * array of other values), in_asg: v is in an "assignments" list. */
static void mark_walk(struct mark *m, json_t *v, const char *key, bool in_asg)
{
	size_t i;
	const char *k;
	json_t *x, *h;
	if (json_is_object(v)) {
		json_object_foreach(v, k, x)
		{
			if (json_is_string(x)) {
				if ((h = string_hole(m, json_string_value(x))))
					json_object_set_new(v, k, h);
			} else if (json_is_integer(x) &&
			           (asg_key(k) || (in_asg && !strcmp(k, "id")))) {
				if ((h = asg_hole(m, json_integer_value(x))))
					json_object_set_new(v, k, h);
			} else {
				mark_walk(m, x, k, !strcmp(k, "assignments"));
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (json_is_string(x)) {
				if ((h = string_hole(m, json_string_value(x))))
					json_array_set_new(v, i, h);
			} else if (json_is_integer(x) && asg_key(key)) {
				if ((h = asg_hole(m, json_integer_value(x))))
					json_array_set_new(v, i, h);
			} else {
				mark_walk(m, x, key, in_asg);
			}
		}
	}
}

/* Cuts the marked dump into pieces; -1 when the markers are not found
 * exactly once each, in order. */
static int cut(struct gen_tmpl *t, const char *dump)
{
	/* a marker dumps as "\u0001gen-hole\u0002N" with its quotes */
	static const char open[] = "\"\\u0001gen-hole\\u0002";
	size_t len = strlen(dump), at = 0, used = 0;
	t->text = malloc(len + 1);
	t->end = malloc((size_t)(t->nhole + 1) * sizeof *t->end);
	if (!t->text || !t->end)
		return -1;
	for (int i = 0; i <= t->nhole; i++) {
		const char *p = i < t->nhole ? strstr(dump + at, open) : dump + len;
		if (!p)
			return -1;
		size_t n = (size_t)(p - (dump + at));
		memcpy(t->text + used, dump + at, n);
		used += n;
		t->end[i] = used;
		if (i == t->nhole)
			break;
		char *num_end;
		long idx = strtol(p + sizeof open - 1, &num_end, 10);
		if (idx != i || *num_end != '"')
			return -1;
		at = (size_t)(num_end + 1 - dump);
	}
	t->text[used] = '\0';
	return strstr(t->text, "gen-hole") ? -1 : 0;
}

struct gen_tmpl *gen_tmpl_new(const char *json, const char *const *from, int nfrom,
                              const int64_t *asg, int nasg)
{
	if (!json)
		return NULL;
	struct gen_tmpl *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	json_t *v = json_loads(json, 0, NULL);
	if (!v) { /* not JSON: kept as it is */
		t->text = strdup(json);
		t->end = malloc(sizeof *t->end);
		if (!t->text || !t->end) {
			gen_tmpl_free(t);
			return NULL;
		}
		t->end[0] = strlen(json);
		return t;
	}
	struct mark m = {.from = from, .nfrom = nfrom, .asg = asg, .nasg = nasg};
	mark_walk(&m, v, NULL, false); /* a bare string or number is kept */
	char *dump = m.failed ? NULL : json_canonical(v);
	json_decref(v);
	t->hole = m.hole;
	t->nhole = m.nhole;
	if (!dump || cut(t, dump) != 0) {
		free(dump);
		gen_tmpl_free(t);
		return NULL;
	}
	free(dump);
	return t;
}

int gen_tmpl_holes(const struct gen_tmpl *t)
{
	return t ? t->nhole : 0;
}

void gen_tmpl_free(struct gen_tmpl *t)
{
	if (!t)
		return;
	free(t->text);
	free(t->end);
	free(t->hole);
	free(t);
}

/* v as a JSON string: quoted, escaped as the canonical dump escapes. */
static void put_string(struct buf *b, const char *v)
{
	if (!v[strcspn(v, "\"\\\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11"
	                  "\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f")]) {
		buf_puts(b, "\"");
		buf_puts(b, v);
		buf_puts(b, "\"");
		return;
	}
	json_t *s = json_string(v);
	char *d = s ? json_canonical(s) : NULL;
	if (d)
		buf_puts(b, d);
	else
		b->overflow = true;
	free(d);
	json_decref(s);
}

const char *gen_tmpl_fill(const struct gen_tmpl *t, const struct gen_fill *f, struct buf *b)
{
	if (!t)
		return NULL;
	b->len = 0;
	b->overflow = false;
	char tm[ISO8601_MAX];
	for (int i = 0; i <= t->nhole; i++) {
		size_t from = i ? t->end[i - 1] : 0;
		buf_append(b, t->text + from, t->end[i] - from);
		if (i == t->nhole)
			break;
		const struct hole *h = &t->hole[i];
		switch (h->kind) {
		case H_SUB:
			put_string(b, f->to[h->idx]);
			break;
		case H_TIME:
			time_format_iso(h->t + f->delta, tm, sizeof tm);
			buf_printf(b, "\"%s\"", tm);
			break;
		case H_DATE:
			time_format_date(h->t + (f->delta + MS_PER_DAY / 2) / MS_PER_DAY, tm,
			                 sizeof tm);
			buf_printf(b, "\"%s\"", tm);
			break;
		case H_ASG:
			buf_printf(b, "%lld", (long long)f->asg_to[h->idx]);
			break;
		}
	}
	return b->overflow ? NULL : b->data ? b->data : "";
}
