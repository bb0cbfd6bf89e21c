-- The files of exchanged documents go through the document pipeline: a document now
-- belongs to a meeting, a written poll, an outgoing or an incoming register entry (exactly
-- one), and one that arrived from another agency has no local uploader (null).
alter table document add column outgoing_id bigint references outgoing_document (outgoing_id);
alter table document add column incoming_id bigint references incoming_document (incoming_id);
alter table document drop constraint document_one_owner;
alter table document add constraint document_one_owner
    check (num_nonnulls(meeting_id, opinion_id, outgoing_id, incoming_id) = 1);
alter table document alter column created_by drop not null;
alter table document_version alter column uploaded_by drop not null;
create index document_outgoing on document (outgoing_id);
create index document_incoming on document (incoming_id);
