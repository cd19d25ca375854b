/*
 * The process-wide context: configuration loaded at start (calendar, matter
 * types, keys) and the running services (writer, scheduler). Built once by
 * the CLI, read-only afterwards except for the services' own state.
 */
#ifndef CIVICLOOP_CORE_APP_H
#define CIVICLOOP_CORE_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "util/crypto.h"

struct actor;
struct err;
struct calendar;
struct type_registry;
struct writer;
struct compiled;
struct outbox_cache;
struct sms_config;

struct app {
	char db_path[1024];
	char key_path[1024];
	char files_dir[1100]; /* the attachments' files: db_path + ".files" (util/filestore.h) */
	char config_dir[1024];
	struct calendar *cal;
	struct type_registry *types;
	struct keys keys;
	struct writer *writer;
	int64_t session_ttl_ms;
	/* CIVICLOOP_TEST_CLOCK=1 at start: PUT /api/v1/test/clock may move the
	 * business clock (time_set_fake). Never set in production. */
	bool test_clock;
	/* The writer commits without a sync (synchronous=OFF): only a database
	 * that is discarded when its maker fails (civicloop gen), set before
	 * writer_start. */
	bool writer_unsynced;
	/* The route permission check the HTTP layer calls once a caller is
	 * signed in: may the actor use a route needing `perm` (the route
	 * table's entry, auth.h PERM_*) at all? Whether the object is inside
	 * the caller's scope stays with the handler. app_init sets it to
	 * auth.c's actor_permitted. */
	bool (*permit)(const struct actor *a, const char *perm);
	/* For a caller signed in by API key, whether its scopes let it call the
	 * route (api/key_scopes.c apikey_route_permit, set by serve): 0, or -1
	 * with *e set. NULL: no key may call any route. */
	int (*key_route)(const struct actor *a, const char *method, const char *pattern,
	                 struct err *e);
	/* The current dispatch catalogue compiled for routing (core/routing.c
	 * owns it; NULL until a case is first ranked). */
	struct compiled *route_cache;
	/* The writer's cache of live webhook subscriptions (core/outbox.c owns
	 * it; NULL until an event first needs it). */
	struct outbox_cache *outbox_cache;
	/* SMS notices (core/sms.h): loaded by serve (sms_setup), NULL when off;
	 * read-only once loaded. */
	struct sms_config *sms;
};

/* Loads calendar, types and keys for the database at db_path (config from
 * config_dir, or the built-in default). create_keys creates the key file when
 * missing (init/demo). Returns 0 or -1 with a reason printed into err. */
/* $CIVICLOOP_STATE_DIR, or /var/lib/civicloop: a PostgreSQL database's
 * local state (its key, its files, the files being built). */
const char *app_state_dir(void);
/* The folder where a's files that are not in the database are made (an
 * export being built, a catalogue's CSV, the SMS file sink): the SQLite
 * file's folder, or the state folder on PostgreSQL. 0, or -1. */
int app_data_dir(const struct app *a, char *out, size_t cap);
/* The key file and the attachments' folder of database db: beside a SQLite
 * file (FILE.key, FILE.files), in $CIVICLOOP_STATE_DIR for PostgreSQL
 * (civicloop.key, civicloop.files); $CIVICLOOP_KEY_FILE overrides the key.
 * files may be NULL. 0, or -1 when a path is too long. */
int app_state_paths(const char *db, char *key, size_t keycap, char *files, size_t filescap);
int app_init(struct app *a, const char *db_path, const char *config_dir, int create_keys, char *err,
             size_t errcap);
void app_release(struct app *a);
/* The default config folder: $CIVICLOOP_CONFIG, else <source>/config. */
const char *app_default_config_dir(void);
/* The integer environment variable `name` when set and within lo..hi, else
 * dflt (a value out of range is reported on stderr). */
int app_env_int(const char *name, int lo, int hi, int dflt);

#endif
