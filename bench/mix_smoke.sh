#!/bin/sh
# A ctest smoke of loadgen --mix (docs/bench.md "The mixed day"): a demo
# database, a server, the mix of bench/mix-day.txt for 2 seconds with 8
# clients; fails unless every class got answers and none was an error.
# Not a measurement. usage: bench/mix_smoke.sh BUILD_DIR
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" && pwd)
WORK=$(mktemp -d "$BUILD/mix-smoke.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
"$BUILD/civicloop" demo --db "$WORK/d.db" >/dev/null
"$BUILD/civicloop" serve --db "$WORK/d.db" --port 0 --threads 2 >"$WORK/s.log" 2>&1 &
PID=$!
PORT=
for _ in $(seq 200); do
	PORT=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$WORK/s.log" | head -n 1)
	[ -n "$PORT" ] && break
	sleep 0.05
done
[ -n "$PORT" ] || { cat "$WORK/s.log"; exit 1; }
OUT=$("$BUILD/loadgen" --port "$PORT" --password 'Demo#2024' --mix "$ROOT/bench/mix-day.txt" \
	--hot 4 --clients 8 --requests 100000 --seconds 2 --seed 7)
echo "$OUT"
# every class: answered > 0 and errors 0; the actions: at least one step done
echo "$OUT" | sed 's/.*"classes":{//; s/}}$//' | tr '}' '\n' | sed 's/^,//' | while IFS= read -r c; do
	[ -n "$c" ] || continue
	case "$c" in
	*'"answered":0,'* | *'"errors":0,'*'"errors":'*) echo "mix smoke: no answers: $c"; exit 1 ;;
	*'"errors":0,'*) ;;
	*) echo "mix smoke: errors: $c"; exit 1 ;;
	esac
	case "$c" in
	*'"kind":"action"'*'"step_'[a-z]*'":0,'*'"step_'*'":0,'*'"step_'*'":0'*) echo "mix smoke: no action took: $c"; exit 1 ;;
	esac
done
# the read baseline (sqlite_raw --read) reads a full page of the demo's
# county: once an unbound parameter left it at 0 items, a baseline of nothing
RAW=$("$BUILD/sqlite_raw" --read "$WORK/d.db" --scope county --query 'limit=50' --iterations 20 --seconds 1)
echo "$RAW"
case "$RAW" in
*'"items":50,'*) ;;
*) echo "mix smoke: sqlite_raw --read did not read a page of 50"; exit 1 ;;
esac
