-- Coverage asks when each room was last inspected, per inspection type; decoding every visit for
-- that grew with each day of patrols, as did the inspections list's search for the visits of a
-- page of rounds. One row per visit with the columns both read (the time in Unix seconds), filled
-- from the visits already stored.
CREATE TABLE visits (
    id TEXT COLLATE "C" PRIMARY KEY,
    round_id TEXT COLLATE "C" NOT NULL,
    room_id TEXT COLLATE "C" NOT NULL,
    inspection_type TEXT COLLATE "C" NOT NULL,
    finished_at BIGINT NOT NULL
);
CREATE INDEX visits_room_type ON visits (room_id, inspection_type, finished_at);
CREATE INDEX visits_round ON visits (round_id);
INSERT INTO visits (id, round_id, room_id, inspection_type, finished_at)
SELECT id,
       (data::jsonb) -> 'data' ->> 'round_id',
       (data::jsonb) -> 'data' ->> 'room_id',
       (data::jsonb) -> 'data' ->> 'inspection_type',
       FLOOR(EXTRACT(EPOCH FROM ((data::jsonb) -> 'data' ->> 'finished_at')::timestamptz))::BIGINT
FROM entities WHERE kind = 'visit';
