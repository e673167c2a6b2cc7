-- The ledger walks hazards in `found_on` order and filters inside the index (index-only scans).
CREATE INDEX hazards_found_cover ON hazards (found_on, id)
    INCLUDE (status, deadline, category, grade, site_id, department_id);
-- Sorting by deadline, and counting overdue items, read only this index.
DROP INDEX hazards_status_deadline;
CREATE INDEX hazards_status_deadline ON hazards (status, deadline) INCLUDE (found_on, id);
-- Free-text search (`LIKE '%…%'`) of three or more characters uses trigrams.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX hazards_search_trgm ON hazards USING gin (search gin_trgm_ops);
