#!/bin/sh
# pg-copy.sh SQLITE_DB DSN: copies a civicloop SQLite database (a county
# made by `civicloop gen`) into an empty PostgreSQL database, for the lists
# at 1 M on PostgreSQL (bench/pg.mjs, docs/postgresql.md "Figures"). gen
# writes SQLite only; the two schemas have the same tables and columns
# (src/store/pg_schema.h), so each table's rows go through a pipe:
# sqlite3's CSV into COPY. A benchmark tool, not a migration path.
#
#  - The schema comes from `civicloop init --db DSN`; init's own rows are
#    deleted first, so the copy holds exactly the SQLite database's rows.
#  - The columns copied are those both sides have; one PostgreSQL has
#    alone keeps its default, but region_code, which has none: SQLite's
#    R*Tree case_points, derived indexes (case_scope, part_due,
#    case_overdue) and stats_dirty have no such column, so their rows take
#    their case's.
#    BLOBs go as '\x' hex (bytea's input), REALs
#    with 17 digits (a double exactly).
#  - Triggers and foreign keys are off during the copy
#    (session_replication_role = replica): the derived tables are copied
#    as they are, not derived again row by row.
#  - case_fts is not copied: FTS5's rows have no tsv. The meta row
#    search.version is dropped, so the first `civicloop serve` indexes
#    every case for PostgreSQL's search (core/search.c search_backfill).
#  - Identity columns continue after the largest id copied (setval).
#
# The key goes with the database: copy SQLITE_DB.key to the server's
# $CIVICLOOP_STATE_DIR/civicloop.key (bench/pg.mjs does).
set -eu
[ $# -eq 2 ] || { echo "usage: bench/pg-copy.sh SQLITE_DB DSN" >&2; exit 2; }
DB=$1
DSN=$2
BIN=${CIVICLOOP_BIN:-build/civicloop}
[ -f "$DB" ] || { echo "pg-copy: no $DB" >&2; exit 2; }

"$BIN" init --db "$DSN" >/dev/null
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$DSN" "$@"; }

# Tables of the PostgreSQL schema, but its own bookkeeping and case_fts.
tables=$(psql_q -c "SELECT table_name FROM information_schema.tables
	WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
	AND table_name NOT IN ('civicloop_schema', 'case_fts') ORDER BY 1")
psql_q -c "TRUNCATE $(echo $tables | tr ' ' ','), case_fts"

for t in $tables; do
	# name:type of each PostgreSQL column the SQLite table has too.
	sqlite_cols=$(sqlite3 "$DB" "SELECT name FROM pragma_table_info('$t')")
	[ -n "$sqlite_cols" ] || { echo "pg-copy: $t: not in $DB" >&2; exit 1; }
	cols= sel=
	for ct in $(psql_q -F: -c "SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = '$t' ORDER BY ordinal_position" | tr ' ' '_'); do
		c=${ct%%:*}
		if ! printf '%s\n' "$sqlite_cols" | grep -qx "$c"; then
			# SQLite's R*Tree case_points, the derived indexes and
			# stats_dirty have no region: their case's
			[ "$c" = region_code ] || continue
			k=id
			printf '%s\n' "$sqlite_cols" | grep -qx case_id && k=case_id
			cols="${cols:+$cols, }$c"
			sel="${sel:+$sel, }(SELECT region_code FROM cases WHERE id = $t.$k)"
			continue
		fi
		case ${ct#*:} in
		bytea) e="CASE WHEN $c IS NULL THEN NULL ELSE '\\x' || lower(hex($c)) END" ;;
		double_precision) e="CASE WHEN $c IS NULL THEN NULL ELSE printf('%.17g', $c) END" ;;
		*) e=$c ;;
		esac
		cols="${cols:+$cols, }$c"
		sel="${sel:+$sel, }$e"
	done
	sqlite3 -csv "$DB" "SELECT $sel FROM $t" |
		psql_q -c "SET session_replication_role = replica" \
			-c "\\copy $t($cols) FROM STDIN (FORMAT csv)"
	echo "pg-copy: $t $(psql_q -c "SELECT count(*) FROM $t")" >&2
done

psql_q -c "DELETE FROM meta WHERE key = 'search.version'"
psql_q >/dev/null <<'EOF'
SELECT setval(pg_get_serial_sequence(quote_ident(table_name), column_name),
	greatest(coalesce((xpath('/row/m/text()',
		query_to_xml(format('SELECT max(%I) AS m FROM %I', column_name, table_name),
		false, true, '')))[1]::text::bigint, 0), 1))
FROM information_schema.columns
WHERE table_schema = 'public' AND is_identity = 'YES';
ANALYZE;
EOF
