//! Documents of meetings and of written polls: their versions, rendered pages (with text for search), read
//! receipts and the access log.

use crate::{Result, Tx, corrupt};
use ecabinet_domain::document::{Confidentiality, DocumentKind, DocumentOwner, Readers};
use ecabinet_domain::{AgendaItemId, MeetingId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A document as stored, with its current (or latest) version.
#[derive(Clone, Debug, PartialEq)]
pub struct DocumentRow {
    /// Document id.
    pub id: i64,
    /// Its meeting or written poll.
    pub owner: DocumentOwner,
    /// The agenda item it belongs to, if any.
    pub item_id: Option<AgendaItemId>,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: DocumentKind,
    /// Confidentiality level.
    pub confidentiality: Confidentiality,
    /// Who reads it.
    pub readers: Readers,
    /// The version readers see (0 before the first one is ready).
    pub current_version: i64,
    /// The newest upload (may still be rendering or have failed).
    pub latest: Option<VersionRow>,
}

/// One uploaded file of a document.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionRow {
    /// 1, 2, ...
    pub version: i64,
    /// The uploaded file's name.
    pub file_name: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// rendering, ready or failed.
    pub status: String,
    /// Why it failed (the worker's failure, JSON).
    pub failure: Option<String>,
    /// Pages, once opened.
    pub page_count: Option<i64>,
    /// Pages rendered so far.
    pub pages_rendered: i64,
    /// When it was uploaded.
    pub uploaded_at: i64,
}

/// A page of a version.
#[derive(Clone, Debug, PartialEq)]
pub struct PageRow {
    /// Page number, from 1.
    pub page: i64,
    /// Width in points.
    pub width_pt: f64,
    /// Height in points.
    pub height_pt: f64,
    /// Image heights per rendered width (in the renderer's width order), once rendered.
    pub heights: Option<Vec<u32>>,
}

/// A page as the renderer reports it.
#[derive(Clone, Copy, Debug)]
pub struct RenderedPage<'a> {
    /// Page number, from 1.
    pub page: i64,
    /// Image heights per width.
    pub heights: &'a [u32],
    /// SHA-256 of the first width's image, hex.
    pub image_sha256: &'a str,
    /// Its text.
    pub body: &'a str,
    /// Its text folded for search.
    pub folded: &'a str,
}

/// One access to a document, as `document_access` logs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The document opened (also a read receipt).
    Open,
    /// A page image.
    Page(i64),
    /// The original file.
    Original,
    /// A page's text.
    Text(i64),
    /// A search snippet cut from a page's text.
    Snippet(i64),
}

impl Access {
    /// The stored `kind`.
    pub fn kind(self) -> &'static str {
        match self {
            Access::Open => "open",
            Access::Page(_) => "page",
            Access::Original => "original",
            Access::Text(_) => "text",
            Access::Snippet(_) => "snippet",
        }
    }

    /// The stored `page`: none for an open, 0 for the original.
    pub fn page(self) -> Option<i64> {
        match self {
            Access::Open => None,
            Access::Original => Some(0),
            Access::Page(p) | Access::Text(p) | Access::Snippet(p) => Some(p),
        }
    }
}

/// What the secretariat files with an upload.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDocument {
    /// Its meeting or written poll.
    pub owner: DocumentOwner,
    /// Agenda item, if any.
    pub item_id: Option<AgendaItemId>,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: DocumentKind,
    /// Confidentiality level.
    pub confidentiality: Confidentiality,
    /// Readers.
    pub readers: Readers,
}

/// A read receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadRow {
    /// Reader.
    pub user_id: UserId,
    /// Reader's name.
    pub name: String,
    /// Version read.
    pub version: i64,
    /// First open.
    pub first_at: i64,
    /// Last open.
    pub last_at: i64,
    /// How many opens.
    pub opens: i64,
}

macro_rules! select_document {
    ($tail:literal) => {
        concat!(
            "select d.document_id, d.meeting_id, d.item_id, d.title, d.kind, d.confidentiality, \
             d.readers, d.current_version, v.version, v.file_name, v.sha256, v.size_bytes, v.status, \
             v.failure, v.page_count, v.pages_rendered, v.uploaded_at, d.opinion_id, d.outgoing_id, \
             d.incoming_id \
             from document d left join document_version v on v.document_id = d.document_id \
             and v.version = (select max(version) from document_version x where x.document_id = d.document_id) ",
            $tail
        )
    };
}

fn document_row(r: &AnyRow) -> Result<DocumentRow> {
    let kind: String = r.try_get(4)?;
    let level: String = r.try_get(5)?;
    let readers: String = r.try_get(6)?;
    let latest = match r.try_get::<Option<i64>, _>(8)? {
        None => None,
        Some(version) => Some(VersionRow {
            version,
            file_name: r.try_get(9)?,
            sha256: r.try_get(10)?,
            size_bytes: r.try_get(11)?,
            status: r.try_get(12)?,
            failure: r.try_get(13)?,
            page_count: r.try_get(14)?,
            pages_rendered: r.try_get(15)?,
            uploaded_at: r.try_get(16)?,
        }),
    };
    let owner = match (
        r.try_get::<Option<i64>, _>(1)?,
        r.try_get::<Option<i64>, _>(17)?,
        r.try_get::<Option<i64>, _>(18)?,
        r.try_get::<Option<i64>, _>(19)?,
    ) {
        (Some(m), None, None, None) => DocumentOwner::Meeting(MeetingId(m)),
        (None, Some(o), None, None) => DocumentOwner::Opinion(o),
        (None, None, Some(o), None) => DocumentOwner::Outgoing(o),
        (None, None, None, Some(i)) => DocumentOwner::Incoming(i),
        _ => return Err(corrupt("a document has exactly one owner")),
    };
    Ok(DocumentRow {
        id: r.try_get(0)?,
        owner,
        item_id: r.try_get::<Option<i64>, _>(2)?.map(AgendaItemId),
        title: r.try_get(3)?,
        kind: DocumentKind::parse(&kind).ok_or_else(|| corrupt(format!("document kind {kind}")))?,
        confidentiality: Confidentiality::parse(&level)
            .ok_or_else(|| corrupt(format!("confidentiality {level}")))?,
        readers: serde_json::from_str(&readers).map_err(|e| corrupt(format!("readers: {e}")))?,
        current_version: r.try_get(7)?,
        latest,
    })
}

impl Tx {
    /// Files a document and its first version (status rendering); returns the id. `by` is
    /// `None` for a file that arrived from another agency.
    pub async fn insert_document(
        &mut self,
        doc: &NewDocument,
        file_name: &str,
        sha256: &str,
        size: i64,
        by: Option<UserId>,
    ) -> Result<i64> {
        let now = self.now();
        let readers = serde_json::to_string(&doc.readers).map_err(|e| corrupt(e.to_string()))?;
        let (id,): (i64,) = sqlx::query_as(
            "insert into document (meeting_id, opinion_id, outgoing_id, incoming_id, item_id, \
             title, kind, confidentiality, readers, created_by, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning document_id",
        )
        .bind(doc.owner.meeting().map(|m| m.0))
        .bind(doc.owner.opinion())
        .bind(doc.owner.outgoing())
        .bind(doc.owner.incoming())
        .bind(doc.item_id.map(|i| i.0))
        .bind(&doc.title)
        .bind(doc.kind.as_str())
        .bind(doc.confidentiality.as_str())
        .bind(readers)
        .bind(by.map(|b| b.0))
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        self.insert_version(id, 1, file_name, sha256, size, by)
            .await?;
        Ok(id)
    }

    /// Adds version `version` (status rendering); `by` as for [`Tx::insert_document`].
    pub async fn insert_version(
        &mut self,
        document: i64,
        version: i64,
        file_name: &str,
        sha256: &str,
        size: i64,
        by: Option<UserId>,
    ) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "insert into document_version (document_id, version, file_name, sha256, size_bytes, \
             status, uploaded_by, uploaded_at) values ($1, $2, $3, $4, $5, 'rendering', $6, $7)",
        )
        .bind(document)
        .bind(version)
        .bind(file_name)
        .bind(sha256)
        .bind(size)
        .bind(by.map(|b| b.0))
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// One document.
    pub async fn document(&mut self, id: i64) -> Result<Option<DocumentRow>> {
        let row = sqlx::query(select_document!("where d.document_id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(document_row).transpose()
    }

    /// A meeting's documents, in the order filed.
    pub async fn documents_of(&mut self, meeting: MeetingId) -> Result<Vec<DocumentRow>> {
        let rows = sqlx::query(select_document!(
            "where d.meeting_id = $1 order by d.document_id"
        ))
        .bind(meeting.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(document_row).collect()
    }

    /// The files of an outgoing or incoming register entry, in the envelope's order.
    pub async fn documents_of_entry(&mut self, owner: DocumentOwner) -> Result<Vec<DocumentRow>> {
        let (sql, id) = match owner {
            DocumentOwner::Outgoing(o) => (
                select_document!("where d.outgoing_id = $1 order by d.document_id"),
                o,
            ),
            DocumentOwner::Incoming(i) => (
                select_document!("where d.incoming_id = $1 order by d.document_id"),
                i,
            ),
            DocumentOwner::Meeting(m) => return self.documents_of(m).await,
            DocumentOwner::Opinion(o) => return self.documents_of_opinion(o).await,
        };
        let rows = sqlx::query(sql).bind(id).fetch_all(self.conn()).await?;
        rows.iter().map(document_row).collect()
    }

    /// A written poll's documents, in the order filed.
    pub async fn documents_of_opinion(&mut self, opinion: i64) -> Result<Vec<DocumentRow>> {
        let rows = sqlx::query(select_document!(
            "where d.opinion_id = $1 order by d.document_id"
        ))
        .bind(opinion)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(document_row).collect()
    }

    /// The SHA-256 (hex) of a version's original file.
    pub async fn version_sha256(&mut self, document: i64, version: i64) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "select sha256 from document_version where document_id = $1 and version = $2",
        )
        .bind(document)
        .bind(version)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|(h,)| h))
    }

    /// Removes a document and everything recorded of it (a draft poll's document that
    /// was attached by mistake: nobody but the secretariat has seen it).
    pub async fn delete_document(&mut self, document: i64) -> Result<()> {
        for sql in [
            "delete from annotation where document_id = $1",
            "delete from document_access where document_id = $1",
            "delete from document_read where document_id = $1",
            "delete from document_page where document_id = $1",
            "delete from document_version where document_id = $1",
            "delete from document where document_id = $1",
        ] {
            sqlx::query(sql).bind(document).execute(self.conn()).await?;
        }
        Ok(())
    }

    /// Records the page sizes once the file opened.
    pub async fn set_page_sizes(
        &mut self,
        document: i64,
        version: i64,
        sizes: &[(f64, f64)],
    ) -> Result<()> {
        for (i, (w, h)) in sizes.iter().enumerate() {
            sqlx::query(
                "insert into document_page (document_id, version, page, width_pt, height_pt) \
                 values ($1, $2, $3, $4, $5)",
            )
            .bind(document)
            .bind(version)
            .bind(i64::try_from(i).unwrap_or(i64::MAX) + 1)
            .bind(*w)
            .bind(*h)
            .execute(self.conn())
            .await?;
        }
        sqlx::query(
            "update document_version set page_count = $3 where document_id = $1 and version = $2",
        )
        .bind(document)
        .bind(version)
        .bind(i64::try_from(sizes.len()).unwrap_or(i64::MAX))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Records a rendered page and its text; returns the pages rendered so far.
    pub async fn set_page_rendered(
        &mut self,
        document: i64,
        version: i64,
        p: &RenderedPage<'_>,
    ) -> Result<i64> {
        let RenderedPage {
            page,
            heights,
            image_sha256,
            body,
            folded,
        } = *p;
        let heights = serde_json::to_string(heights).map_err(|e| corrupt(e.to_string()))?;
        sqlx::query(
            "update document_page set heights = $4, body = $5, folded = $6, image_sha256 = $7 \
             where document_id = $1 and version = $2 and page = $3",
        )
        .bind(document)
        .bind(version)
        .bind(page)
        .bind(heights)
        .bind(body)
        .bind(folded)
        .bind(image_sha256)
        .execute(self.conn())
        .await?;
        let (n,): (i64,) = sqlx::query_as(
            "update document_version set pages_rendered = pages_rendered + 1 \
             where document_id = $1 and version = $2 returning pages_rendered",
        )
        .bind(document)
        .bind(version)
        .fetch_one(self.conn())
        .await?;
        Ok(n)
    }

    /// Ends rendering: `failure` = None makes the version ready and current.
    pub async fn finish_version(
        &mut self,
        document: i64,
        version: i64,
        failure: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "update document_version set status = $3, failure = $4 \
             where document_id = $1 and version = $2",
        )
        .bind(document)
        .bind(version)
        .bind(if failure.is_some() { "failed" } else { "ready" })
        .bind(failure)
        .execute(self.conn())
        .await?;
        if failure.is_none() {
            sqlx::query("update document set current_version = $2 where document_id = $1")
                .bind(document)
                .bind(version)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// The pages of a version, in order.
    pub async fn pages_of(&mut self, document: i64, version: i64) -> Result<Vec<PageRow>> {
        let rows = sqlx::query(
            "select page, width_pt, height_pt, heights from document_page \
             where document_id = $1 and version = $2 order by page",
        )
        .bind(document)
        .bind(version)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PageRow {
                    page: r.try_get(0)?,
                    width_pt: r.try_get(1)?,
                    height_pt: r.try_get(2)?,
                    heights: r
                        .try_get::<Option<String>, _>(3)?
                        .map(|h| serde_json::from_str(&h).map_err(|e| corrupt(e.to_string())))
                        .transpose()?,
                })
            })
            .collect()
    }

    /// The text of one page (None if there is no such page).
    pub async fn page_text(
        &mut self,
        document: i64,
        version: i64,
        page: i64,
    ) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "select body from document_page where document_id = $1 and version = $2 and page = $3",
        )
        .bind(document)
        .bind(version)
        .bind(page)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|r| r.0))
    }

    /// Pages of the current versions of `documents` whose folded text contains `folded`:
    /// (document, page, body).
    pub async fn search_pages(
        &mut self,
        documents: &[i64],
        folded: &str,
    ) -> Result<Vec<(i64, i64, String)>> {
        let mut out = Vec::new();
        let pattern = format!("%{}%", like_escape(folded));
        for &doc in documents {
            let rows: Vec<(i64, i64, String)> = sqlx::query_as(
                "select p.document_id, p.page, p.body from document_page p \
                 join document d on d.document_id = p.document_id and d.current_version = p.version \
                 where p.document_id = $1 and p.folded like $2 escape '\\' order by p.page",
            )
            .bind(doc)
            .bind(&pattern)
            .fetch_all(self.conn())
            .await?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Logs an access to `version` by `user`; an [`Access::Open`] is also a read receipt.
    pub async fn record_open(
        &mut self,
        document: i64,
        version: i64,
        user: UserId,
        access: Access,
    ) -> Result<()> {
        let now = self.now();
        if access == Access::Open {
            sqlx::query(
                "insert into document_read (document_id, version, user_id, first_at, last_at, opens) \
                 values ($1, $2, $3, $4, $4, 1) on conflict (document_id, version, user_id) \
                 do update set last_at = excluded.last_at, opens = document_read.opens + 1",
            )
            .bind(document)
            .bind(version)
            .bind(user.0)
            .bind(now)
            .execute(self.conn())
            .await?;
        }
        sqlx::query(
            "insert into document_access (document_id, version, user_id, page, kind, at) \
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(document)
        .bind(version)
        .bind(user.0)
        .bind(access.page())
        .bind(access.kind())
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Versions whose rendering had not finished (the server stopped meanwhile).
    pub async fn versions_rendering(&mut self) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "select document_id, version from document_version where status = 'rendering' \
             order by document_id, version",
        )
        .fetch_all(self.conn())
        .await?)
    }

    /// Whether a version is still being rendered (not ready, not failed).
    pub async fn version_rendering(&mut self, document: i64, version: i64) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "select 1 from document_version \
             where document_id = $1 and version = $2 and status = 'rendering'",
        )
        .bind(document)
        .bind(version)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.is_some())
    }

    /// Forgets the pages of a version, to render it again.
    pub async fn clear_pages(&mut self, document: i64, version: i64) -> Result<()> {
        sqlx::query("delete from document_page where document_id = $1 and version = $2")
            .bind(document)
            .bind(version)
            .execute(self.conn())
            .await?;
        sqlx::query(
            "update document_version set pages_rendered = 0, page_count = null \
             where document_id = $1 and version = $2",
        )
        .bind(document)
        .bind(version)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The access log of a document, oldest first: (user, page, kind); page 0 = the
    /// original file, none = the document opened; kind `open`, `page`, `original`, `text`
    /// or `snippet` (see [`Access`]).
    pub async fn document_accesses(
        &mut self,
        document: i64,
    ) -> Result<Vec<(i64, Option<i64>, String)>> {
        Ok(sqlx::query_as(
            "select user_id, page, kind from document_access where document_id = $1 \
             order by access_id",
        )
        .bind(document)
        .fetch_all(self.conn())
        .await?)
    }

    /// Who opened a document, newest version first.
    pub async fn reads_of(&mut self, document: i64) -> Result<Vec<ReadRow>> {
        let rows: Vec<(i64, String, i64, i64, i64, i64)> = sqlx::query_as(
            "select r.user_id, u.display_name, r.version, r.first_at, r.last_at, r.opens \
             from document_read r join app_user u on u.user_id = r.user_id \
             where r.document_id = $1 order by r.version desc, r.first_at",
        )
        .bind(document)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(u, name, version, first_at, last_at, opens)| ReadRow {
                user_id: UserId(u),
                name,
                version,
                first_at,
                last_at,
                opens,
            })
            .collect())
    }
}

impl Tx {
    /// Pages distributed digitally: for every document's current version, its pages times
    /// its readers (the listed ones, or the meeting's participants, or a sent poll's
    /// addressees). Also the documents and pages counted. Exchanged files are not counted
    /// here: each is one copy per recipient organ, counted with the exchange.
    pub async fn pages_distributed(&mut self) -> Result<(i64, i64, i64)> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "select d.readers, v.page_count, \
             (select count(*) from participant p where p.meeting_id = d.meeting_id) \
             + (select count(*) from opinion_addressee a join opinion_poll o \
                on o.opinion_id = a.opinion_id \
                where a.opinion_id = d.opinion_id and o.status <> 'draft') \
             from document d join document_version v \
             on v.document_id = d.document_id and v.version = d.current_version \
             where v.page_count is not null and d.outgoing_id is null and d.incoming_id is null",
        )
        .fetch_all(self.conn())
        .await?;
        let (mut documents, mut pages, mut distributed) = (0i64, 0i64, 0i64);
        for (readers, page_count, participants) in rows {
            let readers: Readers =
                serde_json::from_str(&readers).map_err(|e| corrupt(format!("readers: {e}")))?;
            let n = match readers {
                Readers::Participants => participants,
                Readers::Only(list) => i64::try_from(list.len()).unwrap_or(i64::MAX),
            };
            documents += 1;
            pages += page_count;
            distributed += page_count.saturating_mul(n);
        }
        Ok((documents, pages, distributed))
    }
}

/// Escapes `like` wildcards in user input (the escape character is a backslash).
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Db;

    async fn exec(db: &Db, sql: &str) -> Result<()> {
        let mut tx = db.write().await?;
        for statement in sql.split(';').filter(|s| !s.trim().is_empty()) {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
                .execute(tx.conn())
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A database with a meeting document, its version, a page, a read and an annotation,
    /// made before documents could belong to a written poll, then upgraded.
    #[tokio::test]
    async fn upgrading_to_poll_documents_keeps_every_meeting_document() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| corrupt(e.to_string()))?;
        let url = format!("sqlite://{}", dir.path().join("old.db").display());
        let db = Db::connect(&url).await?;
        db.migrate_to(6).await?;
        let everyone =
            serde_json::to_string(&Readers::Participants).map_err(|e| corrupt(e.to_string()))?;
        exec(
            &db,
            &format!("insert into app_user (user_id, username, display_name, role, password_hash, created_at) \
             values (1, 'vanthu1', 'Văn thư', 'secretariat', 'x', 0);
             insert into meeting (meeting_id, title, kind, starts_at, place, status, quorum_num, \
             quorum_den, created_by, created_at, updated_at) \
             values (4, 'Phiên họp', 'regular', 0, 'Hà Nội', 'draft', 1, 2, 1, 0, 0);
             insert into document (document_id, meeting_id, title, kind, confidentiality, readers, \
             current_version, created_by, created_at) \
             values (9, 4, 'Tờ trình', 'submission', 'normal', '{everyone}', 1, 1, 0);
             insert into document_version (document_id, version, file_name, sha256, size_bytes, \
             status, page_count, pages_rendered, uploaded_by, uploaded_at) \
             values (9, 1, 'a.pdf', 'ab', 10, 'ready', 1, 1, 1, 0);
             insert into document_page (document_id, version, page, width_pt, height_pt) \
             values (9, 1, 1, 595, 842);
             insert into document_read (document_id, version, user_id, first_at, last_at, opens) \
             values (9, 1, 1, 0, 0, 1);
             insert into annotation (document_id, version, user_id, page, kind, x, y, w, h, color, \
             created_at, updated_at) values (9, 1, 1, 1, 'note', 0, 0, 10, 10, 'yellow', 0, 0)"
            ),
        )
        .await?;
        db.migrate().await?;

        let mut tx = db.write().await?;
        let doc = tx.document(9).await?.expect("kept");
        assert_eq!(doc.owner, DocumentOwner::Meeting(MeetingId(4)));
        assert_eq!((doc.title.as_str(), doc.current_version), ("Tờ trình", 1));
        assert_eq!(tx.pages_of(9, 1).await?.len(), 1);
        assert_eq!(tx.reads_of(9).await?.len(), 1);
        // The copy kept the id sequence and the foreign keys still hold.
        let new = NewDocument {
            owner: DocumentOwner::Meeting(MeetingId(4)),
            item_id: None,
            title: "Phụ lục".into(),
            kind: DocumentKind::Other,
            confidentiality: Confidentiality::Normal,
            readers: Readers::Participants,
        };
        assert_eq!(
            tx.insert_document(&new, "b.pdf", "cd", 1, Some(UserId(1)))
                .await?,
            10
        );
        let orphan = sqlx::query(
            "insert into document_read (document_id, version, user_id, first_at, last_at, opens) \
             values (77, 1, 1, 0, 0, 1)",
        )
        .execute(tx.conn())
        .await;
        assert!(orphan.is_err(), "a read of a missing document is refused");
        let ownerless = sqlx::query(
            "insert into document (title, kind, confidentiality, readers, created_by, created_at) \
             values ('x', 'other', 'normal', '[]', 1, 0)",
        )
        .execute(tx.conn())
        .await;
        assert!(ownerless.is_err(), "a document has an owner");
        Ok(())
    }

    /// A poll's document from before exchanged files joined the pipeline keeps its owner,
    /// and a file that arrived from another agency is filed with no uploader.
    #[tokio::test]
    async fn upgrading_to_exchange_documents_keeps_every_owner() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| corrupt(e.to_string()))?;
        let url = format!("sqlite://{}", dir.path().join("old.db").display());
        let db = Db::connect(&url).await?;
        db.migrate_to(8).await?;
        let everyone =
            serde_json::to_string(&Readers::Participants).map_err(|e| corrupt(e.to_string()))?;
        exec(
            &db,
            &format!("insert into app_user (user_id, username, display_name, role, password_hash, created_at) \
             values (1, 'vanthu1', 'Văn thư', 'secretariat', 'x', 0);
             insert into opinion_poll (opinion_id, question, draft_decision, rule, non_response, \
             status, deadline, reminders, created_by, created_at) \
             values (3, 'Ý kiến?', 'Dự thảo', '{{}}', 'not_agreeing', 'draft', 0, '[]', 1, 0);
             insert into document (document_id, opinion_id, title, kind, confidentiality, readers, \
             current_version, created_by, created_at) \
             values (5, 3, 'Dự thảo', 'draft_resolution', 'normal', '{everyone}', 1, 1, 0);
             insert into document_version (document_id, version, file_name, sha256, size_bytes, \
             status, page_count, pages_rendered, uploaded_by, uploaded_at) \
             values (5, 1, 'a.pdf', 'ab', 10, 'ready', 1, 1, 1, 0);
             insert into document_page (document_id, version, page, width_pt, height_pt) \
             values (5, 1, 1, 595, 842);
             insert into organ (organ_id, name, created_at) values ('000.00.00.G12', 'Bộ', 0);
             insert into incoming_document (incoming_id, organ_id, document_id, sender_id, \
             sender_name, envelope, seal, status, received_at, updated_at) \
             values (2, '000.00.00.G12', 'x', 'y', 'z', '{{}}', '{{}}', '01', 0, 0)"
            ),
        )
        .await?;
        db.migrate().await?;

        let mut tx = db.write().await?;
        let doc = tx.document(5).await?.expect("kept");
        assert_eq!(doc.owner, DocumentOwner::Opinion(3));
        assert_eq!(doc.latest.map(|v| v.status).as_deref(), Some("ready"));
        assert_eq!(tx.pages_of(5, 1).await?.len(), 1);
        let new = NewDocument {
            owner: DocumentOwner::Incoming(2),
            item_id: None,
            title: "cong-van.pdf".into(),
            kind: DocumentKind::Other,
            confidentiality: Confidentiality::Normal,
            readers: Readers::Participants,
        };
        let id = tx
            .insert_document(&new, "cong-van.pdf", "cd", 1, None)
            .await?;
        assert_eq!(id, 6, "the id sequence was kept");
        let listed = tx.documents_of_entry(DocumentOwner::Incoming(2)).await?;
        assert_eq!(listed.iter().map(|d| d.id).collect::<Vec<_>>(), [6]);
        let two_owners = sqlx::query(
            "insert into document (opinion_id, incoming_id, title, kind, confidentiality, \
             readers, created_at) values (3, 2, 'x', 'other', 'normal', '[]', 0)",
        )
        .execute(tx.conn())
        .await;
        assert!(two_owners.is_err(), "a document has exactly one owner");
        let orphan = sqlx::query(
            "insert into document_page (document_id, version, page, width_pt, height_pt) \
             values (5, 9, 1, 1, 1)",
        )
        .execute(tx.conn())
        .await;
        assert!(orphan.is_err(), "pages still need their version");
        Ok(())
    }
}
