-- The ledger walks hazards in `found_on` order and filters inside the index, never touching the
-- table: one covering index carries every filtered column, including the search text.
CREATE INDEX hazards_found_cover ON hazards
    (found_on, id, status, deadline, category, grade, site_id, department_id, search);
-- Sorting by deadline, and counting overdue items, read only this index.
DROP INDEX hazards_status_deadline;
CREATE INDEX hazards_status_deadline ON hazards (status, deadline, found_on, id);
