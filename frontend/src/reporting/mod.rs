//! Reporting: `/reports`, where a unit's officer fills and signs a period's report and
//! approvers approve or return it, and `/dashboard`, the direction dashboard; with the
//! officer's device's side of a submission.

mod dashboard;
mod i18n;
mod reports;
mod submission;

pub(crate) use dashboard::DashboardPage;
pub(crate) use reports::ReportsPage;
