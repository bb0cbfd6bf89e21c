//! Rendering: each version goes to a render worker once its transaction has committed;
//! pages are stored as they come and announced; a node resumes what it claimed before a
//! restart, adopts what a dead node left (PostgreSQL), and sweeps stale uploads.

use super::*;

/// Renders a version through the worker pool, recording pages as they arrive.
pub async fn render_version(s: AppState, doc: i64, version: i64) {
    render_claimed(s, doc, version, false).await
}

/// Renders a version if this node can claim it; `resumed`: a render a stopped node left
/// half-done, whose pages are cleared first.
async fn render_claimed(s: AppState, doc: i64, version: i64, resumed: bool) {
    if !s.documents.claims.take(doc, version).await {
        tracing::info!(document = doc, version, "another node is rendering it");
        return;
    }
    render_held(s, doc, version, resumed).await
}

/// Renders a version this node has claimed, then lets go of the claim.
async fn render_held(s: AppState, doc: i64, version: i64, resumed: bool) {
    let claims = s.documents.claims.clone();
    let _queued = s.metrics.render_job();
    let cleared = if resumed {
        clear_pages(&s, doc, version).await
    } else {
        Ok(())
    };
    if let Err(e) = async {
        cleared?;
        render_inner(&s, doc, version).await
    }
    .await
    {
        tracing::error!(document = doc, version, error = %e, "rendering failed on our side");
        let _ = finish(&s, doc, version, Some(Failure::Storage)).await;
    }
    claims.release(doc, version).await;
}

async fn clear_pages(s: &AppState, doc: i64, version: i64) -> AppResult<()> {
    let mut tx = s.db.write().await?;
    tx.clear_pages(doc, version).await?;
    s.commit(tx).await
}

async fn render_inner(s: &AppState, doc: i64, version: i64) -> AppResult<()> {
    let dir = s.documents.version_dir(doc, version);
    let blobs = &s.documents.blobs;
    // Another node may have taken the upload: its working copy comes from the store.
    let original = blobs
        .fetch(&original_key(doc, version))
        .await
        .map_err(AppError::Internal)?;
    let level = {
        let mut tx = s.db.read().await?;
        tx.document(doc)
            .await?
            .ok_or(AppError::NotFound)?
            .confidentiality
    };
    // A withheld level's text is not even extracted: nothing of it to store or leak.
    let extract_text = s.documents.text_served(level);
    let mut events = s
        .documents
        .renderer
        .render(original, dir.clone(), extract_text)
        .await;
    while let Some(event) = events.recv().await {
        match event {
            RenderEvent::Opened { pages, .. } => {
                let mut tx = s.db.write().await?;
                let sizes: Vec<(f64, f64)> = pages
                    .iter()
                    .map(|p| (f64::from(p.width), f64::from(p.height)))
                    .collect();
                tx.set_page_sizes(doc, version, &sizes).await?;
                let row = tx.document(doc).await?.ok_or(AppError::NotFound)?;
                announce(&mut tx, &row, None).await?;
                s.commit(tx).await?;
            }
            RenderEvent::Page {
                page,
                text,
                heights,
                image_sha256,
                ..
            } => {
                // In the store before the row says the page is there.
                for &w in s.documents.renderer.widths() {
                    let key = format!("{}/{}", version_key(doc, version), page_file(page, w));
                    blobs.publish(&key).await.map_err(AppError::Internal)?;
                }
                let text = if extract_text { text } else { String::new() };
                let mut tx = s.db.write().await?;
                let folded = fold(&text);
                tx.set_page_rendered(
                    doc,
                    version,
                    &RenderedPage {
                        page: i64::from(page),
                        heights: &heights,
                        image_sha256: &image_sha256,
                        body: &text,
                        folded: &folded,
                    },
                )
                .await?;
                let row = tx.document(doc).await?.ok_or(AppError::NotFound)?;
                announce(&mut tx, &row, None).await?;
                s.commit(tx).await?;
            }
            RenderEvent::Done { .. } => {
                blobs.forget_local(&version_key(doc, version)).await;
                return finish(s, doc, version, None).await;
            }
            RenderEvent::Failed { reason, .. } => {
                if let Err(e) = blobs.remove_all(&version_key(doc, version)).await {
                    tracing::warn!(document = doc, version, error = %e, "files of a refused version are left behind");
                }
                return finish(s, doc, version, Some(reason)).await;
            }
            RenderEvent::Ready { .. } => {}
        }
    }
    finish(s, doc, version, Some(Failure::Crashed)).await
}

async fn finish(s: &AppState, doc: i64, version: i64, failure: Option<Failure>) -> AppResult<()> {
    let mut tx = s.db.write().await?;
    let failure = failure
        .map(|f| serde_json::to_string(&f))
        .transpose()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let before = tx.document(doc).await?.map_or(0, |d| d.current_version);
    tx.finish_version(doc, version, failure.as_deref()).await?;
    if failure.is_none() && before > 0 && before < version {
        crate::documents::annotations::carry(&mut tx, doc, before, version).await?;
    }
    let row = tx.document(doc).await?.ok_or(AppError::NotFound)?;
    announce(&mut tx, &row, None).await?;
    s.commit(tx).await?;
    Ok(())
}

/// An upload still arriving after this long is not one: its partial file (a node killed
/// mid-upload leaves it) is removed. Longer than any upload takes, so that a node never
/// removes what another node sharing the folder is receiving.
const INCOMING_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes partial uploads older than `INCOMING_MAX_AGE`; returns how many.
pub async fn sweep_incoming(docs: &Documents) -> usize {
    let Ok(mut dir) = tokio::fs::read_dir(docs.dir.join("incoming")).await else {
        return 0;
    };
    let mut removed = 0;
    while let Ok(Some(e)) = dir.next_entry().await {
        let old = e
            .metadata()
            .await
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > INCOMING_MAX_AGE);
        if old && tokio::fs::remove_file(e.path()).await.is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "partial uploads removed");
    }
    removed
}

/// Restarts rendering of versions left half-done by a stopped server.
pub async fn resume_rendering(s: &AppState) -> AppResult<()> {
    sweep_incoming(&s.documents).await;
    let pending = {
        let mut tx = s.db.read().await?;
        tx.versions_rendering().await?
    };
    for (doc, version) in pending {
        // Only those no other node is rendering (its claim would be held).
        tracing::info!(
            document = doc,
            version,
            "rendering again after a restart, unless another node is"
        );
        tokio::spawn(render_claimed(s.clone(), doc, version, true));
    }
    Ok(())
}

/// Renders the versions whose node died mid-render: on PostgreSQL their claims went with
/// that node's connection, so a live node may take them over without waiting for a
/// restart. Run every `render_adopt_secs` on every node sharing a PostgreSQL database.
pub async fn adopt_orphan_renders(s: &AppState) -> AppResult<()> {
    let claims = &s.documents.claims;
    claims.refresh().await;
    let pending = {
        let mut tx = s.db.read().await?;
        tx.versions_rendering().await?
    };
    for (doc, version) in pending {
        if !claims.take_orphan(doc, version).await {
            continue;
        }
        // Its node may have finished it between the list and the claim.
        let still = {
            let mut tx = s.db.read().await?;
            tx.version_rendering(doc, version).await
        };
        if !matches!(still, Ok(true)) {
            claims.release(doc, version).await;
            still?;
            continue;
        }
        tracing::warn!(
            document = doc,
            version,
            "rendering a version its node left half-done"
        );
        s.metrics.render_adopted();
        tokio::spawn(render_held(s.clone(), doc, version, true));
    }
    Ok(())
}

/// Every `render_adopt_secs`, adopts the renders of nodes that died
/// (`adopt_orphan_renders`); on PostgreSQL only, as SQLite has one node, which resumes
/// its own renders when it starts.
pub async fn run_adopter(s: AppState) {
    if s.db.engine() == ecabinet_storage::Engine::Sqlite {
        return;
    }
    let period = std::time::Duration::from_secs(s.render_adopt_secs.max(1));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await; // the first tick is now; startup has just resumed what it could
    loop {
        tick.tick().await;
        if let Err(e) = adopt_orphan_renders(&s).await {
            tracing::warn!(error = %e, "looking for renders left by a dead node");
        }
    }
}
