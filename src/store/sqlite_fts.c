/*
 * The "civicloop" FTS5 tokenizer: util/tokenize.h's tokens handed to
 * SQLite's full-text index. Registered on every connection (sqlite.c), since
 * both writing to an FTS5 table and querying it run the tokenizer.
 */
#include "store/sqlite_fts.h"

#include "util/tokenize.h"

struct fts_call {
	void *ctx;
	int (*token)(void *ctx, int flags, const char *tok, int len, int start, int end);
};

static int fts_token(void *ctx, const char *tok, size_t len, size_t start, size_t end,
                     bool colocated)
{
	struct fts_call *c = ctx;
	return c->token(c->ctx, colocated ? FTS5_TOKEN_COLOCATED : 0, tok, (int)len, (int)start,
	                (int)end);
}

/* The tokenizer has no state: any non-NULL handle will do. */
static char fts_handle;

static int fts_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
	(void)ctx;
	(void)argv;
	if (argc != 0)
		return SQLITE_ERROR;
	*out = (Fts5Tokenizer *)&fts_handle;
	return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *t)
{
	(void)t;
}

static int fts_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
                        int (*token)(void *, int, const char *, int, int, int))
{
	(void)t;
	struct fts_call c = {ctx, token};
	/* FTS5_TOKENIZE_AUX (snippet, highlight) must see the document's tokens */
	enum tokenize_mode mode =
	    (flags & FTS5_TOKENIZE_QUERY) ? TOKENIZE_QUERY : TOKENIZE_DOCUMENT;
	return n > 0 ? tokenize(text, (size_t)n, mode, fts_token, &c) : SQLITE_OK;
}

int sqlite_fts_register(fts5_api *api)
{
	static fts5_tokenizer tok = {fts_create, fts_delete, fts_tokenize};
	if (!api || api->iVersion < 2)
		return SQLITE_ERROR;
	return api->xCreateTokenizer(api, FTS_TOKENIZER, NULL, &tok, NULL);
}
