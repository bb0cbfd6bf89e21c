//! Full-text search in the documents of a meeting, a written poll or a register entry,
//! over the text each reader may see.

use super::*;

/// Search query.
#[derive(Deserialize)]
pub struct SearchParams {
    /// What to look for; diacritics and case do not matter.
    pub q: String,
}

/// `GET /api/meetings/{id}/documents/search?q=`: hits by document and page, over the
/// documents this user may read.
pub async fn search(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<SearchResult>> {
    let mut tx = s.db.read().await?;
    gates::meeting_read(&mut tx, &u, MeetingId(id), Cap::View).await?;
    let docs = tx.documents_of(MeetingId(id)).await?;
    search_in(&s, tx, &u, docs, p).await
}

/// `GET /api/opinions/{id}/documents/search?q=`: the same over a written poll's documents.
pub async fn opinion_search(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<SearchResult>> {
    let mut tx = s.db.read().await?;
    sees(&mut tx, &u, DocumentOwner::Opinion(id)).await?;
    let docs = tx.documents_of_opinion(id).await?;
    search_in(&s, tx, &u, docs, p).await
}

/// `GET /api/exchange/{register}/{id}/documents/search?q=`: the same over a register
/// entry's files.
pub async fn entry_search(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((register, id)): ApiPath<(String, i64)>,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<SearchResult>> {
    let owner = entry(&register, id)?;
    let mut tx = s.db.read().await?;
    sees(&mut tx, &u, owner).await?;
    let docs = tx.documents_of_entry(owner).await?;
    search_in(&s, tx, &u, docs, p).await
}

/// Searches the current versions of the `docs` `u` reads, in `tx` (a read transaction,
/// ended here); documents whose level withholds text are left out and named. Each page of
/// a classified document whose snippets are returned is logged, like a page view.
async fn search_in(
    s: &AppState,
    mut tx: Tx,
    u: &CurrentUser,
    docs: Vec<DocumentRow>,
    p: SearchParams,
) -> AppResult<Json<SearchResult>> {
    let query = SearchQuery::new(&p.q)
        .ok_or_else(|| invalid("q", "search for at least two letters (at most 200)"))?;
    let (docs, withheld): (Vec<DocumentRow>, Vec<DocumentRow>) = docs
        .into_iter()
        .filter(|d| access::documents::searches(u.0.role, &d.readers, u.id(), d.current_version))
        .partition(|d| s.documents.text_served(d.confidentiality));
    let ids: Vec<i64> = docs.iter().map(|d| d.id).collect();
    let rows = tx.search_pages(&ids, query.folded()).await?;
    drop(tx);
    let mut hits = Vec::new();
    let mut logged = Vec::new();
    for (doc_id, page, body) in rows {
        let Some(doc) = docs.iter().find(|d| d.id == doc_id) else {
            continue;
        };
        if let Some(found) = query.find(&body) {
            if doc.confidentiality.is_classified() {
                logged.push((doc_id, doc.current_version, page));
            }
            let title = doc.title.clone();
            hits.push(SearchHit {
                document_id: doc_id,
                title,
                page,
                count: found.count,
                snippets: found
                    .hits
                    .into_iter()
                    .map(|h| [h.before, h.matched, h.after])
                    .collect(),
            });
        }
    }
    if !logged.is_empty() {
        // Logged before the snippets leave: no trace, no text.
        let mut tx = s.db.write().await?;
        for (doc_id, version, page) in logged {
            tx.record_open(doc_id, version, u.id(), Access::Snippet(page))
                .await?;
        }
        s.commit(tx).await?;
    }
    Ok(Json(SearchResult {
        query: p.q,
        hits,
        not_searchable: withheld.iter().map(|d| d.id).collect(),
    }))
}
