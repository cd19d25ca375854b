/*
 * Unit tests for the login throttle and the password policy (core/auth.c):
 * reservations count before the password is checked, settling keeps a
 * failure or gives the slot back, windows roll over, the per-address rate
 * counts every attempt; and each rule of the policy refuses alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/auth.h"

#define T0 1700000000000LL

static int setup(void **state)
{
	(void)state;
	throttle_reset_all();
	return 0;
}

static void test_reserve_counts_in_flight(void **state)
{
	(void)state;
	for (int i = 0; i < THROTTLE_MAX_PER_LOGIN; i++)
		assert_int_equal(throttle_reserve("u1", "10.0.0.1", T0), THROTTLE_OK);
	/* five in flight, none settled: the sixth is refused */
	assert_int_equal(throttle_reserve("u1", "10.0.0.1", T0), THROTTLE_LOGIN);
	/* another account from the same address is not */
	assert_int_equal(throttle_reserve("u2", "10.0.0.1", T0), THROTTLE_OK);
	throttle_settle("u2", "10.0.0.1", THROTTLE_SUCCEEDED, T0);
	/* successes give their slots back */
	for (int i = 0; i < THROTTLE_MAX_PER_LOGIN; i++)
		throttle_settle("u1", "10.0.0.1", THROTTLE_SUCCEEDED, T0);
	assert_int_equal(throttle_reserve("u1", "10.0.0.1", T0), THROTTLE_OK);
	throttle_settle("u1", "10.0.0.1", THROTTLE_CANCELLED, T0);
}

static void test_failures_stay_until_window_ends(void **state)
{
	(void)state;
	for (int i = 0; i < THROTTLE_MAX_PER_LOGIN; i++) {
		assert_int_equal(throttle_reserve("u1", "10.0.0.2", T0 + i), THROTTLE_OK);
		throttle_settle("u1", "10.0.0.2", THROTTLE_FAILED, T0 + i);
	}
	assert_int_equal(throttle_reserve("u1", "10.0.0.2", T0 + 1000), THROTTLE_LOGIN);
	assert_int_equal(throttle_reserve("u1", "10.0.0.3", T0 + 1000), THROTTLE_LOGIN);
	int64_t later = T0 + THROTTLE_WINDOW_MS + 1;
	assert_int_equal(throttle_reserve("u1", "10.0.0.2", later), THROTTLE_OK);
	throttle_settle("u1", "10.0.0.2", THROTTLE_SUCCEEDED, later);
}

static void test_success_forgives_account_not_address(void **state)
{
	(void)state;
	for (int i = 0; i < THROTTLE_MAX_PER_LOGIN - 1; i++) {
		assert_int_equal(throttle_reserve("u1", "10.0.0.4", T0), THROTTLE_OK);
		throttle_settle("u1", "10.0.0.4", THROTTLE_FAILED, T0);
	}
	assert_int_equal(throttle_reserve("u1", "10.0.0.4", T0), THROTTLE_OK);
	throttle_settle("u1", "10.0.0.4", THROTTLE_SUCCEEDED, T0);
	/* the account starts again from zero ... */
	for (int i = 0; i < THROTTLE_MAX_PER_LOGIN - 1; i++) {
		assert_int_equal(throttle_reserve("u1", "10.0.0.4", T0), THROTTLE_OK);
		throttle_settle("u1", "10.0.0.4", THROTTLE_FAILED, T0);
	}
	/* ... the address keeps its 8 failures: 22 more, then it is spent */
	for (int i = 0; i < THROTTLE_MAX_PER_ADDRESS - 8; i++) {
		char login[16];
		snprintf(login, sizeof login, "v%d", i);
		assert_int_equal(throttle_reserve(login, "10.0.0.4", T0), THROTTLE_OK);
		throttle_settle(login, "10.0.0.4", THROTTLE_FAILED, T0);
	}
	assert_int_equal(throttle_reserve("fresh", "10.0.0.4", T0), THROTTLE_ADDRESS);
}

static void test_rate_counts_every_attempt(void **state)
{
	(void)state;
	int limit = throttle_rate_limit();
	for (int i = 0; i < limit; i++) {
		char login[16];
		snprintf(login, sizeof login, "r%d", i);
		assert_int_equal(throttle_reserve(login, "10.0.0.5", T0), THROTTLE_OK);
		throttle_settle(login, "10.0.0.5", THROTTLE_SUCCEEDED, T0);
	}
	assert_int_equal(throttle_reserve("r-next", "10.0.0.5", T0), THROTTLE_RATE);
	assert_int_equal(throttle_reserve("r-next", "10.0.0.5", T0 + THROTTLE_RATE_WINDOW_MS + 1),
	                 THROTTLE_OK);
	throttle_settle("r-next", "10.0.0.5", THROTTLE_SUCCEEDED, T0);
}

/* 16 threads race 20 reservations each for one account: exactly 5 win. */
static int winners;
static pthread_mutex_t winners_mu = PTHREAD_MUTEX_INITIALIZER;

static void *racer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20; i++) {
		if (throttle_reserve("race", "10.0.0.6", T0) == THROTTLE_OK) {
			pthread_mutex_lock(&winners_mu);
			winners++;
			pthread_mutex_unlock(&winners_mu);
		}
	}
	return NULL;
}

static void test_parallel_reservations(void **state)
{
	(void)state;
	pthread_t t[16];
	for (int i = 0; i < 16; i++)
		pthread_create(&t[i], NULL, racer, NULL);
	for (int i = 0; i < 16; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(winners, THROTTLE_MAX_PER_LOGIN);
}

static void expect_refused(const char *login, const char *pw, const char *needle)
{
	struct err e = {0};
	int rc = password_policy_check(password_policy_get(), login, pw, "password", &e);
	if (rc == 0)
		fail_msg("\"%s\" was accepted, expected \"%s\"", pw, needle);
	assert_int_equal(e.kind, E_FIELD_INVALID);
	assert_string_equal(e.field, "password");
	if (!strstr(err_message(&e), needle))
		fail_msg("\"%s\": \"%s\" does not say \"%s\"", pw, err_message(&e), needle);
}

static void test_policy(void **state)
{
	(void)state;
	const struct password_policy *p = password_policy_get();
	assert_int_equal(p->min_chars, PASSWORD_MIN_CHARS_DEFAULT);
	assert_int_equal(p->min_classes, PASSWORD_MIN_CLASSES_DEFAULT);
	expect_refused("clerk", "12345678", "至少需要 10 个字符");
	expect_refused("clerk", "Ab1!Ab1!A", "至少需要 10 个字符");
	expect_refused("clerk", "          ", "不能全是空格");
	expect_refused("clerk", "\t \t \t \t \t ", "控制字符");
	/* ten characters of white space: ideographic (U+3000), no-break, plain */
	expect_refused("clerk",
	               "\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80\xc2\xa0"
	               "\xc2\xa0\xe3\x80\x80\xe3\x80\x80 \xe3\x80\x80",
	               "不能全是空格");
	expect_refused("clerk", "my-CLERK-2024", "不能包含账号名");
	expect_refused("clerk", "abcdefghijkl", "至少 3 类");
	expect_refused("clerk", "ABCDEFGH1234", "至少 3 类");
	expect_refused("clerk",
	               "abcd\x01"
	               "EFGH12",
	               "控制字符");
	char long_pw[PASSWORD_MAX + 2];
	memset(long_pw, 'a', sizeof long_pw - 1);
	long_pw[sizeof long_pw - 1] = '\0';
	long_pw[0] = 'A';
	long_pw[1] = '1';
	expect_refused("clerk", long_pw, "不能超过");
	struct err e = {0};
	assert_int_equal(password_policy_check(p, "clerk", "Strong#Pass2024", "password", &e), 0);
	/* ten characters, not ten bytes: 中文 counts as "other" */
	assert_int_equal(password_policy_check(p, "clerk", "中文密码ab12cd", "password", &e), 0);
	expect_refused("clerk", "中文密码ab12", "至少需要 10 个字符");
	/* the spaces within a password are fine */
	assert_int_equal(password_policy_check(p, "clerk", "correct Horse 7", "password", &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_reserve_counts_in_flight, setup),
	    cmocka_unit_test_setup(test_failures_stay_until_window_ends, setup),
	    cmocka_unit_test_setup(test_success_forgives_account_not_address, setup),
	    cmocka_unit_test_setup(test_rate_counts_every_attempt, setup),
	    cmocka_unit_test_setup(test_parallel_reservations, setup),
	    cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
