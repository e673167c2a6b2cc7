-- Rounds, visits and measures are a small part of `entities` (hazards are most of it): the
-- inspections list, the dashboard's coverage and the measures list read them by kind (and site)
-- instead of scanning every entity.
CREATE INDEX entities_kind_site ON entities (kind, site_id);
