-- no-transaction
-- The files of exchanged documents go through the document pipeline: a document now
-- belongs to a meeting, a written poll, an outgoing or an incoming register entry (exactly
-- one), and one that arrived from another agency has no local uploader (null). The same
-- table rebuild as 0007, for the same reason, and document_version too for its uploader.
pragma foreign_keys = off;
begin;
create table document_rebuilt (
    document_id integer primary key autoincrement,
    meeting_id integer references meeting (meeting_id),
    opinion_id integer references opinion_poll (opinion_id),
    outgoing_id integer references outgoing_document (outgoing_id),
    incoming_id integer references incoming_document (incoming_id),
    item_id integer,
    title text not null,
    kind text not null,
    confidentiality text not null,
    -- JSON of domain::document::Readers: every participant (or addressee), or a list.
    readers text not null,
    -- The version readers see; 0 until the first upload has rendered.
    current_version integer not null default 0,
    -- Null: arrived by exchange.
    created_by integer references app_user (user_id),
    created_at integer not null,
    check ((meeting_id is not null) + (opinion_id is not null) + (outgoing_id is not null)
        + (incoming_id is not null) = 1)
);
insert into document_rebuilt (document_id, meeting_id, opinion_id, item_id, title, kind,
    confidentiality, readers, current_version, created_by, created_at)
    select document_id, meeting_id, opinion_id, item_id, title, kind, confidentiality,
        readers, current_version, created_by, created_at
    from document;
drop table document;
alter table document_rebuilt rename to document;
create index document_meeting on document (meeting_id);
create index document_opinion on document (opinion_id);
create index document_outgoing on document (outgoing_id);
create index document_incoming on document (incoming_id);

create table document_version_rebuilt (
    document_id integer not null references document (document_id),
    version integer not null,
    file_name text not null,
    sha256 text not null,
    size_bytes integer not null,
    status text not null check (status in ('rendering', 'ready', 'failed')),
    -- JSON of the render failure, when status = 'failed'.
    failure text,
    page_count integer,
    pages_rendered integer not null default 0,
    -- Null: arrived by exchange.
    uploaded_by integer references app_user (user_id),
    uploaded_at integer not null,
    primary key (document_id, version)
);
insert into document_version_rebuilt select document_id, version, file_name, sha256,
    size_bytes, status, failure, page_count, pages_rendered, uploaded_by, uploaded_at
    from document_version;
drop table document_version;
alter table document_version_rebuilt rename to document_version;
commit;
pragma foreign_keys = on;
