-- Coverage asks when each room was last inspected, per inspection type; decoding every visit for
-- that grew with each day of patrols, as did the inspections list's search for the visits of a
-- page of rounds. One row per visit with the columns both read (the time in Unix seconds), filled
-- from the visits already stored.
CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    round_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    inspection_type TEXT NOT NULL,
    finished_at BIGINT NOT NULL
);
CREATE INDEX visits_room_type ON visits (room_id, inspection_type, finished_at);
CREATE INDEX visits_round ON visits (round_id);
INSERT INTO visits (id, round_id, room_id, inspection_type, finished_at)
SELECT id,
       json_extract(data, '$.data.round_id'),
       json_extract(data, '$.data.room_id'),
       json_extract(data, '$.data.inspection_type'),
       CAST(strftime('%s', json_extract(data, '$.data.finished_at')) AS INTEGER)
FROM entities WHERE kind = 'visit';
