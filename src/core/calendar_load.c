/*
 * Reading the official working-day calendar (calendar.h): the JSON notice
 * file, validated strictly (four-digit year keys, each day once, names of
 * bounded length, no unknown keys), into the sorted arrays of
 * calendar_int.h; and the deadline specs of matter types
 * ({"workdays":N} …). Everything that can be wrong with the file is an error
 * naming the year, the list and the entry.
 */
#include "core/calendar.h"
#include "core/calendar_int.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"

#define CAL_YEAR_MIN 1900
#define CAL_YEAR_MAX 9999

static void set_err(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errcap, const char *fmt, ...)
{
	if (err == NULL || errcap == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err, errcap, fmt, ap);
	va_end(ap);
	if (n < 0)
		err[0] = '\0';
}

void calendar_free(struct calendar *cal)
{
	if (cal == NULL)
		return;
	for (size_t i = 0; i < cal->ndays; i++)
		free(cal->days[i].name);
	free(cal->days);
	free(cal->years);
	free(cal);
}

static int cmp_day(const void *a, const void *b)
{
	const struct cal_day *x = a, *y = b;
	return (x->day > y->day) - (x->day < y->day);
}

/* Strict year key: exactly four digits, CAL_YEAR_MIN..CAL_YEAR_MAX. */
static bool parse_year_key(const char *key, int *year)
{
	if (strlen(key) != 4)
		return false;
	int y = 0;
	for (int i = 0; i < 4; i++) {
		if (key[i] < '0' || key[i] > '9')
			return false;
		y = y * 10 + (key[i] - '0');
	}
	if (y < CAL_YEAR_MIN || y > CAL_YEAR_MAX)
		return false;
	*year = y;
	return true;
}

/* One list ("holidays" / "makeup_workdays") of one year being loaded. */
struct cal_list {
	const char *yearkey; /* "2025", as in the file */
	int year;
	const char *name; /* the list's key, for messages */
	bool holiday;     /* holidays (true) or make-up workdays */
};

static const char *const year_keys[] = {"holidays", "makeup_workdays", "source", "note"};
static const char *const entry_keys[] = {"date", "name"};

/* Checks entry i of list l, {"date","name"}, and gives its day and name
 * (borrowed from item). */
static bool entry_check(const struct cal_list *l, size_t i, json_t *item, int64_t *day,
                        const char **name, char *err, size_t errcap)
{
	if (!json_is_object(item)) {
		set_err(err, errcap,
		        "calendar: years.%s.%s[%zu] must be an object {\"date\",\"name\"}",
		        l->yearkey, l->name, i);
		return false;
	}
	const char *key =
	    json_unknown_key(item, entry_keys, sizeof entry_keys / sizeof *entry_keys);
	if (key) {
		set_err(err, errcap, "calendar: years.%s.%s[%zu]: unknown key \"%s\"", l->yearkey,
		        l->name, i, key);
		return false;
	}
	json_t *jdate = json_object_get(item, "date");
	json_t *jname = json_object_get(item, "name");
	if (!json_is_string(jdate)) {
		set_err(err, errcap, "calendar: years.%s.%s[%zu]: \"date\" must be a string",
		        l->yearkey, l->name, i);
		return false;
	}
	const char *ds = json_string_value(jdate);
	if (time_parse_date(ds, day) != 0) {
		set_err(err, errcap,
		        "calendar: years.%s.%s[%zu]: \"%s\" is not a valid YYYY-MM-DD date",
		        l->yearkey, l->name, i, ds);
		return false;
	}
	int y;
	time_ymd_from_day(*day, &y, NULL, NULL);
	if (y != l->year) {
		set_err(err, errcap, "calendar: years.%s.%s[%zu]: date %s is not in year %s",
		        l->yearkey, l->name, i, ds, l->yearkey);
		return false;
	}
	if (!json_is_string(jname) || json_string_length(jname) == 0) {
		set_err(err, errcap,
		        "calendar: years.%s.%s[%zu] (%s): \"name\" must be a non-empty string",
		        l->yearkey, l->name, i, ds);
		return false;
	}
	if (!l->holiday && time_weekday(*day) < 5) {
		set_err(err, errcap,
		        "calendar: years.%s.%s[%zu]: make-up workday %s is not a Saturday or "
		        "Sunday",
		        l->yearkey, l->name, i, ds);
		return false;
	}
	*name = json_string_value(jname);
	return true;
}

/* Appends a listed day to cal (growing cal->days, capacity *cap), with a
 * copy of name. */
static bool day_append(struct calendar *cal, size_t *cap, int64_t day, bool holiday,
                       const char *name, char *err, size_t errcap)
{
	if (cal->ndays == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct cal_day *nd = realloc(cal->days, ncap * sizeof *nd);
		if (nd == NULL) {
			set_err(err, errcap, "calendar: out of memory");
			return false;
		}
		cal->days = nd;
		*cap = ncap;
	}
	char *copy = strdup(name);
	if (copy == NULL) {
		set_err(err, errcap, "calendar: out of memory");
		return false;
	}
	cal->days[cal->ndays++] = (struct cal_day){.day = day, .holiday = holiday, .name = copy};
	return true;
}

/* Appends the entries of one list of one year (absent: none). */
static bool load_list(struct calendar *cal, size_t *cap, const struct cal_list *l, json_t *list,
                      char *err, size_t errcap)
{
	if (list == NULL)
		return true;
	if (!json_is_array(list)) {
		set_err(err, errcap, "calendar: years.%s.%s must be an array", l->yearkey, l->name);
		return false;
	}
	size_t i;
	json_t *item;
	json_array_foreach(list, i, item)
	{
		int64_t day;
		const char *name;
		if (!entry_check(l, i, item, &day, &name, err, errcap) ||
		    !day_append(cal, cap, day, l->holiday, name, err, errcap))
			return false;
	}
	return true;
}

/* Checks the top level {"timezone"?, "years"} and gives "years". */
static json_t *root_years(json_t *root, char *err, size_t errcap)
{
	if (!json_is_object(root)) {
		set_err(err, errcap, "calendar: top level must be a JSON object");
		return NULL;
	}
	json_t *tz = json_object_get(root, "timezone");
	if (tz != NULL &&
	    (!json_is_string(tz) || strcmp(json_string_value(tz), "Asia/Shanghai") != 0)) {
		set_err(err, errcap, "calendar: \"timezone\" must be \"Asia/Shanghai\"");
		return NULL;
	}
	json_t *years = json_object_get(root, "years");
	if (!json_is_object(years)) {
		set_err(err, errcap, "calendar: missing \"years\" object");
		return NULL;
	}
	return years;
}

/* Loads years.<ykey> into cal: its lists, then the year as covered. */
static bool year_load(struct calendar *cal, size_t *cap, const char *ykey, json_t *yval, char *err,
                      size_t errcap)
{
	struct cal_list l = {.yearkey = ykey};
	if (!parse_year_key(ykey, &l.year)) {
		set_err(err, errcap, "calendar: years: key \"%s\" is not a four-digit year %d..%d",
		        ykey, CAL_YEAR_MIN, CAL_YEAR_MAX);
		return false;
	}
	if (!json_is_object(yval)) {
		set_err(err, errcap, "calendar: years.%s must be an object", ykey);
		return false;
	}
	const char *k = json_unknown_key(yval, year_keys, sizeof year_keys / sizeof *year_keys);
	if (k) {
		set_err(err, errcap, "calendar: years.%s: unknown key \"%s\"", ykey, k);
		return false;
	}
	l.name = "holidays";
	l.holiday = true;
	if (!load_list(cal, cap, &l, json_object_get(yval, "holidays"), err, errcap))
		return false;
	l.name = "makeup_workdays";
	l.holiday = false;
	if (!load_list(cal, cap, &l, json_object_get(yval, "makeup_workdays"), err, errcap))
		return false;
	cal->years[cal->nyears++] = l.year;
	return true;
}

/* Sorts years and days; a day listed twice (in one list or both) fails. */
static bool calendar_sort(struct calendar *cal, char *err, size_t errcap)
{
	if (cal->nyears > 1)
		qsort(cal->years, cal->nyears, sizeof *cal->years, cal_cmp_int);
	if (cal->ndays > 1)
		qsort(cal->days, cal->ndays, sizeof *cal->days, cmp_day);
	for (size_t i = 1; i < cal->ndays; i++) {
		const struct cal_day *a = &cal->days[i - 1], *b = &cal->days[i];
		if (a->day != b->day)
			continue;
		char ds[16];
		if (time_format_date(a->day, ds, sizeof ds) < 0)
			ds[0] = '\0';
		if (a->holiday != b->holiday)
			set_err(err, errcap,
			        "calendar: %s is listed both as a holiday and as a make-up workday",
			        ds);
		else
			set_err(err, errcap, "calendar: %s is listed twice under %s", ds,
			        a->holiday ? "holidays" : "makeup_workdays");
		return false;
	}
	return true;
}

/* The calendar root describes (the caller frees it), or NULL with err set. */
static struct calendar *load_json(json_t *root, char *err, size_t errcap)
{
	json_t *years = root_years(root, err, errcap);
	if (!years)
		return NULL;
	struct calendar *cal = calloc(1, sizeof *cal);
	if (cal == NULL) {
		set_err(err, errcap, "calendar: out of memory");
		return NULL;
	}
	size_t nyears = json_object_size(years);
	if (nyears > 0) {
		cal->years = calloc(nyears, sizeof *cal->years);
		if (cal->years == NULL) {
			set_err(err, errcap, "calendar: out of memory");
			goto fail;
		}
	}
	size_t cap = 0;
	const char *ykey;
	json_t *yval;
	json_object_foreach(years, ykey, yval)
	{
		if (!year_load(cal, &cap, ykey, yval, err, errcap))
			goto fail;
	}
	if (!calendar_sort(cal, err, errcap))
		goto fail;
	return cal;
fail:
	calendar_free(cal);
	return NULL;
}

/* The calendar in root, parsed (jerr) from the file at path, or from text
 * when path is NULL; root (NULL if it did not parse) is released. */
static struct calendar *load_parsed(json_t *root, const json_error_t *jerr, const char *path,
                                    char *err, size_t errcap)
{
	if (root == NULL) {
		if (path == NULL)
			set_err(err, errcap, "calendar: invalid JSON at line %d column %d: %s",
			        jerr->line, jerr->column, jerr->text);
		else if (jerr->line <= 0)
			set_err(err, errcap, "%s: %s", path, jerr->text);
		else
			set_err(err, errcap, "%s:%d:%d: invalid JSON: %s", path, jerr->line,
			        jerr->column, jerr->text);
		return NULL;
	}
	char inner[256] = ""; /* a file's errors are prefixed with its path */
	struct calendar *cal =
	    path ? load_json(root, inner, sizeof inner) : load_json(root, err, errcap);
	json_decref(root);
	if (cal == NULL && path)
		set_err(err, errcap, "%s: %s", path, inner);
	return cal;
}

struct calendar *calendar_load_text(const char *json, char *err, size_t errcap)
{
	if (json == NULL) {
		set_err(err, errcap, "calendar: no text");
		return NULL;
	}
	json_error_t jerr;
	json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
	return load_parsed(root, &jerr, NULL, err, errcap);
}

struct calendar *calendar_load_file(const char *path, char *err, size_t errcap)
{
	if (path == NULL) {
		set_err(err, errcap, "calendar: no path");
		return NULL;
	}
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	return load_parsed(root, &jerr, path, err, errcap);
}

/* Index of the first listed day >= day. */

int deadline_spec_parse(const void *json, struct deadline_spec *out, char *err, size_t errcap)
{
	/* jansson's API takes non-const json_t*; we only read. */
	json_t *obj = (json_t *)(uintptr_t)json;
	if (!json_is_object(obj)) {
		set_err(err, errcap,
		        "deadline must be an object {\"workdays\":N}, {\"workhours\":N} or "
		        "{\"hours\":N}");
		return -1;
	}
	if (json_object_size(obj) != 1) {
		set_err(err, errcap,
		        "deadline must have exactly one of \"workdays\", \"workhours\", \"hours\", "
		        "\"minutes\"");
		return -1;
	}
	const char *key;
	json_t *val;
	enum deadline_unit unit = DEADLINE_WORKDAYS;
	json_object_foreach(obj, key, val)
	{
		if (strcmp(key, "workdays") == 0)
			unit = DEADLINE_WORKDAYS;
		else if (strcmp(key, "workhours") == 0)
			unit = DEADLINE_WORKHOURS;
		else if (strcmp(key, "hours") == 0)
			unit = DEADLINE_HOURS;
		else if (strcmp(key, "minutes") == 0)
			unit = DEADLINE_MINUTES;
		else {
			set_err(err, errcap,
			        "deadline: unknown unit \"%s\" (use workdays, workhours, hours or "
			        "minutes)",
			        key);
			return -1;
		}
		if (!json_is_integer(val)) {
			set_err(err, errcap, "deadline: \"%s\" must be an integer", key);
			return -1;
		}
		json_int_t n = json_integer_value(val);
		if (n < 0 || n > DEADLINE_MAX_N) {
			set_err(err, errcap, "deadline: \"%s\" must be between 0 and %d", key,
			        DEADLINE_MAX_N);
			return -1;
		}
		if (out) {
			out->unit = unit;
			out->n = (int)n;
		}
	}
	return 0;
}
