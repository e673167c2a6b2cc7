-- Login throttling by counters reserved atomically before a password is checked (auth.rs).
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    pause_ms BIGINT NOT NULL,
    next_at BIGINT NOT NULL
);
DROP TABLE login_attempts;
-- Who has proved they hold a photo's bytes (uploaded them): only they, and those who may see
-- a record that uses it, may name it in an operation.
CREATE TABLE blob_holders (
    sha256 TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (sha256, user_id)
);
INSERT INTO blob_holders (sha256, user_id) SELECT sha256, uploaded_by FROM blobs;
