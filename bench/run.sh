#!/bin/sh
# civicloop's benchmark (docs/bench.md): `make bench`, or bench/run.sh BUILD_DIR.
#
#  1. sqlite_raw: this machine's raw SQLite rate for the same inserts
#     (one transaction; batches; one commit per row).
#  2. For each client count (1 and 64): a fresh demo database, a server on a
#     free port of 127.0.0.1, a login as op1, then loadgen sending
#     POST /api/v1/cases back-to-back, bounded by a request count and time;
#     /metrics before and after gives the writer's batch sizes.
#  3. Lists, on the last create run's database (topped up to
#     BENCH_LIST_CASES cases first if it has fewer): a server again, then for
#     each user (a dispatcher who sees the whole county, a township handler
#     who sees his town) each list query of GET /api/v1/cases with 1 and 16
#     clients, and GET /api/v1/stats/hotline (the current month) as a
#     supervisor if it answers 200. Then, with the server stopped,
#     sqlite_raw --read runs the same list SQL on the same database: the
#     read baseline.
#
# Prints summary tables and writes bench/results.json. Knobs (environment):
#   BENCH_RAW_ROWS=20000 BENCH_RAW_SINGLE=500 BENCH_RAW_BATCH=64
#   BENCH_CLIENTS="1 64" BENCH_REQUESTS_1=3000 BENCH_REQUESTS_N=20000
#   BENCH_SECONDS=30 BENCH_THREADS=4 BENCH_TMPDIR=<BUILD_DIR>
#   BENCH_RESULTS=bench/results.json
#   BENCH_LIST=1 (0: no list runs) BENCH_LIST_CASES=20000
#   BENCH_LIST_USERS="disp1:county town1:town.a" (login:org code of its read scope)
#   BENCH_LIST_QUERIES="first=limit=50 status=status=handling,dispatched&limit=50
#     dispatch=queue=dispatch&limit=50 search=q=%E8%B7%AF%E7%81%AF&limit=50
#     deep=cursor=HALF&limit=50" (name=query string, separated by spaces;
#     HALF becomes half the number of cases: a page in the middle)
#   BENCH_LIST_CLIENTS="1 16" BENCH_LIST_REQUESTS=3000 BENCH_LIST_SECONDS=5
#   BENCH_STATS_USER=sup1 (empty: no statistics run)
#   BENCH_READ_ITERATIONS=2000 BENCH_READ_SECONDS=2 (each sqlite_raw --read variant)
set -eu

usage() { echo "usage: bench/run.sh BUILD_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" && pwd) || usage
BIN=$BUILD/civicloop
LOADGEN=$BUILD/loadgen
RAW=$BUILD/sqlite_raw
for b in "$BIN" "$LOADGEN" "$RAW"; do
	[ -x "$b" ] || { echo "bench: $b is missing (make build)" >&2; exit 1; }
done

RAW_ROWS=${BENCH_RAW_ROWS:-20000}
RAW_SINGLE=${BENCH_RAW_SINGLE:-500}
RAW_BATCH=${BENCH_RAW_BATCH:-64}
CLIENTS=${BENCH_CLIENTS:-"1 64"}
REQ_1=${BENCH_REQUESTS_1:-3000}
REQ_N=${BENCH_REQUESTS_N:-20000}
SECONDS_MAX=${BENCH_SECONDS:-30}
THREADS=${BENCH_THREADS:-4}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results.json}
LIST=${BENCH_LIST:-1}
LIST_CASES=${BENCH_LIST_CASES:-20000}
LIST_USERS=${BENCH_LIST_USERS:-"disp1:county town1:town.a"}
LIST_QUERIES=${BENCH_LIST_QUERIES:-"first=limit=50 status=status=handling,dispatched&limit=50 dispatch=queue=dispatch&limit=50 search=q=%E8%B7%AF%E7%81%AF&limit=50 deep=cursor=HALF&limit=50"}
LIST_CLIENTS=${BENCH_LIST_CLIENTS:-"1 16"}
LIST_REQUESTS=${BENCH_LIST_REQUESTS:-3000}
LIST_SECONDS=${BENCH_LIST_SECONDS:-5}
STATS_USER=${BENCH_STATS_USER-sup1}
READ_ITERATIONS=${BENCH_READ_ITERATIONS:-2000}
READ_SECONDS=${BENCH_READ_SECONDS:-2}
CORES=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

# The databases live on the same file system as the build (and var/), so the
# raw baseline and the server fsync to the same disk.
WORK=$(mktemp -d "${BENCH_TMPDIR:-$BUILD}/bench.XXXXXX")
SERVER_PID=
cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# jget JSON KEY: a number or string value from loadgen's / sqlite_raw's flat JSON.
jget() {
	printf '%s\n' "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p"
}

# metric FILE NAME: the value of an unlabelled Prometheus sample.
metric() {
	awk -v n="$2" '$1 == n { print $2; found = 1 } END { if (!found) print 0 }' "$1"
}

# cases_in FILE: "all hotline", the cases counted by civicloop_cases in /metrics.
cases_in() {
	awk '/^civicloop_cases\{/ { n += $2; if ($0 ~ /type="hotline"/) h += $2 }
		END { printf "%d %d\n", n, h }' "$1"
}

log() { printf '%s\n' "$*" >&2; }

HZ=$(getconf CLK_TCK)
# threads_cpu PID: "tid ticks" (user+system) of each thread; the fields
# after "pid (comm) " are stat's from the third on, so utime is the 12th.
threads_cpu() {
	for t in /proc/"$1"/task/*; do
		printf '%s ' "${t##*/}"
		sed 's/^.*) //' "$t/stat" | awk '{ print $12 + $13 }'
	done 2>/dev/null
}
# procs_cpu FILE: "pid ticks" of every process but this script and its
# children (loadgen, sqlite_raw, the subshells that take these snapshots),
# the server under test and kernel threads; ticks include waited-for
# children (utime+stime+cutime+cstime), so short-lived processes count too.
procs_cpu() {
	for f in /proc/[0-9]*/stat; do
		p=${f#/proc/}
		printf '%s %s\n' "${p%/stat}" "$(cat "$f")"
	done 2>/dev/null | awk -v self=$$ -v srv="${SERVER_PID:-0}" '{
		pid = $1; rest = $0; sub(/^.*\) /, "", rest); n = split(rest, f, " ")
		if (n < 15 || pid == self || f[2] == self || pid == srv || int(f[7] / 2097152) % 2 == 1) next
		print pid, f[12] + f[13] + f[14] + f[15] }' >"$1"
}
# other_cpu BEFORE AFTER: CPU seconds used by other processes in between.
other_cpu() {
	awk -v hz="$HZ" 'NR == FNR { a[$1] = $2; next } { d = $2 - a[$1]; if (d > 0) s += d }
		END { printf "%.2f", s / hz }' "$1" "$2"
}
# noisy OTHER_CPU_S SECONDS: 1 when other processes used more than 10 % of
# the machine in those seconds, else 0.
noisy() {
	awk -v o="$1" -v s="$2" -v c="$CORES" 'BEGIN { print ((o > 0.1 * s * c) ? 1 : 0) }'
}
# NOISY: the disturbed steps, as the items of a JSON array.
NOISY=

# server_start DB LOG: serves DB on a free port; sets SERVER_PID and PORT.
server_start() {
	"$BIN" serve --db "$1" --port 0 --threads "$THREADS" >"$2" 2>&1 &
	SERVER_PID=$!
	PORT=
	i=0
	while [ $i -lt 100 ]; do
		PORT=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$2" | head -n 1)
		[ -n "$PORT" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ -z "$PORT" ]; then
		log "bench: the server did not start:"
		cat "$2" >&2
		exit 1
	fi
}

server_stop() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" || true
	SERVER_PID=
}

# measure LOADGEN_ARGS...: runs loadgen against the server and sets OUT (its
# JSON line) and the CPU seconds used meanwhile: CPU by the server, BUSIEST
# by the server's busiest thread (the writer, when that is the bottleneck),
# OTHER by everything but the server, loadgen and kernel threads (noise from
# other work).
measure() {
	threads_cpu "$SERVER_PID" >"$WORK/t0.txt"
	procs_cpu "$WORK/p0.txt"
	OUT=$("$LOADGEN" --port "$PORT" "$@") || { log "bench: loadgen failed: $OUT"; exit 1; }
	procs_cpu "$WORK/p1.txt"
	threads_cpu "$SERVER_PID" >"$WORK/t1.txt"
	CPU=$(awk -v hz="$HZ" 'NR == FNR { a[$1] = $2; next } { s += $2 - a[$1] }
		END { printf "%.2f", s / hz }' "$WORK/t0.txt" "$WORK/t1.txt")
	BUSIEST=$(awk -v hz="$HZ" 'NR == FNR { a[$1] = $2; next } { d = $2 - a[$1]; if (d > m) m = d }
		END { printf "%.2f", m / hz }' "$WORK/t0.txt" "$WORK/t1.txt")
	OTHER=$(other_cpu "$WORK/p0.txt" "$WORK/p1.txt")
}

# ---- 1. the raw SQLite write baseline ----
procs_cpu "$WORK/p0.txt"
t0=$(date +%s.%N)
RAW_JSON=$("$RAW" --dir "$WORK" --rows "$RAW_ROWS" --single "$RAW_SINGLE" --batch "$RAW_BATCH")
t1=$(date +%s.%N)
procs_cpu "$WORK/p1.txt"
log "  $RAW_JSON"
other=$(other_cpu "$WORK/p0.txt" "$WORK/p1.txt")
RAW_JSON="${RAW_JSON%\}},\"other_cpu_s\":$other}"
if [ "$(noisy "$other" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")" -eq 1 ]; then
	log "  WARNING: other processes used ${other}s of CPU during the raw baseline: numbers are disturbed"
	NOISY="\"raw\""
fi

# ---- 2. creations over HTTP, one fresh database per client count ----
HTTP_JSON=
ROWS=
db=
for n in $CLIENTS; do
	if [ "$n" -eq 1 ]; then req=$REQ_1; else req=$REQ_N; fi
	db=$WORK/c$n.db
	log "bench: $n client(s), up to $req creations or ${SECONDS_MAX}s"
	"$BIN" demo --db "$db" >/dev/null
	server_start "$db" "$WORK/serve$n.log"
	token=$("$LOADGEN" --port "$PORT" --login op1 --password 'Demo#2024' --print-token)
	"$LOADGEN" --port "$PORT" --get /metrics >"$WORK/m0.txt"
	measure --token "$token" --clients "$n" --requests "$req" --seconds "$SECONDS_MAX"
	"$LOADGEN" --port "$PORT" --get /metrics >"$WORK/m1.txt"
	server_stop
	out=$OUT
	log "  $out"

	b0=$(metric "$WORK/m0.txt" civicloop_writer_batch_size_count)
	j0=$(metric "$WORK/m0.txt" civicloop_writer_batch_size_sum)
	b1=$(metric "$WORK/m1.txt" civicloop_writer_batch_size_count)
	j1=$(metric "$WORK/m1.txt" civicloop_writer_batch_size_sum)
	batches=$((b1 - b0))
	jobs=$((j1 - j0))
	avg=$(awk -v j="$jobs" -v b="$batches" 'BEGIN { printf "%.1f", b ? j / b : 0 }')
	log "  writer: $jobs jobs in $batches transactions, average batch $avg; CPU: server ${CPU}s (busiest thread ${BUSIEST}s), other processes ${OTHER}s"
	ext="${out%\}},\"writer_batches\":$batches,\"writer_jobs\":$jobs,\"writer_avg_batch\":$avg,\"server_cpu_s\":$CPU,\"server_busiest_thread_cpu_s\":$BUSIEST,\"other_cpu_s\":$OTHER}"
	HTTP_JSON="${HTTP_JSON:+$HTTP_JSON,
    }$ext"
	per_job=$(awk -v c="$BUSIEST" -v j="$jobs" 'BEGIN { printf "%.0f", j ? c * 1e6 / j : 0 }')
	ROWS="$ROWS$n $(jget "$out" rate) $(jget "$out" p50_ms) $(jget "$out" p99_ms) $(jget "$out" errors) $avg $per_job
"
	if [ "$(noisy "$OTHER" "$(jget "$out" seconds)")" -eq 1 ]; then
		log "  WARNING: other processes used ${OTHER}s of CPU during this ${n}-client run: the machine was not quiet, numbers are disturbed"
		NOISY="${NOISY:+$NOISY,}$n"
	fi
done

# ---- 3. lists, on the last create run's database ----
LIST_JSON=
LIST_ROWS=
READ_JSON=
STATS_NOTE="not run"
CASES=0
HOTLINE=0
: >"$WORK/raw-read.txt"

# list_queries: "name query_string" per line, HALF replaced.
list_queries() {
	printf '%s\n' "$LIST_QUERIES" | tr ' ' '\n' | sed -n "s/^\([^=][^=]*\)=\(..*\)\$/\1 \2/p" |
		sed "s/HALF/$((CASES / 2))/g"
}

# list_run USER NAME PATH: GET PATH as USER (token in $token) with each
# client count; appends to LIST_JSON and LIST_ROWS.
list_run() {
	for n in $LIST_CLIENTS; do
		measure --token "$token" --method GET --path "$3" --clients "$n" \
			--requests "$LIST_REQUESTS" --seconds "$LIST_SECONDS"
		log "  $1 $2, $n client(s): $OUT"
		us=$(awk -v c="$CPU" -v k="$(jget "$OUT" ok)" 'BEGIN { printf "%.0f", k ? c * 1e6 / k : 0 }')
		top=$(awk -v c="$CPU" -v b="$BUSIEST" 'BEGIN { printf "%.0f", (c > 0 ? b * 100 / c : 0) }')
		LIST_JSON="${LIST_JSON:+$LIST_JSON
}{\"user\":\"$1\",\"query\":\"$2\",\"path\":\"$3\",${OUT#\{}"
		LIST_JSON="${LIST_JSON%\}},\"server_cpu_s\":$CPU,\"server_us_per_request\":$us,\"server_busiest_thread_cpu_s\":$BUSIEST,\"other_cpu_s\":$OTHER}"
		LIST_ROWS="$LIST_ROWS$1 $2 $n $(jget "$OUT" rate) $(jget "$OUT" p50_ms) $(jget "$OUT" p99_ms) $(jget "$OUT" errors) $(jget "$OUT" body_bytes_mean) $us $top
"
		if [ "$(noisy "$OTHER" "$(jget "$OUT" seconds)")" -eq 1 ]; then
			log "  WARNING: other processes used ${OTHER}s of CPU during this run: numbers are disturbed"
			NOISY="${NOISY:+$NOISY,}\"list $1 $2 $n\""
		fi
	done
}

if [ "$LIST" = 1 ] && [ -n "$db" ]; then
	server_start "$db" "$WORK/serve-list.log"
	"$LOADGEN" --port "$PORT" --get /metrics >"$WORK/m0.txt"
	read -r CASES HOTLINE <<EOF
$(cases_in "$WORK/m0.txt")
EOF
	if [ "$CASES" -lt "$LIST_CASES" ]; then
		log "bench: lists: $CASES cases, creating $((LIST_CASES - CASES)) more first (not measured)"
		out=$("$LOADGEN" --port "$PORT" --login op1 --password 'Demo#2024' --clients 64 \
			--requests $((LIST_CASES - CASES)) --seconds 600) || { log "bench: loadgen failed: $out"; exit 1; }
		"$LOADGEN" --port "$PORT" --get /metrics >"$WORK/m0.txt"
		read -r CASES HOTLINE <<EOF
$(cases_in "$WORK/m0.txt")
EOF
	fi
	log "bench: lists on $CASES cases ($HOTLINE hotline), clients: $LIST_CLIENTS"
	list_queries >"$WORK/queries.txt"

	for entry in $LIST_USERS; do
		user=${entry%%:*}
		token=$("$LOADGEN" --port "$PORT" --login "$user" --password 'Demo#2024' --print-token)
		while read -r name qs <&3; do
			list_run "$user" "$name" "/api/v1/cases?$qs"
		done 3<"$WORK/queries.txt"
	done

	if [ -n "$STATS_USER" ]; then
		spath=/api/v1/stats/hotline
		if "$LOADGEN" --port "$PORT" --login "$STATS_USER" --password 'Demo#2024' \
			--get "$spath" >"$WORK/stats.json" 2>&1; then
			STATS_NOTE="measured"
			token=$("$LOADGEN" --port "$PORT" --login "$STATS_USER" --password 'Demo#2024' --print-token)
			list_run "$STATS_USER" stats "$spath"
		else
			STATS_NOTE="left out: $(head -c 200 "$WORK/stats.json" | tr -d '"\\\n')"
			log "bench: $spath did not answer 200, $STATS_NOTE"
		fi
	fi
	server_stop

	# the read baseline: the same list SQL, directly, on the same database
	for entry in $LIST_USERS; do
		user=${entry%%:*}
		scope=${entry#*:}
		while read -r name qs <&3; do
			procs_cpu "$WORK/p0.txt"
			t0=$(date +%s.%N)
			rj=$("$RAW" --read "$db" --scope "$scope" --query "$qs" \
				--iterations "$READ_ITERATIONS" --seconds "$READ_SECONDS")
			t1=$(date +%s.%N)
			procs_cpu "$WORK/p1.txt"
			other=$(other_cpu "$WORK/p0.txt" "$WORK/p1.txt")
			log "  raw read $user $name: $rj"
			READ_JSON="${READ_JSON:+$READ_JSON,
      }{\"user\":\"$user\",\"scope\":\"$scope\",\"query\":\"$name\",\"query_string\":\"$qs\",${rj#\{}"
			READ_JSON="${READ_JSON%\}},\"other_cpu_s\":$other}"
			printf '%s %s %s %s %s\n' "$user/$name" "$(jget "$rj" full_rate)" \
				"$(jget "$rj" sql_rate)" "$(jget "$rj" items)" "$(jget "$rj" scan_steps)" \
				>>"$WORK/raw-read.txt"
			if [ "$(noisy "$other" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")" -eq 1 ]; then
				log "  WARNING: other processes used ${other}s of CPU during the raw read $user $name"
				NOISY="${NOISY:+$NOISY,}\"raw read $user $name\""
			fi
		done 3<"$WORK/queries.txt"
	done
fi

# raw_full KEY: the raw read baseline's full_rate for "user/query", or "".
raw_full() {
	awk -v k="$1" '$1 == k { print $2 }' "$WORK/raw-read.txt"
}

# The list runs' JSON, one per line, each with the read baseline of its user
# and query (raw_full_rate, one thread) and its rate over that.
list_with_ratios() {
	printf '%s\n' "$LIST_JSON" | while IFS= read -r line; do
		[ -n "$line" ] || continue
		raw=$(raw_full "$(jget "$line" user)/$(jget "$line" query)")
		if [ -n "$raw" ]; then
			x=$(awk -v a="$(jget "$line" rate)" -v b="$raw" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
			line="${line%\}},\"raw_full_rate\":$raw,\"ratio_over_raw_full\":$x}"
		fi
		printf '%s\n' "$line"
	done | sed '$!s/$/,/; 2,$s/^/      /'
}

one=$(jget "$RAW_JSON" one_tx_rate)
last=$(printf '%s' "$ROWS" | tail -n 1)
last_rate=$(printf '%s' "$last" | awk '{ print $2 }')
last_clients=$(printf '%s' "$last" | awk '{ print $1 }')
ratio=$(awk -v a="$last_rate" -v b="$one" 'BEGIN { printf "%.3f", b ? a / b : 0 }')

cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1 | sed 's/["\\]//g')
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain -- src 2>/dev/null | head -n 1)
[ -n "$dirty" ] && commit="$commit+dirty"
when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
loadavg=$(cut -d' ' -f1-3 /proc/loadavg)

cat >"$RESULTS" <<EOF
{
  "date": "$when",
  "commit": "$commit",
  "machine": {"cores": $CORES, "cpu": "$cpu_model", "kernel": "$(uname -r)"},
  "load_average_at_end": "$loadavg",
  "server_threads": $THREADS,
  "raw": $RAW_JSON,
  "http": [
    $HTTP_JSON
  ],
  "ratio_http${last_clients}_over_raw_one_tx": $ratio,
  "list": {
    "cases": $CASES,
    "hotline_cases": $HOTLINE,
    "stats": "$STATS_NOTE",
    "http": [
      $(list_with_ratios)
    ],
    "raw_read": [
      $READ_JSON
    ]
  },
  "disturbed_runs": [$NOISY]
}
EOF

echo
echo "civicloop bench — $when, $commit, $CORES cores, $cpu_model"
echo
printf '%-34s %12s\n' "raw SQLite (case+event rows)" "rows/s"
printf '%-34s %12s\n' "  one transaction ($RAW_ROWS rows)" "$one"
printf '%-34s %12s\n' "  batches of $RAW_BATCH rows" "$(jget "$RAW_JSON" batched_rate)"
printf '%-34s %12s\n' "  one commit per row ($RAW_SINGLE)" "$(jget "$RAW_JSON" single_rate)"
printf '%-34s %12s\n' "  + counter, timer (one tx)" "$(jget "$RAW_JSON" extra_rate)"
printf '%-34s %12s\n' "  + savepoint per row (one tx)" "$(jget "$RAW_JSON" shape_rate)"
printf '%-34s %12s\n' "    same, temp_store=MEMORY" "$(jget "$RAW_JSON" shape_temp_memory_rate)"
echo
printf '%-8s %12s %9s %9s %7s %10s %14s\n' "clients" "creations/s" "p50 ms" "p99 ms" "errors" \
	"avg batch" "writer us/job"
printf '%s' "$ROWS" | while read -r c r p50 p99 e a w; do
	printf '%-8s %12s %9s %9s %7s %10s %14s\n' "$c" "$r" "$p50" "$p99" "$e" "$a" "$w"
done
echo
echo "HTTP ($last_clients clients) / raw one-tx: $ratio"
echo "goal: >= 10000 durable creations/s with p99 <= 20 ms"
if [ -n "$LIST_ROWS" ]; then
	echo
	echo "GET on $CASES cases ($HOTLINE hotline); GET /api/v1/stats/hotline: $STATS_NOTE"
	printf '%-6s %-9s %7s %8s %8s %8s %6s %7s %8s %8s %10s %8s\n' "user" "query" "clients" \
		"req/s" "p50 ms" "p99 ms" "errors" "KB/resp" "srv us" "top thr%" "raw full/s" "HTTP/raw"
	printf '%s' "$LIST_ROWS" | while read -r u q c r p50 p99 e b us top; do
		raw=$(raw_full "$u/$q")
		x=$(awk -v a="$r" -v b="${raw:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
		kb=$(awk -v b="$b" 'BEGIN { printf "%.1f", b / 1024 }')
		printf '%-6s %-9s %7s %8s %8s %8s %6s %7s %8s %8s %10s %8s\n' "$u" "$q" "$c" "$r" "$p50" \
			"$p99" "$e" "$kb" "$us" "$top" "${raw:--}" "$x"
	done
	echo
	echo "raw list SQL (sqlite_raw --read, one thread): runs/s of the request's SQL and of"
	echo "the list statement alone; items returned; rows stepped in full scans per run"
	printf '%-16s %12s %12s %6s %11s\n' "user/query" "full runs/s" "sql runs/s" "items" "scan steps"
	while read -r k f q it sc; do
		printf '%-16s %12s %12s %6s %11s\n' "$k" "$f" "$q" "$it" "$sc"
	done <"$WORK/raw-read.txt"
	echo "srv us: server CPU per request (both cores); top thr%: the busiest server thread's share"
	echo "of the server's CPU (near 100 with 16 clients: all connections on one HTTP thread);"
	echo "HTTP/raw: req/s over raw full runs/s"
fi
echo
echo "load average at the end: $loadavg"
[ -n "$NOISY" ] && echo "WARNING: other processes were busy during: $NOISY (see other_cpu_s in $RESULTS)"
echo "results: $RESULTS"
