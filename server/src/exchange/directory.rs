//! The organ directory: the organs of this deployment and of its peers, and who works
//! for which of ours (clerk, leader, handler).

use super::*;

/// `GET /api/exchange/organs`: the directory.
pub async fn organs(State(s): State<AppState>, _u: CurrentUser) -> AppResult<Json<Vec<OrganInfo>>> {
    let mut tx = s.db.read().await?;
    Ok(Json(
        tx.organs()
            .await?
            .into_iter()
            .map(|o| OrganInfo {
                hosted: o.peer_id.is_none(),
                id: o.id,
                name: o.name,
            })
            .collect(),
    ))
}

/// An organ to host.
#[derive(Deserialize)]
pub struct NewOrgan {
    /// Identifier.
    pub id: String,
    /// Name.
    pub name: String,
}

/// `POST /api/exchange/organs` (admin): hosts an organ here.
pub async fn add_organ(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(o): ApiJson<NewOrgan>,
) -> AppResult<StatusCode> {
    if !access::exchange::administers(u.0.role) {
        return Err(AppError::Forbidden);
    }
    let (id, name) = (o.id.trim(), o.name.trim());
    if !ecabinet_exchange::is_organ_id(id) {
        return Err(invalid(
            "id",
            "letters, digits, '.', '-' or '_', at most 64",
        ));
    }
    if name.is_empty() || name.chars().count() > 300 {
        return Err(invalid("name", "a name of 1 to 300 characters is required"));
    }
    let mut tx = s.db.write().await?;
    if tx.organ(id).await?.is_some() {
        return Err(AppError::Conflict(format!("organ {id} exists")));
    }
    tx.insert_organ(id, name, None).await?;
    s.commit(tx).await?;
    Ok(StatusCode::CREATED)
}

/// A role to give.
#[derive(Deserialize)]
pub struct NewMember {
    /// The account.
    pub user_id: UserId,
    /// `clerk`, `leader` or `handler`.
    pub role: String,
}

/// `POST /api/exchange/organs/{id}/members` (admin).
pub async fn add_member(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(organ): ApiPath<String>,
    ApiJson(m): ApiJson<NewMember>,
) -> AppResult<StatusCode> {
    if !access::exchange::administers(u.0.role) {
        return Err(AppError::Forbidden);
    }
    let role =
        OrganRole::parse(&m.role).ok_or_else(|| invalid("role", "clerk, leader or handler"))?;
    let mut tx = s.db.write().await?;
    tx.organ(&organ)
        .await?
        .filter(|o| o.peer_id.is_none())
        .ok_or(AppError::NotFound)?;
    if !tx.users().await?.iter().any(|x| x.id == m.user_id) {
        return Err(invalid("user_id", "no such account"));
    }
    tx.add_organ_member(&organ, m.user_id, role).await?;
    s.commit(tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/exchange/organs/{id}/members` (its members): who works there, as what, for
/// choosing a signer or a handler.
pub async fn members(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(organ): ApiPath<String>,
) -> AppResult<Json<Vec<ecabinet_protocol::exchange::OrganMember>>> {
    let mut tx = s.db.read().await?;
    gates::organ(&mut tx, &u, &organ, ExchangeCap::Read).await?;
    let users = tx.users().await?;
    Ok(Json(
        tx.organ_members(&organ)
            .await?
            .into_iter()
            .map(|(id, role)| ecabinet_protocol::exchange::OrganMember {
                user_id: id,
                display_name: users
                    .iter()
                    .find(|x| x.id == id)
                    .map(|x| x.display_name.clone())
                    .unwrap_or_default(),
                role: role.as_str().to_owned(),
            })
            .collect(),
    ))
}

/// `GET /api/exchange/me`: the organs one works for.
pub async fn mine(State(s): State<AppState>, u: CurrentUser) -> AppResult<Json<Vec<MyOrgan>>> {
    let mut tx = s.db.read().await?;
    let mut out: Vec<MyOrgan> = Vec::new();
    for (organ, role) in tx.organ_roles(u.id()).await? {
        match out.iter_mut().find(|o| o.id == organ) {
            Some(o) => o.roles.push(role.as_str().to_owned()),
            None => {
                let name = tx.organ(&organ).await?.map(|o| o.name).unwrap_or_default();
                out.push(MyOrgan {
                    id: organ,
                    name,
                    roles: vec![role.as_str().to_owned()],
                });
            }
        }
    }
    Ok(Json(out))
}
