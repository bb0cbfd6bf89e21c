-- Documents of written polls: a document now belongs to a meeting or to a poll, never both.
alter table document alter column meeting_id drop not null;
alter table document add column opinion_id bigint references opinion_poll (opinion_id);
alter table document add constraint document_one_owner
    check ((meeting_id is null) <> (opinion_id is null));
create index document_opinion on document (opinion_id);
