/* SQL of the public area; see store/statements.h for the conventions. */
#ifndef CIVICLOOP_STORE_STMT_PUBLIC_H
#define CIVICLOOP_STORE_STMT_PUBLIC_H

#define STATEMENTS_PUBLIC(STMT)

#endif
