//! Request bodies: the cap on JSON bodies, bounded multipart text parts, and what an
//! uploaded file must look like (a PDF header, a clean name), shared by every upload.

use crate::platform::error::{AppError, AppResult};
use axum::extract::{FromRequest, Multipart, Request};

/// Largest accepted JSON body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A small text part (JSON details), read chunk by chunk and refused (`Err(None)`) as soon
/// as it passes `limit`: the upload routes take bodies of up to the largest file, and a
/// part read whole first would be held in memory however large.
pub async fn small_field(
    field: &mut axum::extract::multipart::Field<'_>,
    limit: usize,
) -> Result<String, Option<axum::extract::multipart::MultipartError>> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(Some)? {
        if buf.len() + chunk.len() > limit {
            return Err(None);
        }
        buf.extend_from_slice(&chunk);
    }
    // Not UTF-8: the JSON reader that follows names the problem.
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The body as multipart, read only after the sender's rights were checked (the body is
/// an extractor of its own otherwise, and would be refused before the 403).
pub async fn multipart(req: Request) -> AppResult<Multipart> {
    Multipart::from_request(req, &()).await.map_err(|e| {
        AppError::BadRequest(format!(
            "send the file as multipart/form-data: {}",
            e.body_text()
        ))
    })
}

/// Whether a file's first kilobyte carries a PDF header (readers accept it anywhere there).
pub fn looks_like_pdf(head: &[u8]) -> bool {
    head[..head.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
}

/// Keeps the last path component, printable, at most 200 characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.trim().is_empty() {
        "document.pdf".into()
    } else {
        clean
    }
}
