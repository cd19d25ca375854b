/* The civicloop command line: one binary, subcommands (DESIGN.md §3). */
#ifndef CIVICLOOP_CLI_CLI_H
#define CIVICLOOP_CLI_CLI_H

#include <stdint.h>

struct app;
struct err;
struct wctx;
struct write_job;
struct json_t;

/* Shared option parsing: looks for "--name VALUE" in argv; NULL if absent. */
const char *cli_opt(int argc, char **argv, const char *name);
int cli_flag(int argc, char **argv, const char *name);
/* The --db FILE of a command that creates the database: 0 with *db set, or
 * the exit status after saying why (2: no --db; 1: FILE exists, never
 * overwritten). */
int cli_new_db(int argc, char **argv, const char *cmd, const char **db);
/* Opens the app and its writer for the database; prints errors. 0 or -1. */
int cli_open(struct app *app, const char *db, int create);
/* cli_open for a new database (created) whose writer commits without a
 * sync: for a file that is removed when the command fails (gen). */
int cli_open_unsynced(struct app *app, const char *db);
void cli_close(struct app *app);
/* Opens the database (creating it when create is set), runs job(arg) on its
 * writer and closes it. 0 when written; 1 after printing "civicloop CMD: "
 * and the job's error *e (or 写入失败 when the job set none). */
int cli_write(const char *db, int create, int (*job)(struct wctx *, struct write_job *), void *arg,
              const struct err *e, const char *cmd);

int cmd_demo(int argc, char **argv);
/* demo.c: the orgs of a county document (demo's config/demo/county.json),
 * and a catalogue document file saved as the next version (writer jobs) */
int demo_orgs_add(struct wctx *w, struct json_t *doc, struct err *e);
int demo_catalogue_add(struct wctx *w, const char *path, struct err *e);
/* demo_topics.c: the collection topics of the demo parts ("topics"). */
int demo_topics_add(struct wctx *w, struct json_t *topics, struct err *e);
/* demo_enterprises.c: the enterprise registry of the demo parts ("enterprises"). */
int demo_enterprises_add(struct wctx *w, struct json_t *list, struct err *e);
/* demo.c: the demo account `login` as an actor (a demo step's "as"). */
struct actor;
int demo_actor_load(struct wctx *w, const char *login, struct actor *a, struct err *e);
/* demo_inspections.c: the parts' "inspection_plans", and a case item's
 * "inspection" (a generated due inspection; its id into *case_id). */
int demo_inspection_plans_add(struct wctx *w, struct json_t *plans, struct err *e);
int demo_inspection_generate(struct wctx *w, struct json_t *spec, long long *case_id,
                             struct err *e);
/* demo_campaigns.c: the discipline supervision campaigns of the parts
 * ("campaigns"), at times counted back from now. 0, or -1 after a message. */
int demo_campaigns_add(struct app *app, struct json_t *campaigns, int64_t now);
/* demo.c, for gen.c: the demo county without its cases (orgs, accounts,
 * catalogue, topics, task lists, inspection plans, campaigns); *doc is the
 * county document with its parts (the caller's: json_decref). 0, or -1
 * after a message. */
int demo_county_write(struct app *app, struct json_t **doc);
/* demo.c: stores the demo photo (a 2×2 PNG) in the file store; its SHA-256
 * (hex) into sha, which holds FILESTORE_HEX (65) bytes, its size in bytes
 * into *size (what an attachment row of it says). 0 or -1. */
int demo_photo_store(struct app *app, char *sha, int64_t *size);
/* demo.c: "@day±N" anywhere in v becomes the date N days from `today`. */
void demo_days(struct json_t *v, int64_t today);
int cmd_gen(int argc, char **argv);         /* gen.c: gen --db FILE --cases N */
int cmd_routing(int argc, char **argv);     /* routing.c: routing eval */
int cmd_user(int argc, char **argv);        /* users.c */
int cmd_init(int argc, char **argv);        /* users.c */
int cmd_permissions(int argc, char **argv); /* permissions.c */
int cmd_backup(int argc, char **argv);      /* backup.c */
int cmd_stats(int argc, char **argv);       /* stats.c */
int cmd_files(int argc, char **argv);       /* files.c */
int cmd_geo(int argc, char **argv);         /* geo.c */
int cmd_import(int argc, char **argv);      /* import.c */
int cmd_doc(int argc, char **argv);         /* documents.c: doc verify, doc keys */
int cmd_keys(int argc, char **argv);        /* documents.c: keys rotate */
int cmd_apikey(int argc, char **argv);      /* apikeys.c: apikey add | list | revoke */
int cmd_openapi(int argc, char **argv);     /* openapi.c: openapi [--check] */

#endif
