-- The Citus distribution plan of civicloop's tables (docs/citus.md).
--
-- Every table of the PostgreSQL schema (src/store/pg_schema.h) is named
-- here exactly once: a reference table (copied whole to every node) or a
-- table distributed by the city-level region_code and co-located with
-- cases (a city's rows of every distributed table on one node, so a city's
-- joins stay on it). tests/unit/test_pg_shard.c reads this file and checks
-- the schema against it: every table named once, no foreign key from a
-- reference table to a distributed one, and for a distributed table
-- region_code first in its primary key, in its unique keys and in its
-- foreign keys to other distributed tables.
--
-- Not to be run yet: docs/citus.md "What is left" says what the schema and
-- the statements still need first (the test's list of tables not yet
-- keyed by region).

-- Reference tables: the org tree and the people, read by every query and
-- written seldom; the catalogue, campaigns and enterprises of the org tree;
-- the server's own rows. (Matter types and the working-day calendar are
-- files every server loads: docs/citus.md "Reference data".)
SELECT create_reference_table('civicloop_schema');
SELECT create_reference_table('meta');
SELECT create_reference_table('orgs');
SELECT create_reference_table('users');
SELECT create_reference_table('user_roles');
SELECT create_reference_table('sessions');
SELECT create_reference_table('api_keys');
SELECT create_reference_table('webhooks');
SELECT create_reference_table('signing_keys');
SELECT create_reference_table('org_bbox');
SELECT create_reference_table('catalogue_versions');
SELECT create_reference_table('route_tokens');
SELECT create_reference_table('route_orgs');
SELECT create_reference_table('topics');
SELECT create_reference_table('task_lists');
SELECT create_reference_table('enterprises');
SELECT create_reference_table('inspection_plans');
SELECT create_reference_table('campaigns');
SELECT create_reference_table('campaign_targets');
SELECT create_reference_table('campaign_groups');
SELECT create_reference_table('campaign_members');
SELECT create_reference_table('campaign_visits');
SELECT create_reference_table('campaign_reports');
SELECT create_reference_table('part_unfinished');
SELECT create_reference_table('case_overdue_mark');

-- Distributed by region_code, co-located with cases: a case and all that
-- hangs on it, the audit chain (one chain a region), the case numbers'
-- counters, the derived indexes and the statistics of the region's orgs.
SELECT create_distributed_table('cases', 'region_code');
SELECT create_distributed_table('assignments', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('timers', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('links', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('attachments', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('case_parties', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('case_points', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('case_fts', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('route_labels', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('interviews', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('inspection_periods', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('documents', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('notices', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('open311_requests', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('open311_updates', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('outbox', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('idempotency', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('counters', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('events', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('checkpoints', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('case_scope', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('part_due', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('case_overdue', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('stats_dirty', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('stats_case', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('stats_due', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('stats_due_day', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('stats_part_due', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('stats_part_due_day', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('stats_cell', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('stats_unit_cell', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('stats_month', 'region_code', colocate_with => 'cases');
SELECT create_distributed_table('stats_unit_month', 'region_code', colocate_with => 'cases');
