/*
 * 约谈 records (issue 13; docs/enterprise.md): who of an org (an
 * enterprise, or a unit) was interviewed — a 约谈 of an enterprise over
 * its hazards, or a 约谈提醒 of a unit's officials in a discipline
 * campaign — when, by whom, and what came of it. A row of interviews
 * (migration 17); written by a case action's effect record_interview (the
 * case's org, the case), or by a campaign (campaign_id), always with an
 * `interview.add` event on the audit chain in the same writer job. Who
 * sees a record follows the org tree: its org inside a case.read scope.
 */
#ifndef CIVICLOOP_CORE_INTERVIEWS_H
#define CIVICLOOP_CORE_INTERVIEWS_H

#include <jansson.h>
#include <stdint.h>

#include "core/writer.h"
#include "store/store.h"
#include "util/error.h"

#define INTERVIEW_PERSON_MAX 50       /* characters: the person interviewed */
#define INTERVIEW_POSITION_MAX 50     /* their position (职务) */
#define INTERVIEW_INTERVIEWER_MAX 100 /* who held it (names or a unit) */
#define INTERVIEW_OUTCOME_MAX 2000    /* what came of it (约谈情况) */

#define INTERVIEW_KIND "约谈"
#define INTERVIEW_KIND_REMINDER "约谈提醒"

struct interview {
	int64_t case_id;         /* 0 = none */
	int64_t campaign_id;     /* 0 = none */
	int64_t org_id;          /* the interviewed person's enterprise or unit */
	const char *kind;        /* INTERVIEW_KIND or INTERVIEW_KIND_REMINDER */
	const char *person;      /* one line */
	const char *position;    /* one line, may be NULL */
	int64_t held_at;         /* UTC ms, not in the future */
	const char *interviewer; /* one line */
	const char *outcome;     /* may span lines */
	int64_t actor_id;        /* who recorded it, 0 = the system */
};

/* Checks iv's texts (valid UTF-8 assumed, as the HTTP layer checks it:
 * non-blank, no control character, the limits above), its kind and that
 * held_at is not after now. 0, or -1 with *e set (400 naming person,
 * position, interviewer, outcome, held_at or kind). */
int interview_check(const struct interview *iv, int64_t now, struct err *e);

/* writer: interview_check, then the row and the event `interview.add`
 * (case_id and org_id as the record's; payload {"interview_id","kind",
 * "held_at","campaign_id"?}, never the person). *id the new row's (may be
 * NULL). 0, or -1 with *e set. */
int interview_add(struct wctx *w, const struct interview *iv, int64_t *id, struct err *e);

/* One row of INTERVIEW_COLS (store/stmt_enterprise.h) as
 * {"id","case":{"id","no"}|null,"campaign_id"|null,"org":{"id","code","name"},
 * "kind","person","position"|null,"held_at","interviewer","outcome",
 * "created_at"}. */
json_t *interview_json(struct store_stmt *s);

#endif
