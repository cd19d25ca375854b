/*
 * Unit tests of the engine on a real SQLite database in a temp folder:
 * transitions allowed and forbidden, parallel assignments, permissions and
 * scopes, the canonical event encoding and the chain, input limits, and the
 * scheduler firing each timer exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/app.h"
#include "core/auth.h"
#include "core/chain.h"
#include "core/directory.h"
#include "core/engine.h"
#include "core/scheduler.h"
#include "core/writer.h"
#include "util/timeutil.h"

#include "unit_db.h"

struct call {
	const char *login;
	const char *action; /* NULL = create */
	int64_t id;
	json_t *body;
	json_t *out;
	struct err e;
};

static int setup_job(struct wctx *w, struct write_job *job)
{
	struct err *e = job->arg;
	static const struct role_spec disp = {"dispatcher", "county"};
	static const struct role_spec op = {"operator", "county"};
	static const struct role_spec h = {"handler", NULL};
	static const struct role_spec sup = {"supervisor", "county"};
	if (org_add(w, "county", "测试县", "county", NULL, NULL, e) < 0 ||
	    org_add(w, "county.12345", "热线中心", "centre", "county", NULL, e) < 0 ||
	    org_add(w, "dept.cg", "城管局", "department", "county", NULL, e) < 0 ||
	    org_add(w, "town.a", "甲镇", "township", "county", NULL, e) < 0 ||
	    org_add(w, "town.b", "乙乡", "township", "county", NULL, e) < 0)
		return -1;
	const char *hash = "$argon2id$v=19$m=65536,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
	                   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	if (user_add(w, "disp1", "派单员", "county.12345", hash, NULL, &disp, 1, e) < 0 ||
	    user_add(w, "op1", "话务员", "county.12345", hash, NULL, &op, 1, e) < 0 ||
	    user_add(w, "sup1", "督办员", "county.12345", hash, NULL, &sup, 1, e) < 0 ||
	    user_add(w, "cg1", "城管", "dept.cg", hash, NULL, &h, 1, e) < 0 ||
	    user_add(w, "town1", "甲镇", "town.a", hash, NULL, &h, 1, e) < 0 ||
	    user_add(w, "town2", "乙乡", "town.b", hash, NULL, &h, 1, e) < 0)
		return -1;
	return 0;
}

static int fx_setup(void **state)
{
	struct err e = {0};
	*state = unit_db_open("cl-unit", setup_job, &e);
	return 0;
}

static int fx_teardown(void **state)
{
	time_set_fake(0);
	unit_db_close(*state);
	return 0;
}

static int call_job(struct wctx *w, struct write_job *job)
{
	struct call *c = job->arg;
	struct store_stmt *s = store_stmt(w->conn, ST_USER_BY_LOGIN);
	sbind_text(s, 1, c->login);
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	struct actor a;
	if (actor_load(w->conn, uid, &a) != 0)
		return err_set(&c->e, E_UNAUTHENTICATED, NULL, NULL);
	return c->action ? engine_act(w, &a, c->id, c->action, c->body, &c->out, &c->e)
	                 : engine_create(w, &a, c->body, &c->out, &c->e);
}

/* Runs one engine call; returns the HTTP-like status (200/201 or the error's). */
static int run(struct unit_db *f, const char *login, const char *action, int64_t id,
               const char *body, json_t **out)
{
	struct call c = {.login = login, .action = action, .id = id};
	c.body = json_loads(body, 0, NULL);
	assert_non_null(c.body);
	int rc = writer_run(f->app.writer, call_job, &c);
	json_decref(c.body);
	if (out)
		*out = c.out;
	else
		json_decref(c.out);
	if (rc != 0)
		return err_status(c.e.kind);
	return action ? 200 : 201;
}

static int64_t create(struct unit_db *f, const char *body)
{
	json_t *out;
	assert_int_equal(run(f, "op1", NULL, 0, body, &out), 201);
	int64_t id = json_integer_value(json_object_get(json_object_get(out, "case"), "id"));
	json_decref(out);
	assert_true(id > 0);
	return id;
}

static const char *case_status(struct unit_db *f, int64_t id, char *buf, size_t cap)
{
	struct case_full cf;
	assert_int_equal(case_load(f->reader, &f->app, id, &cf), 0);
	snprintf(buf, cap, "%s", cf.c.status);
	case_full_release(&cf);
	return buf;
}

static int64_t count_events(struct unit_db *f)
{
	struct store_stmt *s = store_stmt(f->reader, ST_EVENT_HEAD);
	int64_t n = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	return n;
}

static void test_transitions(void **state)
{
	struct unit_db *f = *state;
	char st[32];
	int64_t id =
	    create(f, "{\"type\":\"hotline\",\"class\":\"投诉\",\"description\":\"路灯不亮\","
	              "\"org\":\"town.a\"}");
	assert_string_equal(case_status(f, id, st, sizeof st), "received");
	/* forbidden: a handler cannot dispatch; review is not allowed when received */
	assert_int_equal(run(f, "cg1", "dispatch", id, "{\"org\":\"dept.cg\"}", NULL), 404);
	assert_int_equal(run(f, "town1", "dispatch", id, "{\"org\":\"dept.cg\"}", NULL), 403);
	assert_int_equal(run(f, "disp1", "review", id, "{}", NULL), 409);
	assert_int_equal(run(f, "disp1", "nonsense", id, "{}", NULL), 404);
	/* missing and unknown fields */
	assert_int_equal(run(f, "disp1", "dispatch", id, "{}", NULL), 400);
	assert_int_equal(run(f, "disp1", "dispatch", id, "{\"org\":\"dept.cg\",\"x\":1}", NULL),
	                 400);
	assert_int_equal(run(f, "disp1", "dispatch", id, "{\"org\":\"no.such\"}", NULL), 400);
	/* stale version */
	assert_int_equal(
	    run(f, "disp1", "dispatch", id, "{\"org\":\"dept.cg\",\"version\":7}", NULL), 409);
	int64_t before = count_events(f);
	assert_int_equal(
	    run(f, "disp1", "dispatch", id, "{\"org\":\"dept.cg\",\"version\":1}", NULL), 200);
	assert_int_equal(count_events(f), before + 1);
	assert_string_equal(case_status(f, id, st, sizeof st), "dispatched");
	/* town2 can neither see nor act; cg1 signs, replies */
	assert_int_equal(run(f, "town2", "sign", id, "{}", NULL), 404);
	assert_int_equal(run(f, "cg1", "reply", id, "{\"reply\":\"已修复\"}", NULL), 409);
	assert_int_equal(run(f, "cg1", "sign", id, "{}", NULL), 200);
	assert_int_equal(run(f, "cg1", "sign", id, "{}", NULL), 409);
	assert_int_equal(run(f, "cg1", "reply", id, "{\"reply\":\"已修复\"}", NULL), 200);
	assert_string_equal(case_status(f, id, st, sizeof st), "replied");
	assert_int_equal(run(f, "sup1", "review", id, "{}", NULL), 200);
	/* callback: unsatisfied reopens to handling, then satisfied closes */
	assert_int_equal(run(f, "sup1", "callback", id, "{\"resolved\":true}", NULL), 400);
	assert_int_equal(
	    run(f, "sup1", "callback", id, "{\"resolved\":true,\"satisfaction\":\"不满意\"}", NULL),
	    200);
	assert_string_equal(case_status(f, id, st, sizeof st), "handling");
	assert_int_equal(run(f, "cg1", "reply", id, "{\"reply\":\"重新处理完毕\"}", NULL), 200);
	assert_int_equal(run(f, "sup1", "review", id, "{}", NULL), 200);
	assert_int_equal(
	    run(f, "sup1", "callback", id, "{\"resolved\":true,\"satisfaction\":\"满意\"}", NULL),
	    200);
	assert_string_equal(case_status(f, id, st, sizeof st), "closed");
	struct case_full cf;
	assert_int_equal(case_load(f->reader, &f->app, id, &cf), 0);
	assert_int_equal(json_integer_value(json_object_get(cf.c.fields, "reopen_count")), 1);
	assert_true(cf.c.closed_at > 0);
	case_full_release(&cf);
	/* nothing more is allowed on a closed case */
	assert_int_equal(run(f, "sup1", "urge", id, "{}", NULL), 409);
}

static void test_parallel_assignments(void **state)
{
	struct unit_db *f = *state;
	char st[32];
	int64_t id =
	    create(f, "{\"type\":\"hotline\",\"class\":\"求助\",\"description\":\"河道垃圾\"}");
	assert_int_equal(run(f, "disp1", "dispatch", id,
	                     "{\"orgs\":[\"dept.cg\",\"town.a\"],\"lead\":\"town.b\"}", NULL),
	                 400);
	assert_int_equal(
	    run(f, "disp1", "dispatch", id, "{\"orgs\":[\"dept.cg\",\"dept.cg\"]}", NULL), 400);
	assert_int_equal(run(f, "disp1", "dispatch", id,
	                     "{\"orgs\":[\"dept.cg\",\"town.a\"],\"lead\":\"dept.cg\"}", NULL),
	                 200);
	struct case_full cf;
	assert_int_equal(case_load(f->reader, &f->app, id, &cf), 0);
	assert_int_equal(cf.na, 2);
	assert_string_equal(cf.a[0].kind, "lead");
	assert_string_equal(cf.a[1].kind, "assist");
	assert_true(cf.a[0].due_at > cf.a[0].sign_due_at);
	case_full_release(&cf);
	assert_int_equal(run(f, "cg1", "sign", id, "{}", NULL), 200);
	assert_int_equal(run(f, "town1", "sign", id, "{}", NULL), 200);
	assert_int_equal(run(f, "cg1", "reply", id, "{\"reply\":\"主办已处理\"}", NULL), 200);
	/* still waiting on the assisting unit */
	assert_string_equal(case_status(f, id, st, sizeof st), "handling");
	assert_int_equal(run(f, "town1", "reply", id, "{\"reply\":\"协办已配合\"}", NULL), 200);
	assert_string_equal(case_status(f, id, st, sizeof st), "replied");
}

static void test_return_and_redispatch(void **state)
{
	struct unit_db *f = *state;
	char st[32];
	int64_t id =
	    create(f, "{\"type\":\"hotline\",\"class\":\"投诉\",\"description\":\"噪音\"}");
	assert_int_equal(run(f, "disp1", "dispatch", id, "{\"org\":\"town.a\"}", NULL), 200);
	assert_int_equal(run(f, "town1", "return", id, "{}", NULL), 400);
	assert_int_equal(run(f, "town1", "return", id, "{\"reason\":\"不属本镇管辖\"}", NULL), 200);
	assert_string_equal(case_status(f, id, st, sizeof st), "return_requested");
	assert_int_equal(run(f, "disp1", "approve_return", id, "{}", NULL), 200);
	assert_string_equal(case_status(f, id, st, sizeof st), "received");
	assert_int_equal(run(f, "disp1", "dispatch", id, "{\"org\":\"town.b\"}", NULL), 200);
	struct case_full cf;
	assert_int_equal(case_load(f->reader, &f->app, id, &cf), 0);
	assert_int_equal(cf.na, 2);
	assert_string_equal(cf.a[0].status, "cancelled");
	assert_string_equal(cf.a[1].org_code, "town.b");
	case_full_release(&cf);
	/* the old unit no longer sees the case */
	assert_int_equal(run(f, "town1", "sign", id, "{}", NULL), 404);
	assert_int_equal(run(f, "town2", "sign", id, "{}", NULL), 200);
}

static void test_limits(void **state)
{
	struct unit_db *f = *state;
	int64_t before = count_events(f);
	char big[9000 * 3 + 64];
	size_t n = (size_t)snprintf(big, sizeof big, "{\"type\":\"hotline\",\"description\":\"");
	for (int i = 0; i < 8001; i++) {
		memcpy(big + n, "字", 3);
		n += 3;
	}
	snprintf(big + n, sizeof big - n, "\"}");
	assert_int_equal(run(f, "op1", NULL, 0, big, NULL), 400);
	assert_int_equal(run(f, "op1", NULL, 0, "{\"type\":\"hotline\"}", NULL), 400);
	assert_int_equal(run(f, "op1", NULL, 0, "{\"type\":\"nope\",\"description\":\"x\"}", NULL),
	                 400);
	assert_int_equal(run(f, "op1", NULL, 0,
	                     "{\"type\":\"hotline\",\"description\":\"x\",\"class\":\"闲聊\"}",
	                     NULL),
	                 400);
	assert_int_equal(
	    run(f, "op1", NULL, 0,
	        "{\"type\":\"hotline\",\"description\":\"x\",\"reporter\":{\"phone\":\"12\"}}",
	        NULL),
	    400);
	assert_int_equal(
	    run(f, "op1", NULL, 0,
	        "{\"type\":\"hotline\",\"description\":\"x\",\"location\":{\"lat\":91,\"lng\":1}}",
	        NULL),
	    400);
	assert_int_equal(
	    run(f, "op1", NULL, 0,
	        "{\"type\":\"hotline\",\"description\":\"x\",\"fields\":{\"bogus\":1}}", NULL),
	    400);
	assert_int_equal(
	    run(f, "cg1", NULL, 0, "{\"type\":\"hotline\",\"description\":\"x\"}", NULL), 403);
	assert_int_equal(count_events(f), before); /* nothing was written */
}

static void test_received_at_deadline(void **state)
{
	struct unit_db *f = *state;
	/* op1 may not import: received_at is ignored */
	json_t *out;
	assert_int_equal(run(f, "op1", NULL, 0,
	                     "{\"type\":\"hotline\",\"class\":\"投诉\",\"description\":\"x\","
	                     "\"received_at\":\"2024-02-08T10:00:00+08:00\"}",
	                     &out),
	                 201);
	const char *rat =
	    json_string_value(json_object_get(json_object_get(out, "case"), "received_at"));
	assert_true(strncmp(rat, "2024-02-08", 10) != 0);
	json_decref(out);
}

static void test_canonical_encoding(void **state)
{
	(void)state;
	struct event_rec e = {.case_id = 1,
	                      .at = 2,
	                      .actor_id = 0,
	                      .org_id = 3,
	                      .action = "ab",
	                      .from = NULL,
	                      .to = "c",
	                      .payload = "{}"};
	struct buf b;
	buf_init(&b, 1024);
	chain_canonical(&e, 5, &b);
	static const unsigned char expect[] = {
	    'c',  'i',  'v',  'i',  'c', 'l', 'o', 'o', 'p', '.', 'e', 'v', 'e',
	    'n',  't',  '.',  'v',  '1', 0,   0,   0,   0,   0,   0,   0,   5, /* seq */
	    1,    0,    0,    0,    0,   0,   0,   0,   1,                     /* case_id */
	    1,    0,    0,    0,    0,   0,   0,   0,   2,                     /* at */
	    0,    0,    0,    0,    0,   0,   0,   0,   0, /* actor_id: absent */
	    1,    0,    0,    0,    0,   0,   0,   0,   3, /* org_id */
	    0,    0,    0,    2,    'a', 'b',              /* action */
	    0xff, 0xff, 0xff, 0xff,                        /* from: NULL */
	    0,    0,    0,    1,    'c',                   /* to */
	    0,    0,    0,    2,    '{', '}',              /* payload */
	};
	assert_int_equal(b.len, sizeof expect);
	assert_memory_equal(b.data, expect, sizeof expect);
	buf_release(&b);
	/* a different seq gives a different hash */
	unsigned char zero[HASH_LEN] = {0}, h1[HASH_LEN], h2[HASH_LEN];
	chain_hash(zero, &e, 5, h1);
	chain_hash(zero, &e, 6, h2);
	assert_memory_not_equal(h1, h2, HASH_LEN);
}

static int checkpoint_job(struct wctx *w, struct write_job *job)
{
	(void)job;
	return chain_checkpoint(w->conn, w->head, &w->app->keys, w->now);
}

static void test_chain_verify(void **state)
{
	struct unit_db *f = *state;
	int64_t id = create(f, "{\"type\":\"hotline\",\"description\":\"链\"}");
	assert_int_equal(run(f, "disp1", "dispatch", id, "{\"org\":\"dept.cg\"}", NULL), 200);
	assert_int_equal(run(f, "cg1", "sign", id, "{}", NULL), 200);
	/* sign a checkpoint of the head now, as the writer does every minute */
	assert_int_equal(writer_run(f->app.writer, checkpoint_job, NULL), 0);
	struct chain_report rep;
	assert_int_equal(chain_verify(f->reader, f->app.keys.sign_pk, &rep), 0);
	assert_int_equal(rep.events, 3);
	assert_true(rep.checkpoints >= 1);
	/* a key that did not sign the checkpoints is caught */
	unsigned char other_pk[crypto_sign_PUBLICKEYBYTES], other_sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(other_pk, other_sk);
	assert_int_equal(chain_verify(f->reader, other_pk, &rep), 1);
	assert_true(rep.bad_seq > 0);
	/* and the right key still passes */
	assert_int_equal(chain_verify(f->reader, f->app.keys.sign_pk, &rep), 0);
}

static void test_permissions(void **state)
{
	(void)state;
	struct actor a = {.nroles = 2};
	snprintf(a.roles[0].role, sizeof a.roles[0].role, "handler");
	snprintf(a.roles[0].scope_path, sizeof a.roles[0].scope_path, "/1/4/");
	snprintf(a.roles[1].role, sizeof a.roles[1].role, "leader");
	snprintf(a.roles[1].scope_path, sizeof a.roles[1].scope_path, "/1/4/");
	assert_true(actor_can(&a, P_CASE_READ, "/1/4/"));
	assert_true(actor_can(&a, P_CASE_READ, "/1/4/9/"));
	assert_false(actor_can(&a, P_CASE_READ, "/1/5/"));
	assert_false(actor_can(&a, P_CASE_READ, "/1/"));
	assert_false(actor_can(&a, P_PII_READ, "/1/4/"));
	assert_true(actor_can(&a, P_STATS_READ, "/1/4/")); /* from leader */
	assert_false(actor_has(&a, P_CASE_CREATE));
	/* only the types naming handlers in create_roles (whistles) */
	assert_true(actor_has(&a, P_CASE_RAISE));
	/* "/1/4/" must not cover "/1/40/" */
	assert_false(path_within("/1/40/", "/1/4/"));
	const char *scopes[3];
	assert_int_equal(actor_scopes(&a, P_CASE_READ, scopes, 3), 1);
	assert_true(role_known("dispatcher"));
	assert_false(role_known("root"));
}

static void test_scheduler_exactly_once(void **state)
{
	struct unit_db *f = *state;
	int64_t id =
	    create(f, "{\"type\":\"hotline\",\"class\":\"紧急\",\"description\":\"燃气泄漏\"}");
	(void)id;
	int64_t now = time_now_ms();
	/* 25 hours later the 24-hour case deadline has passed */
	int fired = scheduler_run_once(&f->app, f->reader, now + 25 * MS_PER_HOUR);
	assert_true(fired >= 1);
	/* as after a restart: the same instant fires nothing again */
	assert_int_equal(scheduler_run_once(&f->app, f->reader, now + 25 * MS_PER_HOUR), 0);
}

/* The hotline's assignment statuses mean what the engine did with their
 * names before "assignment_statuses": only "signed" records signing for. */
static void test_asg_phases(void **state)
{
	struct unit_db *f = *state;
	const struct matter_type *t = types_find(f->app.types, "hotline");
	assert_non_null(t);
	assert_int_equal(type_asg_phase(t, "pending"), ASG_OPEN);
	assert_int_equal(type_asg_phase(t, "signed"), ASG_SIGNED);
	assert_int_equal(type_asg_phase(t, "return_requested"), ASG_OPEN);
	assert_int_equal(type_asg_phase(t, "extension_requested"), ASG_OPEN);
	assert_int_equal(type_asg_phase(t, "approval_pending"), ASG_OPEN);
	assert_int_equal(type_asg_phase(t, "done"), ASG_DONE);
	assert_int_equal(type_asg_phase(t, "cancelled"), ASG_CANCELLED);
	assert_int_equal(type_asg_phase(t, "no_such_status"), ASG_OPEN);
	assert_string_equal(type_asg_status(t, ASG_CANCELLED), "cancelled");
	assert_string_equal(type_asg_status(t, ASG_SIGNED), "signed");
	assert_string_equal(type_asg_status(t, ASG_DONE), "done");
	assert_null(type_asg_status(t, ASG_OPEN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_transitions, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_parallel_assignments, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_return_and_redispatch, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_limits, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_received_at_deadline, fx_setup, fx_teardown),
	    cmocka_unit_test(test_canonical_encoding),
	    cmocka_unit_test_setup_teardown(test_chain_verify, fx_setup, fx_teardown),
	    cmocka_unit_test(test_permissions),
	    cmocka_unit_test_setup_teardown(test_scheduler_exactly_once, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_asg_phases, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
