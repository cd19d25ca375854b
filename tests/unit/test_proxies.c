/*
 * Trusted proxies (http/proxies.h): the list's parsing and its refusals,
 * and which address X-Forwarded-For yields, for hostile headers too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/proxies.h"

static void set_ok(const char *list)
{
	char err[160];
	if (proxies_set(list, err, sizeof err) != 0)
		fail_msg("%s: %s", list ? list : "(null)", err);
}

static void lists_parse_and_bad_ones_are_refused(void **state)
{
	(void)state;
	char err[160];
	set_ok("127.0.0.1");
	assert_true(proxies_any());
	set_ok(" 10.0.0.0/8, ::1  fd00::/8,192.168.1.7/32 ");
	assert_true(proxies_any());
	set_ok("");
	assert_false(proxies_any());
	set_ok(NULL);
	assert_false(proxies_any());

	static const char *const bad[] = {
	    "300.1.1.1",        "10.0.0.0/33", "10.0.0.0/",    "10.0.0.0/8x",
	    "::1/129",          "localhost",   "10.0.0.1;rm",  "1.2.3.4/-1",
	    "\xe4\xbd\xa0\xe5", "\xff\xfe",    "1.2.3.4/0008",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		set_ok("127.0.0.1");
		err[0] = '\0';
		assert_int_equal(proxies_set(bad[i], err, sizeof err), -1);
		assert_non_null(strstr(err, "可信代理"));
		assert_false(proxies_any()); /* a refusal trusts nobody */
	}
	/* the entry is not echoed into the message (it may be any bytes) */
	assert_int_equal(proxies_set("1.1.1.1 zq\xe4\xbd", err, sizeof err), -1);
	assert_null(strstr(err, "zq"));
	assert_non_null(strstr(err, "第 2 项"));

	char many[PROXIES_MAX * 16 + 32] = "";
	for (int i = 0; i <= PROXIES_MAX; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "10.0.%d.1,", i);
	assert_int_equal(proxies_set(many, err, sizeof err), -1);
	many[strlen(many) - strlen("10.0.32.1,")] = '\0'; /* PROXIES_MAX exactly */
	set_ok(many);
}

static const char *client(const char *peer, const char *xff)
{
	static char out[PROXIES_ADDR_MAX];
	proxies_client(peer, xff, out);
	return out;
}

static void the_client_is_the_first_untrusted_hop_from_the_right(void **state)
{
	(void)state;
	set_ok("127.0.0.1, 10.0.0.0/8, fd00::/8");
	/* a trusted peer: the header's client */
	assert_string_equal(client("127.0.0.1", "203.0.113.7"), "203.0.113.7");
	assert_string_equal(client("127.0.0.1", " 203.0.113.7 "), "203.0.113.7");
	/* proxies chained: trusted hops passed over */
	assert_string_equal(client("127.0.0.1", "203.0.113.7, 10.1.2.3"), "203.0.113.7");
	assert_string_equal(client("10.9.9.9", "203.0.113.7,10.1.2.3,fd00::5"), "203.0.113.7");
	/* what a client put at the left is not believed past an untrusted hop */
	assert_string_equal(client("127.0.0.1", "6.6.6.6, 203.0.113.7"), "203.0.113.7");
	assert_string_equal(client("127.0.0.1", "10.0.0.1, 203.0.113.7"), "203.0.113.7");
	/* no header, an empty one: the proxy itself */
	assert_string_equal(client("127.0.0.1", NULL), "127.0.0.1");
	assert_string_equal(client("127.0.0.1", ""), "127.0.0.1");
	assert_string_equal(client("127.0.0.1", " , ,"), "127.0.0.1");
	/* not an address: the hop that wrote it is the client */
	assert_string_equal(client("127.0.0.1", "junk"), "127.0.0.1");
	assert_string_equal(client("127.0.0.1", "203.0.113.7, junk, 10.0.0.2"), "10.0.0.2");
	assert_string_equal(client("127.0.0.1", "1.2.3.4:5678"), "127.0.0.1");
	assert_string_equal(client("127.0.0.1", "\xe4\xbd\xa0\xe5\xa5"), "127.0.0.1");
	/* IPv6, and IPv4 written as mapped IPv6, come back normalised */
	assert_string_equal(client("127.0.0.1", "2001:DB8:0:0::1"), "2001:db8::1");
	assert_string_equal(client("127.0.0.1", "::ffff:203.0.113.7"), "203.0.113.7");
	assert_string_equal(client("::ffff:10.0.0.3", "203.0.113.8"), "203.0.113.8");
	/* an untrusted peer is its own client, whatever it sends */
	assert_string_equal(client("198.51.100.1", "203.0.113.7"), "198.51.100.1");
	assert_string_equal(client("fe80::1", "203.0.113.7"), "fe80::1");
	/* only trusted hops: the last one read is the client */
	assert_string_equal(client("127.0.0.1", "10.0.0.4, 10.0.0.5"), "10.0.0.4");

	/* at most PROXIES_HOPS_MAX entries are read from the right */
	char hops[PROXIES_HOPS_MAX * 16 + 64] = "203.0.113.9";
	for (int i = 0; i < PROXIES_HOPS_MAX; i++)
		snprintf(hops + strlen(hops), sizeof hops - strlen(hops), ",10.0.0.%d", i + 1);
	assert_string_equal(client("127.0.0.1", hops), "10.0.0.1");
	*strrchr(hops, ',') = '\0'; /* one hop fewer: the client is within reach */
	assert_string_equal(client("127.0.0.1", hops), "203.0.113.9");

	/* a long address-looking entry does not overflow */
	char longer[400];
	memset(longer, '1', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	assert_string_equal(client("127.0.0.1", longer), "127.0.0.1");

	/* none trusted: the header is never read */
	set_ok(NULL);
	assert_string_equal(client("127.0.0.1", "203.0.113.7"), "127.0.0.1");
}

/* CIDR edges: the prefix decides, byte and bit boundaries alike. */
static void ranges_match_their_prefix_exactly(void **state)
{
	(void)state;
	set_ok("192.168.4.0/22, 2001:db8:8000::/33");
	assert_string_equal(client("192.168.7.255", "203.0.113.1"), "203.0.113.1");
	assert_string_equal(client("192.168.4.0", "203.0.113.1"), "203.0.113.1");
	assert_string_equal(client("192.168.8.0", "203.0.113.1"), "192.168.8.0");
	assert_string_equal(client("192.168.3.255", "203.0.113.1"), "192.168.3.255");
	assert_string_equal(client("2001:db8:ffff::1", "203.0.113.1"), "203.0.113.1");
	assert_string_equal(client("2001:db8:7fff::1", "203.0.113.1"), "2001:db8:7fff::1");
	/* an IPv4 range never matches a v6 address that merely shares bytes */
	assert_string_equal(client("c0a8:400::1", "203.0.113.1"), "c0a8:400::1");
	set_ok("0.0.0.0/0");
	assert_string_equal(client("8.8.8.8", "203.0.113.1"), "203.0.113.1");
	assert_string_equal(client("::1", "203.0.113.1"), "::1");
	set_ok(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lists_parse_and_bad_ones_are_refused),
	    cmocka_unit_test(the_client_is_the_first_untrusted_hop_from_the_right),
	    cmocka_unit_test(ranges_match_their_prefix_exactly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
