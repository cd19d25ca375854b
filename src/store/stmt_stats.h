/* SQL of the stats area; see store/statements.h for the conventions. */
#ifndef CIVICLOOP_STORE_STMT_STATS_H
#define CIVICLOOP_STORE_STMT_STATS_H

#define STATEMENTS_STATS(STMT)

#endif
