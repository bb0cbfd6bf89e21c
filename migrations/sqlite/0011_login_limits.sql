-- Failed-login buckets (tries left per username `u:<name>` and per client address
-- `a:<ip>`, as of `at_ms`). The PostgreSQL nodes share them through this table; one
-- SQLite node keeps its buckets in memory, and the table is here so that both engines
-- have one schema and its queries are tested on both.
create table login_bucket (
    bucket_key text primary key,
    tokens real not null,
    at_ms integer not null
);
create index login_bucket_at on login_bucket (at_ms);
