/*
 * Connection deadlines (http_int.h). A request's total time is bounded:
 * libmicrohttpd's timeout is an idle timeout, restarted by every byte, so a
 * client trickling a byte every 10 s would hold a connection forever. Each connection is watched
 * from accept and again from the end of each request; past its deadline the reaper thread shuts its
 * socket down, and MHD then closes it as it would any dead peer. The watch list is guarded by `mu`;
 * MHD tells us a connection is closed (removing its watch under `mu`) before it closes the socket,
 * so the reaper never touches a descriptor that was reused.
 */
#include "http/http.h"
#include "http/http_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "util/thread.h"
#include "util/timeutil.h"

struct conn_watch {
	int fd;
	int64_t deadline; /* real-time ms */
	bool shut;
	struct conn_watch *prev, *next;
};

struct reaper {
	int64_t request_ms; /* a request's time limit */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct conn_watch *watches; /* guarded by mu */
	bool stopping;              /* guarded by mu */
	pthread_t thread;
};

void reaper_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	struct reaper *s = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct conn_watch *w = ci ? calloc(1, sizeof *w) : NULL;
		if (!w)
			return; /* unwatched: only the idle timeout applies */
		w->fd = ci->connect_fd;
		w->deadline = time_real_ms() + s->request_ms;
		pthread_mutex_lock(&s->mu);
		w->next = s->watches;
		if (w->next)
			w->next->prev = w;
		s->watches = w;
		pthread_mutex_unlock(&s->mu);
		*socket_context = w;
		return;
	}
	struct conn_watch *w = *socket_context;
	if (!w)
		return;
	pthread_mutex_lock(&s->mu);
	if (w->prev)
		w->prev->next = w->next;
	else
		s->watches = w->next;
	if (w->next)
		w->next->prev = w->prev;
	pthread_mutex_unlock(&s->mu);
	free(w);
	*socket_context = NULL;
}

/* Closes connections past their deadline, once a second. */
static void *reaper_main(void *arg)
{
	struct reaper *s = arg;
	pthread_mutex_lock(&s->mu);
	while (!s->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
		int64_t now = time_real_ms();
		for (struct conn_watch *w = s->watches; w; w = w->next)
			if (!w->shut && now > w->deadline) {
				shutdown(w->fd, SHUT_RDWR);
				w->shut = true;
			}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct reaper *reaper_start(int64_t request_ms)
{
	struct reaper *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->request_ms = request_ms;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, reaper_main, s) != 0) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s);
		return NULL;
	}
	return s;
}

/* The connection's deadline becomes now + ms; with at_least, only if that
 * is later than the one it has. */
static void watch_deadline(struct reaper *s, struct MHD_Connection *conn, int64_t ms, bool at_least)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_watch *w = ci ? ci->socket_context : NULL;
	if (!w)
		return;
	int64_t deadline = time_real_ms() + ms;
	pthread_mutex_lock(&s->mu);
	if (!at_least || deadline > w->deadline)
		w->deadline = deadline;
	pthread_mutex_unlock(&s->mu);
}

void reaper_request_done(struct reaper *s, struct MHD_Connection *conn)
{
	watch_deadline(s, conn, s->request_ms, false);
}

void reaper_extend(struct reaper *s, struct MHD_Connection *conn, int64_t ms)
{
	watch_deadline(s, conn, ms, true);
}

void reaper_stop(struct reaper *s)
{
	if (!s)
		return;
	thread_stop(s->thread, &s->mu, &s->cv, &s->stopping);
	/* MHD has closed every connection by now, freeing each watch */
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
