-- Ledger filters that sort by deadline or ask for overdue items (status + deadline).
CREATE INDEX hazards_status_deadline ON hazards (status, deadline);
CREATE INDEX hazards_category_grade ON hazards (category, grade, found_on);
