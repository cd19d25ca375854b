/*
 * Target proxies: the trusted-proxy list and X-Forwarded-For
 * (http/proxies.h), two strings that come from outside (an operator's
 * setting, a client's header). For every input:
 *
 *  1. proxies_set() accepts the list or refuses it with a message and no
 *     proxy trusted;
 *  2. proxies_client() answers the peer itself (cut to the buffer) when no
 *     proxy is trusted or the peer is not a trusted address; else an
 *     address inet_pton reads back to the same text, which is the peer's
 *     or one of the header's entries;
 *  3. the same input gives the same answer twice.
 *
 * Input: the list, a newline, the peer, a newline, the header's value.
 */
#include "harness.h"
#include "http/proxies.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* The next line of data as a new string (a NUL in it ends the string, as
 * libmicrohttpd hands a header value over). */
static char *take_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	const uint8_t *stop = nl ? nl : end;
	char *s = fz_strndup(*p, (size_t)(stop - *p));
	*p = nl ? nl + 1 : end;
	return s;
}

/* Whether text is an address whose normal form is text itself. */
static bool normal_address(const char *text)
{
	unsigned char b[16];
	char back[PROXIES_ADDR_MAX];
	if (inet_pton(AF_INET, text, b) == 1)
		return inet_ntop(AF_INET, b, back, sizeof back) && !strcmp(back, text);
	if (inet_pton(AF_INET6, text, b) == 1)
		return inet_ntop(AF_INET6, b, back, sizeof back) && !strcmp(back, text);
	return false;
}

/* Whether addr is the normal form of one of the entries of xff. */
static bool from_header(const char *addr, const char *xff)
{
	char *copy = strdup(xff), *save = NULL;
	bool found = false;
	for (char *t = strtok_r(copy, ", \t", &save); t && !found;
	     t = strtok_r(NULL, ", \t", &save)) {
		unsigned char b[16];
		char norm[PROXIES_ADDR_MAX] = "";
		if (inet_pton(AF_INET, t, b) == 1)
			inet_ntop(AF_INET, b, norm, sizeof norm);
		else if (inet_pton(AF_INET6, t, b) == 1)
			inet_ntop(AF_INET6, b, norm, sizeof norm);
		/* an IPv4-mapped IPv6 entry comes back dotted */
		if (!strncmp(norm, "::ffff:", 7) && strchr(norm, '.'))
			memmove(norm, norm + 7, strlen(norm + 7) + 1);
		found = norm[0] && !strcmp(norm, addr);
	}
	free(copy);
	return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *list = take_line(&p, end), *peer = take_line(&p, end);
	char *xff = fz_strndup(p, (size_t)(end - p));
	char err[160] = "";
	int rc = proxies_set(list, err, sizeof err);
	if (rc != 0 && (!err[0] || proxies_any()))
		fz_fail("a refused list left proxies trusted or said nothing");
	if (rc == 0 && err[0])
		fz_fail("an accepted list set a message");

	char out[PROXIES_ADDR_MAX], again[PROXIES_ADDR_MAX], cut[PROXIES_ADDR_MAX];
	proxies_client(peer, xff, out);
	proxies_client(peer, xff, again);
	if (strcmp(out, again))
		fz_fail("two answers for one input: %s, %s", out, again);
	snprintf(cut, sizeof cut, "%s", peer);
	if (!proxies_any() && strcmp(out, cut))
		fz_fail("no proxy trusted, yet the answer is not the peer: %s", out);
	if (strcmp(out, cut)) {
		if (!normal_address(out))
			fz_fail("the answer is not an address in normal form: %s", out);
		if (!from_header(out, xff) && !from_header(out, peer))
			fz_fail("the answer %s is neither the peer nor an entry of the header",
			        out);
	}
	free(list);
	free(peer);
	free(xff);
	proxies_set(NULL, err, sizeof err);
	return 0;
}
