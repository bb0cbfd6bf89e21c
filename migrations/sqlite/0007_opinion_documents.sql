-- no-transaction
-- Documents of written polls: a document now belongs to a meeting or to a poll, never
-- both. SQLite cannot drop a NOT NULL, so the table is rebuilt (sqlite.org/lang_altertable,
-- "other kinds of table schema changes"): foreign keys off, since dropping the old table
-- would otherwise be refused for its versions, reads and annotations; the copy keeps every
-- id, so those rows point at the same documents again once it is renamed.
pragma foreign_keys = off;
begin;
create table document_rebuilt (
    document_id integer primary key autoincrement,
    meeting_id integer references meeting (meeting_id),
    opinion_id integer references opinion_poll (opinion_id),
    item_id integer,
    title text not null,
    kind text not null,
    confidentiality text not null,
    -- JSON of domain::document::Readers: every participant (or addressee), or a list.
    readers text not null,
    -- The version readers see; 0 until the first upload has rendered.
    current_version integer not null default 0,
    created_by integer not null references app_user (user_id),
    created_at integer not null,
    check ((meeting_id is null) <> (opinion_id is null))
);
insert into document_rebuilt (document_id, meeting_id, item_id, title, kind, confidentiality,
    readers, current_version, created_by, created_at)
    select document_id, meeting_id, item_id, title, kind, confidentiality, readers,
        current_version, created_by, created_at
    from document;
drop table document;
alter table document_rebuilt rename to document;
create index document_meeting on document (meeting_id);
create index document_opinion on document (opinion_id);
commit;
pragma foreign_keys = on;
