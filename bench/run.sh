#!/bin/sh
# civicloop's benchmark (docs/bench.md): `make bench`, or bench/run.sh BUILD_DIR.
#
#  0. A generated database of BENCH_CASES (1,000,000) cases (`civicloop gen`,
#     a realistic county; until gen exists: the demo topped up through the
#     API): its time is reported apart, with its bytes per case.
#  1. Baselines: sqlite_raw, this machine's raw SQLite rate for the same
#     inserts (one transaction; batches; one commit per row); mhd_fixed,
#     libmicrohttpd with the server's options answering a fixed 201, loaded
#     with each creation run's client count.
#  2. One server on the generated database (start-up time: exec to the first
#     200 on /healthz), a login as op1, then loadgen sending POST
#     /api/v1/cases back-to-back with 1 and 64 clients, bounded by a request
#     count and time; /metrics before and after gives the writer's batches.
#  3. Lists, on the same server: each list shape (BENCH_LIST_SHAPES, a user
#     and a query each: the township's first page and inbox, the county by
#     status, type, class, overdue, due soon, search, …) with 1 and 16
#     clients, then GET /api/v1/stats/hotline for a month and a year, county
#     and township (BENCH_STATS_SHAPES).
#  4. The mixed day: loadgen --mix bench/mix-day.txt (intake, actions on
#     hot cases, lists, the dashboard), each class reported on its own.
#     Then the exports (BENCH_EXPORT_SHAPES, each as XLSX and CSV: about
#     100,000 of the generated cases, received in the last EXPORT_DAYS
#     days), one at a time on the same server: seconds, rows, bytes, the
#     server's CPU and RSS before, at its peak and after. Then the server's
#     peak RSS (VmHWM) and it is stopped.
#  5. sqlite_raw --read runs the list SQL it knows directly on the same
#     database: the read baseline.
#
# Prints summary tables and writes bench/results.json. Knobs (environment):
#   BENCH_CASES=1000000 BENCH_GEN=auto (gen | api | auto: gen when the
#   binary has it) BENCH_SEED=16 BENCH_DAYS=365
#   BENCH_RAW_ROWS=20000 BENCH_RAW_SINGLE=500 BENCH_RAW_BATCH=64
#   BENCH_CLIENTS="1 64" BENCH_REQUESTS_1=3000 BENCH_REQUESTS_N=20000
#   BENCH_SECONDS=20 BENCH_THREADS=4 BENCH_TMPDIR=<BUILD_DIR>
#   BENCH_RESULTS=bench/results.json BENCH_MHD=1 (0: no mhd_fixed baseline)
#   BENCH_LIST=1 (0: no list, statistics or mix runs)
#   BENCH_LIST_SHAPES="user:name:query-string …" (see below; HALF becomes
#     half the number of cases: a page in the middle)
#   BENCH_LIST_SCOPES="disp1:county town1:town.a" (the read scope sqlite_raw
#     binds for a user) BENCH_LIST_CLIENTS="1 16" BENCH_LIST_REQUESTS=2000
#   BENCH_LIST_SECONDS=2
#   BENCH_STATS_SHAPES="user:name:query-string …" (empty: none)
#   BENCH_MIX=bench/mix-day.txt (empty: no mixed day) BENCH_MIX_CLIENTS=32
#   BENCH_MIX_SECONDS=15 BENCH_MIX_HOT=32
#   BENCH_READ_ITERATIONS=1000 BENCH_READ_SECONDS=1 (each sqlite_raw --read variant)
#   BENCH_EXPORT=1 (0: no exports) BENCH_EXPORT_SHAPES="user:name:query-string …"
#     (FROM becomes the first day of the last EXPORT_DAYS: about 100,000 of
#     BENCH_CASES spread over BENCH_DAYS) BENCH_EXPORT_FORMATS="xlsx csv"
set -eu

usage() { echo "usage: bench/run.sh BUILD_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" && pwd) || usage
BIN=$BUILD/civicloop
LOADGEN=$BUILD/loadgen
RAW=$BUILD/sqlite_raw
MHDFIX=$BUILD/mhd_fixed
for b in "$BIN" "$LOADGEN" "$RAW" "$MHDFIX"; do
	[ -x "$b" ] || { echo "bench: $b is missing (make build)" >&2; exit 1; }
done

GEN_CASES=${BENCH_CASES:-1000000}
GEN_MODE=${BENCH_GEN:-auto}
GEN_SEED=${BENCH_SEED:-16}
GEN_DAYS=${BENCH_DAYS:-365}
RAW_ROWS=${BENCH_RAW_ROWS:-20000}
RAW_SINGLE=${BENCH_RAW_SINGLE:-500}
RAW_BATCH=${BENCH_RAW_BATCH:-64}
CLIENTS=${BENCH_CLIENTS:-"1 64"}
REQ_1=${BENCH_REQUESTS_1:-3000}
REQ_N=${BENCH_REQUESTS_N:-20000}
SECONDS_MAX=${BENCH_SECONDS:-20}
THREADS=${BENCH_THREADS:-4}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results.json}
MHD=${BENCH_MHD:-1}
LIST=${BENCH_LIST:-1}
TODAY=$(TZ=Asia/Shanghai date +%Y-%m-%d)
YEAR_AGO=$(TZ=Asia/Shanghai date -d '364 days ago' +%Y-%m-%d)
LIST_SHAPES=${BENCH_LIST_SHAPES:-"town1:first:limit=50 \
town1:inbox:mine=1&part=pending&sort=due&limit=50 \
town1:signed:mine=1&part=signed&sort=due&limit=50 \
disp1:first:limit=50 \
disp1:status:status=handling,dispatched&limit=50 \
disp1:type:type=grid_event&limit=50 \
disp1:class:type=hotline&class=%E6%8A%95%E8%AF%89&limit=50 \
disp1:overdue:overdue=1&limit=50 \
disp1:due_soon:due_soon=24&sort=due&limit=50 \
disp1:dispatch:queue=dispatch&limit=50 \
disp1:search:q=%E8%B7%AF%E7%81%AF&limit=50 \
disp1:deep:cursor=HALF&limit=50"}
LIST_SCOPES=${BENCH_LIST_SCOPES:-"disp1:county town1:town.a"}
LIST_CLIENTS=${BENCH_LIST_CLIENTS:-"1 16"}
LIST_REQUESTS=${BENCH_LIST_REQUESTS:-2000}
LIST_SECONDS=${BENCH_LIST_SECONDS:-2}
STATS_SHAPES=${BENCH_STATS_SHAPES-"sup1:month_county:org=county \
sup1:year_county:org=county&from=$YEAR_AGO&to=$TODAY \
sup1:month_town:org=town.a \
sup1:year_town:org=town.a&from=$YEAR_AGO&to=$TODAY"}
MIX=${BENCH_MIX-$ROOT/bench/mix-day.txt}
MIX_CLIENTS=${BENCH_MIX_CLIENTS:-32}
MIX_SECONDS=${BENCH_MIX_SECONDS:-15}
MIX_HOT=${BENCH_MIX_HOT:-32}
READ_ITERATIONS=${BENCH_READ_ITERATIONS:-1000}
READ_SECONDS=${BENCH_READ_SECONDS:-1}
EXPORT=${BENCH_EXPORT:-1}
# about 100,000 of the cases, spread over GEN_DAYS: the last EXPORT_DAYS
# days (36 of 365 at 1 M, 4 at 10 M; all of them at 100 k)
EXPORT_DAYS=$(((GEN_DAYS * 100000 + GEN_CASES - 1) / GEN_CASES))
[ "$EXPORT_DAYS" -le "$GEN_DAYS" ] || EXPORT_DAYS=$GEN_DAYS
EXPORT_FROM=$(TZ=Asia/Shanghai date -d "$((EXPORT_DAYS - 1)) days ago" +%Y-%m-%d)
EXPORT_SHAPES=${BENCH_EXPORT_SHAPES-"disp1:county_recent:from=FROM town1:town_recent:from=FROM"}
EXPORT_FORMATS=${BENCH_EXPORT_FORMATS:-"xlsx csv"}
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

# now_ms: a wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# server_start DB LOG [PROGRAM ARGS...]: serves DB (or runs PROGRAM ARGS,
# which must print the same "http://127.0.0.1:PORT/" line) on a free port;
# sets SERVER_PID, PORT and STARTUP_MS (exec to the first 200 on /healthz;
# for PROGRAM, to the port line).
server_start() {
	sdb=$1
	slog=$2
	shift 2
	t0=$(now_ms)
	if [ $# -eq 0 ]; then
		# no SMS: the demo's file sink (config/notify/sms.json) fsyncs each
		# text, a stand-in for a gateway that would cost as much as the
		# writer (docs/bench.md "Writer"); the outbox's own cost is
		# measured by make benchoutbox
		"$BIN" serve --db "$sdb" --port 0 --threads "$THREADS" --sms-config none >"$slog" 2>&1 &
	else
		"$@" >"$slog" 2>&1 &
	fi
	SERVER_PID=$!
	PORT=
	i=0
	while [ $i -lt 3000 ]; do
		PORT=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$slog" | head -n 1)
		[ -n "$PORT" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.01
		i=$((i + 1))
	done
	if [ -z "$PORT" ]; then
		log "bench: the server did not start:"
		cat "$slog" >&2
		exit 1
	fi
	if [ $# -eq 0 ]; then
		i=0
		until "$LOADGEN" --port "$PORT" --get /healthz >/dev/null 2>&1; do
			i=$((i + 1))
			[ $i -lt 3000 ] || { log "bench: /healthz never answered 200"; exit 1; }
			sleep 0.01
		done
	fi
	STARTUP_MS=$(($(now_ms) - t0))
}

# server_hwm_kb: the server's peak resident set so far (VmHWM).
server_hwm_kb() {
	awk '$1 == "VmHWM:" { print $2 }' /proc/"$SERVER_PID"/status
}

# gen_db DB N: a database of N cases. `civicloop gen` (a realistic county,
# seeded like the demo) when the binary has it; else the demo, topped up
# through the API by loadgen (64 clients; slow, and every case alike).
gen_db() {
	mode=$GEN_MODE
	if [ "$mode" = auto ]; then
		if "$BIN" gen --help 2>&1 | grep -q -- '--cases'; then mode=gen; else mode=api; fi
	fi
	GEN_METHOD=$mode
	if [ "$mode" = gen ]; then
		"$BIN" gen --db "$1" --cases "$2" --seed "$GEN_SEED" --days "$GEN_DAYS" --force >&2
		return
	fi
	"$BIN" demo --db "$1" >/dev/null
	server_start "$1" "$WORK/gen.log"
	"$LOADGEN" --port "$PORT" --login op1 --password 'Demo#2024' --clients 64 \
		--requests "$2" --seconds 600 >/dev/null || { log "bench: loadgen top-up failed"; exit 1; }
	server_stop
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

# ---- 0. the generated database ----
db=$WORK/bench.db
log "bench: generating $GEN_CASES cases (not part of any figure below)"
t0=$(now_ms)
gen_db "$db" "$GEN_CASES"
GEN_SECONDS=$(awk -v ms=$(($(now_ms) - t0)) 'BEGIN { printf "%.1f", ms / 1000 }')
DB_BYTES=$(cat "$db" "$db-wal" 2>/dev/null | wc -c)
log "bench: generated by $GEN_METHOD in ${GEN_SECONDS}s, $DB_BYTES bytes"

# ---- 1. baselines: raw SQLite writes, a fixed libmicrohttpd answer ----
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

MHD_JSON=
MHD_ROWS=
if [ "$MHD" = 1 ]; then
	server_start "" "$WORK/mhd.log" "$MHDFIX" --port 0 --threads "$THREADS" --bytes 1600
	for n in $CLIENTS; do
		if [ "$n" -eq 1 ]; then req=$REQ_1; else req=$REQ_N; fi
		measure --token x --clients "$n" --requests "$req" --seconds "$SECONDS_MAX"
		log "  mhd_fixed, $n client(s): $OUT"
		MHD_JSON="${MHD_JSON:+$MHD_JSON,
    }${OUT%\}},\"server_cpu_s\":$CPU,\"other_cpu_s\":$OTHER}"
		MHD_ROWS="$MHD_ROWS$n $(jget "$OUT" rate) $(jget "$OUT" p99_ms)
"
	done
	server_stop
fi
# mhd_rate N: the fixed answer's rate with N clients, or 0.
mhd_rate() {
	printf '%s' "$MHD_ROWS" | awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }'
}

# ---- 2. creations over HTTP on the generated database ----
server_start "$db" "$WORK/serve.log"
log "bench: server up in ${STARTUP_MS} ms (exec to the first 200 on /healthz)"
# A generated database's deadlines and warnings that passed while it was
# made fire now, through the scheduler (each a writer job): measured apart,
# and waited for, so that no figure below is taken while it catches up.
due_timers() {
	sqlite3 "$db" "SELECT (SELECT count(*) FROM timers WHERE state = 'running' AND due_at < $(now_ms))
		+ (SELECT count(*) FROM timers WHERE state = 'running' AND warned = 0 AND warn_at < $(now_ms))" 2>/dev/null || echo 0
}
t0=$(now_ms)
DUE_AT_START=$(due_timers)
left=$DUE_AT_START
still=0 # seconds without progress: what the scheduler leaves (none expected)
while [ "$left" -gt 0 ] && [ $still -lt 10 ]; do
	sleep 1
	now_left=$(due_timers)
	if [ "$now_left" -lt "$left" ]; then still=0; else still=$((still + 1)); fi
	left=$now_left
done
[ "$left" -eq 0 ] || log "bench: $left timers past due are left unfired"
CATCHUP_MS=$(($(now_ms) - t0))
log "bench: $DUE_AT_START deadlines and warnings past due at start, fired in ${CATCHUP_MS} ms"
"$LOADGEN" --port "$PORT" --get /metrics >"$WORK/m0.txt"
read -r CASES HOTLINE <<EOF2
$(cases_in "$WORK/m0.txt")
EOF2
BYTES_PER_CASE=$(awk -v b="$DB_BYTES" -v n="$CASES" 'BEGIN { printf "%.0f", n ? b / n : 0 }')
HWM_START=$(server_hwm_kb)
HTTP_JSON=
ROWS=
token=$("$LOADGEN" --port "$PORT" --login op1 --password 'Demo#2024' --print-token)
for n in $CLIENTS; do
	if [ "$n" -eq 1 ]; then req=$REQ_1; else req=$REQ_N; fi
	log "bench: $n client(s), up to $req creations or ${SECONDS_MAX}s"
	"$LOADGEN" --port "$PORT" --get /metrics >"$WORK/m0.txt"
	measure --token "$token" --clients "$n" --requests "$req" --seconds "$SECONDS_MAX"
	"$LOADGEN" --port "$PORT" --get /metrics >"$WORK/m1.txt"
	out=$OUT
	log "  $out"

	b0=$(metric "$WORK/m0.txt" civicloop_writer_batch_size_count)
	j0=$(metric "$WORK/m0.txt" civicloop_writer_batch_size_sum)
	b1=$(metric "$WORK/m1.txt" civicloop_writer_batch_size_count)
	j1=$(metric "$WORK/m1.txt" civicloop_writer_batch_size_sum)
	batches=$((b1 - b0))
	jobs=$((j1 - j0))
	avg=$(awk -v j="$jobs" -v b="$batches" 'BEGIN { printf "%.1f", b ? j / b : 0 }')
	mr=$(mhd_rate "$n")
	xm=$(awk -v a="$(jget "$out" rate)" -v b="$mr" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
	log "  writer: $jobs jobs in $batches transactions, average batch $avg; CPU: server ${CPU}s (busiest thread ${BUSIEST}s), other processes ${OTHER}s"
	ext="${out%\}},\"writer_batches\":$batches,\"writer_jobs\":$jobs,\"writer_avg_batch\":$avg,\"server_cpu_s\":$CPU,\"server_busiest_thread_cpu_s\":$BUSIEST,\"other_cpu_s\":$OTHER,\"mhd_fixed_rate\":$mr,\"ratio_over_mhd_fixed\":$xm}"
	HTTP_JSON="${HTTP_JSON:+$HTTP_JSON,
    }$ext"
	per_job=$(awk -v c="$BUSIEST" -v j="$jobs" 'BEGIN { printf "%.0f", j ? c * 1e6 / j : 0 }')
	ROWS="$ROWS$n $(jget "$out" rate) $(jget "$out" p50_ms) $(jget "$out" p99_ms) $(jget "$out" errors) $avg $per_job $mr $xm
"
	if [ "$(noisy "$OTHER" "$(jget "$out" seconds)")" -eq 1 ]; then
		log "  WARNING: other processes used ${OTHER}s of CPU during this ${n}-client run: the machine was not quiet, numbers are disturbed"
		NOISY="${NOISY:+$NOISY,}$n"
	fi
done

# ---- 3. lists and statistics, on the same server ----
LIST_JSON=
LIST_ROWS=
READ_JSON=
MIX_JSON=null
STATS_NOTE="not run"
: >"$WORK/raw-read.txt"

# shapes SHAPES: "user name query_string" per line, HALF replaced.
shapes() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n 's/^\([^:][^:]*\):\([^:][^:]*\):\(..*\)$/\1 \2 \3/p' |
		sed "s/HALF/$((CASES / 2))/g"
}

# token_of USER: a bearer token for USER (one login per user and run).
token_of() {
	f=$WORK/token.$1
	[ -s "$f" ] || "$LOADGEN" --port "$PORT" --login "$1" --password 'Demo#2024' --print-token >"$f"
	cat "$f"
}

# list_run USER NAME PATH: GET PATH as USER with each client count; appends
# to LIST_JSON and LIST_ROWS.
list_run() {
	token=$(token_of "$1")
	if ! "$LOADGEN" --port "$PORT" --token "$token" --get "$3" >"$WORK/probe.json" 2>&1; then
		log "bench: $1 $2: $3 did not answer 200: $(head -c 200 "$WORK/probe.json")"
		NOISY="${NOISY:+$NOISY,}\"failed $1 $2\""
		return 0
	fi
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

# export_run USER NAME FORMAT QUERY: one GET /api/v1/export/cases.FORMAT?QUERY
# as USER (bench/export.mjs --shape: seconds, bytes, rows, the server's CPU
# and its RSS before, at its peak and after); appends to EXPORT_JSON and
# EXPORT_ROWS.
export_run() {
	if ! ej=$(BENCH_EXPORT_PORT=$PORT BENCH_EXPORT_PID=$SERVER_PID \
		node "$ROOT/bench/export.mjs" --shape "$1" "$3" "$4" 2>"$WORK/export.err"); then
		log "bench: export $1 $2 $3 failed: $(head -c 300 "$WORK/export.err")"
		NOISY="${NOISY:+$NOISY,}\"failed export $1 $2 $3\""
		return 0
	fi
	log "  export $1 $2 $3: $ej"
	EXPORT_JSON="${EXPORT_JSON:+$EXPORT_JSON,
      }{\"user\":\"$1\",\"name\":\"$2\",\"format\":\"$3\",\"query\":\"$4\",${ej#\{}"
	rows=$(jget "$ej" rows)
	EXPORT_ROWS="$EXPORT_ROWS$1 $2 $3 $(jget "$ej" status) ${rows:--} $(jget "$ej" seconds) $(jget "$ej" server_cpu_s) $(jget "$ej" bytes) $(jget "$ej" rss_before_kb) $(jget "$ej" rss_peak_kb) $(jget "$ej" rss_after_kb)
"
	if [ "$(noisy "$(jget "$ej" other_cpu_s)" "$(jget "$ej" seconds)")" -eq 1 ]; then
		log "  WARNING: other processes used $(jget "$ej" other_cpu_s)s of CPU during this export: numbers are disturbed"
		NOISY="${NOISY:+$NOISY,}\"export $1 $2 $3\""
	fi
}
EXPORT_JSON=
EXPORT_ROWS=

if [ "$LIST" = 1 ]; then
	log "bench: lists on $CASES cases ($HOTLINE hotline), clients: $LIST_CLIENTS"
	shapes "$LIST_SHAPES" >"$WORK/queries.txt"
	while read -r user name qs <&3; do
		list_run "$user" "$name" "/api/v1/cases?$qs"
	done 3<"$WORK/queries.txt"
	if [ -n "$STATS_SHAPES" ]; then
		STATS_NOTE="measured"
		shapes "$STATS_SHAPES" >"$WORK/stats.txt"
		while read -r user name qs <&3; do
			list_run "$user" "stats_$name" "/api/v1/stats/hotline?$qs"
		done 3<"$WORK/stats.txt"
	fi

	# ---- 4. the mixed day ----
	if [ -n "$MIX" ]; then
		log "bench: the mixed day ($MIX), $MIX_CLIENTS clients, ${MIX_SECONDS}s"
		measure --password 'Demo#2024' --mix "$MIX" --hot "$MIX_HOT" --clients "$MIX_CLIENTS" \
			--requests 10000000 --seconds "$MIX_SECONDS"
		log "  $OUT"
		MIX_JSON="${OUT%\}},\"server_cpu_s\":$CPU,\"server_busiest_thread_cpu_s\":$BUSIEST,\"other_cpu_s\":$OTHER}"
		if [ "$(noisy "$OTHER" "$(jget "$OUT" seconds)")" -eq 1 ]; then
			NOISY="${NOISY:+$NOISY,}\"mix\""
		fi
	fi
fi

# ---- the exports, on the same server ----
if [ "$EXPORT" = 1 ] && [ -n "$EXPORT_SHAPES" ]; then
	log "bench: exports of the cases received since $EXPORT_FROM ($EXPORT_DAYS days)"
	printf '%s\n' "$EXPORT_SHAPES" | tr ' ' '\n' |
		sed -n 's/^\([^:][^:]*\):\([^:][^:]*\):\(..*\)$/\1 \2 \3/p' |
		sed "s/FROM/$EXPORT_FROM/g" >"$WORK/exports.txt"
	while read -r user name qs <&3; do
		for f in $EXPORT_FORMATS; do
			export_run "$user" "$name" "$f" "$qs"
		done
	done 3<"$WORK/exports.txt"
fi
HWM_KB=$(server_hwm_kb)
"$LOADGEN" --port "$PORT" --get /metrics >"$WORK/m1.txt"
read -r CASES_END HOTLINE_END <<EOF2
$(cases_in "$WORK/m1.txt")
EOF2
server_stop

# ---- 5. the read baseline: the list SQL sqlite_raw knows, on the same database ----
scope_of() {
	for e in $LIST_SCOPES; do
		[ "${e%%:*}" = "$1" ] && { echo "${e#*:}"; return; }
	done
}
if [ "$LIST" = 1 ]; then
	while read -r user name qs <&3; do
		scope=$(scope_of "$user")
		[ -n "$scope" ] || continue
		procs_cpu "$WORK/p0.txt"
		t0=$(date +%s.%N)
		if ! rj=$("$RAW" --read "$db" --scope "$scope" --query "$qs" \
			--iterations "$READ_ITERATIONS" --seconds "$READ_SECONDS" 2>&1); then
			log "  raw read $user $name: not a query sqlite_raw runs ($rj)"
			continue
		fi
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
			NOISY="${NOISY:+$NOISY,}\"raw read $user $name\""
		fi
	done 3<"$WORK/queries.txt"
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
ratio_mhd=$(printf '%s' "$last" | awk '{ print $9 }')

cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1 | sed 's/["\\]//g')
mem_gb=$(awk '$1 == "MemTotal:" { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
disk=$(df -h "$WORK" | awk 'NR == 2 { print $1 " " $2 }')
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain -- src bench 2>/dev/null | head -n 1)
[ -n "$dirty" ] && commit="$commit+dirty"
when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
loadavg=$(cut -d' ' -f1-3 /proc/loadavg)

cat >"$RESULTS" <<EOF2
{
  "date": "$when",
  "commit": "$commit",
  "machine": {"cores": $CORES, "cpu": "$cpu_model", "kernel": "$(uname -r)", "memory_gb": $mem_gb, "disk": "$disk"},
  "load_average_at_end": "$loadavg",
  "server_threads": $THREADS,
  "generation": {"method": "$GEN_METHOD", "cases_asked": $GEN_CASES, "seed": $GEN_SEED, "days": $GEN_DAYS, "seconds": $GEN_SECONDS, "db_bytes": $DB_BYTES},
  "server": {"cases": $CASES, "cases_at_end": $CASES_END, "startup_ms": $STARTUP_MS, "timers_due_at_start": $DUE_AT_START, "timer_catchup_ms": $CATCHUP_MS, "rss_hwm_kb_after_start": $HWM_START, "rss_hwm_kb": $HWM_KB, "db_bytes_per_case": $BYTES_PER_CASE},
  "raw": $RAW_JSON,
  "mhd_fixed": [
    $MHD_JSON
  ],
  "http": [
    $HTTP_JSON
  ],
  "ratio_http${last_clients}_over_raw_one_tx": $ratio,
  "ratio_http${last_clients}_over_mhd_fixed": ${ratio_mhd:-0},
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
  "mix": $MIX_JSON,
  "export": {
    "from": "$EXPORT_FROM",
    "days": $EXPORT_DAYS,
    "runs": [
      $EXPORT_JSON
    ]
  },
  "disturbed_runs": [$NOISY]
}
EOF2

echo
echo "civicloop bench — $when, $commit, $CORES cores, $cpu_model, ${mem_gb} GB"
echo
echo "database: $CASES cases by $GEN_METHOD in ${GEN_SECONDS}s; $DB_BYTES bytes, $BYTES_PER_CASE bytes/case"
echo "server: $DUE_AT_START timers past due at start, fired in ${CATCHUP_MS} ms before the measurements"
echo "server: start-up ${STARTUP_MS} ms (exec to the first 200 on /healthz); peak RSS $((HWM_KB / 1024)) MB (after start $((HWM_START / 1024)) MB)"
echo
printf '%-34s %12s\n' "raw SQLite (case+event rows)" "rows/s"
printf '%-34s %12s\n' "  one transaction ($RAW_ROWS rows)" "$one"
printf '%-34s %12s\n' "  batches of $RAW_BATCH rows" "$(jget "$RAW_JSON" batched_rate)"
printf '%-34s %12s\n' "  one commit per row ($RAW_SINGLE)" "$(jget "$RAW_JSON" single_rate)"
printf '%-34s %12s\n' "  + counter, timer (one tx)" "$(jget "$RAW_JSON" extra_rate)"
printf '%-34s %12s\n' "  + savepoint per row (one tx)" "$(jget "$RAW_JSON" shape_rate)"
printf '%-34s %12s\n' "    same, temp_store=MEMORY" "$(jget "$RAW_JSON" shape_temp_memory_rate)"
echo
printf '%-8s %12s %9s %9s %7s %10s %14s %11s %9s\n' "clients" "creations/s" "p50 ms" "p99 ms" "errors" \
	"avg batch" "writer us/job" "mhd fixed/s" "HTTP/mhd"
printf '%s' "$ROWS" | while read -r c r p50 p99 e a w m x; do
	printf '%-8s %12s %9s %9s %7s %10s %14s %11s %9s\n' "$c" "$r" "$p50" "$p99" "$e" "$a" "$w" "$m" "$x"
done
echo
echo "HTTP ($last_clients clients) / raw one-tx: $ratio; / mhd_fixed: ${ratio_mhd:-0}"
echo "goal: >= 10000 durable creations/s with p99 <= 20 ms"
if [ -n "$LIST_ROWS" ]; then
	echo
	echo "GET on $CASES cases ($HOTLINE hotline); goal: lists p99 <= 10 ms, stats <= 50 ms"
	printf '%-6s %-18s %7s %8s %8s %8s %6s %7s %8s %8s %10s %8s\n' "user" "query" "clients" \
		"req/s" "p50 ms" "p99 ms" "errors" "KB/resp" "srv us" "top thr%" "raw full/s" "HTTP/raw"
	printf '%s' "$LIST_ROWS" | while read -r u q c r p50 p99 e b us top; do
		raw=$(raw_full "$u/$q")
		x=$(awk -v a="$r" -v b="${raw:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
		kb=$(awk -v b="$b" 'BEGIN { printf "%.1f", b / 1024 }')
		printf '%-6s %-18s %7s %8s %8s %8s %6s %7s %8s %8s %10s %8s\n' "$u" "$q" "$c" "$r" "$p50" \
			"$p99" "$e" "$kb" "$us" "$top" "${raw:--}" "$x"
	done
	echo "srv us: server CPU per request (both cores); top thr%: the busiest server thread's share;"
	echo "HTTP/raw: req/s over sqlite_raw --read full runs/s (one thread)"
fi
if [ "$MIX_JSON" != null ]; then
	echo
	echo "the mixed day: $(jget "$MIX_JSON" clients) clients, $(jget "$MIX_JSON" seconds) s, $(jget "$MIX_JSON" rate) ok/s, $(jget "$MIX_JSON" conflicts) conflicts on $MIX_HOT hot cases"
	printf '%-14s %-7s %8s %8s %8s %8s %6s\n' "class" "kind" "ok/s" "p50 ms" "p99 ms" "max ms" "errors"
	printf '%s\n' "$MIX_JSON" | sed 's/.*"classes":{//; s/}}.*$//' | tr '}' '\n' | sed 's/^,//' |
		while IFS= read -r c; do
			[ -n "$c" ] || continue
			name=$(printf '%s' "$c" | sed -n 's/^"\([^"]*\)":{.*/\1/p')
			body=${c#*\{}
			printf '%-14s %-7s %8s %8s %8s %8s %6s\n' "$name" "$(jget "$body" kind)" "$(jget "$body" rate)" \
				"$(jget "$body" p50_ms)" "$(jget "$body" p99_ms)" "$(jget "$body" max_ms)" "$(jget "$body" errors)"
		done
fi
if [ -n "$EXPORT_ROWS" ]; then
	echo
	echo "exports of the cases received since $EXPORT_FROM ($EXPORT_DAYS days); goal: 100,000 rows <= 5 s"
	printf '%-6s %-14s %-5s %6s %8s %8s %8s %8s %10s %10s %10s\n' "user" "shape" "fmt" "status" "rows" \
		"seconds" "srv CPU" "MB" "RSS before" "RSS peak" "RSS after"
	printf '%s' "$EXPORT_ROWS" | while read -r u n f st r sec cpu b r0 rp r1; do
		printf '%-6s %-14s %-5s %6s %8s %8s %8s %8s %10s %10s %10s\n' "$u" "$n" "$f" "$st" "$r" "$sec" \
			"$cpu" "$(awk -v b="$b" 'BEGIN { printf "%.1f", b / 1048576 }')" "$((r0 / 1024)) MB" \
			"$((rp / 1024)) MB" "$((r1 / 1024)) MB"
	done
fi
echo
echo "load average at the end: $loadavg"
[ -n "$NOISY" ] && echo "WARNING: disturbed or failed: $NOISY (see other_cpu_s in $RESULTS)"
echo "results: $RESULTS"
