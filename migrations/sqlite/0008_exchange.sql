-- Document exchange between agencies (trục liên thông văn bản): the agencies (organs) this
-- deployment hosts and those of peer deployments, who works for which, the outgoing and
-- incoming registers, every envelope and status package sent or received (the message log,
-- with hashes, to prove delivery later), and the outbox to peers.
create table exchange_peer (
    peer_id integer primary key autoincrement,
    name text not null,
    -- Where its exchange endpoint is (https://...).
    base_url text not null,
    -- Hex ed25519 public key that signs its requests and receipts.
    server_key text not null unique,
    created_at integer not null
);

create table organ (
    -- Identifier (mã định danh, QĐ 20/2020/QĐ-TTg), e.g. 000.00.00.G22.
    organ_id text primary key,
    name text not null,
    -- Null: hosted on this deployment; else the peer that hosts it.
    peer_id integer references exchange_peer (peer_id),
    created_at integer not null
);

create table organ_member (
    organ_id text not null references organ (organ_id),
    user_id integer not null references app_user (user_id),
    role text not null check (role in ('clerk', 'leader', 'handler')),
    primary key (organ_id, user_id, role)
);
create index organ_member_user on organ_member (user_id);

-- Sổ văn bản đi.
create table outgoing_document (
    outgoing_id integer primary key autoincrement,
    organ_id text not null references organ (organ_id),
    -- The envelope's DocumentId: unique across deployments.
    document_id text not null unique,
    -- JSON of ecabinet_exchange::Envelope (header and the files' hashes).
    envelope text not null,
    status text not null check (status in ('draft', 'signed', 'sent')),
    -- JSON of ecabinet_exchange::canonical::Seal, once the signer signed.
    seal text,
    signer_id integer references app_user (user_id),
    created_by integer not null references app_user (user_id),
    created_at integer not null,
    sent_at integer
);
create index outgoing_organ on outgoing_document (organ_id, outgoing_id);

-- The files of an outgoing document, stored by hash in the exchange folder.
create table exchange_file (
    sha256 text primary key,
    size_bytes integer not null,
    created_at integer not null
);

-- What each recipient last reported.
create table outgoing_recipient (
    outgoing_id integer not null references outgoing_document (outgoing_id),
    organ_id text not null,
    organ_name text not null,
    -- Two-digit edXML status code, or '' until the first status arrives.
    status text not null default '',
    description text not null default '',
    updated_at integer,
    primary key (outgoing_id, organ_id)
);

-- Sổ văn bản đến.
create table incoming_document (
    incoming_id integer primary key autoincrement,
    -- The receiving organ, hosted here.
    organ_id text not null references organ (organ_id),
    document_id text not null,
    sender_id text not null,
    sender_name text not null,
    envelope text not null,
    seal text not null,
    status text not null,
    -- Số đến: the organ's running number, given at registration.
    register_number integer,
    handler_id integer references app_user (user_id),
    note text not null default '',
    received_at integer not null,
    updated_at integer not null,
    -- The same envelope twice is stored once.
    unique (organ_id, document_id)
);
create index incoming_organ on incoming_document (organ_id, incoming_id);

-- Every envelope and status package sent or received, as bytes and hash.
create table exchange_message (
    message_id integer primary key autoincrement,
    direction text not null check (direction in ('sent', 'received')),
    kind text not null check (kind in ('envelope', 'status')),
    document_id text not null,
    from_organ text not null,
    to_organ text not null,
    sha256 text not null,
    body text not null,
    at integer not null
);
create index exchange_message_document on exchange_message (document_id, message_id);

-- Messages waiting for a peer: retried with exponential back-off, in order per peer.
create table exchange_outbox (
    outbox_id integer primary key autoincrement,
    peer_id integer not null references exchange_peer (peer_id),
    message_id integer not null references exchange_message (message_id),
    attempts integer not null default 0,
    next_attempt_at integer not null,
    last_error text,
    delivered_at integer,
    -- The peer's signed delivery receipt (JSON).
    receipt text
);
create index exchange_outbox_due on exchange_outbox (delivered_at, peer_id, outbox_id);
