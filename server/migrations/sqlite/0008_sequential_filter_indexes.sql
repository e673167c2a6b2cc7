-- The ledger's equality filters (status, category and grade, site, department, and a station's
-- scope) were indexed together with `found_on` or the deadline. A report found on another day
-- than it is sent lands at a random place in each such index, so every back-dated report dirtied
-- a page of five more indexes (history ingest ~1.6x slower). Without the date the entries follow
-- the rowid and are appended. The ledger counts a filter's matches through these indexes first,
-- then either sorts the few matches or walks a date-ordered covering index (store::ledger).
DROP INDEX hazards_status_found;
DROP INDEX hazards_dept_found;
DROP INDEX hazards_site_found;
DROP INDEX hazards_category_grade;
DROP INDEX hazards_status_deadline;
DROP INDEX hazards_deadline;
CREATE INDEX hazards_status ON hazards (status);
CREATE INDEX hazards_site ON hazards (site_id);
CREATE INDEX hazards_dept ON hazards (department_id);
CREATE INDEX hazards_category_grade ON hazards (category, grade);
-- Pages sorted by deadline walk this one, checking the status (and the overdue filter) in it.
CREATE INDEX hazards_deadline_cover ON hazards (deadline, id, status);
