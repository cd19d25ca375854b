/*
 * The PostgreSQL form of each statement of statements.h (pg.h). Most are
 * the SQLite text with ?N written $N: standard SQL both engines read the
 * same. Where the dialects differ (JSON functions, INSERT OR IGNORE, the
 * search index, rowid, NULLs' place in an order, SQLite's bare columns of
 * an aggregate), pg_stmt_<area>.h gives the statement's own text, as a
 * designated initializer of pg_own below. PG_NONE marks a statement of
 * SQLite's own upkeep (PRAGMAs, the FTS5 structure) that PostgreSQL has no
 * use for; its caller never runs it on PostgreSQL.
 */
#include "store/pg.h"

#include <stdlib.h>
#include <string.h>

#define PG_NONE ""

static const char *const sqlite_text[STMT__COUNT] = {
#define STMT(name, sql) sql,
    STATEMENT_LIST(STMT)
#undef STMT
};

static const char *const names[STMT__COUNT] = {
#define STMT(name, sql) #name,
    STATEMENT_LIST(STMT)
#undef STMT
};

const char *pg_statement_name(enum stmt_id id)
{
	return (int)id >= 0 && id < STMT__COUNT ? names[id] : "?";
}

static const char *const pg_own[STMT__COUNT] = {
#include "store/pg_stmt_core.h"
#include "store/pg_stmt_multi.h"
#include "store/pg_stmt_orgs.h"
#include "store/pg_stmt_audit.h"
#include "store/pg_stmt_hotline.h"
#include "store/pg_stmt_stats.h"
#include "store/pg_stmt_public.h"
#include "store/pg_stmt_notices.h"
#include "store/pg_stmt_accounts.h"
#include "store/pg_stmt_geo.h"
#include "store/pg_stmt_attachments.h"
#include "store/pg_stmt_search.h"
#include "store/pg_stmt_routing.h"
#include "store/pg_stmt_dup.h"
#include "store/pg_stmt_parties.h"
#include "store/pg_stmt_suggestion.h"
#include "store/pg_stmt_whistle.h"
#include "store/pg_stmt_task.h"
#include "store/pg_stmt_enterprise.h"
#include "store/pg_stmt_ledger.h"
#include "store/pg_stmt_inspection.h"
#include "store/pg_stmt_campaign.h"
#include "store/pg_stmt_documents.h"
#include "store/pg_stmt_reviews.h"
#include "store/pg_stmt_reception.h"
#include "store/pg_stmt_apikeys.h"
#include "store/pg_stmt_open311.h"
#include "store/pg_stmt_outbox.h"
#include "store/pg_stmt_sms.h"
#include "store/pg_stmt_lists.h"
#include "store/pg_stmt_inbox.h"
#include "store/pg_stmt_gen.h"
#include "store/pg_stmt_export.h"
#include "store/pg_stmt_overdue.h"
};

bool pg_statement_none(enum stmt_id id)
{
	return pg_own[id] && !*pg_own[id];
}

/* Copies text into q->sql with each ?N (outside quotes) written $N, and
 * notes the numbers used, of both spellings. */
static int translate(const char *text, struct pg_sql *q)
{
	size_t n = strlen(text);
	char *out = malloc(n + 1);
	if (!out)
		return -1;
	size_t o = 0;
	char quote = 0;
	for (size_t i = 0; i < n;) {
		char ch = text[i];
		if (quote) {
			out[o++] = text[i++];
			if (ch == quote)
				quote = 0;
			continue;
		}
		if (ch == '\'' || ch == '"') {
			quote = ch;
			out[o++] = text[i++];
			continue;
		}
		if ((ch == '?' || ch == '$') && text[i + 1] >= '0' && text[i + 1] <= '9') {
			size_t j = i + 1;
			int num = 0;
			while (j < n && text[j] >= '0' && text[j] <= '9' && num <= PG_PARAMS_MAX)
				num = num * 10 + (text[j++] - '0');
			if (num < 1 || num > PG_PARAMS_MAX) {
				free(out);
				return -1;
			}
			q->used[num - 1] = true;
			if (num > q->nparams)
				q->nparams = num;
			out[o++] = '$';
			memcpy(out + o, text + i + 1, j - i - 1);
			o += j - i - 1;
			i = j;
			continue;
		}
		out[o++] = text[i++];
	}
	out[o] = 0;
	q->sql = out;
	return 0;
}

int pg_statement(enum stmt_id id, struct pg_sql *q)
{
	memset(q, 0, sizeof *q);
	if ((int)id < 0 || id >= STMT__COUNT || pg_statement_none(id))
		return -1;
	return translate(pg_own[id] ? pg_own[id] : sqlite_text[id], q);
}

void pg_sql_release(struct pg_sql *q)
{
	free(q->sql);
	q->sql = NULL;
}
