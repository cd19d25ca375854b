/*
 * How alike two cases are, as the duplicate check (重复件, core/duplicates.h)
 * and its evaluator (core/dupeval.h) both score them: one pure function of
 * the two cases' class, text, point or address and times, with no database.
 * The labelled pairs of tests/data/duplicates/ chose its rules and its
 * threshold; docs/duplicates.md has the figures and how they were found.
 *
 * A pair scores only when the earlier case is at most DUP_WINDOW_MS older
 * and at the same place: both points within DUP_RADIUS_M, or, when either
 * has no point, addresses alike (bigram overlap of the normalized addresses
 * at least DUP_ADDRESS_MIN). The score is then the text's overlap, plus
 * DUP_CLASS_BONUS when the classes agree, plus or minus DUP_TOPIC_WEIGHT
 * when the problems named agree or differ (dup_topic_agreement), within
 * 0..1; it is a duplicate at DUP_THRESHOLD or more.
 *
 * The text's overlap: the CJK characters of each description (util/
 * tokenize.h unigrams, folded to Simplified) left after removing the
 * hotline's boilerplate (来电人反映, 市民称, 希望尽快处理…), the words of
 * either address (the place is scored apart; a shared street name must not
 * make a streetlamp and a manhole alike) and a list of function characters;
 * overlap = |A ∩ B| / min(|A|, |B|), since one caller says in ten characters
 * what another says in eighty.
 */
#ifndef CIVICLOOP_CORE_DUPSCORE_H
#define CIVICLOOP_CORE_DUPSCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DUP_WINDOW_MS (30LL * 24 * 3600 * 1000) /* = DUPLICATE_WINDOW_MS */
#define DUP_RADIUS_M 300.0
#define DUP_ADDRESS_MIN 0.15 /* address bigram overlap for "same_address" */
/* the text overlap that alone makes a duplicate, for a type whose
 * "duplicates" block says by_text (core/duplicates.c text_alone) */
#define DUP_TEXT_ALONE 0.6
#define DUP_CLASS_BONUS 0.15
#define DUP_TOPIC_WEIGHT 0.2     /* added when the topics agree, taken when they differ */
#define DUP_THRESHOLD 0.21       /* picked on the labelled pairs: docs/duplicates.md */
#define DUP_ADDRESS_NORM_MAX 512 /* bytes of a normalized address, NUL included */

/* One side of a pair. Strings are borrowed; NULL = none. */
struct dup_side {
	const char *cls;
	const char *text;
	const char *address;
	bool has_point;
	double lat, lng; /* WGS-84, when has_point */
	int64_t received_at;
};

/* What dup_score found. */
struct dup_match {
	double score;      /* 0..1; 0 when not at the same place or time */
	double similarity; /* the text's overlap 0..1 */
	double distance_m; /* when nearby */
	int topics;        /* +1 a topic in common, -1 only different ones, 0 unknown */
	bool nearby;       /* both points within DUP_RADIUS_M */
	bool same_address; /* no two points, addresses alike */
	bool duplicate;    /* score >= threshold */
};

/* Scores `later` against `earlier` at threshold thr (DUP_THRESHOLD in the
 * server): fills *m. */
void dup_score(const struct dup_side *earlier, const struct dup_side *later, double thr,
               struct dup_match *m);

/* The text's overlap (above) of two descriptions, their addresses removed. */
double dup_text_similarity(const char *a, const char *b, const char *addr_a, const char *addr_b);

/* Whether two descriptions name the same problem (dupscore.c's topic
 * words, e.g. 路灯, 井盖, 停水): +1 a topic in common, -1 each names some
 * but none in common, 0 when either names none. */
int dup_topic_agreement(const char *a, const char *b);

/* addr normalized into out[cap] (cap <= DUP_ADDRESS_NORM_MAX is enough):
 * Traditional folded to Simplified, full-width ASCII folded, letters lower
 * case, spaces and punctuation dropped, then a leading county (…县/市/区)
 * and township (…镇/乡/街道) dropped. Returns out; "" for NULL. */
const char *dup_address_normalize(const char *addr, char *out, size_t cap);

/* Bigram overlap |A ∩ B| / min(|A|, |B|) of two normalized addresses: 1 for
 * equal ones, 0 when either is empty. */
double dup_address_similarity(const char *a, const char *b);

/* Great-circle metres between two WGS-84 points. */
double dup_distance_m(double lat1, double lng1, double lat2, double lng2);

#endif
