-- Foundation schema (PostgreSQL). Times are Unix milliseconds (UTC) in bigint columns.
create table meta (
    key text primary key,
    value text not null
);
-- The epoch names this event log; clients holding positions of another log reload snapshots.
insert into meta (key, value) values ('epoch', md5(random()::text || clock_timestamp()::text));

create table app_user (
    user_id bigint generated always as identity primary key,
    username text not null unique,
    display_name text not null,
    title text not null default '',
    role text not null check (role in ('admin', 'secretariat', 'chair', 'member', 'invitee')),
    password_hash text not null,
    sort_order bigint not null default 0,
    created_at bigint not null
);

create table session (
    session_id text primary key,
    data text not null,
    expires_at bigint not null
);
create index session_expires_at on session (expires_at);

create table meeting (
    meeting_id bigint generated always as identity primary key,
    title text not null,
    kind text not null check (kind in ('regular', 'thematic', 'extraordinary')),
    starts_at bigint not null,
    place text not null,
    status text not null check (status in ('draft', 'published', 'in_progress', 'ended')),
    current_item_id bigint,
    quorum_num bigint not null,
    quorum_den bigint not null,
    created_by bigint not null references app_user (user_id),
    created_at bigint not null,
    updated_at bigint not null
);

create table participant (
    meeting_id bigint not null references meeting (meeting_id),
    user_id bigint not null references app_user (user_id),
    role text not null check (role in ('chair', 'member', 'invitee')),
    primary key (meeting_id, user_id)
);
create index participant_user on participant (user_id);

create table agenda_item (
    item_id bigint generated always as identity primary key,
    meeting_id bigint not null references meeting (meeting_id),
    position bigint not null,
    title text not null,
    presenter text not null,
    planned_minutes bigint not null
);
create index agenda_item_meeting on agenda_item (meeting_id, position);

create table attendance (
    meeting_id bigint not null references meeting (meeting_id),
    user_id bigint not null references app_user (user_id),
    status text not null check (status in ('present', 'absent')),
    mode text,
    reason text,
    substitute text,
    at bigint not null,
    primary key (meeting_id, user_id)
);

-- Every request to speak is kept (the minutes will list who spoke on which item).
create table speaker_turn (
    turn_id bigint generated always as identity primary key,
    meeting_id bigint not null references meeting (meeting_id),
    item_id bigint,
    user_id bigint not null references app_user (user_id),
    status text not null check (status in ('waiting', 'speaking', 'done', 'withdrawn', 'dropped')),
    requested_at bigint not null,
    granted_at bigint,
    ended_at bigint
);
create index speaker_turn_open on speaker_turn (meeting_id, status);

-- The event log: one gap-free sequence per topic, written in the transaction of the change.
create table topic (
    topic text primary key,
    last_seq bigint not null
);

create table event (
    event_id bigint generated always as identity primary key,
    topic text not null,
    seq bigint not null,
    kind text not null,
    payload text not null,
    actor bigint,
    at bigint not null,
    unique (topic, seq)
);
