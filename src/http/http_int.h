/*
 * What the files of the HTTP layer share and nothing else sees: the checks
 * and hooks of request.c, and the connection deadlines of reaper.c.
 */
#ifndef CIVICLOOP_HTTP_HTTP_INT_H
#define CIVICLOOP_HTTP_HTTP_INT_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/writer.h"

struct err;
struct req;

/* server.c: err as API.md's error shape, {"error":{"code","message","field"?}}
 * (the caller frees it); NULL only if out of memory or jansson refuses a
 * string, which err_set's UTF-8 scrub rules out. */
char *http_error_body(const struct err *err);

/* server.c: queues run as the writer job of the suspended request r, inside
 * the wrapper every handler write goes through (Idempotency-Key: a repeated
 * key and body answers the stored result; a job that wrote but built no
 * answer is undone). The writer resumes the connection once its batch
 * committed or failed. reply_async is req_suspend followed by this;
 * offload.c calls it for the write that follows the slow work. */
void req_write_submit(struct req *r, write_fn run);

/* request.c: 0, or -1 with r->err set (400) if the path or query is not valid
 * UTF-8, the query was cut (too many arguments) or Idempotency-Key is not
 * printable ASCII. */
int req_encoding_check(struct req *r);
/* MHD_OPTION_UNESCAPE_CALLBACK and MHD_OPTION_URI_LOG_CALLBACK */
size_t req_unescape(void *cls, struct MHD_Connection *conn, char *s);
void *req_on_uri(void *cls, const char *uri, struct MHD_Connection *conn);

/* web.c: whether method and url are the UI's (not the API's), and the
 * answer to such a request (the status sent in *status). */
bool web_wants(const char *method, const char *url);
enum MHD_Result web_serve(struct MHD_Connection *conn, const char *url, unsigned *status);

/* reaper.c: closes connections whose request outlives request_ms, counted
 * from accept and from the end of each request on the connection. */
struct reaper;
struct reaper *reaper_start(int64_t request_ms); /* NULL if the thread would not start */
void reaper_stop(struct reaper *rp);             /* after MHD_stop_daemon */
/* MHD_OPTION_NOTIFY_CONNECTION, with the reaper as cls */
void reaper_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code);
/* From MHD_OPTION_NOTIFY_COMPLETED: the connection's next request starts now. */
void reaper_request_done(struct reaper *rp, struct MHD_Connection *conn);
/* The request now on conn may take ms from now in all, if that is longer
 * than it has left (req_allow_time). */
void reaper_extend(struct reaper *rp, struct MHD_Connection *conn, int64_t ms);

/* statuslog.c: the routes statuslog_note names (server_start), and one
 * line for an answered request of route index `route` (-1: none matched). */
struct route;
void statuslog_routes_set(const struct route *routes, int nroutes);
void statuslog_note(int route, const char *method, int status);

#endif
