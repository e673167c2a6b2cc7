-- Keys and ledger columns compare bytewise (collation "C"). They hold ids, hashes, ISO dates and
-- enum names, all ASCII, which sort the same under every collation; but in a database created
-- with a libc locale (en_US.UTF-8, zh_CN.UTF-8, even C.UTF-8) every comparison in their indexes
-- went through strcoll, a tenth of PostgreSQL's work when a push inserts hazards. Only the
-- indexes are rebuilt: the rows are unchanged.
ALTER TABLE entities ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE hazards
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN site_id TYPE TEXT COLLATE "C",
    ALTER COLUMN department_id TYPE TEXT COLLATE "C",
    ALTER COLUMN room_id TYPE TEXT COLLATE "C",
    ALTER COLUMN status TYPE TEXT COLLATE "C",
    ALTER COLUMN grade TYPE TEXT COLLATE "C",
    ALTER COLUMN category TYPE TEXT COLLATE "C",
    ALTER COLUMN found_on TYPE TEXT COLLATE "C",
    ALTER COLUMN deadline TYPE TEXT COLLATE "C",
    ALTER COLUMN closed_on TYPE TEXT COLLATE "C";
ALTER TABLE ops
    ALTER COLUMN op_id TYPE TEXT COLLATE "C",
    ALTER COLUMN device_id TYPE TEXT COLLATE "C",
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN entity_id TYPE TEXT COLLATE "C";
ALTER TABLE devices
    ALTER COLUMN device_id TYPE TEXT COLLATE "C",
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
ALTER TABLE audit
    ALTER COLUMN op_id TYPE TEXT COLLATE "C",
    ALTER COLUMN entity_id TYPE TEXT COLLATE "C";
ALTER TABLE blobs ALTER COLUMN sha256 TYPE TEXT COLLATE "C";
ALTER TABLE blob_refs
    ALTER COLUMN sha256 TYPE TEXT COLLATE "C",
    ALTER COLUMN entity_id TYPE TEXT COLLATE "C";
ALTER TABLE tokens
    ALTER COLUMN token_hash TYPE TEXT COLLATE "C",
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
