-- Coverage asks when each room was last inspected, per inspection type; decoding every visit for
-- that grew with each day of patrols. One row per visit with the columns coverage reads (the
-- time in Unix seconds), filled from the visits already stored.
CREATE TABLE visits (
    id TEXT COLLATE "C" PRIMARY KEY,
    room_id TEXT COLLATE "C" NOT NULL,
    inspection_type TEXT COLLATE "C" NOT NULL,
    finished_at BIGINT NOT NULL
);
CREATE INDEX visits_room_type ON visits (room_id, inspection_type, finished_at);
INSERT INTO visits (id, room_id, inspection_type, finished_at)
SELECT id,
       (data::jsonb) -> 'data' ->> 'room_id',
       (data::jsonb) -> 'data' ->> 'inspection_type',
       FLOOR(EXTRACT(EPOCH FROM ((data::jsonb) -> 'data' ->> 'finished_at')::timestamptz))::BIGINT
FROM entities WHERE kind = 'visit';
