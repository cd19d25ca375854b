/* SQL of notices and caller history; see store/statements.h for the conventions. */
#ifndef CIVICLOOP_STORE_STMT_NOTICES_H
#define CIVICLOOP_STORE_STMT_NOTICES_H

#define STATEMENTS_NOTICES(STMT)

#endif
