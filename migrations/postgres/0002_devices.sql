-- Device keys: the public half of each member device's ed25519 key, and its approval.
create table device (
    device_id bigint generated always as identity primary key,
    user_id bigint not null references app_user (user_id),
    label text not null,
    public_key text not null unique,
    key_id text not null unique,
    status text not null check (status in ('pending', 'approved', 'revoked')),
    created_at bigint not null,
    decided_by bigint references app_user (user_id),
    decided_at bigint
);
create index device_user on device (user_id);
