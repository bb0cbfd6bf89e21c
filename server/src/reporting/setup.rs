//! Setting reporting up (the administrator): reporting units and their members,
//! indicators, and regimes (which units report which indicators to whom, how often).

use super::*;

/// A unit (admin).
#[derive(Deserialize)]
pub struct UnitInput {
    code: String,
    name: String,
    parent_id: Option<i64>,
}

fn admin(u: &CurrentUser) -> AppResult<()> {
    enforce(Decision::forbid_unless(access::reporting::administers(
        u.0.role,
    )))
}

/// `POST /api/reporting/units` (admin).
pub async fn add_unit(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(input): ApiJson<UnitInput>,
) -> AppResult<(StatusCode, Json<UnitInfo>)> {
    admin(&u)?;
    let code = input.code.trim();
    if code.is_empty() || code.len() > 40 {
        return Err(invalid("code", "a code of 1 to 40 characters"));
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("name", "a name of 1 to 200 characters"));
    }
    let mut tx = s.db.write().await?;
    let units = tx.units().await?;
    if units.iter().any(|x| x.code == code) {
        return Err(AppError::Conflict(format!("unit {code} exists")));
    }
    if let Some(p) = input.parent_id
        && !units.iter().any(|x| x.id == p)
    {
        return Err(invalid("parent_id", "no such unit"));
    }
    let order = i64::try_from(units.len()).unwrap_or(0) + 1;
    let id = tx.insert_unit(code, name, input.parent_id, order).await?;
    s.commit(tx).await?;
    Ok((
        StatusCode::CREATED,
        Json(UnitInfo {
            id,
            code: code.to_owned(),
            name: name.to_owned(),
            parent_id: input.parent_id,
        }),
    ))
}

/// A role in a unit (admin).
#[derive(Deserialize)]
pub struct MemberInput {
    user_id: i64,
    /// `officer` or `approver`.
    role: String,
}

/// `POST /api/reporting/units/{id}/members` (admin).
pub async fn add_member(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(unit): ApiPath<i64>,
    ApiJson(m): ApiJson<MemberInput>,
) -> AppResult<StatusCode> {
    admin(&u)?;
    if UnitRole::parse(&m.role).is_none() {
        return Err(invalid("role", "officer or approver"));
    }
    let mut tx = s.db.write().await?;
    if !tx.units().await?.iter().any(|x| x.id == unit) {
        return Err(AppError::NotFound);
    }
    if tx.user(UserId(m.user_id)).await?.is_none() {
        return Err(invalid("user_id", "no such account"));
    }
    tx.add_unit_member(unit, UserId(m.user_id), &m.role).await?;
    s.commit(tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/reporting/indicators` (admin): adds or redefines an indicator.
pub async fn put_indicator(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(i): ApiJson<Indicator>,
) -> AppResult<StatusCode> {
    admin(&u)?;
    let code = i.code.trim();
    if code.is_empty() || code.len() > 40 || code.contains(char::is_whitespace) {
        return Err(invalid("code", "a code of 1 to 40 characters, no spaces"));
    }
    if i.name.trim().is_empty() {
        return Err(invalid("name", "required"));
    }
    if let (Some(a), Some(b)) = (i.min, i.max)
        && a > b
    {
        return Err(invalid("min", "the minimum is above the maximum"));
    }
    if let Some(p) = i.problems().first() {
        return Err(invalid("disaggregation", p.clone()));
    }
    let mut tx = s.db.write().await?;
    tx.put_indicator(code, &serde_json::to_string(&i).map_err(internal)?)
        .await?;
    s.commit(tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A regime (admin).
#[derive(Deserialize)]
pub struct RegimeInput {
    regime: Regime,
    receiving_unit_id: i64,
    unit_ids: Vec<i64>,
}

/// `POST /api/reporting/regimes` (admin).
pub async fn add_regime(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(input): ApiJson<RegimeInput>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    admin(&u)?;
    let r = &input.regime;
    if let Some(p) = r.problems().first() {
        return Err(invalid("regime", p.clone()));
    }
    let mut tx = s.db.write().await?;
    let known = all_indicators(&mut tx).await?;
    if let Some(c) = r
        .indicators
        .iter()
        .find(|c| !known.iter().any(|i| &i.code == *c))
    {
        return Err(invalid(
            "indicators",
            format!("{c} is not a known indicator"),
        ));
    }
    let units = tx.units().await?;
    let mut ids = input.unit_ids.clone();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Err(invalid("unit_ids", "name the units that report"));
    }
    if let Some(bad) = ids
        .iter()
        .chain([&input.receiving_unit_id])
        .find(|id| !units.iter().any(|x| x.id == **id))
    {
        return Err(invalid("unit_ids", format!("no unit {bad}")));
    }
    if tx.regimes().await?.iter().any(|x| x.code == r.code) {
        return Err(AppError::Conflict(format!("regime {} exists", r.code)));
    }
    let id = tx
        .insert_regime(
            &r.code,
            &serde_json::to_string(r).map_err(internal)?,
            input.receiving_unit_id,
            &ids,
        )
        .await?;
    s.commit(tx).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}
