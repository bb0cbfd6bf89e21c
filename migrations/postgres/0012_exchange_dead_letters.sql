-- A delivery the peer refused for good (too large, no inbox there, not recognised...)
-- leaves the queue as a dead letter: kept whole, with its reason in last_error, shown to
-- the admin and the sending organ's clerk, and sent again only when one of them says so.
-- It no longer holds back the peer's later messages.
alter table exchange_outbox add column dead_at bigint;
create index exchange_outbox_dead on exchange_outbox (dead_at);
