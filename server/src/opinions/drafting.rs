//! A written poll from draft to sent: the lists, drafting and editing (the secretariat),
//! and sending after a second pair of eyes approves it.

use super::*;

/// Validates a draft; every member and the chair when no addressee is named.
async fn checked(s: &AppState, tx: &mut Tx, input: OpinionInput) -> AppResult<OpinionDraft> {
    let question = check_question(&input.question)?;
    let draft_decision = check_draft(&input.draft_decision)?;
    let rule = input.rule.unwrap_or(GOVERNMENT_RULE).validated()?;
    if input.deadline <= s.clock.now() {
        return Err(invalid("deadline", "must be in the future"));
    }
    let reminders = input
        .reminders
        .unwrap_or_else(|| DEFAULT_REMINDERS.to_vec());
    if reminders.len() > MAX_REMINDERS
        || reminders
            .iter()
            .any(|m| *m == 0 || *m > MAX_REMINDER_MINUTES)
    {
        return Err(invalid(
            "reminders",
            format!("at most {MAX_REMINDERS}, each 1 minute to 30 days before the deadline"),
        ));
    }
    let users = tx.users().await?;
    let can_answer = access::opinions::may_be_addressed;
    let addressees: Vec<UserId> = if input.addressees.is_empty() {
        users
            .iter()
            .filter(|u| can_answer(u.role))
            .map(|u| u.id)
            .collect()
    } else {
        let mut seen = std::collections::HashSet::new();
        for a in &input.addressees {
            if !seen.insert(*a) {
                return Err(invalid("addressees", format!("account {a} appears twice")));
            }
            match users.iter().find(|u| u.id == *a) {
                None => return Err(invalid("addressees", format!("no account {a}"))),
                Some(u) if !can_answer(u.role) => {
                    return Err(invalid(
                        "addressees",
                        format!("{} is not a member of the Government", u.display_name),
                    ));
                }
                Some(_) => {}
            }
        }
        input.addressees.clone()
    };
    if addressees.is_empty() || addressees.len() > MAX_ADDRESSEES {
        return Err(invalid(
            "addressees",
            format!("ask between 1 and {MAX_ADDRESSEES} members"),
        ));
    }
    Ok(OpinionDraft {
        question,
        draft_decision,
        rule,
        non_response: input.non_response,
        deadline: input.deadline,
        reminders,
        copy_staff: input.copy_staff,
        addressees,
    })
}

/// `GET /api/opinions`: every poll for the secretariat and the chair; a member's own
/// (sent) polls with their answer otherwise.
pub async fn list(
    State(s): State<AppState>,
    u: CurrentUser,
) -> AppResult<Json<Vec<OpinionSummary>>> {
    let mut tx = s.db.read().await?;
    Ok(Json(list_for(&mut tx, &u).await?))
}

async fn list_for(tx: &mut Tx, u: &CurrentUser) -> AppResult<Vec<OpinionSummary>> {
    let oversees = access::opinions::lists_all_opinions(u.0.role);
    let rows = if oversees {
        tx.all_opinions().await?
    } else {
        tx.opinions_sent_to(u.id()).await?
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(summary_for(tx, r, Some(u.id())).await?);
    }
    Ok(out)
}

/// The state of `opinions` or `opinions:<id>` for the WebSocket.
pub async fn topic_list(
    tx: &mut Tx,
    topic: Topic,
) -> AppResult<ecabinet_protocol::opinion::OpinionList> {
    let opinions = match topic {
        Topic::Opinions => {
            let mut out = Vec::new();
            for r in tx.all_opinions().await? {
                out.push(summary_for(tx, &r, None).await?);
            }
            out
        }
        Topic::OpinionsOf(m) => {
            let mut out = Vec::new();
            for r in tx.opinions_sent_to(m).await? {
                out.push(summary_for(tx, &r, Some(m)).await?);
            }
            out
        }
        _ => Vec::new(),
    };
    Ok(ecabinet_protocol::opinion::OpinionList { opinions })
}

/// `POST /api/opinions` (secretariat): files a draft.
pub async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(input): ApiJson<OpinionInput>,
) -> AppResult<(StatusCode, Json<ecabinet_protocol::poll::CreatedPoll>)> {
    if !access::opinions::drafts_opinions(u.0.role) {
        return Err(AppError::Forbidden);
    }
    let mut tx = s.db.write().await?;
    let draft = checked(&s, &mut tx, input).await?;
    let id = tx.insert_opinion(&draft, u.id()).await?;
    announce(&mut tx, id, Some(u.id())).await?;
    s.commit(tx).await?;
    Ok((
        StatusCode::CREATED,
        Json(ecabinet_protocol::poll::CreatedPoll { id }),
    ))
}

/// `PUT /api/opinions/{id}` (secretariat): edits a draft.
pub async fn update(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<OpinionInput>,
) -> AppResult<StatusCode> {
    let mut tx = s.db.write().await?;
    let row = gates::opinion(&mut tx, &u, id, Cap::Prepare).await?;
    if row.status != PollStatus::Draft {
        return Err(transition(row.status, "edit"));
    }
    let draft = checked(&s, &mut tx, input).await?;
    tx.update_opinion(id, &draft).await?;
    tx.note_opinion_editor(id, u.id()).await?;
    announce(&mut tx, id, Some(u.id())).await?;
    s.commit(tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/opinions/{id}/send`: a second secretariat account or the chair approves
/// the draft; its definition (addressees with their keys) is fixed and it goes out.
pub async fn send(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    let mut tx = s.db.write().await?;
    let row = gates::opinion(&mut tx, &u, id, Cap::Approve).await?;
    row.status
        .open()
        .map_err(|_| transition(row.status, "send"))?;
    let now = s.clock.now();
    if row.deadline <= now {
        return Err(invalid("deadline", "has passed; set a later one first"));
    }
    let members = tx.addressees(id).await?;
    let mut keys: HashMap<UserId, Vec<KeyId>> = HashMap::new();
    for d in tx.approved_devices().await? {
        if let Some(k) = hex_array::<32>(&d.key_id) {
            keys.entry(d.user_id).or_default().push(KeyId(k));
        }
    }
    let users = tx.users().await?;
    let chair = users
        .iter()
        .find(|x| x.role == Role::Chair && members.contains(&x.id))
        .map(|x| x.id);
    let documents = attached(&mut tx, id).await?;
    let mut def = OpinionDefinition {
        poll_id: id,
        question: row.question.clone(),
        draft_decision: row.draft_decision.clone(),
        documents,
        rule: row.rule,
        non_response: row.non_response,
        chair,
        addressees: members
            .iter()
            .map(|m| Addressee {
                member: *m,
                keys: keys.remove(m).unwrap_or_default(),
            })
            .collect(),
        approved_by: u.id(),
        sent_at: now,
    };
    def.normalize();
    let hash = hex::encode(sha256(&def.canonical_bytes()));
    tx.send_opinion(id, &def, &hash).await?;
    announce(&mut tx, id, Some(u.id())).await?;
    s.commit(tx).await?;
    s.opinion_clock.notify_one();
    tracing::info!(
        opinion = id,
        addressees = members.len(),
        "written poll sent"
    );
    Ok(StatusCode::NO_CONTENT)
}
