/*
 * /metrics in Prometheus text format: requests by route and status, a
 * latency histogram, the writer's batch sizes, cases by type and status, and
 * the outbox: messages waiting or dead, the oldest waiting one's age, and the
 * delivery attempts by outcome.
 * Counters are lock-free atomics updated as each response is queued.
 */
#include "core/app.h"
#include "core/outbox.h"
#include "core/routing_cache.h"
#include "core/search.h"
#include "core/writer.h"
#include "http/http.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/timeutil.h"

#define MAX_ROUTES HTTP_MAX_ROUTES
static const int status_codes[] = {200, 201, 204, 400, 401, 403, 404,
                                   405, 409, 413, 415, 429, 500, 503};
#define NSTATUS ((int)(sizeof status_codes / sizeof status_codes[0]))
static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
#define NBOUNDS ((int)(sizeof latency_bounds / sizeof latency_bounds[0]))

static _Atomic uint64_t req_count[MAX_ROUTES + 1][NSTATUS + 1];
static _Atomic uint64_t lat_bucket[NBOUNDS + 1];
static _Atomic uint64_t lat_sum_us;
static _Atomic uint64_t lat_count;

/* requests begun per HTTP thread, numbered in the order they first serve */
#define METRIC_THREADS 64
static _Atomic uint64_t thread_requests[METRIC_THREADS];
static _Atomic int thread_count;
static _Thread_local int thread_slot = -1;

static const struct route *metric_routes; /* set once at start, read only afterwards */
static int metric_nroutes;

int metrics_routes_set(const struct route *routes, int nroutes)
{
	if (nroutes > MAX_ROUTES)
		return -1;
	metric_routes = routes;
	metric_nroutes = nroutes;
	return 0;
}

void metrics_thread_request(void)
{
	if (thread_slot < 0)
		thread_slot = atomic_fetch_add(&thread_count, 1);
	if (thread_slot < METRIC_THREADS)
		atomic_fetch_add(&thread_requests[thread_slot], 1);
}

void metrics_observe(int route, int status, int64_t micros)
{
	int ri = route >= 0 && route < MAX_ROUTES ? route : MAX_ROUTES;
	int si = NSTATUS;
	for (int i = 0; i < NSTATUS; i++)
		if (status_codes[i] == status)
			si = i;
	atomic_fetch_add(&req_count[ri][si], 1);
	double secs = (double)micros / 1e6;
	int b = 0;
	while (b < NBOUNDS && secs > latency_bounds[b])
		b++;
	atomic_fetch_add(&lat_bucket[b], 1);
	atomic_fetch_add(&lat_sum_us, (uint64_t)(micros > 0 ? micros : 0));
	atomic_fetch_add(&lat_count, 1);
}

char *metrics_render(struct app *app, struct store_conn *reader, size_t *len)
{
	struct buf b;
	buf_init(&b, 4 * 1024 * 1024);
	buf_puts(&b, "# HELP civicloop_http_requests_total HTTP requests by route and status.\n"
	             "# TYPE civicloop_http_requests_total counter\n");
	for (int r = 0; r <= MAX_ROUTES; r++)
		for (int s = 0; s <= NSTATUS; s++) {
			uint64_t n = atomic_load(&req_count[r][s]);
			if (!n)
				continue;
			const char *route =
			    r < metric_nroutes ? metric_routes[r].pattern : "unmatched";
			const char *method = r < metric_nroutes ? metric_routes[r].method : "";
			if (s < NSTATUS)
				buf_printf(
				    &b,
				    "civicloop_http_requests_total{method=\"%s\",route=\"%s\","
				    "status=\"%d\"} %llu\n",
				    method, route, status_codes[s], (unsigned long long)n);
			else
				buf_printf(
				    &b,
				    "civicloop_http_requests_total{method=\"%s\",route=\"%s\","
				    "status=\"other\"} %llu\n",
				    method, route, (unsigned long long)n);
		}
	buf_puts(&b,
	         "# HELP civicloop_http_request_duration_seconds Time from request to response.\n"
	         "# TYPE civicloop_http_request_duration_seconds histogram\n");
	uint64_t cum = 0;
	for (int i = 0; i <= NBOUNDS; i++) {
		cum += atomic_load(&lat_bucket[i]);
		if (i < NBOUNDS)
			buf_printf(
			    &b, "civicloop_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			    latency_bounds[i], (unsigned long long)cum);
		else
			buf_printf(
			    &b,
			    "civicloop_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
			    (unsigned long long)cum);
	}
	buf_printf(&b, "civicloop_http_request_duration_seconds_sum %.6f\n",
	           (double)atomic_load(&lat_sum_us) / 1e6);
	buf_printf(&b, "civicloop_http_request_duration_seconds_count %llu\n",
	           (unsigned long long)atomic_load(&lat_count));
	buf_puts(&b, "# HELP civicloop_http_thread_requests_total Requests begun per HTTP thread.\n"
	             "# TYPE civicloop_http_thread_requests_total counter\n");
	int nthreads = atomic_load(&thread_count);
	for (int i = 0; i < nthreads && i < METRIC_THREADS; i++)
		buf_printf(&b, "civicloop_http_thread_requests_total{thread=\"%d\"} %llu\n", i,
		           (unsigned long long)atomic_load(&thread_requests[i]));

	uint64_t rc_hits, rc_misses;
	routing_cache_counts(&rc_hits, &rc_misses);
	buf_printf(&b,
	           "# HELP civicloop_routing_cache_lookups_total Routing model rows looked up in "
	           "memory (core/routing_cache.h), by outcome.\n"
	           "# TYPE civicloop_routing_cache_lookups_total counter\n"
	           "civicloop_routing_cache_lookups_total{outcome=\"hit\"} %llu\n"
	           "civicloop_routing_cache_lookups_total{outcome=\"miss\"} %llu\n",
	           (unsigned long long)rc_hits, (unsigned long long)rc_misses);

	uint64_t batches[WRITER_BATCH_BUCKETS], jobs;
	writer_batch_stats(app->writer, batches, &jobs);
	buf_puts(&b, "# HELP civicloop_writer_batch_size Jobs committed per writer transaction.\n"
	             "# TYPE civicloop_writer_batch_size histogram\n");
	cum = 0;
	uint64_t total = 0;
	for (int i = 0; i < WRITER_BATCH_BUCKETS; i++) {
		cum += batches[i];
		if (i < WRITER_BATCH_BUCKETS - 1)
			buf_printf(&b, "civicloop_writer_batch_size_bucket{le=\"%d\"} %llu\n",
			           (2 << i) - 1, (unsigned long long)cum);
		total += batches[i];
	}
	buf_printf(&b, "civicloop_writer_batch_size_bucket{le=\"+Inf\"} %llu\n",
	           (unsigned long long)total);
	buf_printf(&b, "civicloop_writer_batch_size_sum %llu\n", (unsigned long long)jobs);
	buf_printf(&b, "civicloop_writer_batch_size_count %llu\n", (unsigned long long)total);

	if (!store_is_sqlite()) {
		uint64_t turns, wait_ns;
		writer_turn_stats(app->writer, &turns, &wait_ns);
		buf_printf(
		    &b,
		    "# HELP civicloop_writer_turns_total Writer batches that took their turn"
		    " among the servers of the database (docs/postgresql.md).\n"
		    "# TYPE civicloop_writer_turns_total counter\n"
		    "civicloop_writer_turns_total %llu\n"
		    "# HELP civicloop_writer_turn_wait_seconds_total Time those batches waited"
		    " for their turn.\n"
		    "# TYPE civicloop_writer_turn_wait_seconds_total counter\n"
		    "civicloop_writer_turn_wait_seconds_total %.6f\n",
		    (unsigned long long)turns, (double)wait_ns / 1e9);
	}

	struct search_segments seg; /* FTS5's: on PostgreSQL, none to show */
	if (store_is_sqlite() && search_segments(reader, &seg) == 0) {
		buf_printf(&b,
		           "# HELP civicloop_search_segments Segments of the search index on each "
		           "level (FTS5); a level that reaches civicloop_search_crisismerge is "
		           "merged whole inside a COMMIT.\n"
		           "# TYPE civicloop_search_segments gauge\n");
		for (int l = 0; l < seg.nlevels; l++)
			buf_printf(&b, "civicloop_search_segments{level=\"%d\"} %d\n", l,
			           seg.segments[l]);
		buf_puts(&b, "# HELP civicloop_search_segments_merging Of them, the segments in "
		             "a merge under way.\n"
		             "# TYPE civicloop_search_segments_merging gauge\n");
		for (int l = 0; l < seg.nlevels; l++)
			buf_printf(&b, "civicloop_search_segments_merging{level=\"%d\"} %d\n", l,
			           seg.merging[l]);
		buf_printf(&b,
		           "# HELP civicloop_search_crisismerge Segments at which a level is "
		           "merged whole.\n"
		           "# TYPE civicloop_search_crisismerge gauge\n"
		           "civicloop_search_crisismerge %d\n",
		           seg.crisismerge);
	}

	buf_puts(&b, "# HELP civicloop_cases Cases by type and status.\n"
	             "# TYPE civicloop_cases gauge\n");
	struct store_stmt *s = store_stmt(reader, ST_CASE_STATUS_COUNTS);
	while (sstep(s) == STORE_ROW)
		buf_printf(&b, "civicloop_cases{type=\"%s\",status=\"%s\"} %lld\n", scol_text(s, 0),
		           scol_text(s, 1), (long long)scol_int(s, 2));
	sreset(s);

	buf_puts(&b, "# HELP civicloop_outbox_messages Outbox messages waiting (pending) or given "
	             "up on (dead).\n"
	             "# TYPE civicloop_outbox_messages gauge\n");
	int64_t oldest = 0;
	s = store_stmt(reader, ST_OUTBOX_GAUGES);
	while (sstep(s) == STORE_ROW) {
		buf_printf(&b, "civicloop_outbox_messages{channel=\"%s\",state=\"%s\"} %lld\n",
		           scol_text(s, 0), scol_text(s, 1), (long long)scol_int(s, 2));
		if (!strcmp(scol_text(s, 1), "pending") && (!oldest || scol_int(s, 3) < oldest))
			oldest = scol_int(s, 3);
	}
	sreset(s);
	int64_t now = time_real_ms();
	buf_printf(&b,
	           "# HELP civicloop_outbox_oldest_pending_seconds Age of the oldest message "
	           "still waiting (0: none).\n"
	           "# TYPE civicloop_outbox_oldest_pending_seconds gauge\n"
	           "civicloop_outbox_oldest_pending_seconds %.3f\n",
	           oldest && now > oldest ? (double)(now - oldest) / 1000 : 0.0);
	buf_puts(&b, "# HELP civicloop_outbox_attempts_total Delivery attempts since the start, by "
	             "channel and outcome.\n"
	             "# TYPE civicloop_outbox_attempts_total counter\n");
	for (int c = 0; c < 3; c++)
		for (int o = 0; o < OUTBOX_OUTCOMES; o++)
			buf_printf(
			    &b,
			    "civicloop_outbox_attempts_total{channel=\"%s\",outcome=\"%s\"} "
			    "%llu\n",
			    outbox_metric_channels[c], outbox_outcome_names[o],
			    (unsigned long long)outbox_attempts_count(c, (enum outbox_outcome)o));
	sreset(s);
	return buf_detach(&b, len);
}
