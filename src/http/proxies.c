/*
 * Trusted proxies and the client's address behind them (proxies.h).
 */
#include "http/proxies.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An address as 16 bytes: IPv4 as its IPv4-mapped IPv6 form
 * (::ffff:a.b.c.d), so one comparison serves both. */
struct ip {
	uint8_t b[16];
};

struct range {
	struct ip net;
	int bits; /* prefix length over the 16 bytes */
};

static struct range ranges[PROXIES_MAX];
static int nranges;

/* Parses text[0..len) as an IPv4 or IPv6 address; *v4 says which. */
static bool ip_parse(const char *text, size_t len, struct ip *ip, bool *v4)
{
	char buf[PROXIES_ADDR_MAX];
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	struct in_addr a4;
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		memset(ip->b, 0, 10);
		ip->b[10] = ip->b[11] = 0xff;
		memcpy(ip->b + 12, &a4, 4);
		*v4 = true;
		return true;
	}
	*v4 = false;
	return inet_pton(AF_INET6, buf, ip->b) == 1;
}

/* The address as text: IPv4 (mapped ones too) dotted, IPv6 as inet_ntop. */
static void ip_text(const struct ip *ip, char out[PROXIES_ADDR_MAX])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (!memcmp(ip->b, mapped, sizeof mapped)) {
		if (!inet_ntop(AF_INET, ip->b + 12, out, PROXIES_ADDR_MAX))
			out[0] = '\0';
	} else if (!inet_ntop(AF_INET6, ip->b, out, PROXIES_ADDR_MAX)) {
		out[0] = '\0';
	}
}

static bool in_range(const struct ip *ip, const struct range *r)
{
	int full = r->bits / 8, rest = r->bits % 8;
	if (memcmp(ip->b, r->net.b, (size_t)full))
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (ip->b[full] & mask) == (r->net.b[full] & mask);
}

static bool trusted(const struct ip *ip)
{
	for (int i = 0; i < nranges; i++)
		if (in_range(ip, &ranges[i]))
			return true;
	return false;
}

static bool is_sep(char ch)
{
	return ch == ',' || ch == ' ' || ch == '\t';
}

/* Parses one entry "ADDR" or "ADDR/BITS" of len bytes into r. */
static int range_parse(const char *s, size_t len, struct range *r)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	bool v4;
	if (!ip_parse(s, alen, &r->net, &v4))
		return -1;
	int max = v4 ? 32 : 128, bits = max;
	if (slash) {
		size_t dlen = len - alen - 1;
		if (dlen < 1 || dlen > 3)
			return -1;
		bits = 0;
		for (size_t i = 0; i < dlen; i++) {
			char ch = slash[1 + i];
			if (ch < '0' || ch > '9')
				return -1;
			bits = bits * 10 + (ch - '0');
		}
		if (bits > max)
			return -1;
	}
	r->bits = v4 ? 96 + bits : bits;
	return 0;
}

int proxies_set(const char *list, char *err, size_t errcap)
{
	nranges = 0;
	if (!list)
		return 0;
	struct range parsed[PROXIES_MAX];
	int n = 0;
	for (const char *p = list; *p;) {
		while (is_sep(*p))
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && !is_sep(*p))
			p++;
		size_t len = (size_t)(p - start);
		if (n == PROXIES_MAX) {
			snprintf(err, errcap, "可信代理至多 %d 个", PROXIES_MAX);
			return -1;
		}
		if (range_parse(start, len, &parsed[n]) != 0) {
			/* the entry is not echoed: it may be any bytes */
			snprintf(err, errcap, "可信代理第 %d 项不是 IP 地址或 CIDR 网段", n + 1);
			return -1;
		}
		n++;
	}
	memcpy(ranges, parsed, sizeof parsed[0] * (size_t)n);
	nranges = n;
	return 0;
}

bool proxies_any(void)
{
	return nranges > 0;
}

void proxies_client(const char *peer, const char *xff, char out[PROXIES_ADDR_MAX])
{
	snprintf(out, PROXIES_ADDR_MAX, "%s", peer);
	struct ip hop;
	bool v4;
	if (!nranges || !xff || !ip_parse(peer, strlen(peer), &hop, &v4) || !trusted(&hop))
		return;
	/* right to left over the entries, at most PROXIES_HOPS_MAX of them */
	const char *end = xff + strlen(xff);
	for (int k = 0; k < PROXIES_HOPS_MAX; k++) {
		while (end > xff && is_sep(end[-1]))
			end--;
		if (end == xff)
			break; /* no entry left: the last trusted hop is the client */
		const char *start = end;
		while (start > xff && !is_sep(start[-1]))
			start--;
		struct ip ip;
		if (!ip_parse(start, (size_t)(end - start), &ip, &v4))
			break; /* not an address: the hop that wrote it is the client */
		hop = ip;
		if (!trusted(&ip))
			break;
		end = start;
	}
	ip_text(&hop, out);
}
