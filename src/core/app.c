/* Start-up of the process context (app.h). */
#include "core/app.h"
#include "core/routing.h"
#include "core/auth.h"
#include "core/calendar.h"
#include "core/effects.h"
#include "core/outbox.h"
#include "core/sms.h"
#include "core/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/files.h"
#include "util/filestore.h"

const char *app_default_config_dir(void)
{
	const char *env = getenv("CIVICLOOP_CONFIG");
	return env && *env ? env : CIVICLOOP_SOURCE_DIR "/config";
}

const char *app_state_dir(void)
{
	const char *state = getenv("CIVICLOOP_STATE_DIR");
	return state && *state ? state : "/var/lib/civicloop";
}

int app_data_dir(const struct app *a, char *out, size_t cap)
{
	if (store_dsn_is_pg(a->db_path))
		return (size_t)snprintf(out, cap, "%s", app_state_dir()) < cap ? 0 : -1;
	return path_dir(a->db_path, out, cap);
}

int app_state_paths(const char *db, char *key, size_t keycap, char *files, size_t filescap)
{
	/* On SQLite the key and the attachments' files sit beside the
	 * database (FILE.key, FILE.files); a PostgreSQL database has no
	 * folder, so they are in the state folder CIVICLOOP_STATE_DIR (by
	 * default /var/lib/civicloop; docs/postgresql.md): civicloop.key and
	 * civicloop.files/, the same for every server of the database. */
	char beside[1024];
	const char *state = app_state_dir();
	bool pg = store_dsn_is_pg(db);
	const char *kp = getenv("CIVICLOOP_KEY_FILE");
	if ((size_t)snprintf(beside, sizeof beside, "%s%s", pg ? state : db,
	                     pg ? "/civicloop" : "") >= sizeof beside ||
	    (size_t)snprintf(key, keycap, "%s%s", kp && *kp ? kp : beside,
	                     kp && *kp ? "" : ".key") >= keycap)
		return -1;
	return files ? filestore_dir_of(beside, files, filescap) : 0;
}

int app_init(struct app *a, const char *db_path, const char *config_dir, int create_keys, char *err,
             size_t errcap)
{
	memset(a, 0, sizeof *a);
	if (crypto_init() != 0) {
		snprintf(err, errcap, "libsodium 初始化失败");
		return -1;
	}
	if (!config_dir)
		config_dir = app_default_config_dir();
	if ((size_t)snprintf(a->db_path, sizeof a->db_path, "%s", db_path) >= sizeof a->db_path ||
	    (size_t)snprintf(a->config_dir, sizeof a->config_dir, "%s", config_dir) >=
	        sizeof a->config_dir ||
	    app_state_paths(db_path, a->key_path, sizeof a->key_path, a->files_dir,
	                    sizeof a->files_dir) != 0) {
		snprintf(err, errcap, "路径过长");
		return -1;
	}
	a->session_ttl_ms = 12LL * 3600 * 1000;
	a->permit = actor_permitted;
	const char *tc = getenv("CIVICLOOP_TEST_CLOCK");
	a->test_clock = tc && !strcmp(tc, "1");

	char path[1100], why[512];
	snprintf(path, sizeof path, "%s/calendar/cn-workdays.json", config_dir);
	a->cal = calendar_load_file(path, why, sizeof why);
	if (!a->cal) {
		snprintf(err, errcap, "工作日历加载失败: %s", why);
		return -1;
	}
	snprintf(path, sizeof path, "%s/types", config_dir);
	a->types = types_load_dir(path, effect_index, why, sizeof why);
	if (!a->types || effects_check_types(a->types, path, why, sizeof why) != 0) {
		snprintf(err, errcap, "事项类型加载失败: %s", why);
		app_release(a);
		return -1;
	}
	if (keys_load(&a->keys, a->key_path, create_keys, why, sizeof why) != 0) {
		snprintf(err, errcap, "%s", why);
		app_release(a);
		return -1;
	}
	return 0;
}

void app_release(struct app *a)
{
	routing_cache_release(a);
	outbox_cache_release(a);
	sms_config_free(a->sms);
	a->sms = NULL;
	calendar_free(a->cal);
	types_free(a->types);
	sodium_memzero(&a->keys, sizeof a->keys);
	a->cal = NULL;
	a->types = NULL;
}

int app_env_int(const char *name, int lo, int hi, int dflt)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || n < lo || n > hi) {
		fprintf(stderr, "civicloop: %s=%s 不在 %d–%d 之内，使用默认值 %d\n", name, v, lo,
		        hi, dflt);
		return dflt;
	}
	return (int)n;
}
