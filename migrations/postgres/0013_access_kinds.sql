-- What each access to a document was: the document opened ('open'), a page image
-- ('page'), the original file ('original'), a page's text ('text'), or a search snippet
-- cut from a page's text ('snippet'). Rows from before were opens (no page), originals
-- (page 0) or page images.
alter table document_access add column kind text not null default 'page'
    check (kind in ('open', 'page', 'original', 'text', 'snippet'));
update document_access set kind = 'open' where page is null;
update document_access set kind = 'original' where page = 0;
