-- `hazards_found (found_on, id)` has the same key as `hazards_found_cover`, which serves every
-- query it served; each hazard write no longer updates it.
DROP INDEX hazards_found;
