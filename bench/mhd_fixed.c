/*
 * mhd_fixed — the HTTP floor of civicloop's benchmark (docs/bench.md): a
 * libmicrohttpd server with the options and thread count civicloop's own
 * server starts with (src/http/server.c: an internal polling thread per
 * pool thread, epoll, 4096 connections, 64 KiB per connection), that reads
 * each request's body in full and answers every request with one fixed
 * 201 JSON body of --bytes bytes. No routing, no JSON, no auth, no SQLite:
 * loadgen against it, with the clients of a creation run, gives the
 * requests/s that HTTP on this machine allows at most, and creations/s are
 * reported as a ratio of it.
 *
 * It listens on 127.0.0.1 only, prints "listening on http://127.0.0.1:PORT/"
 * like `civicloop serve` (so bench/run.sh starts either the same way) and
 * runs until SIGTERM or SIGINT.
 *
 * usage: mhd_fixed [--port P] [--threads N] [--bytes B]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#define MAX_BODY_BYTES (64 * 1024)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long parse_long(const char *s, long lo, long hi, const char *name)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "mhd_fixed: %s must be an integer in [%ld, %ld]\n", name, lo, hi);
		exit(2);
	}
	return v;
}

/* Serves every request: consumes the body, then queues the fixed answer
 * (the response object is shared, so nothing is allocated per request). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct MHD_Response *fixed = cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	if (*con_cls == NULL) {
		*con_cls = conn; /* first call: headers only */
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* the body is read and dropped */
		return MHD_YES;
	}
	return MHD_queue_response(conn, 201, fixed);
}

int main(int argc, char **argv)
{
	int port = 0, threads = 4;
	size_t bytes = 1024;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			goto usage;
		if (!strcmp(argv[i], "--port"))
			port = (int)parse_long(argv[++i], 0, 65535, "--port");
		else if (!strcmp(argv[i], "--threads"))
			threads = (int)parse_long(argv[++i], 1, 64, "--threads");
		else if (!strcmp(argv[i], "--bytes"))
			bytes = (size_t)parse_long(argv[++i], 2, MAX_BODY_BYTES, "--bytes");
		else
			goto usage;
	}
	/* a JSON object padded to the size of a real create's answer */
	char *body = malloc(bytes);
	if (!body)
		return 1;
	memset(body, ' ', bytes);
	memcpy(body, "{\"case\":{}}", bytes < 11 ? 2 : 11);
	if (bytes < 11)
		body[1] = '}';
	struct MHD_Response *fixed =
	    MHD_create_response_from_buffer(bytes, body, MHD_RESPMEM_PERSISTENT);
	if (!fixed || MHD_add_response_header(fixed, "Content-Type", "application/json") != MHD_YES)
		return 1;

	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY | MHD_USE_ERROR_LOG, 0, NULL,
	    NULL, on_request, fixed, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT, 4096u,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)(64 * 1024), MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "mhd_fixed: cannot listen on 127.0.0.1:%d\n", port);
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("mhd_fixed: listening on http://127.0.0.1:%u/ (%d threads, %zu-byte answers)\n",
	       di ? di->port : 0u, threads, bytes);
	fflush(stdout);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	MHD_destroy_response(fixed);
	free(body);
	return 0;
usage:
	fputs("usage: mhd_fixed [--port P] [--threads N] [--bytes B]\n", stderr);
	return 2;
}
