//! Who may do what in the reporting system (hệ thống báo cáo): the server's `reporting`.
//! A unit's officer fills and submits its reports, the unit's approver approves or
//! returns them, an approver of the unit that receives a regime's reports may return an
//! approved one; the Government's leaders and its office read every dashboard; the
//! administration sets up units, indicators and regimes.
//!
//! A user's roles in units are stored as text by `ecabinet-storage`; the caller turns them
//! into the flags of [`Membership`] (comparing unit ids), so that a role spelled oddly
//! still counts where the server counts "any role".

use super::Decision;
use crate::Role;

/// A role in a reporting unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitRole {
    /// Cán bộ: fills and submits the unit's reports, signed on a device.
    Officer,
    /// Lãnh đạo đơn vị: approves or returns them.
    Approver,
}

impl UnitRole {
    /// Every role.
    pub const ALL: [UnitRole; 2] = [UnitRole::Officer, UnitRole::Approver];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitRole::Officer => "officer",
            UnitRole::Approver => "approver",
        }
    }

    /// From the stored name: `POST /api/reporting/units/{id}/members` accepts only these
    /// (422 `role` otherwise).
    pub fn parse(s: &str) -> Option<UnitRole> {
        UnitRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Whether `role` reads every regime's dashboard: the Government's leaders and its office.
/// Also `GET /api/reporting/statistics` (403 otherwise) and the `dashboard` flag of
/// `GET /api/reporting`.
pub fn reads_dashboard(role: Role) -> bool {
    matches!(role, Role::Chair | Role::Member | Role::Secretariat)
}

/// Setting reporting up, the administration's (403 for anyone else):
/// `POST /api/reporting/units`, `…/units/{id}/members`, `…/indicators`, `…/regimes`.
pub fn administers(role: Role) -> bool {
    role == Role::Admin
}

/// What one account is in the units one report concerns: the reporting unit and the
/// regime's receiving unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Membership {
    /// An officer of the reporting unit.
    pub officer: bool,
    /// An approver of the reporting unit.
    pub approver: bool,
    /// Any role in the reporting unit.
    pub in_unit: bool,
    /// An approver of the receiving unit.
    pub receiver: bool,
    /// Any role in the receiving unit.
    pub in_receiving_unit: bool,
}

/// What a user may do with one unit's reports under a regime (the server's
/// `reporting::rights` loads the facts and asks [`Rights::decide`] for each route).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rights {
    /// Fills and submits.
    pub officer: bool,
    /// Approves or returns a submitted report.
    pub approver: bool,
    /// Returns an approved report (an approver of the receiving unit).
    pub receiver: bool,
    /// Reads it: anyone of the unit or of the receiving unit, or a dashboard reader.
    pub reader: bool,
}

/// The rights of a user with account role `role` and membership `m` over one unit's
/// reports.
pub fn rights(role: Role, m: Membership) -> Rights {
    Rights {
        officer: m.officer,
        approver: m.approver,
        receiver: m.receiver,
        reader: reads_dashboard(role) || m.in_unit || m.in_receiving_unit,
    }
}

/// Something a user may try to do with one unit's report for one period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportCap {
    /// `GET …/regimes/{id}/units/{unit}/periods/{period}` (the form), `…/history`,
    /// `…/template.xlsx`, and `GET …/regimes/{id}/series?unit=`.
    Read,
    /// `PUT …/periods/{period}` (save the draft) and `POST …/upload`: the officer.
    Edit,
    /// `POST …/submit`: the officer.
    Submit,
    /// `POST …/approve`: the unit's approver (and see [`approves_own`]).
    Approve,
    /// `POST …/return` of a submitted report: the unit's approver.
    ReturnSubmitted,
    /// `POST …/return` of an approved report: an approver of the receiving unit.
    ReturnApproved,
}

impl Rights {
    /// The routes' answer for `cap`: 404 unless the user reads the unit's reports, 403
    /// unless they may use `cap`. (A unit that does not report under the regime is the
    /// caller's 404, like an unknown regime.)
    pub fn decide(self, cap: ReportCap) -> Decision {
        let may = match cap {
            ReportCap::Read => true,
            ReportCap::Edit | ReportCap::Submit => self.officer,
            ReportCap::Approve | ReportCap::ReturnSubmitted => self.approver,
            ReportCap::ReturnApproved => self.receiver,
        };
        Decision::of(self.reader, may)
    }
}

/// Four eyes on `POST …/approve`, asked once the report is known to be submitted (409
/// before that): whoever signed the numbers does not approve them (403).
/// `submitted_it`: the report's `submitted_by` is the user.
pub fn approves_own(submitted_it: bool) -> Decision {
    Decision::forbid_unless(!submitted_it)
}

/// Whether a report in `status` (`missing`, `draft`, `returned`, `submitted`, `approved`)
/// may still be changed by its officer.
fn not_submitted(status: &str) -> bool {
    matches!(status, "missing" | "draft" | "returned")
}

/// The `may` list of a report form: what its buttons offer `r` for a report in `status`,
/// in this order.
pub fn form_actions(r: Rights, status: &str) -> Vec<&'static str> {
    let mut may = Vec::new();
    if r.officer && not_submitted(status) {
        may.extend(["edit", "submit"]);
    }
    if r.approver && status == "submitted" {
        may.extend(["approve", "return"]);
    }
    if r.receiver && status == "approved" {
        may.push("return");
    }
    may
}

/// A regime's dashboard, every unit's approved numbers (`GET …/regimes/{id}/series`
/// without a unit, `…/compare`, `…/completeness`): the leaders and the office, or anyone
/// of the receiving unit; 404 for anyone else.
pub fn reads_regime(role: Role, in_receiving_unit: bool) -> Decision {
    Decision::hide_unless(reads_dashboard(role) || in_receiving_unit)
}

/// Whether a user follows the `reporting` topic: the leaders and the office, or anyone of
/// a unit that receives some regime's reports.
pub fn reads_some_dashboard(role: Role, in_some_receiving_unit: bool) -> bool {
    reads_dashboard(role) || in_some_receiving_unit
}

/// Whether `GET /api/reporting` lists a regime for a user: the leaders and the office,
/// or anyone of a unit that reports under it or of its receiving unit.
pub fn lists_regime(role: Role, in_a_reporting_unit: bool, in_receiving_unit: bool) -> bool {
    reads_dashboard(role) || in_a_reporting_unit || in_receiving_unit
}

/// `POST /api/reporting/regimes/{id}/remind`: an approver of the receiving unit, or the
/// office; 403 for anyone else.
pub fn reminds(role: Role, receiver: bool) -> Decision {
    Decision::forbid_unless(receiver || role == Role::Secretariat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Allow, Forbidden, Hidden};
    use ReportCap as C;

    const CAPS: [ReportCap; 6] = [
        C::Read,
        C::Edit,
        C::Submit,
        C::Approve,
        C::ReturnSubmitted,
        C::ReturnApproved,
    ];

    #[test]
    fn spelling_round_trips() {
        for r in UnitRole::ALL {
            assert_eq!(UnitRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(UnitRole::parse("reader"), None);
    }

    #[test]
    fn account_roles() {
        // role → (reads dashboards, administers, reminds without a unit role)
        let table = [
            (Role::Admin, false, true, Forbidden),
            (Role::Secretariat, true, false, Allow),
            (Role::Chair, true, false, Forbidden),
            (Role::Member, true, false, Forbidden),
            (Role::Invitee, false, false, Forbidden),
        ];
        for (role, dashboard, admin, remind) in table {
            assert_eq!(reads_dashboard(role), dashboard, "{role:?}");
            assert_eq!(administers(role), admin, "{role:?}");
            assert_eq!(reminds(role, false), remind, "{role:?}");
            assert_eq!(reminds(role, true), Allow, "{role:?}");
            assert_eq!(reads_some_dashboard(role, false), dashboard, "{role:?}");
            assert!(reads_some_dashboard(role, true), "{role:?}");
            let regime = if dashboard { Allow } else { Hidden };
            assert_eq!(reads_regime(role, false), regime, "{role:?}");
            assert_eq!(reads_regime(role, true), Allow, "{role:?}");
            assert_eq!(lists_regime(role, false, false), dashboard, "{role:?}");
            assert!(lists_regime(role, true, false) && lists_regime(role, false, true));
        }
    }

    /// Each place one may hold × each capability, for an account that reads no dashboard
    /// (an invitee's account working for a ministry) and for a Government member.
    #[test]
    fn capabilities_table() {
        let officer = Membership {
            officer: true,
            in_unit: true,
            ..Membership::default()
        };
        let approver = Membership {
            approver: true,
            in_unit: true,
            ..Membership::default()
        };
        let receiver = Membership {
            receiver: true,
            in_receiving_unit: true,
            ..Membership::default()
        };
        let in_receiving = Membership {
            in_receiving_unit: true,
            ..Membership::default()
        };
        let (a, f, h) = (Allow, Forbidden, Hidden);
        // In the order of CAPS: read, edit, submit, approve, return submitted, approved.
        let table = [
            (Role::Invitee, Membership::default(), [h, h, h, h, h, h]),
            (Role::Admin, Membership::default(), [h, h, h, h, h, h]),
            (Role::Member, Membership::default(), [a, f, f, f, f, f]),
            (Role::Secretariat, Membership::default(), [a, f, f, f, f, f]),
            (Role::Invitee, officer, [a, a, a, f, f, f]),
            (Role::Invitee, approver, [a, f, f, a, a, f]),
            (Role::Invitee, receiver, [a, f, f, f, f, a]),
            (Role::Invitee, in_receiving, [a, f, f, f, f, f]),
            (Role::Member, officer, [a, a, a, f, f, f]),
        ];
        for (role, m, want) in table {
            let r = rights(role, m);
            for (cap, want) in CAPS.into_iter().zip(want) {
                assert_eq!(r.decide(cap), want, "{role:?} {m:?} {cap:?}");
            }
        }
    }

    #[test]
    fn nobody_approves_what_they_signed() {
        assert_eq!(approves_own(true), Forbidden);
        assert_eq!(approves_own(false), Allow);
    }

    #[test]
    fn the_form_offers_what_the_status_and_rights_allow() {
        let all = Rights {
            officer: true,
            approver: true,
            receiver: true,
            reader: true,
        };
        assert_eq!(form_actions(all, "missing"), ["edit", "submit"]);
        assert_eq!(form_actions(all, "draft"), ["edit", "submit"]);
        assert_eq!(form_actions(all, "returned"), ["edit", "submit"]);
        assert_eq!(form_actions(all, "submitted"), ["approve", "return"]);
        assert_eq!(form_actions(all, "approved"), ["return"]);
        let reader = Rights {
            reader: true,
            ..Rights::default()
        };
        for status in ["missing", "draft", "returned", "submitted", "approved"] {
            assert!(form_actions(reader, status).is_empty(), "{status}");
        }
        let approver = Rights {
            approver: true,
            reader: true,
            ..Rights::default()
        };
        assert!(form_actions(approver, "draft").is_empty());
        assert!(form_actions(approver, "approved").is_empty());
    }
}
