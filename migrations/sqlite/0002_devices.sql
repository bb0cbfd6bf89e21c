-- Device keys: the public half of each member device's ed25519 key, and its approval.
create table device (
    device_id integer primary key autoincrement,
    user_id integer not null references app_user (user_id),
    label text not null,
    public_key text not null unique,
    key_id text not null unique,
    status text not null check (status in ('pending', 'approved', 'revoked')),
    created_at integer not null,
    decided_by integer references app_user (user_id),
    decided_at integer
);
create index device_user on device (user_id);
