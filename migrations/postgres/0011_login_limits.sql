-- Failed-login buckets shared by every node of one database: tries left per username
-- (`u:<name>`) and per client address (`a:<ip>`), as of `at_ms`. A row is locked while
-- one login is decided, so parallel guesses through several nodes count one by one.
create table login_bucket (
    bucket_key text primary key,
    tokens double precision not null,
    at_ms bigint not null
);
create index login_bucket_at on login_bucket (at_ms);
