-- Coverage asks when each room was last inspected, per inspection type; decoding every visit for
-- that grew with each day of patrols. One row per visit with the columns coverage reads (the
-- time in Unix seconds), filled from the visits already stored.
CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    inspection_type TEXT NOT NULL,
    finished_at BIGINT NOT NULL
);
CREATE INDEX visits_room_type ON visits (room_id, inspection_type, finished_at);
INSERT INTO visits (id, room_id, inspection_type, finished_at)
SELECT id,
       json_extract(data, '$.data.room_id'),
       json_extract(data, '$.data.inspection_type'),
       CAST(strftime('%s', json_extract(data, '$.data.finished_at')) AS INTEGER)
FROM entities WHERE kind = 'visit';
