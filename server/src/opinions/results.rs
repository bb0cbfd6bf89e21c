//! The aggregated report (tổng hợp ý kiến) on screen, as XLSX and PDF (`report`), and the
//! archive with every signed answer for an offline recount.

use super::*;

/// The report's lines and count: final once closed, provisional before.
async fn report_of(tx: &mut Tx, row: &OpinionRow) -> AppResult<OpinionReport> {
    let members = tx.addressees(row.id).await?;
    let stored = tx.answers(row.id).await?;
    let last = last_answers(&stored);
    let contacts: HashMap<UserId, Contact> = tx
        .contacts(&members)
        .await?
        .into_iter()
        .map(|c| (c.user_id, c))
        .collect();
    let lines = members
        .iter()
        .map(|m| {
            let c = contacts.get(m);
            let a = last.get(m);
            ReportLine {
                user_id: *m,
                display_name: c.map(|c| c.display_name.clone()).unwrap_or_default(),
                title: c.map(|c| c.title.clone()).unwrap_or_default(),
                answer: a.map(|a| a.answer),
                text: a.map(|a| a.text.clone()).unwrap_or_default(),
                answered_at: a.map(|a| a.received_at),
            }
        })
        .collect();
    let result = match (&row.result, &row.definition) {
        (Some(r), _) => r.result.clone(),
        (None, Some(def)) => {
            let counted: Vec<(UserId, Answer)> = last.iter().map(|(m, a)| (*m, a.answer)).collect();
            opinion::tally(def, &counted)?
        }
        (None, None) => opinion::OpinionResult {
            agree: 0,
            disagree: 0,
            other: 0,
            not_answered: u32::try_from(members.len()).unwrap_or(u32::MAX),
            in_favour: 0,
            against: 0,
            base: 0,
            outcome: ecabinet_domain::vote::Outcome::Failed,
        },
    };
    Ok(OpinionReport {
        summary: summary_for(tx, row, None).await?,
        result,
        lines,
    })
}

async fn load_report(s: &AppState, u: &CurrentUser, id: i64) -> AppResult<OpinionReport> {
    let mut tx = s.db.read().await?;
    let row = tx.opinion_for_read(id).await?.ok_or(AppError::NotFound)?;
    gates::opinion_check(&mut tx, u, &row, Cap::Report).await?;
    report_of(&mut tx, &row).await
}

/// `GET /api/opinions/{id}/report` (secretariat and chair).
pub async fn report(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<OpinionReport>> {
    Ok(Json(load_report(&s, &u, id).await?))
}

fn download(content_type: &'static str, name: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// `GET /api/opinions/{id}/report.xlsx`.
pub async fn report_xlsx(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    let r = load_report(&s, &u, id).await?;
    let bytes =
        crate::opinions::report::xlsx(&r).map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("tong-hop-y-kien-{id}.xlsx"),
        bytes,
    ))
}

/// `GET /api/opinions/{id}/report.pdf`.
pub async fn report_pdf(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    let r = load_report(&s, &u, id).await?;
    let font = s
        .report_font
        .clone()
        .ok_or_else(|| AppError::Internal("no report font configured".into()))?;
    let bytes = tokio::task::spawn_blocking(move || crate::opinions::report::pdf(&r, &font))
        .await
        .map_err(|e| AppError::Internal(format!("pdf task: {e}")))?
        .map_err(|e| AppError::Internal(format!("pdf: {e}")))?;
    Ok(download(
        "application/pdf",
        format!("tong-hop-y-kien-{id}.pdf"),
        bytes,
    ))
}

/// `GET /api/opinions/{id}/archive`: the bundle of a closed poll, for `ecabinet verify`.
/// It names every answer and its text, like the report: the same readers (the chair and
/// the secretariat, `Cap::Report`); an addressee checks their own answer by its receipt
/// and the signed result (docs/archive-format.md §7).
pub async fn archive(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<OpinionBundle>> {
    let mut tx = s.db.read().await?;
    let row = tx.opinion_for_read(id).await?.ok_or(AppError::NotFound)?;
    gates::opinion_check(&mut tx, &u, &row, Cap::Report).await?;
    let (Some(definition), Some(result), Some(sig)) =
        (row.definition, row.result, row.result_signature)
    else {
        return Err(transition(row.status, "export"));
    };
    let bad = || AppError::Internal(format!("stored answer of poll {id} unreadable"));
    let answers = tx
        .answers(id)
        .await?
        .iter()
        .map(|a| {
            Ok(AnswerRecord {
                index: a.leaf_index,
                ballot: hex::decode(&a.bytes).map_err(|_| bad())?,
                signature: hex_array(&a.signature).ok_or_else(bad)?,
                text: a.text.clone(),
                tree_root: hex_array(&a.tree_root).ok_or_else(bad)?,
                receipt_signature: hex_array(&a.receipt_signature).ok_or_else(bad)?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let wanted: std::collections::HashSet<KeyId> = definition
        .addressees
        .iter()
        .flat_map(|a| a.keys.iter().copied())
        .collect();
    let mut devices = Vec::new();
    for d in tx.all_devices().await? {
        let Some(k) = hex_array::<32>(&d.key_id) else {
            continue;
        };
        if !wanted.contains(&KeyId(k)) {
            continue;
        }
        devices.push(DeviceRecord {
            device_id: d.id,
            member_id: d.user_id,
            label: d.label,
            public_key: hex_array(&d.public_key)
                .ok_or_else(|| AppError::Internal("stored key".into()))?,
            key_id: KeyId(k),
            status: d.status.as_str().into(),
            registered_at: d.created_at,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
        });
    }
    let members: Vec<UserId> = definition.addressees.iter().map(|a| a.member).collect();
    let members = tx
        .contacts(&members)
        .await?
        .into_iter()
        .map(|c| MemberRecord {
            id: c.user_id,
            name: c.display_name,
            title: c.title,
        })
        .collect();
    Ok(Json(OpinionBundle {
        format: ecabinet_archive::opinion::FORMAT_V1.into(),
        exported_at: tx.now(),
        server_key: *s.server_key.verifying_key().as_bytes(),
        members,
        devices,
        opinions: vec![OpinionRecord {
            definition_hash: sha256(&definition.canonical_bytes()),
            definition,
            answers,
            result,
            result_signature: hex_array(&sig).ok_or_else(bad)?,
        }],
    }))
}
