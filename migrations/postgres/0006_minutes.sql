-- Meeting minutes (biên bản): the secretariat's draft, then the text the chair signed on
-- the device, with the signature and the archived PDF's hash. Signed minutes never change.
create table minutes (
    meeting_id bigint primary key references meeting (meeting_id),
    body text not null,
    status text not null check (status in ('draft', 'signed')),
    updated_by bigint not null references app_user (user_id),
    updated_at bigint not null,
    signed_bytes text,
    signature text,
    signer bigint references app_user (user_id),
    device_id bigint references device (device_id),
    signed_at bigint,
    pdf_sha256 text
);
