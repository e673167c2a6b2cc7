-- SafeRounds schema, PostgreSQL dialect. Never edit a committed migration; add a new one.
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('change_seq', 0);

CREATE TABLE sites (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE departments (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE buildings (id TEXT PRIMARY KEY, site_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE rooms (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL,
    department_id TEXT NOT NULL,
    qr_code TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL
);
CREATE INDEX rooms_site ON rooms (site_id);
CREATE TABLE templates (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (code, version)
);
CREATE TABLE campaigns (id TEXT PRIMARY KEY, data TEXT NOT NULL);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    site_id TEXT,
    department_id TEXT,
    active BIGINT NOT NULL DEFAULT 1,
    data TEXT NOT NULL
);
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE TABLE login_attempts (username TEXT NOT NULL, at BIGINT NOT NULL, ok BIGINT NOT NULL);
CREATE INDEX login_attempts_user ON login_attempts (username, at);

CREATE TABLE entities (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    site_id TEXT,
    department_id TEXT,
    version BIGINT NOT NULL,
    change_seq BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX entities_seq ON entities (change_seq);

CREATE TABLE hazards (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL,
    department_id TEXT,
    room_id TEXT,
    status TEXT NOT NULL,
    grade TEXT NOT NULL,
    category TEXT NOT NULL,
    found_on TEXT NOT NULL,
    deadline TEXT,
    closed_on TEXT,
    fixed_on_spot BIGINT NOT NULL,
    funds BIGINT NOT NULL,
    has_conflict BIGINT NOT NULL,
    search TEXT NOT NULL
);
CREATE INDEX hazards_found ON hazards (found_on, id);
CREATE INDEX hazards_status_found ON hazards (status, found_on);
CREATE INDEX hazards_dept_found ON hazards (department_id, found_on);
CREATE INDEX hazards_site_found ON hazards (site_id, found_on);
CREATE INDEX hazards_deadline ON hazards (deadline);

CREATE TABLE ops (
    op_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    device_seq BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (device_id, device_seq)
);
CREATE TABLE devices (device_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, last_seq BIGINT NOT NULL);

CREATE TABLE audit (
    op_id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL,
    change_seq BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit (entity_id, change_seq);

CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL, content_type TEXT NOT NULL, uploaded_by TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE blob_refs (
    sha256 TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    site_id TEXT,
    department_id TEXT,
    PRIMARY KEY (sha256, entity_id)
);

CREATE TABLE records (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    site_id TEXT,
    data TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX records_kind ON records (kind);
