/*
 * The stop handshake of civicloop's background threads (the writer, the
 * reaper, the scheduler): each sleeps on a condition variable under its
 * mutex and leaves its loop once its stopping flag is set. Not a thread
 * pool or a lifecycle manager; starting the thread stays with its owner.
 */
#ifndef CIVICLOOP_UTIL_THREAD_H
#define CIVICLOOP_UTIL_THREAD_H

#include <pthread.h>
#include <stdbool.h>

/* Sets *stopping under mu, wakes the thread waiting on cv and joins it.
 * mu and cv stay initialised; destroying them is the caller's. */
void thread_stop(pthread_t thread, pthread_mutex_t *mu, pthread_cond_t *cv, bool *stopping);

#endif
