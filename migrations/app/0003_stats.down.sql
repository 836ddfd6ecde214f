-- Drops the statistics tables, undoing 0003_stats.up.sql.
-- Their rows are lost: export them first if they matter.

DROP TABLE stats_top_accounts;
DROP TABLE stats_user_agents;
DROP TABLE stats_lookups;
DROP TABLE stats;
