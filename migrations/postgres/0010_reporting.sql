-- Reporting (chế độ báo cáo, Decree 09/2019/NĐ-CP): reporting units in a hierarchy and who
-- reports or approves for each, indicators (chỉ tiêu) and regimes (their definitions are
-- the JSON of ecabinet_reporting types), one report per regime, unit and period with its
-- values, and every revision of every value and every step, kept.
create table report_unit (
    unit_id bigint generated always as identity primary key,
    -- Short code (e.g. HN for Hà Nội, BKHDT).
    code text not null unique,
    name text not null,
    parent_id bigint references report_unit (unit_id),
    sort_order bigint not null default 0,
    created_at bigint not null
);

create table report_unit_member (
    unit_id bigint not null references report_unit (unit_id),
    user_id bigint not null references app_user (user_id),
    role text not null check (role in ('officer', 'approver')),
    primary key (unit_id, user_id, role)
);
create index report_unit_member_user on report_unit_member (user_id);

create table indicator (
    code text primary key,
    -- JSON of ecabinet_reporting::Indicator.
    definition text not null,
    created_at bigint not null
);

create table regime (
    regime_id bigint generated always as identity primary key,
    code text not null unique,
    -- JSON of ecabinet_reporting::Regime.
    definition text not null,
    -- Who receives the reports (and may return an approved one).
    receiving_unit_id bigint not null references report_unit (unit_id),
    created_at bigint not null
);

-- The units that report under a regime.
create table regime_unit (
    regime_id bigint not null references regime (regime_id),
    unit_id bigint not null references report_unit (unit_id),
    primary key (regime_id, unit_id)
);

create table report (
    report_id bigint generated always as identity primary key,
    regime_id bigint not null references regime (regime_id),
    unit_id bigint not null references report_unit (unit_id),
    -- As written: 2026-11, 2026-Q4, 2026-H2, 2026.
    period text not null,
    -- The period's first month as year * 100 + month, to select ranges in order.
    period_start bigint not null,
    status text not null check (status in ('draft', 'submitted', 'approved', 'returned')),
    -- JSON of the officer's signed submission (ecabinet_reporting::canonical).
    signature text,
    submitted_by bigint references app_user (user_id),
    submitted_at bigint,
    decided_by bigint references app_user (user_id),
    decided_at bigint,
    -- The last return's comment.
    comment text not null default '',
    updated_at bigint not null,
    unique (regime_id, unit_id, period)
);
create index report_regime_period on report (regime_id, status, period_start);

create table report_value (
    report_id bigint not null references report (report_id),
    indicator_code text not null,
    value double precision not null,
    primary key (report_id, indicator_code)
);
create index report_value_indicator on report_value (indicator_code, report_id);

-- Every change: a value (indicator_code set; from old_value to new_value, null for none)
-- or a step (indicator_code null: submit, approve, return).
create table report_revision (
    revision_id bigint generated always as identity primary key,
    report_id bigint not null references report (report_id),
    indicator_code text,
    old_value double precision,
    new_value double precision,
    action text not null check (action in ('edit', 'upload', 'submit', 'approve', 'return')),
    user_id bigint not null references app_user (user_id),
    at bigint not null,
    note text not null default ''
);
create index report_revision_report on report_revision (report_id, indicator_code, revision_id);

-- Reminders sent for an overdue report (once per regime, unit and period, and kind).
create table report_reminder (
    regime_id bigint not null references regime (regime_id),
    unit_id bigint not null references report_unit (unit_id),
    period text not null,
    -- 'due' (sent by the clock when the deadline passed) or 'manual' (with its time).
    kind text not null,
    sent_at bigint not null,
    primary key (regime_id, unit_id, period, kind)
);
