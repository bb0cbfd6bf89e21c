-- Foundation schema (SQLite). Times are Unix milliseconds (UTC) in integer columns.
create table meta (
    key text primary key,
    value text not null
);
-- The epoch names this event log; clients holding positions of another log reload snapshots.
insert into meta (key, value) values ('epoch', lower(hex(randomblob(16))));

create table app_user (
    user_id integer primary key autoincrement,
    username text not null unique,
    display_name text not null,
    title text not null default '',
    role text not null check (role in ('admin', 'secretariat', 'chair', 'member', 'invitee')),
    password_hash text not null,
    sort_order integer not null default 0,
    created_at integer not null
);

create table session (
    session_id text primary key,
    data text not null,
    expires_at integer not null
);
create index session_expires_at on session (expires_at);

create table meeting (
    meeting_id integer primary key autoincrement,
    title text not null,
    kind text not null check (kind in ('regular', 'thematic', 'extraordinary')),
    starts_at integer not null,
    place text not null,
    status text not null check (status in ('draft', 'published', 'in_progress', 'ended')),
    current_item_id integer,
    quorum_num integer not null,
    quorum_den integer not null,
    created_by integer not null references app_user (user_id),
    created_at integer not null,
    updated_at integer not null
);

create table participant (
    meeting_id integer not null references meeting (meeting_id),
    user_id integer not null references app_user (user_id),
    role text not null check (role in ('chair', 'member', 'invitee')),
    primary key (meeting_id, user_id)
);
create index participant_user on participant (user_id);

create table agenda_item (
    item_id integer primary key autoincrement,
    meeting_id integer not null references meeting (meeting_id),
    position integer not null,
    title text not null,
    presenter text not null,
    planned_minutes integer not null
);
create index agenda_item_meeting on agenda_item (meeting_id, position);

create table attendance (
    meeting_id integer not null references meeting (meeting_id),
    user_id integer not null references app_user (user_id),
    status text not null check (status in ('present', 'absent')),
    mode text,
    reason text,
    substitute text,
    at integer not null,
    primary key (meeting_id, user_id)
);

-- Every request to speak is kept (the minutes will list who spoke on which item).
create table speaker_turn (
    turn_id integer primary key autoincrement,
    meeting_id integer not null references meeting (meeting_id),
    item_id integer,
    user_id integer not null references app_user (user_id),
    status text not null check (status in ('waiting', 'speaking', 'done', 'withdrawn', 'dropped')),
    requested_at integer not null,
    granted_at integer,
    ended_at integer
);
create index speaker_turn_open on speaker_turn (meeting_id, status);

-- The event log: one gap-free sequence per topic, written in the transaction of the change.
create table topic (
    topic text primary key,
    last_seq integer not null
);

create table event (
    event_id integer primary key autoincrement,
    topic text not null,
    seq integer not null,
    kind text not null,
    payload text not null,
    actor integer,
    at integer not null,
    unique (topic, seq)
);
