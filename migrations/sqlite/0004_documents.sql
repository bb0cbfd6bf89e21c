-- Meeting documents (tài liệu), their versions and rendered pages, and who read them.
create table document (
    document_id integer primary key autoincrement,
    meeting_id integer not null references meeting (meeting_id),
    item_id integer,
    title text not null,
    kind text not null,
    confidentiality text not null,
    -- JSON of domain::document::Readers: every participant, or a list of accounts.
    readers text not null,
    -- The version readers see; 0 until the first upload has rendered.
    current_version integer not null default 0,
    created_by integer not null references app_user (user_id),
    created_at integer not null
);
create index document_meeting on document (meeting_id);

-- Each uploaded file; a new version replaces the document's file, never edits one.
create table document_version (
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
    uploaded_by integer not null references app_user (user_id),
    uploaded_at integer not null,
    primary key (document_id, version)
);

-- A page of a version: its size, its images' heights per width, and its text (folded
-- for search: lowercase, no diacritics, đ as d).
create table document_page (
    document_id integer not null,
    version integer not null,
    page integer not null,
    width_pt real not null,
    height_pt real not null,
    heights text,
    image_sha256 text,
    body text not null default '',
    folded text not null default '',
    primary key (document_id, version, page),
    foreign key (document_id, version) references document_version (document_id, version)
);

-- Read receipts: who opened which version, first and last time.
create table document_read (
    document_id integer not null references document (document_id),
    version integer not null,
    user_id integer not null references app_user (user_id),
    first_at integer not null,
    last_at integer not null,
    opens integer not null,
    primary key (document_id, version, user_id)
);

-- Every open of a classified document's page (and every open of any document).
create table document_access (
    access_id integer primary key autoincrement,
    document_id integer not null references document (document_id),
    version integer not null,
    user_id integer not null references app_user (user_id),
    page integer,
    at integer not null
);
create index document_access_doc on document_access (document_id, at);

-- A member's private annotations: highlights and notes on a region of a page of one
-- version (region in ten-thousandths of the page). Only their owner ever reads them.
create table annotation (
    annotation_id integer primary key autoincrement,
    document_id integer not null references document (document_id),
    version integer not null,
    user_id integer not null references app_user (user_id),
    page integer not null,
    kind text not null check (kind in ('highlight', 'note')),
    x integer not null,
    y integer not null,
    w integer not null,
    h integer not null,
    color text not null,
    note text not null default '',
    carried_from integer,
    created_at integer not null,
    updated_at integer not null
);
create index annotation_owner on annotation (user_id, document_id, version);
