-- Reporting (chế độ báo cáo, Decree 09/2019/NĐ-CP): reporting units in a hierarchy and who
-- reports or approves for each, indicators (chỉ tiêu) and regimes (their definitions are
-- the JSON of ecabinet_reporting types), one report per regime, unit and period with its
-- values, and every revision of every value and every step, kept.
create table report_unit (
    unit_id integer primary key autoincrement,
    -- Short code (e.g. HN for Hà Nội, BKHDT).
    code text not null unique,
    name text not null,
    parent_id integer references report_unit (unit_id),
    sort_order integer not null default 0,
    created_at integer not null
);

create table report_unit_member (
    unit_id integer not null references report_unit (unit_id),
    user_id integer not null references app_user (user_id),
    role text not null check (role in ('officer', 'approver')),
    primary key (unit_id, user_id, role)
);
create index report_unit_member_user on report_unit_member (user_id);

create table indicator (
    code text primary key,
    -- JSON of ecabinet_reporting::Indicator.
    definition text not null,
    created_at integer not null
);

create table regime (
    regime_id integer primary key autoincrement,
    code text not null unique,
    -- JSON of ecabinet_reporting::Regime.
    definition text not null,
    -- Who receives the reports (and may return an approved one).
    receiving_unit_id integer not null references report_unit (unit_id),
    created_at integer not null
);

-- The units that report under a regime.
create table regime_unit (
    regime_id integer not null references regime (regime_id),
    unit_id integer not null references report_unit (unit_id),
    primary key (regime_id, unit_id)
);

create table report (
    report_id integer primary key autoincrement,
    regime_id integer not null references regime (regime_id),
    unit_id integer not null references report_unit (unit_id),
    -- As written: 2026-11, 2026-Q4, 2026-H2, 2026.
    period text not null,
    -- The period's first month as year * 100 + month, to select ranges in order.
    period_start integer not null,
    status text not null check (status in ('draft', 'submitted', 'approved', 'returned')),
    -- JSON of the officer's signed submission (ecabinet_reporting::canonical).
    signature text,
    submitted_by integer references app_user (user_id),
    submitted_at integer,
    decided_by integer references app_user (user_id),
    decided_at integer,
    -- The last return's comment.
    comment text not null default '',
    updated_at integer not null,
    unique (regime_id, unit_id, period)
);
create index report_regime_period on report (regime_id, status, period_start);

create table report_value (
    report_id integer not null references report (report_id),
    indicator_code text not null,
    value real not null,
    primary key (report_id, indicator_code)
);
create index report_value_indicator on report_value (indicator_code, report_id);

-- Every change: a value (indicator_code set; from old_value to new_value, null for none)
-- or a step (indicator_code null: submit, approve, return).
create table report_revision (
    revision_id integer primary key autoincrement,
    report_id integer not null references report (report_id),
    indicator_code text,
    old_value real,
    new_value real,
    action text not null check (action in ('edit', 'upload', 'submit', 'approve', 'return')),
    user_id integer not null references app_user (user_id),
    at integer not null,
    note text not null default ''
);
create index report_revision_report on report_revision (report_id, indicator_code, revision_id);

-- Reminders sent for an overdue report (once per regime, unit and period, and kind).
create table report_reminder (
    regime_id integer not null references regime (regime_id),
    unit_id integer not null references report_unit (unit_id),
    period text not null,
    -- 'due' (sent by the clock when the deadline passed) or 'manual' (with its time).
    kind text not null,
    sent_at integer not null,
    primary key (regime_id, unit_id, period, kind)
);
