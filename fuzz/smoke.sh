#!/bin/sh
# make fuzzsmoke (docs/fuzzing.md): every fuzz target of BUILD/fuzz/ first
# replays each input kept in fuzz/regression/<name>/ (each must run clean),
# then fuzzes for SECONDS over a scratch copy of fuzz/corpus/<name>/, two
# targets at a time. A failure prints the end of the target's log; its
# input is kept as BUILD/fuzz/artifacts/<name>-crash-*. Exit 1 if any failed.
#
#   fuzz/smoke.sh BUILD [SECONDS]        FUZZ_JOBS=N runs N targets at once
set -u
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--one" ]; then
	build=$2 secs=$3 name=$4 work=$5
	bin=$build/fuzz/fuzz_$name
	log=$work/$name.log
	mkdir -p "$work/$name" "$build/fuzz/artifacts"
	cp fuzz/corpus/"$name"/* "$work/$name"/ 2>/dev/null
	# libFuzzer fuzzes when given no file at all: replay only if there are some
	set -- $(find fuzz/regression/"$name" -type f ! -name 'README*' ! -name '.*' 2>/dev/null | sort)
	if [ $# -gt 0 ] && ! "$bin" -timeout=30 "$@" >"$log" 2>&1; then
		echo "fuzzsmoke: $name: a kept input fails again (fuzz/regression/$name):"
		tail -n 40 "$log"
		exit 1
	fi
	nreg=$#
	case $name in
	case_create | case_action | query | http | utf8 | open311) d=fuzz/dict/api.dict ;;
	*) d=fuzz/dict/$name.dict ;;
	esac
	dict=""
	[ -f "$d" ] && dict="-dict=$d"
	if ! "$bin" -max_total_time="$secs" -timeout=30 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz/artifacts/$name-" $dict "$work/$name" >"$log" 2>&1; then
		echo "fuzzsmoke: $name: FAILED (input kept in $build/fuzz/artifacts/):"
		tail -n 60 "$log"
		exit 1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	echo "fuzzsmoke: $name: ok, $nreg kept inputs replayed, ${execs:-?} execs in ${secs}s, $cov"
	exit 0
fi

build=${1:?usage: fuzz/smoke.sh BUILD [SECONDS]}
secs=${2:-15}
jobs=${FUZZ_JOBS:-2}
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzzsmoke.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
names=$(ls fuzz/fuzz_*.c | sed 's|fuzz/fuzz_||; s|\.c$||')
for n in $names; do
	if [ ! -x "$build/fuzz/fuzz_$n" ]; then
		echo "fuzzsmoke: $build/fuzz/fuzz_$n is missing (make fuzz)"
		exit 1
	fi
done
start=$(date +%s)
printf '%s\n' $names | xargs -P "$jobs" -I{} "$0" --one "$build" "$secs" {} "$work"
status=$?
echo "fuzzsmoke: $(echo $names | wc -w) targets in $(( $(date +%s) - start ))s"
[ $status -eq 0 ] || exit 1
