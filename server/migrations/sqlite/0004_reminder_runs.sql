-- One row per day on which the reminders were posted to the group robot: the instance that
-- inserts it posts, the others see it taken.
CREATE TABLE reminder_runs (day TEXT PRIMARY KEY, at BIGINT NOT NULL);
