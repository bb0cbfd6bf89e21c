-- Polls (votes) of a meeting, their accepted ballots in log order, and the server's key.
create table poll (
    poll_id bigint generated always as identity primary key,
    meeting_id bigint not null references meeting (meeting_id),
    item_id bigint,
    question text not null,
    form text not null,
    rule text not null,
    status text not null check (status in ('draft', 'open', 'closed')),
    duration_seconds bigint,
    definition text,
    definition_hash text,
    opened_at bigint,
    closes_at bigint,
    closed_at bigint,
    leaf_count bigint not null default 0,
    result text,
    result_signature text,
    created_by bigint not null references app_user (user_id),
    created_at bigint not null
);
create index poll_meeting on poll (meeting_id);
create index poll_closing on poll (status, closes_at);

-- One row per accepted ballot; leaf_index is its position in the poll's RFC 6962 log.
create table ballot (
    poll_id bigint not null references poll (poll_id),
    leaf_index bigint not null,
    member_id bigint not null references app_user (user_id),
    device_id bigint not null references device (device_id),
    bytes text not null,
    signature text not null,
    leaf_hash text not null,
    tree_root text not null,
    receipt_signature text not null,
    received_at bigint not null,
    primary key (poll_id, leaf_index)
);
-- Identical bytes (same nonce) are a replay; the index refuses them even if a check is missed.
create unique index ballot_leaf on ballot (poll_id, leaf_hash);
create index ballot_member on ballot (poll_id, member_id);
