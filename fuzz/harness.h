/*
 * The shared harness of the libFuzzer targets in fuzz/ (docs/fuzzing.md).
 *
 * Requests run through the real server code, not a copy of it: the harness
 * stands in for libmicrohttpd by defining the MHD_* functions the server
 * calls (the executable's definitions take precedence over the shared
 * library's), so server_start() hands us its request callback and a fuzz
 * input becomes a request that on_request() routes, authenticates, checks
 * and answers exactly as it would over a socket. The answer is checked by
 * the fake MHD_queue_response(): every request gets exactly one response,
 * and a JSON response must parse (an error one must have API.md's shape).
 *
 * Writes: the fuzz executables are linked with --wrap=writer_submit, so a
 * handler's writer job runs at once on the idle writer's connection, inside
 * a savepoint of a transaction that is rolled back after each input. The
 * demo county (src/cli/demo.c, the same code as `civicloop demo`) is built
 * once per process in a scratch folder and never changes afterwards, so
 * inputs do not accumulate and a crash reproduces from its input alone.
 *
 * Not here: libmicrohttpd's own HTTP parsing (not our code); the scheduler.
 */
#ifndef CIVICLOOP_FUZZ_HARNESS_H
#define CIVICLOOP_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/auth.h"
#include "core/chain.h"
#include "core/writer.h"

struct server;

/* libFuzzer's entry points. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The linker's --wrap=writer_submit sends the server's writer_submit()
 * here; see the top of this file. */
void __wrap_writer_submit(struct writer *w, struct write_job *job);
void __real_writer_submit(struct writer *w, struct write_job *job);

/* Stops the process with a message naming what broke (an oracle failed). */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A scratch folder of this process (TMPDIR, else /dev/shm, else /tmp),
 * removed with its files at exit; "civicloop-fuzz-<pid>-*" folders left by
 * processes that died (crashed) are removed when the next one starts. */
const char *fz_tmpdir(void);
/* Writes data to path (mode 0600, truncating). 0 or -1. */
int fz_write_file(const char *path, const uint8_t *data, size_t size);
/* A NUL-terminated copy of data (caller frees). */
char *fz_strndup(const uint8_t *data, size_t size);
/* Copies the first line of data (without '\n', cut to cap - 1 bytes) into
 * line and returns the offset after it; size when there is no '\n'. */
size_t fz_line(const uint8_t *data, size_t size, char *line, size_t cap);

/* The demo county, served by the real request code. */
#define FZ_MAX_USERS 64
struct fz_world {
	struct app app;
	struct server *srv;      /* the server, its MHD calls answered by the harness */
	struct store_conn *conn; /* the idle writer's connection: jobs run here */
	struct chain_head head;  /* the audit chain's head as built */
	struct chain_head cur;   /* the head inside the current input */
	int64_t now;             /* the business clock, frozen after setup */
	bool in_txn;
	int nusers;
	char logins[FZ_MAX_USERS][LOGIN_MAX + 1];
	char apikeys[FZ_MAX_USERS][APIKEY_LEN + 1]; /* one key per demo account */
	bool commit_jobs; /* while setting up: jobs go to the real writer and commit */
};
/* Demo accounts signed in at setup (POST /api/v1/auth/login), for session
 * tokens, cookies and the CSRF check. */
#define FZ_SESSION_LOGINS \
	{ \
		"admin", "op1", "disp1", "cg1" \
	}
#define FZ_SESSIONS 4
/* Builds the world on first use (call it from LLVMFuzzerInitialize). */
struct fz_world *fz_world(void);
/* The API key of a demo account, NULL if there is no such login. */
const char *fz_apikey(const char *login);
/* Case `id` of the world as the public sees it: its number and the last
 * four digits of its reporter's phone ("" if none). False if no such case. */
bool fz_case_public(int64_t id, char *no, size_t nocap, char tail[5]);
/* Opens the transaction that the writer jobs of one input share; the
 * clock is the world's. fz_txn_end() rolls it back and restores both. */
void fz_txn_begin(void);
void fz_txn_end(void);
/* Moves the business clock of the current input forward. */
void fz_clock_advance(int64_t ms);

/* One request as libmicrohttpd would hand it to the server. */
#define FZ_MAX_VALUES 64
struct fz_value {
	int kind; /* enum MHD_ValueKind */
	char *key;
	char *value; /* NULL: a query argument without '=' */
	size_t key_len, value_len;
};
struct fz_request {
	char method[16];
	char *url; /* the path, percent-decoded as MHD decodes it */
	char *uri; /* the request target as sent */
	struct fz_value values[FZ_MAX_VALUES];
	int nvalues;
	const uint8_t *body;
	size_t body_len;
	char address[64]; /* the client's IPv4 address */
	/* the answer */
	bool suspended, resumed;
	int queued; /* responses queued: exactly one is right */
	unsigned status;
	char *resp_body;
	size_t resp_len;
	char content_type[128];
};
void fz_request_init(struct fz_request *q, const char *method);
/* Sets the request target "path?query": the path is percent-decoded, the
 * query split into arguments (MHD's rules: '&', '=', '+' and %XX). */
void fz_request_target(struct fz_request *q, const char *target, size_t n);
/* Adds a header; a Cookie header also adds its cookies. */
void fz_request_header(struct fz_request *q, const char *name, const char *value);
/* Signs the request in as a demo account (its X-API-Key); false if unknown. */
bool fz_request_as(struct fz_request *q, const char *login);
/* Signs the request in with the session of one of FZ_SESSION_LOGINS: as
 * "Authorization: Bearer TOKEN", or (cookie) as the cl_session cookie with
 * its X-CSRF-Token. False if that account has no session. */
bool fz_request_session(struct fz_request *q, const char *login, bool cookie);
/* Runs the request through the server and checks the answer; returns the
 * status. FUZZ_VERBOSE=1 in the environment prints each answer. */
unsigned fz_request_run(struct fz_request *q);
void fz_request_release(struct fz_request *q);

#endif
