/*
 * The client's address behind a reverse proxy (docs/deploy.md "The
 * client's address"). Every per-address limit (the login throttle, public
 * tracking's misses, suggestions, document checks) counts req.address.
 * Behind nginx every connection comes from nginx, so without this all
 * clients of a server would share one address and one client's failures
 * would lock out everyone.
 *
 * serve --trusted-proxies LIST (or $CIVICLOOP_TRUSTED_PROXIES) names the
 * proxies: addresses or CIDR ranges, IPv4 or IPv6, separated by commas or
 * spaces, at most PROXIES_MAX. A request whose connection comes from one
 * of them is taken to be from the address its X-Forwarded-For names: the
 * entries are read right to left (the nearest hop first), each trusted
 * proxy is passed over, and the first other entry is the client. An
 * entry that is not an address stops the walk at the hop that wrote it
 * (a client can put anything at the left of the header, nothing at its
 * right). A connection from any other address is its own client, whatever
 * it sends. None configured (the default): the header is never read.
 *
 * Set once at start, before the server's threads; read-only after.
 */
#ifndef CIVICLOOP_HTTP_PROXIES_H
#define CIVICLOOP_HTTP_PROXIES_H

#include <stdbool.h>
#include <stddef.h>

#define PROXIES_MAX 32
/* X-Forwarded-For entries read, from the right, at most. */
#define PROXIES_HOPS_MAX 16
/* Room for an address as text (INET6_ADDRSTRLEN) and the NUL. */
#define PROXIES_ADDR_MAX 64

/* Parses list into the trusted set (replacing it; NULL or "" empties it).
 * 0, or -1 with a message in err (the set is left empty). */
int proxies_set(const char *list, char *err, size_t errcap);

/* Whether any proxy is trusted. */
bool proxies_any(void);

/* The client's address as text into out[PROXIES_ADDR_MAX]: peer itself
 * unless peer is a trusted proxy, else X-Forwarded-For's client (xff, the
 * header's values joined by commas; NULL when absent). */
void proxies_client(const char *peer, const char *xff, char out[PROXIES_ADDR_MAX]);

#endif
