/*
 * The status log (http.h statuslog_open): when a file is named, one line
 * "METHOD PATTERN STATUS" for every answered API request, the pattern the
 * route table's (a request no route matched: "-"). tests/openapi/
 * coverage.mjs reads these files after the API suite to find documented
 * statuses no test produced and produced ones nobody documented. Off unless
 * opened; each line is one write() to a file opened O_APPEND, so servers and
 * threads may share a file.
 */
#include "http/http.h"
#include "http/http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static _Atomic int log_fd = -1;
static const struct route *log_routes; /* set before serving, read only afterwards */
static int log_nroutes;

int statuslog_open(const char *path, char *err, size_t errcap)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errcap, "无法打开状态日志 %s: %s", path, strerror(errno));
		return -1;
	}
	int old = atomic_exchange(&log_fd, fd);
	if (old >= 0)
		close(old);
	return 0;
}

void statuslog_routes_set(const struct route *routes, int nroutes)
{
	log_routes = routes;
	log_nroutes = nroutes;
}

void statuslog_note(int route, const char *method, int status)
{
	int fd = atomic_load(&log_fd);
	if (fd < 0)
		return;
	const char *pattern =
	    route >= 0 && route < log_nroutes && log_routes ? log_routes[route].pattern : "-";
	char line[512];
	int n = snprintf(line, sizeof line, "%s %s %d\n", method ? method : "-", pattern, status);
	if (n > 0 && (size_t)n < sizeof line && write(fd, line, (size_t)n) < 0)
		return; /* a test aid: a failed line is only a gap in the coverage */
}
