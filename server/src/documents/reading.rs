//! Reading: the lists of an owner's documents, one document, its pages (watermarked when
//! classified) and text, the original file, and who read what.

use super::*;

/// `GET /api/meetings/{id}/documents`: the documents this user may read.
pub async fn list(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<DocumentSummary>>> {
    let mut tx = s.db.read().await?;
    gates::meeting_read(&mut tx, &u, MeetingId(id), Cap::View).await?;
    let docs = tx.documents_of(MeetingId(id)).await?;
    Ok(Json(listed(&u, &docs)))
}

/// `GET /api/opinions/{id}/documents`: a written poll's documents this user may read.
pub async fn opinion_list(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<DocumentSummary>>> {
    let mut tx = s.db.read().await?;
    sees(&mut tx, &u, DocumentOwner::Opinion(id)).await?;
    let docs = tx.documents_of_opinion(id).await?;
    Ok(Json(listed(&u, &docs)))
}

/// `GET /api/exchange/{register}/{id}/documents`: a register entry's files as documents,
/// for its organ's people.
pub async fn entry_list(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((register, id)): ApiPath<(String, i64)>,
) -> AppResult<Json<Vec<DocumentSummary>>> {
    let owner = entry(&register, id)?;
    let mut tx = s.db.read().await?;
    sees(&mut tx, &u, owner).await?;
    let docs = tx.documents_of_entry(owner).await?;
    Ok(Json(docs.iter().map(summary).collect()))
}

/// The documents `u` may see in a list: all for the secretariat, else ready ones read.
fn listed(u: &CurrentUser, docs: &[DocumentRow]) -> Vec<DocumentSummary> {
    docs.iter()
        .filter(|d| access::documents::lists(u.0.role, &d.readers, u.id(), d.current_version))
        .map(summary)
        .collect()
}

/// `GET /api/documents/{id}`: the document as its reader sees it; counts as an open.
pub async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<DocumentView>> {
    let (doc, version, pages, last_read, changed) = {
        let mut tx = s.db.read().await?;
        let doc = readable(&mut tx, &u, id).await?;
        let version = shown_version(&u, &doc);
        let pages = tx.pages_of(id, version).await?;
        let last_read = tx.last_read_before(id, u.id(), version).await?;
        let changed = match last_read {
            Some(old) => changed_pages(
                &page_keys(tx.page_keys(id, old).await?),
                &page_keys(tx.page_keys(id, version).await?),
            ),
            None => Vec::new(),
        };
        (doc, version, pages, last_read, changed)
    };
    if access::documents::logs_opens(u.0.role) {
        let mut tx = s.db.write().await?;
        tx.record_open(id, version, u.id(), Access::Open).await?;
        s.commit(tx).await?;
    }
    let widths = s.documents.renderer.widths().to_vec();
    Ok(Json(DocumentView {
        original_allowed: access::documents::original_decision(u.0.role, doc.confidentiality)
            .allowed(),
        watermarked: doc.confidentiality.is_classified(),
        changed_since_read: changed,
        last_read_version: last_read,
        text_available: s.documents.text_served(doc.confidentiality),
        summary: summary(&doc),
        version,
        widths,
        pages: pages
            .into_iter()
            .map(|p| PageInfo {
                page: p.page,
                width_pt: p.width_pt,
                height_pt: p.height_pt,
                rendered: p.heights.is_some(),
            })
            .collect(),
    }))
}

/// The secretariat follows the newest upload; readers the current version.
fn shown_version(u: &CurrentUser, doc: &DocumentRow) -> i64 {
    if access::documents::follows_latest(u.0.role) {
        doc.latest.as_ref().map_or(0, |v| v.version)
    } else {
        doc.current_version
    }
}

/// A version `u` may see: readers only ready ones (the current or earlier).
fn check_version(u: &CurrentUser, doc: &DocumentRow, version: i64) -> AppResult<()> {
    let newest = doc.latest.as_ref().map_or(0, |v| v.version);
    enforce(access::documents::version_decision(
        u.0.role,
        version,
        newest,
        doc.current_version,
    ))
}

/// Which width to serve for a request of `want` pixels.
#[derive(Deserialize)]
pub struct PageQuery {
    /// Requested width in pixels.
    pub w: Option<u32>,
}

/// The smallest rendered width at least `want`, else the largest.
fn pick_width(widths: &[u32], want: Option<u32>) -> Option<u32> {
    let Some(want) = want else {
        return widths.first().copied();
    };
    let mut sorted = widths.to_vec();
    sorted.sort_unstable();
    sorted
        .iter()
        .copied()
        .find(|&w| w >= want)
        .or_else(|| sorted.last().copied())
}

/// `GET /api/documents/{id}/versions/{v}/pages/{n}?w=`: a page image.
pub async fn page(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, version, page)): ApiPath<(i64, i64, i64)>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let doc = {
        let mut tx = s.db.read().await?;
        let doc = readable(&mut tx, &u, id).await?;
        check_version(&u, &doc, version)?;
        doc
    };
    let width = pick_width(s.documents.renderer.widths(), q.w).ok_or(AppError::NotFound)?;
    let page_no = u32::try_from(page).map_err(|_| AppError::NotFound)?;
    let key = format!("{}/{}", version_key(id, version), page_file(page_no, width));
    let bytes = s
        .documents
        .blobs
        .get(&key)
        .await
        .map_err(AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    if doc.confidentiality.is_classified() {
        let marker = s
            .documents
            .watermark
            .clone()
            .ok_or_else(|| AppError::Internal("no watermark font is configured".into()))?;
        let line = format!(
            "{} · {}",
            u.0.display_name,
            crate::documents::watermark::stamp_time(ecabinet_storage::now_ms())
        );
        let marked = tokio::task::spawn_blocking(move || marker.apply(&bytes, &line))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(format!("watermark: {e}")))?;
        let mut tx = s.db.write().await?;
        tx.record_open(id, version, u.id(), Access::Page(page))
            .await?;
        s.commit(tx).await?;
        let mut res = Response::new(Body::from(marked));
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
        // Per reader and per minute: never kept by caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(res);
    }
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    // A version's pages never change: the tablet keeps them.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok(res)
}

/// `GET /api/documents/{id}/versions/{v}/pages/{n}/text`: refused for a level whose text
/// is withheld; for a classified one, logged like a page view.
pub async fn page_text(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, version, page)): ApiPath<(i64, i64, i64)>,
) -> AppResult<Json<serde_json::Value>> {
    let (doc, text) = {
        let mut tx = s.db.read().await?;
        let doc = readable(&mut tx, &u, id).await?;
        check_version(&u, &doc, version)?;
        if !s.documents.text_served(doc.confidentiality) {
            return Err(AppError::TextWithheld(doc.confidentiality));
        }
        let text = tx
            .page_text(id, version, page)
            .await?
            .ok_or(AppError::NotFound)?;
        (doc, text)
    };
    if doc.confidentiality.is_classified() {
        // Logged before the text leaves: no trace, no text.
        let mut tx = s.db.write().await?;
        tx.record_open(id, version, u.id(), Access::Text(page))
            .await?;
        s.commit(tx).await?;
    }
    Ok(Json(serde_json::json!({ "page": page, "text": text })))
}

/// `GET /api/documents/{id}/original`: the uploaded PDF (never for readers of a
/// classified document).
pub async fn original(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    let (doc, version) = {
        let mut tx = s.db.read().await?;
        let doc = readable(&mut tx, &u, id).await?;
        let v = shown_version(&u, &doc);
        (doc, v)
    };
    enforce(access::documents::original_decision(
        u.0.role,
        doc.confidentiality,
    ))?;
    let bytes = s
        .documents
        .blobs
        .get(&original_key(id, version))
        .await
        .map_err(AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    let mut tx = s.db.write().await?;
    tx.record_open(id, version, u.id(), Access::Original)
        .await?;
    s.commit(tx).await?;
    let name = doc
        .latest
        .as_ref()
        .map_or_else(|| "document.pdf".into(), |v| v.file_name.clone());
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename*=UTF-8''{}",
        percent_encode(&name)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `GET /api/documents/{id}/reads`: who opened which version (secretariat).
pub async fn reads(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<ReadReceipt>>> {
    let mut tx = s.db.read().await?;
    let doc = tx.document(id).await?.ok_or(AppError::NotFound)?;
    oversees(&mut tx, &u, doc.owner).await?;
    Ok(Json(
        tx.reads_of(id)
            .await?
            .into_iter()
            .map(|r| ReadReceipt {
                user_id: r.user_id,
                name: r.name,
                version: r.version,
                first_at: r.first_at,
                last_at: r.last_at,
                opens: r.opens,
            })
            .collect(),
    ))
}

/// `GET /api/statistics/documents`: documents, their pages, and pages distributed digitally
/// (pages × readers: the paper not printed). Secretariat and admin.
pub async fn statistics(
    State(s): State<AppState>,
    u: CurrentUser,
) -> AppResult<Json<serde_json::Value>> {
    if !access::documents::reads_statistics(u.0.role) {
        return Err(AppError::Forbidden);
    }
    let mut tx = s.db.read().await?;
    let (documents, pages, distributed) = tx.pages_distributed().await?;
    Ok(Json(serde_json::json!({
        "documents": documents,
        "pages": pages,
        "pages_distributed": distributed,
    })))
}
