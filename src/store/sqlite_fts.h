/* The FTS5 tokenizer of the SQLite backend (sqlite_fts.c). */
#ifndef CIVICLOOP_STORE_SQLITE_FTS_H
#define CIVICLOOP_STORE_SQLITE_FTS_H

#include <sqlite3.h>

/* The name schema.h's FTS5 tables give as tokenize=. */
#define FTS_TOKENIZER "civicloop"

/* Registers the tokenizer with a connection's FTS5; SQLITE_OK or an error. */
int sqlite_fts_register(fts5_api *api);

#endif
