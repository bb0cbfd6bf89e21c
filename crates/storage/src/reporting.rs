//! Reporting: units and who reports or approves for each, indicators and regimes (kept as
//! the JSON of `ecabinet_reporting` types, which this crate does not read), one report per
//! regime, unit and period with its values, every revision, and the sums the dashboard
//! draws.

use crate::{Result, Tx};
use ecabinet_domain::UserId;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;

/// A reporting unit (bộ, ngành, tỉnh).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitRow {
    /// Id.
    pub id: i64,
    /// Short code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The unit above it.
    pub parent_id: Option<i64>,
}

/// A regime as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegimeRow {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// JSON of `ecabinet_reporting::Regime`.
    pub definition: String,
    /// The unit that receives its reports.
    pub receiving_unit_id: i64,
}

/// A report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRow {
    /// Id.
    pub id: i64,
    /// Regime.
    pub regime_id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Period as written.
    pub period: String,
    /// draft, submitted, approved or returned.
    pub status: String,
    /// JSON of the signed submission.
    pub signature: Option<String>,
    /// Who submitted.
    pub submitted_by: Option<UserId>,
    /// When.
    pub submitted_at: Option<i64>,
    /// Who approved or returned it last.
    pub decided_by: Option<UserId>,
    /// When.
    pub decided_at: Option<i64>,
    /// The last return's comment.
    pub comment: String,
    /// Last change.
    pub updated_at: i64,
}

/// One revision.
#[derive(Clone, Debug, PartialEq)]
pub struct RevisionRow {
    /// The indicator, or `None` for a step.
    pub code: Option<String>,
    /// Before.
    pub old_value: Option<f64>,
    /// After.
    pub new_value: Option<f64>,
    /// edit, upload, submit, approve, return.
    pub action: String,
    /// Who.
    pub user_id: UserId,
    /// Their name.
    pub user_name: String,
    /// When.
    pub at: i64,
    /// A comment (a return's).
    pub note: String,
}

/// One point of a series: the period as written, the unit, the value.
pub type SeriesPoint = (String, i64, f64);

fn report_row(r: &AnyRow) -> Result<ReportRow> {
    Ok(ReportRow {
        id: r.try_get(0)?,
        regime_id: r.try_get(1)?,
        unit_id: r.try_get(2)?,
        period: r.try_get(3)?,
        status: r.try_get(4)?,
        signature: r.try_get(5)?,
        submitted_by: r.try_get::<Option<i64>, _>(6)?.map(UserId),
        submitted_at: r.try_get(7)?,
        decided_by: r.try_get::<Option<i64>, _>(8)?.map(UserId),
        decided_at: r.try_get(9)?,
        comment: r.try_get(10)?,
        updated_at: r.try_get(11)?,
    })
}

const SELECT_REPORT: &str = "select report_id, regime_id, unit_id, period, status, signature, \
     submitted_by, submitted_at, decided_by, decided_at, comment, updated_at from report ";

impl Tx {
    /// Adds a unit; returns its id.
    pub async fn insert_unit(
        &mut self,
        code: &str,
        name: &str,
        parent: Option<i64>,
        sort_order: i64,
    ) -> Result<i64> {
        let now = self.now();
        let (id,): (i64,) = sqlx::query_as(
            "insert into report_unit (code, name, parent_id, sort_order, created_at) \
             values ($1, $2, $3, $4, $5) returning unit_id",
        )
        .bind(code)
        .bind(name)
        .bind(parent)
        .bind(sort_order)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    /// Every unit, in order.
    pub async fn units(&mut self) -> Result<Vec<UnitRow>> {
        let rows: Vec<(i64, String, String, Option<i64>)> = sqlx::query_as(
            "select unit_id, code, name, parent_id from report_unit order by sort_order, unit_id",
        )
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, code, name, parent_id)| UnitRow {
                id,
                code,
                name,
                parent_id,
            })
            .collect())
    }

    /// Gives `user` a role (`officer` or `approver`) in a unit.
    pub async fn add_unit_member(&mut self, unit: i64, user: UserId, role: &str) -> Result<()> {
        sqlx::query(
            "insert into report_unit_member (unit_id, user_id, role) values ($1, $2, $3) \
             on conflict (unit_id, user_id, role) do nothing",
        )
        .bind(unit)
        .bind(user.0)
        .bind(role)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The units `user` works for, with each role.
    pub async fn unit_roles(&mut self, user: UserId) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "select unit_id, role from report_unit_member where user_id = $1 order by unit_id, role",
        )
        .bind(user.0)
        .fetch_all(self.conn())
        .await?)
    }

    /// Who works for a unit in `role`.
    pub async fn unit_members(&mut self, unit: i64, role: &str) -> Result<Vec<UserId>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "select user_id from report_unit_member where unit_id = $1 and role = $2 \
             order by user_id",
        )
        .bind(unit)
        .bind(role)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.into_iter().map(|(u,)| UserId(u)).collect())
    }

    /// Adds or replaces an indicator's definition.
    pub async fn put_indicator(&mut self, code: &str, definition: &str) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "insert into indicator (code, definition, created_at) values ($1, $2, $3) \
             on conflict (code) do update set definition = excluded.definition",
        )
        .bind(code)
        .bind(definition)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Every indicator's definition, by code.
    pub async fn indicators(&mut self) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("select code, definition from indicator order by code")
                .fetch_all(self.conn())
                .await?,
        )
    }

    /// Adds a regime with the units that report under it; returns its id.
    pub async fn insert_regime(
        &mut self,
        code: &str,
        definition: &str,
        receiving_unit: i64,
        units: &[i64],
    ) -> Result<i64> {
        let now = self.now();
        let (id,): (i64,) = sqlx::query_as(
            "insert into regime (code, definition, receiving_unit_id, created_at) \
             values ($1, $2, $3, $4) returning regime_id",
        )
        .bind(code)
        .bind(definition)
        .bind(receiving_unit)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        for u in units {
            sqlx::query("insert into regime_unit (regime_id, unit_id) values ($1, $2)")
                .bind(id)
                .bind(u)
                .execute(self.conn())
                .await?;
        }
        Ok(id)
    }

    /// Every regime.
    pub async fn regimes(&mut self) -> Result<Vec<RegimeRow>> {
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "select regime_id, code, definition, receiving_unit_id from regime order by regime_id",
        )
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, code, definition, receiving_unit_id)| RegimeRow {
                id,
                code,
                definition,
                receiving_unit_id,
            })
            .collect())
    }

    /// The units that report under a regime.
    pub async fn regime_units(&mut self, regime: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("select unit_id from regime_unit where regime_id = $1 order by unit_id")
                .bind(regime)
                .fetch_all(self.conn())
                .await?;
        Ok(rows.into_iter().map(|(u,)| u).collect())
    }

    /// The report of a unit for a period, if begun.
    pub async fn report(
        &mut self,
        regime: i64,
        unit: i64,
        period: &str,
    ) -> Result<Option<ReportRow>> {
        let sql = format!("{SELECT_REPORT} where regime_id = $1 and unit_id = $2 and period = $3");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(regime)
            .bind(unit)
            .bind(period)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(report_row).transpose()
    }

    /// The reports of a regime for periods starting in `from..=to` (year × 100 + month).
    pub async fn reports_between(
        &mut self,
        regime: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<ReportRow>> {
        let sql = format!(
            "{SELECT_REPORT} where regime_id = $1 and period_start between $2 and $3 \
             order by period_start, unit_id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(regime)
            .bind(from)
            .bind(to)
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(report_row).collect()
    }

    /// Begins a unit's report for a period (a draft); returns its id.
    pub async fn insert_report(
        &mut self,
        regime: i64,
        unit: i64,
        period: &str,
        period_start: i64,
    ) -> Result<i64> {
        let now = self.now();
        let (id,): (i64,) = sqlx::query_as(
            "insert into report (regime_id, unit_id, period, period_start, status, updated_at) \
             values ($1, $2, $3, $4, 'draft', $5) returning report_id",
        )
        .bind(regime)
        .bind(unit)
        .bind(period)
        .bind(period_start)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    /// A report's values, by code.
    pub async fn report_values(&mut self, report: i64) -> Result<BTreeMap<String, f64>> {
        let rows: Vec<(String, f64)> =
            sqlx::query_as("select indicator_code, value from report_value where report_id = $1")
                .bind(report)
                .fetch_all(self.conn())
                .await?;
        Ok(rows.into_iter().collect())
    }

    /// Makes a report's values `values` exactly, recording each change (`action`: edit or
    /// upload) as a revision; returns how many cells changed.
    pub async fn set_report_values(
        &mut self,
        report: i64,
        values: &BTreeMap<String, f64>,
        action: &str,
        by: UserId,
    ) -> Result<usize> {
        let before = self.report_values(report).await?;
        let now = self.now();
        let mut changed = 0;
        let codes: std::collections::BTreeSet<&String> =
            before.keys().chain(values.keys()).collect();
        for code in codes {
            let (old, new) = (before.get(code).copied(), values.get(code).copied());
            if old == new {
                continue;
            }
            changed += 1;
            match new {
                Some(v) => {
                    sqlx::query(
                        "insert into report_value (report_id, indicator_code, value) \
                         values ($1, $2, $3) on conflict (report_id, indicator_code) \
                         do update set value = excluded.value",
                    )
                    .bind(report)
                    .bind(code)
                    .bind(v)
                    .execute(self.conn())
                    .await?;
                }
                None => {
                    sqlx::query(
                        "delete from report_value where report_id = $1 and indicator_code = $2",
                    )
                    .bind(report)
                    .bind(code)
                    .execute(self.conn())
                    .await?;
                }
            }
            // A missing value goes as a flag beside a number: through sqlx's Any driver a
            // bound null and a bound float in the same cached statement disagree on
            // PostgreSQL ("incorrect binary data format").
            sqlx::query(
                "insert into report_revision (report_id, indicator_code, old_value, new_value, \
                 action, user_id, at) values ($1, $2, case when $3 then $4 end, \
                 case when $5 then $6 end, $7, $8, $9)",
            )
            .bind(report)
            .bind(code)
            .bind(old.is_some())
            .bind(old.unwrap_or(0.0))
            .bind(new.is_some())
            .bind(new.unwrap_or(0.0))
            .bind(action)
            .bind(by.0)
            .bind(now)
            .execute(self.conn())
            .await?;
        }
        if changed > 0 {
            sqlx::query("update report set updated_at = $1 where report_id = $2")
                .bind(now)
                .bind(report)
                .execute(self.conn())
                .await?;
        }
        Ok(changed)
    }

    /// Moves a report to `status` by `by` (submit: with the signature; return: with the
    /// comment), and records the step.
    pub async fn set_report_status(
        &mut self,
        report: i64,
        status: &str,
        by: UserId,
        signature: Option<&str>,
        comment: &str,
    ) -> Result<()> {
        let now = self.now();
        let (action, sql) = match status {
            "submitted" => (
                "submit",
                "update report set status = $1, signature = $2, submitted_by = $3, \
                 submitted_at = $4, updated_at = $4, comment = $5 where report_id = $6",
            ),
            "approved" => (
                "approve",
                "update report set status = $1, signature = coalesce($2, signature), \
                 decided_by = $3, decided_at = $4, updated_at = $4, comment = $5 \
                 where report_id = $6",
            ),
            _ => (
                "return",
                "update report set status = $1, signature = coalesce($2, signature), \
                 decided_by = $3, decided_at = $4, updated_at = $4, comment = $5 \
                 where report_id = $6",
            ),
        };
        sqlx::query(sql)
            .bind(status)
            .bind(signature)
            .bind(by.0)
            .bind(now)
            .bind(comment)
            .bind(report)
            .execute(self.conn())
            .await?;
        sqlx::query(
            "insert into report_revision (report_id, action, user_id, at, note) \
             values ($1, $2, $3, $4, $5)",
        )
        .bind(report)
        .bind(action)
        .bind(by.0)
        .bind(now)
        .bind(comment)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// A report's history, oldest first: of one indicator's cell (with its steps), or all.
    pub async fn revisions(&mut self, report: i64, code: Option<&str>) -> Result<Vec<RevisionRow>> {
        // Two statements rather than `$2 is null`: PostgreSQL cannot type an unbound null.
        const BASE: &str = "select r.indicator_code, r.old_value, r.new_value, r.action, \
             r.user_id, u.display_name, r.at, r.note from report_revision r \
             join app_user u on u.user_id = r.user_id where r.report_id = $1 ";
        let rows = match code {
            Some(c) => {
                let sql = format!(
                    "{BASE} and (r.indicator_code = $2 or r.indicator_code is null) \
                     order by r.revision_id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(report)
                    .bind(c)
                    .fetch_all(self.conn())
                    .await?
            }
            None => {
                let sql = format!("{BASE} order by r.revision_id");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(report)
                    .fetch_all(self.conn())
                    .await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(RevisionRow {
                    code: r.try_get(0)?,
                    old_value: r.try_get(1)?,
                    new_value: r.try_get(2)?,
                    action: r.try_get(3)?,
                    user_id: UserId(r.try_get(4)?),
                    user_name: r.try_get(5)?,
                    at: r.try_get(6)?,
                    note: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// Approved values of one indicator under a regime for periods starting in
    /// `from..=to`: (period, unit, value), in period then unit order. What the dashboard
    /// draws: only approved numbers reach leaders.
    pub async fn approved_series(
        &mut self,
        regime: i64,
        code: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<SeriesPoint>> {
        Ok(sqlx::query_as(
            "select r.period, r.unit_id, v.value from report r \
             join report_value v on v.report_id = r.report_id and v.indicator_code = $2 \
             where r.regime_id = $1 and r.status = 'approved' \
             and r.period_start between $3 and $4 order by r.period_start, r.unit_id",
        )
        .bind(regime)
        .bind(code)
        .bind(from)
        .bind(to)
        .fetch_all(self.conn())
        .await?)
    }

    /// Per period starting in `from..=to`: (period, reports submitted or approved,
    /// approved).
    pub async fn completeness(
        &mut self,
        regime: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, i64, i64)>> {
        Ok(sqlx::query_as(
            "select period, \
             sum(case when status in ('submitted', 'approved') then 1 else 0 end), \
             sum(case when status = 'approved' then 1 else 0 end) \
             from report where regime_id = $1 and period_start between $2 and $3 \
             group by period, period_start order by period_start",
        )
        .bind(regime)
        .bind(from)
        .bind(to)
        .fetch_all(self.conn())
        .await?)
    }

    /// Whether this reminder was sent.
    pub async fn reminded(
        &mut self,
        regime: i64,
        unit: i64,
        period: &str,
        kind: &str,
    ) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "select sent_at from report_reminder where regime_id = $1 and unit_id = $2 \
             and period = $3 and kind = $4",
        )
        .bind(regime)
        .bind(unit)
        .bind(period)
        .bind(kind)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.is_some())
    }

    /// Records a reminder; `false` if this one (regime, unit, period, kind) was sent before.
    pub async fn record_report_reminder(
        &mut self,
        regime: i64,
        unit: i64,
        period: &str,
        kind: &str,
    ) -> Result<bool> {
        let now = self.now();
        let done = sqlx::query(
            "insert into report_reminder (regime_id, unit_id, period, kind, sent_at) \
             values ($1, $2, $3, $4, $5) on conflict do nothing",
        )
        .bind(regime)
        .bind(unit)
        .bind(period)
        .bind(kind)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// ecabinet's own counts: meetings held, ballots, poll answers, the average time from
    /// sending a poll to closing it (ms), documents exchanged, and the average time from
    /// arrival to done (ms).
    pub async fn ecabinet_counts(
        &mut self,
    ) -> Result<(i64, i64, i64, Option<f64>, i64, Option<f64>)> {
        let (meetings,): (i64,) =
            sqlx::query_as("select count(*) from meeting where status in ('open', 'closed')")
                .fetch_one(self.conn())
                .await?;
        let (ballots,): (i64,) = sqlx::query_as("select count(*) from ballot")
            .fetch_one(self.conn())
            .await?;
        let (answers,): (i64,) = sqlx::query_as("select count(*) from opinion_answer")
            .fetch_one(self.conn())
            .await?;
        let turnaround: Vec<(i64, i64)> = sqlx::query_as(
            "select sent_at, closed_at from opinion_poll \
             where sent_at is not null and closed_at is not null",
        )
        .fetch_all(self.conn())
        .await?;
        let (exchanged,): (i64,) = sqlx::query_as(
            "select (select count(*) from outgoing_document where status = 'sent') \
             + (select count(*) from incoming_document)",
        )
        .fetch_one(self.conn())
        .await?;
        let processing: Vec<(i64, i64)> = sqlx::query_as(
            "select received_at, updated_at from incoming_document where status = '06'",
        )
        .fetch_all(self.conn())
        .await?;
        let mean = |v: &[(i64, i64)]| {
            (!v.is_empty())
                .then(|| v.iter().map(|(a, b)| (b - a) as f64).sum::<f64>() / v.len() as f64)
        };
        Ok((
            meetings,
            ballots,
            answers,
            mean(&turnaround),
            exchanged,
            mean(&processing),
        ))
    }
}
