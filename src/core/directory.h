/*
 * The org tree and accounts: creation used by `civicloop init`, `user add`
 * and `demo`. These run inside writer jobs.
 */
#ifndef CIVICLOOP_CORE_DIRECTORY_H
#define CIVICLOOP_CORE_DIRECTORY_H

#include <stdint.h>

#include "core/writer.h"
#include "util/error.h"

/* Adds an org under parent_code (NULL for a root). Returns its id or -1. */
int64_t org_add(struct wctx *w, const char *code, const char *name, const char *kind,
		const char *parent_code, const char *region_code, struct err *e);

struct role_spec {
	const char *role;
	const char *scope_code; /* NULL = the user's own org */
};

/* Adds a user; pw_hash is an Argon2id string. Returns its id or -1. */
int64_t user_add(struct wctx *w, const char *login, const char *name, const char *org_code,
		 const char *pw_hash, const char *phone, const struct role_spec *roles, int nroles,
		 struct err *e);

#endif
