/*
 * Unit tests of the per-address limiter of the public routes
 * (api/addr_limit.h): an address is allowed until it has counted `max` in
 * its window, the window starts at its first count and ends window_ms
 * later, addresses are counted apart, and a full table forgets the address
 * whose window began first rather than refusing anyone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "api/addr_limit.h"

static struct addr_limit three = ADDR_LIMIT_INIT(3, 1000);
static struct addr_limit one = ADDR_LIMIT_INIT(1, 1000);

static void counts_to_max_then_refuses_until_the_window_ends(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_true(addr_limit_allowed(&three, "10.0.0.1", 100 + i));
		addr_limit_count(&three, "10.0.0.1", 100 + i);
	}
	assert_false(addr_limit_allowed(&three, "10.0.0.1", 500));
	assert_false(addr_limit_allowed(&three, "10.0.0.1", 1100)); /* 1000 ms after the first */
	assert_true(addr_limit_allowed(&three, "10.0.0.2", 500));   /* another address */
	assert_true(addr_limit_allowed(&three, "10.0.0.1", 1101));  /* the window is over */
	addr_limit_count(&three, "10.0.0.1", 1101);                 /* a new window */
	assert_true(addr_limit_allowed(&three, "10.0.0.1", 1102));
}

static void a_full_table_forgets_the_oldest_window(void **state)
{
	(void)state;
	char addr[32];
	for (int i = 0; i < ADDR_LIMIT_SLOTS; i++) {
		snprintf(addr, sizeof addr, "192.168.%d.%d", i / 256, i % 256);
		addr_limit_count(&one, addr, 10 + i);
	}
	assert_false(addr_limit_allowed(&one, "192.168.0.0", 500));
	addr_limit_count(&one, "172.16.0.1", 600); /* takes the oldest slot */
	assert_false(addr_limit_allowed(&one, "172.16.0.1", 601));
	assert_true(addr_limit_allowed(&one, "192.168.0.0", 601)); /* forgotten */
	assert_false(addr_limit_allowed(&one, "192.168.0.1", 601));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(counts_to_max_then_refuses_until_the_window_ends),
	    cmocka_unit_test(a_full_table_forgets_the_oldest_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
