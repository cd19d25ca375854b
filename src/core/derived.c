/* Rebuilding the derived tables (derived.h): each derived table's owner
 * adds its rebuild here, in dependency order. */
#include "core/derived.h"

#include <stdio.h>

#include "store/store.h"

int derived_rebuild(struct store_conn *c, const struct app *app, char *err, size_t errcap)
{
	(void)c;
	(void)app;
	(void)err;
	(void)errcap;
	return 0;
}
