#!/bin/sh
# civicloop's benchmark (docs/bench.md): `make bench`, or bench/run.sh BUILD_DIR.
#
#  1. sqlite_raw: this machine's raw SQLite rate for the same inserts
#     (one transaction; batches; one commit per row).
#  2. For each client count (1 and 64): a fresh demo database, a server on a
#     free port of 127.0.0.1, a login as op1, then loadgen sending
#     POST /api/v1/cases back-to-back, bounded by a request count and time;
#     /metrics before and after gives the writer's batch sizes.
#
# Prints a summary table and writes bench/results.json. Knobs (environment):
#   BENCH_RAW_ROWS=20000 BENCH_RAW_SINGLE=500 BENCH_RAW_BATCH=64
#   BENCH_CLIENTS="1 64" BENCH_REQUESTS_1=3000 BENCH_REQUESTS_N=20000
#   BENCH_SECONDS=30 BENCH_THREADS=4 BENCH_TMPDIR=<BUILD_DIR>
#   BENCH_RESULTS=bench/results.json
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
# procs_cpu FILE: "pid ticks" of every process but this script, the server
# under test and kernel threads; ticks include waited-for children
# (utime+stime+cutime+cstime), so short-lived processes count too.
procs_cpu() {
	for f in /proc/[0-9]*/stat; do
		p=${f#/proc/}
		printf '%s %s\n' "${p%/stat}" "$(cat "$f")"
	done 2>/dev/null | awk -v self=$$ -v srv="${SERVER_PID:-0}" '{
		pid = $1; rest = $0; sub(/^.*\) /, "", rest); n = split(rest, f, " ")
		if (n < 15 || pid == self || pid == srv || int(f[7] / 2097152) % 2 == 1) next
		print pid, f[12] + f[13] + f[14] + f[15] }' >"$1"
}
# other_cpu BEFORE AFTER: CPU seconds used by other processes in between.
other_cpu() {
	awk -v hz="$HZ" 'NR == FNR { a[$1] = $2; next } { d = $2 - a[$1]; if (d > 0) s += d }
		END { printf "%.2f", s / hz }' "$1" "$2"
}

procs_cpu "$WORK/p0.txt"
t0=$(date +%s.%N)
RAW_JSON=$("$RAW" --dir "$WORK" --rows "$RAW_ROWS" --single "$RAW_SINGLE" --batch "$RAW_BATCH")
t1=$(date +%s.%N)
procs_cpu "$WORK/p1.txt"
log "  $RAW_JSON"
other=$(other_cpu "$WORK/p0.txt" "$WORK/p1.txt")
RAW_JSON=$(printf '%s' "$RAW_JSON" | sed "s/}\$/,\"other_cpu_s\":$other}/")
NOISY=
if [ "$(awk -v o="$other" -v a="$t0" -v b="$t1" -v c="$(getconf _NPROCESSORS_ONLN)" \
	'BEGIN { print (o > 0.1 * (b - a) * c) ? 1 : 0 }')" -eq 1 ]; then
	log "  WARNING: other processes used ${other}s of CPU during the raw baseline: numbers are disturbed"
	NOISY=" raw"
fi

HTTP_JSON=
ROWS=
for n in $CLIENTS; do
	if [ "$n" -eq 1 ]; then req=$REQ_1; else req=$REQ_N; fi
	db=$WORK/c$n.db
	log "bench: $n client(s), up to $req creations or ${SECONDS_MAX}s"
	"$BIN" demo --db "$db" >/dev/null
	"$BIN" serve --db "$db" --port 0 --threads "$THREADS" >"$WORK/serve$n.log" 2>&1 &
	SERVER_PID=$!
	port=
	i=0
	while [ $i -lt 100 ]; do
		port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$WORK/serve$n.log" | head -n 1)
		[ -n "$port" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ -z "$port" ]; then
		log "bench: the server did not start:"
		cat "$WORK/serve$n.log" >&2
		exit 1
	fi
	token=$("$LOADGEN" --port "$port" --login op1 --password 'Demo#2024' --print-token)
	"$LOADGEN" --port "$port" --get /metrics >"$WORK/m0.txt"
	threads_cpu "$SERVER_PID" >"$WORK/t0.txt"
	procs_cpu "$WORK/p0.txt"
	out=$("$LOADGEN" --port "$port" --token "$token" --clients "$n" --requests "$req" \
		--seconds "$SECONDS_MAX") || { log "bench: loadgen failed: $out"; exit 1; }
	procs_cpu "$WORK/p1.txt"
	threads_cpu "$SERVER_PID" >"$WORK/t1.txt"
	"$LOADGEN" --port "$port" --get /metrics >"$WORK/m1.txt"
	# CPU seconds during the load: the server's, its busiest thread's (the
	# writer, when that is the bottleneck), and everything else on the
	# machine but the server, loadgen and kernel threads (noise from other work).
	cpu=$(awk -v hz="$HZ" 'NR == FNR { a[$1] = $2; next } { s += $2 - a[$1] }
		END { printf "%.2f", s / hz }' "$WORK/t0.txt" "$WORK/t1.txt")
	busiest=$(awk -v hz="$HZ" 'NR == FNR { a[$1] = $2; next } { d = $2 - a[$1]; if (d > m) m = d }
		END { printf "%.2f", m / hz }' "$WORK/t0.txt" "$WORK/t1.txt")
	other=$(other_cpu "$WORK/p0.txt" "$WORK/p1.txt")
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" || true
	SERVER_PID=
	log "  $out"

	b0=$(metric "$WORK/m0.txt" civicloop_writer_batch_size_count)
	j0=$(metric "$WORK/m0.txt" civicloop_writer_batch_size_sum)
	b1=$(metric "$WORK/m1.txt" civicloop_writer_batch_size_count)
	j1=$(metric "$WORK/m1.txt" civicloop_writer_batch_size_sum)
	batches=$((b1 - b0))
	jobs=$((j1 - j0))
	avg=$(awk -v j="$jobs" -v b="$batches" 'BEGIN { printf "%.1f", b ? j / b : 0 }')
	log "  writer: $jobs jobs in $batches transactions, average batch $avg; CPU: server ${cpu}s (busiest thread ${busiest}s), other processes ${other}s"
	ext=$(printf '%s' "$out" | sed 's/}$//')
	ext="$ext,\"writer_batches\":$batches,\"writer_jobs\":$jobs,\"writer_avg_batch\":$avg,\"server_cpu_s\":$cpu,\"server_busiest_thread_cpu_s\":$busiest,\"other_cpu_s\":$other}"
	HTTP_JSON="${HTTP_JSON:+$HTTP_JSON,
    }$ext"
	per_job=$(awk -v c="$busiest" -v j="$jobs" 'BEGIN { printf "%.0f", j ? c * 1e6 / j : 0 }')
	ROWS="$ROWS$n $(jget "$out" rate) $(jget "$out" p50_ms) $(jget "$out" p99_ms) $(jget "$out" errors) $avg $per_job
"
	noisy=$(awk -v o="$other" -v s="$(jget "$out" seconds)" -v c="$(getconf _NPROCESSORS_ONLN)" \
		'BEGIN { print (o > 0.1 * s * c) ? 1 : 0 }')
	if [ "$noisy" -eq 1 ]; then
		log "  WARNING: other processes used ${other}s of CPU during this ${n}-client run: the machine was not quiet, numbers are disturbed"
		NOISY="$NOISY $n"
	fi
done

one=$(jget "$RAW_JSON" one_tx_rate)
last=$(printf '%s' "$ROWS" | tail -n 1)
last_rate=$(printf '%s' "$last" | awk '{ print $2 }')
last_clients=$(printf '%s' "$last" | awk '{ print $1 }')
ratio=$(awk -v a="$last_rate" -v b="$one" 'BEGIN { printf "%.3f", b ? a / b : 0 }')

cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 0)
cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1 | sed 's/["\\]//g')
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain -- src 2>/dev/null | head -n 1)
[ -n "$dirty" ] && commit="$commit+dirty"
when=$(date -u +%Y-%m-%dT%H:%M:%SZ)

cat >"$RESULTS" <<EOF
{
  "date": "$when",
  "commit": "$commit",
  "machine": {"cores": $cores, "cpu": "$cpu_model", "kernel": "$(uname -r)"},
  "server_threads": $THREADS,
  "raw": $RAW_JSON,
  "http": [
    $HTTP_JSON
  ],
  "ratio_http${last_clients}_over_raw_one_tx": $ratio,
  "disturbed_runs": [$(printf '%s' "$NOISY" | sed 's/^ //; s/ /,/g; s/raw/"raw"/')]
}
EOF

echo
echo "civicloop bench — $when, $commit, $cores cores, $cpu_model"
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
[ -n "$NOISY" ] && echo "WARNING: other processes were busy during:$NOISY (see other_cpu_s in $RESULTS)"
echo "results: $RESULTS"
