-- Written opinion polls (phiếu lấy ý kiến), their signed answers in log order, their
-- reminders, and the outgoing mail queue. Members get an e-mail address and, optionally,
-- the address of their advisory staff, who may be copied on reminders.
alter table app_user add column email text not null default '';
alter table app_user add column staff_email text not null default '';

create table opinion_poll (
    opinion_id integer primary key autoincrement,
    question text not null,
    draft_decision text not null,
    -- JSON of domain::vote::DecisionRule.
    rule text not null,
    non_response text not null check (non_response in ('not_agreeing', 'deemed_to_agree')),
    status text not null check (status in ('draft', 'open', 'closed')),
    -- Unix ms; the secretariat may move it later while the poll is open.
    deadline integer not null,
    -- JSON array of minutes before the deadline at which reminders go out.
    reminders text not null,
    copy_staff integer not null default 0,
    definition text,
    definition_hash text,
    approved_by integer references app_user (user_id),
    sent_at integer,
    leaf_count integer not null default 0,
    result text,
    result_signature text,
    closed_at integer,
    created_by integer not null references app_user (user_id),
    created_at integer not null
);
create index opinion_poll_due on opinion_poll (status, deadline);

-- Who is asked (fixed into the definition when the poll is sent).
create table opinion_addressee (
    opinion_id integer not null references opinion_poll (opinion_id),
    user_id integer not null references app_user (user_id),
    primary key (opinion_id, user_id)
);
create index opinion_addressee_user on opinion_addressee (user_id);

-- One row per accepted answer; leaf_index is its position in the poll's RFC 6962 log.
create table opinion_answer (
    opinion_id integer not null references opinion_poll (opinion_id),
    leaf_index integer not null,
    member_id integer not null references app_user (user_id),
    device_id integer not null references device (device_id),
    bytes text not null,
    signature text not null,
    answer text not null check (answer in ('agree', 'disagree', 'other')),
    body text not null,
    leaf_hash text not null,
    tree_root text not null,
    receipt_signature text not null,
    received_at integer not null,
    primary key (opinion_id, leaf_index)
);
create unique index opinion_answer_leaf on opinion_answer (opinion_id, leaf_hash);
create index opinion_answer_member on opinion_answer (opinion_id, member_id);

-- Every change of a sent poll's terms (deadline extensions), for the record.
create table opinion_change (
    opinion_id integer not null references opinion_poll (opinion_id),
    at integer not null,
    actor integer not null references app_user (user_id),
    old_deadline integer not null,
    new_deadline integer not null,
    reason text not null
);
create index opinion_change_poll on opinion_change (opinion_id);

-- Reminders sent: a scheduled one is keyed by the time it was due (so a restart never
-- sends it twice, and an extended deadline brings its own); a manual one by its time.
create table opinion_reminder (
    opinion_id integer not null references opinion_poll (opinion_id),
    due_at integer not null,
    manual integer not null,
    message text not null,
    recipients integer not null,
    sent_by integer references app_user (user_id),
    sent_at integer not null,
    primary key (opinion_id, due_at, manual)
);

-- Mail waiting to go out, and what happened to it. Written in the transaction that
-- decided to send it; a mailer task delivers it with retries.
create table mail_outbox (
    mail_id integer primary key autoincrement,
    to_address text not null,
    cc_address text not null default '',
    subject text not null,
    body text not null,
    created_at integer not null,
    attempts integer not null default 0,
    next_attempt_at integer not null,
    sent_at integer,
    last_error text
);
create index mail_outbox_pending on mail_outbox (sent_at, next_attempt_at);
