#!/bin/sh
# civicloop import at scale (docs/import.md "Scale"): bench/import.sh [BUILD_DIR]
#
# Makes a fresh demo database, writes IMPORT_ROWS (default 100000) rows of a
# 城管 system in the demo mapping's shape (config/demo/import/
# cg_system.mapping.json) with points inside the demo county, imports them
# (timed, peak RSS from /usr/bin/time -v), then imports the same file again
# (the sync: every row unchanged). Prints seconds and peak RSS of each run.
# IMPORT_HISTORY=N gives every row N steps of source history (default 0).
# Needs node (the generator) and GNU time.
set -eu
BUILD=${1:-build}
BIN=$(cd "$BUILD" && pwd)/civicloop
ROWS=${IMPORT_ROWS:-100000}
REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$BIN" demo --db "$DIR/d.db" --no-cases >/dev/null
node "$REPO/tests/api/import_rows.mjs" "$ROWS" > "$DIR/rows.csv"
echo "rows: $ROWS ($(du -h "$DIR/rows.csv" | cut -f1) of CSV)"
for run in first re-run; do
	/usr/bin/time -v "$BIN" import --db "$DIR/d.db" --source cg_system \
		--mapping "$REPO/config/demo/import/cg_system.mapping.json" "$DIR/rows.csv" \
		>"$DIR/out" 2>"$DIR/err" || true
	tail -1 "$DIR/out"
	printf '%s: %s s, peak RSS %s KiB\n' "$run" \
		"$(grep 'Elapsed (wall' "$DIR/err" | sed 's/.*: //')" \
		"$(grep 'Maximum resident' "$DIR/err" | sed 's/.*: //')"
done
