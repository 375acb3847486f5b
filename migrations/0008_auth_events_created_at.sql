-- The hourly cleanup deletes audit events older than the retention period by
-- `created_at` alone (js/src/db/cleanup.ts). The index of migration 0007 starts
-- with user_id, so that DELETE scanned the whole table; this one serves it.
CREATE INDEX auth_events_created_at ON auth_events(created_at);
