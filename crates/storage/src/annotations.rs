//! Members' private annotations on document pages.

use crate::{Result, Tx, corrupt};
use ecabinet_domain::UserId;
use ecabinet_domain::document::{AnnotationKind, Region};
use ecabinet_protocol::document::Annotation;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A new annotation (already checked).
pub struct NewAnnotation<'a> {
    /// Document.
    pub document_id: i64,
    /// Version.
    pub version: i64,
    /// Page, from 1.
    pub page: i64,
    /// Highlight or note.
    pub kind: AnnotationKind,
    /// Region.
    pub region: Region,
    /// Colour.
    pub color: &'a str,
    /// Text.
    pub note: &'a str,
    /// The annotation it is carried from, on a new version.
    pub carried_from: Option<i64>,
}

macro_rules! select_annotation {
    ($tail:literal) => {
        concat!(
            "select annotation_id, document_id, version, page, kind, x, y, w, h, color, note, \
             updated_at, carried_from, user_id from annotation ",
            $tail
        )
    };
}

fn kind_str(k: AnnotationKind) -> &'static str {
    match k {
        AnnotationKind::Highlight => "highlight",
        AnnotationKind::Note => "note",
    }
}

fn coord(r: &AnyRow, i: usize) -> Result<u32> {
    u32::try_from(r.try_get::<i64, _>(i)?).map_err(|_| corrupt("annotation region"))
}

fn annotation_row(r: &AnyRow) -> Result<(UserId, Annotation)> {
    let kind: String = r.try_get(4)?;
    Ok((
        UserId(r.try_get(13)?),
        Annotation {
            id: r.try_get(0)?,
            document_id: r.try_get(1)?,
            version: r.try_get(2)?,
            page: r.try_get(3)?,
            kind: match kind.as_str() {
                "highlight" => AnnotationKind::Highlight,
                "note" => AnnotationKind::Note,
                other => return Err(corrupt(format!("annotation kind {other}"))),
            },
            region: Region {
                x: coord(r, 5)?,
                y: coord(r, 6)?,
                w: coord(r, 7)?,
                h: coord(r, 8)?,
            },
            color: r.try_get(9)?,
            note: r.try_get(10)?,
            updated_at: r.try_get(11)?,
            carried_from: r.try_get(12)?,
        },
    ))
}

impl Tx {
    /// Stores an annotation of `user`; returns it.
    pub async fn insert_annotation(
        &mut self,
        user: UserId,
        a: &NewAnnotation<'_>,
    ) -> Result<Annotation> {
        let now = self.now();
        let (id,): (i64,) = sqlx::query_as(
            "insert into annotation (document_id, version, user_id, page, kind, x, y, w, h, color, \
             note, carried_from, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) returning annotation_id",
        )
        .bind(a.document_id)
        .bind(a.version)
        .bind(user.0)
        .bind(a.page)
        .bind(kind_str(a.kind))
        .bind(i64::from(a.region.x))
        .bind(i64::from(a.region.y))
        .bind(i64::from(a.region.w))
        .bind(i64::from(a.region.h))
        .bind(a.color)
        .bind(a.note)
        .bind(a.carried_from)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(Annotation {
            id,
            document_id: a.document_id,
            version: a.version,
            page: a.page,
            kind: a.kind,
            region: a.region,
            color: a.color.to_owned(),
            note: a.note.to_owned(),
            updated_at: now,
            carried_from: a.carried_from,
        })
    }

    /// One annotation and its owner.
    pub async fn annotation(&mut self, id: i64) -> Result<Option<(UserId, Annotation)>> {
        let row = sqlx::query(select_annotation!("where annotation_id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(annotation_row).transpose()
    }

    /// `user`'s annotations on a version, by page.
    pub async fn annotations_of(
        &mut self,
        user: UserId,
        document: i64,
        version: i64,
    ) -> Result<Vec<Annotation>> {
        let rows = sqlx::query(select_annotation!(
            "where user_id = $1 and document_id = $2 and version = $3 order by page, annotation_id"
        ))
        .bind(user.0)
        .bind(document)
        .bind(version)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| annotation_row(r).map(|(_, a)| a))
            .collect()
    }

    /// Everyone's annotations on a version, with their owners (for carrying them over).
    pub async fn all_annotations(
        &mut self,
        document: i64,
        version: i64,
    ) -> Result<Vec<(UserId, Annotation)>> {
        let rows = sqlx::query(select_annotation!(
            "where document_id = $1 and version = $2 order by annotation_id"
        ))
        .bind(document)
        .bind(version)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(annotation_row).collect()
    }

    /// Changes an annotation's region, colour and note.
    pub async fn update_annotation(&mut self, a: &Annotation) -> Result<i64> {
        let now = self.now();
        sqlx::query(
            "update annotation set x = $2, y = $3, w = $4, h = $5, color = $6, note = $7, \
             updated_at = $8 where annotation_id = $1",
        )
        .bind(a.id)
        .bind(i64::from(a.region.x))
        .bind(i64::from(a.region.y))
        .bind(i64::from(a.region.w))
        .bind(i64::from(a.region.h))
        .bind(&a.color)
        .bind(&a.note)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(now)
    }

    /// Deletes an annotation.
    pub async fn delete_annotation(&mut self, id: i64) -> Result<()> {
        sqlx::query("delete from annotation where annotation_id = $1")
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The folded text and image hash of each page of a version, in order.
    pub async fn page_keys(
        &mut self,
        document: i64,
        version: i64,
    ) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "select folded, image_sha256 from document_page where document_id = $1 and version = $2 \
             order by page",
        )
        .bind(document)
        .bind(version)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(t, i)| (t, i.unwrap_or_default()))
            .collect())
    }

    /// The version `user` opened most recently before `version`, if any.
    pub async fn last_read_before(
        &mut self,
        document: i64,
        user: UserId,
        version: i64,
    ) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "select max(version) from document_read where document_id = $1 and user_id = $2 \
             and version < $3 having max(version) is not null",
        )
        .bind(document)
        .bind(user.0)
        .bind(version)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|r| r.0))
    }
}
