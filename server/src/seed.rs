//! The demo government: a Prime Minister who chairs, four deputy prime ministers and
//! twenty-two ministers and heads of ministry-level agencies (27 members, by title only),
//! two secretariat clerks, one invitee and an administrator, plus one published meeting;
//! and, for `ecabinet demo` only, two agencies that exchange documents.

use crate::accounts::PasswordHasher;
use crate::platform::error::AppResult;
use ecabinet_domain::agenda::AgendaItemInput;
use ecabinet_domain::meeting::{MeetingDetails, MeetingKind, MeetingStatus};
use ecabinet_domain::quorum::Fraction;
use ecabinet_domain::{ParticipantRole, Role};
use ecabinet_storage::{Db, NewUser, OrganRole};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "ecabinet-demo";

/// The 22 ministries and ministry-level agencies of the 2021–2026 Government.
const MINISTERS: [(&str, &str); 22] = [
    ("Bộ trưởng Bộ Quốc phòng", "Bộ Quốc phòng"),
    ("Bộ trưởng Bộ Công an", "Bộ Công an"),
    ("Bộ trưởng Bộ Ngoại giao", "Bộ Ngoại giao"),
    ("Bộ trưởng Bộ Nội vụ", "Bộ Nội vụ"),
    ("Bộ trưởng Bộ Tư pháp", "Bộ Tư pháp"),
    ("Bộ trưởng Bộ Kế hoạch và Đầu tư", "Bộ Kế hoạch và Đầu tư"),
    ("Bộ trưởng Bộ Tài chính", "Bộ Tài chính"),
    ("Bộ trưởng Bộ Công Thương", "Bộ Công Thương"),
    (
        "Bộ trưởng Bộ Nông nghiệp và Phát triển nông thôn",
        "Bộ Nông nghiệp và Phát triển nông thôn",
    ),
    ("Bộ trưởng Bộ Giao thông vận tải", "Bộ Giao thông vận tải"),
    ("Bộ trưởng Bộ Xây dựng", "Bộ Xây dựng"),
    (
        "Bộ trưởng Bộ Tài nguyên và Môi trường",
        "Bộ Tài nguyên và Môi trường",
    ),
    (
        "Bộ trưởng Bộ Thông tin và Truyền thông",
        "Bộ Thông tin và Truyền thông",
    ),
    (
        "Bộ trưởng Bộ Lao động - Thương binh và Xã hội",
        "Bộ Lao động - Thương binh và Xã hội",
    ),
    (
        "Bộ trưởng Bộ Văn hóa, Thể thao và Du lịch",
        "Bộ Văn hóa, Thể thao và Du lịch",
    ),
    (
        "Bộ trưởng Bộ Khoa học và Công nghệ",
        "Bộ Khoa học và Công nghệ",
    ),
    ("Bộ trưởng Bộ Giáo dục và Đào tạo", "Bộ Giáo dục và Đào tạo"),
    ("Bộ trưởng Bộ Y tế", "Bộ Y tế"),
    ("Bộ trưởng, Chủ nhiệm Ủy ban Dân tộc", "Ủy ban Dân tộc"),
    (
        "Thống đốc Ngân hàng Nhà nước Việt Nam",
        "Ngân hàng Nhà nước Việt Nam",
    ),
    ("Tổng Thanh tra Chính phủ", "Thanh tra Chính phủ"),
    (
        "Bộ trưởng, Chủ nhiệm Văn phòng Chính phủ",
        "Văn phòng Chính phủ",
    ),
];

/// One demo login, as printed by `ecabinet demo`.
#[derive(Clone, Debug)]
pub struct DemoLogin {
    /// Login name.
    pub username: String,
    /// What the account is.
    pub display_name: String,
    /// Its role.
    pub role: Role,
}

/// The demo accounts: (username, display name, title, role).
pub fn demo_accounts() -> Vec<(String, String, String, Role)> {
    let mut v = vec![(
        "thutuong".to_owned(),
        "Thủ tướng Chính phủ".to_owned(),
        "Chính phủ".to_owned(),
        Role::Chair,
    )];
    for i in 1..=4 {
        v.push((
            format!("ptt{i}"),
            format!("Phó Thủ tướng {i}"),
            "Phó Thủ tướng Chính phủ".to_owned(),
            Role::Member,
        ));
    }
    for (i, (office, org)) in MINISTERS.iter().enumerate() {
        v.push((
            format!("bt{:02}", i + 1),
            (*office).to_owned(),
            (*org).to_owned(),
            Role::Member,
        ));
    }
    for i in 1..=2 {
        v.push((
            format!("vanthu{i}"),
            format!("Chuyên viên Văn phòng Chính phủ {i}"),
            "Văn phòng Chính phủ".to_owned(),
            Role::Secretariat,
        ));
    }
    v.push((
        "khach1".to_owned(),
        "Chủ tịch UBND thành phố Hà Nội".to_owned(),
        "Đại biểu mời".to_owned(),
        Role::Invitee,
    ));
    v.push((
        "admin".to_owned(),
        "Quản trị hệ thống".to_owned(),
        "Quản trị".to_owned(),
        Role::Admin,
    ));
    v
}

/// Seeds the demo into an empty database; does nothing (returns `None`) if any account
/// exists, so it is safe to run at every start.
pub async fn demo(db: &Db, hasher: &PasswordHasher) -> AppResult<Option<Vec<DemoLogin>>> {
    let mut tx = db.write().await?;
    if tx.count_users().await? > 0 {
        return Ok(None);
    }
    let mut logins = Vec::new();
    let mut participants = Vec::new();
    let mut secretariat = None;
    for (order, (username, display_name, title, role)) in (1i64..).zip(demo_accounts()) {
        let id = tx
            .insert_user(&NewUser {
                username: username.clone(),
                display_name: display_name.clone(),
                title,
                role,
                password_hash: hasher.hash(DEMO_PASSWORD)?,
                sort_order: order,
            })
            .await?;
        // Demo addresses under .local never leave the machine; members' offices (văn
        // phòng) get an address so that reminders can be copied to them.
        let staff = if matches!(role, Role::Member | Role::Chair) {
            format!("vanphong.{username}@ecabinet.local")
        } else {
            String::new()
        };
        tx.set_contact(id, &format!("{username}@ecabinet.local"), &staff)
            .await?;
        if let Some(p) = role.default_participant_role()
            && p != ParticipantRole::Invitee
        {
            participants.push((id, p));
        }
        if role == Role::Secretariat && secretariat.is_none() {
            secretariat = Some(id);
        }
        logins.push(DemoLogin {
            username,
            display_name,
            role,
        });
    }
    if let Some(clerk) = secretariat {
        let details = MeetingDetails {
            title: "Phiên họp Chính phủ thường kỳ (mẫu)".into(),
            kind: MeetingKind::Regular,
            starts_at: tx.now() + 24 * 3600 * 1000,
            place: "Trụ sở Chính phủ, Hà Nội".into(),
        };
        let id = tx
            .insert_meeting(&details, Fraction::TWO_THIRDS, clerk)
            .await?;
        tx.replace_participants(id, &participants).await?;
        let items = [
            (
                "Tình hình kinh tế - xã hội tháng và nhiệm vụ thời gian tới",
                "Bộ trưởng Bộ Kế hoạch và Đầu tư",
                90,
            ),
            (
                "Tờ trình dự án Luật sửa đổi, bổ sung một số điều",
                "Bộ trưởng Bộ Tư pháp",
                45,
            ),
            (
                "Dự thảo Nghị quyết về cải cách thủ tục hành chính",
                "Bộ trưởng, Chủ nhiệm Văn phòng Chính phủ",
                30,
            ),
        ];
        let plan: Vec<_> = items
            .iter()
            .map(|(title, presenter, minutes)| AgendaItemInput {
                id: None,
                title: (*title).into(),
                presenter: (*presenter).into(),
                planned_minutes: *minutes,
            })
            .collect();
        tx.replace_agenda(id, &plan).await?;
        tx.set_status(id, MeetingStatus::Published).await?;
    }
    tx.commit().await?;
    Ok(Some(logins))
}

/// The demo's document exchange: the Government Office (its clerks vanthu1 and vanthu2,
/// its minister bt22 as leader) and the Ministry of Planning and Investment (its minister
/// bt06 as leader, and two accounts of its own: a clerk and a handler, who have no cabinet
/// role). Only `ecabinet demo` and `seed` add it; the test servers set up the organs their
/// tests need themselves.
pub const DEMO_ORGANS: [(&str, &str); 2] = [
    ("000.00.00.G22", "Văn phòng Chính phủ"),
    ("000.00.00.G12", "Bộ Kế hoạch và Đầu tư"),
];

/// Accounts of the Ministry's own staff: (username, display name).
pub const MINISTRY_STAFF: [(&str, &str); 2] = [
    ("vtkhdt", "Văn thư Bộ Kế hoạch và Đầu tư"),
    ("cvkhdt", "Chuyên viên Bộ Kế hoạch và Đầu tư"),
];

/// Adds the demo's two agencies, their staff and roles, once after [`demo`] seeded an
/// empty database.
pub async fn demo_exchange(db: &Db, hasher: &PasswordHasher) -> AppResult<Vec<DemoLogin>> {
    let mut tx = db.write().await?;
    for (id, name) in DEMO_ORGANS {
        tx.insert_organ(id, name, None).await?;
    }
    let mut logins = Vec::new();
    let mut staff = Vec::new();
    for (order, (username, display_name)) in (1000i64..).zip(MINISTRY_STAFF) {
        let id = tx
            .insert_user(&NewUser {
                username: username.to_owned(),
                display_name: display_name.to_owned(),
                title: "Bộ Kế hoạch và Đầu tư".to_owned(),
                role: Role::Invitee,
                password_hash: hasher.hash(DEMO_PASSWORD)?,
                sort_order: order,
            })
            .await?;
        tx.set_contact(id, &format!("{username}@ecabinet.local"), "")
            .await?;
        staff.push(id);
        logins.push(DemoLogin {
            username: username.to_owned(),
            display_name: display_name.to_owned(),
            role: Role::Invitee,
        });
    }
    let (vpcp, bkhdt) = (DEMO_ORGANS[0].0, DEMO_ORGANS[1].0);
    let mut roles = vec![
        (bkhdt, staff[0], OrganRole::Clerk),
        (bkhdt, staff[1], OrganRole::Handler),
    ];
    for (organ, username, role) in [
        (vpcp, "vanthu1", OrganRole::Clerk),
        (vpcp, "vanthu2", OrganRole::Clerk),
        (vpcp, "bt22", OrganRole::Leader),
        (bkhdt, "bt06", OrganRole::Leader),
    ] {
        if let Some(u) = tx.user_by_username(username).await? {
            roles.push((organ, u.id, role));
        }
    }
    for (organ, user, role) in roles {
        tx.add_organ_member(organ, user, role).await?;
    }
    tx.commit().await?;
    Ok(logins)
}

/// The demo's reporting units: the Government Office receives; five cities report.
pub const DEMO_PROVINCES: [(&str, &str); 5] = [
    ("HN", "Hà Nội"),
    ("HCM", "TP. Hồ Chí Minh"),
    ("HP", "Hải Phòng"),
    ("DN", "Đà Nẵng"),
    ("CT", "Cần Thơ"),
];

/// The demo's monthly socio-economic report: five indicators, Hà Nội's officer `bchn`
/// (whose report `khach1`, the city's chairman, approves), the other cities' officers
/// `bchcm` … `bcct`, the Government Office's `vanthu2` receiving; and the eleven months
/// before the current one approved, so that the dashboard has a history (seeded history
/// carries no signatures: the demo's officers have no keys yet). Only `ecabinet demo`
/// and `seed` add it.
pub async fn demo_reporting(db: &Db, hasher: &PasswordHasher) -> AppResult<Vec<DemoLogin>> {
    use ecabinet_reporting::{
        Aggregation, Indicator, Op, Period, PeriodType, Regime, Rule, ValueType,
    };
    let mut tx = db.write().await?;
    let vpcp = tx
        .insert_unit("VPCP", "Văn phòng Chính phủ", None, 0)
        .await?;
    let mut units = Vec::new();
    let mut logins = Vec::new();
    for (order, (code, name)) in (1i64..).zip(DEMO_PROVINCES) {
        let unit = tx.insert_unit(code, name, Some(vpcp), order).await?;
        let username = format!("bc{}", code.to_lowercase());
        let display_name = format!("Cán bộ báo cáo {name}");
        let id = tx
            .insert_user(&NewUser {
                username: username.clone(),
                display_name: display_name.clone(),
                title: format!("UBND {name}"),
                role: Role::Invitee,
                password_hash: hasher.hash(DEMO_PASSWORD)?,
                sort_order: 2000 + order,
            })
            .await?;
        tx.set_contact(id, &format!("{username}@ecabinet.local"), "")
            .await?;
        tx.add_unit_member(unit, id, "officer").await?;
        logins.push(DemoLogin {
            username,
            display_name,
            role: Role::Invitee,
        });
        units.push((unit, id));
    }
    let hanoi_chair = tx.user_by_username("khach1").await?.map(|u| u.id);
    if let Some(chair) = hanoi_chair {
        tx.add_unit_member(units[0].0, chair, "approver").await?;
    }
    let receiver = tx.user_by_username("vanthu2").await?;
    if let Some(r) = &receiver {
        tx.add_unit_member(vpcp, r.id, "approver").await?;
    }
    let ind = |code: &str,
               name: &str,
               unit: &str,
               t: ValueType,
               a: Aggregation,
               min: Option<f64>,
               max: Option<f64>| Indicator {
        code: code.into(),
        name: name.into(),
        unit: unit.into(),
        value_type: t,
        aggregation: a,
        min,
        max,
        required: true,
        disaggregation: Vec::new(),
    };
    let indicators = [
        ind(
            "THU_NS",
            "Thu ngân sách nhà nước trên địa bàn",
            "tỷ đồng",
            ValueType::Decimal,
            Aggregation::Sum,
            Some(0.0),
            None,
        ),
        ind(
            "KH_VON",
            "Kế hoạch vốn đầu tư công được giao",
            "tỷ đồng",
            ValueType::Decimal,
            Aggregation::Last,
            Some(0.0),
            None,
        ),
        ind(
            "GIAI_NGAN",
            "Giải ngân vốn đầu tư công lũy kế",
            "tỷ đồng",
            ValueType::Decimal,
            Aggregation::Last,
            Some(0.0),
            None,
        ),
        ind(
            "DN_MOI",
            "Doanh nghiệp thành lập mới",
            "doanh nghiệp",
            ValueType::Integer,
            Aggregation::Sum,
            Some(0.0),
            None,
        ),
        ind(
            "CPI",
            "Chỉ số giá tiêu dùng so với cùng kỳ",
            "%",
            ValueType::Percent,
            Aggregation::Average,
            Some(-20.0),
            Some(20.0),
        ),
    ];
    for i in &indicators {
        tx.put_indicator(
            &i.code,
            &serde_json::to_string(i)
                .map_err(|e| crate::platform::error::AppError::Internal(e.to_string()))?,
        )
        .await?;
    }
    let regime = Regime {
        code: "KTXH-THANG".into(),
        name: "Báo cáo tình hình kinh tế - xã hội tháng".into(),
        period_type: PeriodType::Month,
        deadline_days: 5,
        indicators: indicators.iter().map(|i| i.code.clone()).collect(),
        rules: vec![
            Rule::Compare {
                left: "GIAI_NGAN".into(),
                op: Op::Le,
                right: "KH_VON".into(),
            },
            Rule::Change {
                code: "DN_MOI".into(),
                max_percent: 50.0,
            },
        ],
    };
    let unit_ids: Vec<i64> = units.iter().map(|(u, _)| *u).collect();
    let regime_id = tx
        .insert_regime(
            &regime.code,
            &serde_json::to_string(&regime)
                .map_err(|e| crate::platform::error::AppError::Internal(e.to_string()))?,
            vpcp,
            &unit_ids,
        )
        .await?;
    // The months before the one being reported now, approved by the receiving office.
    let today = crate::platform::clock::today_in_vietnam(tx.now());
    let current = Period::containing(PeriodType::Month, today.year(), u8::from(today.month()))
        .and_then(Period::previous)
        .map_err(|e| crate::platform::error::AppError::Internal(e.to_string()))?;
    // Each city's officer entered its numbers; Hà Nội's chairman approved Hà Nội's and
    // the office the others' (their cities have no approver account in the demo).
    let office = receiver.map(|r| r.id);
    for back in (1..=11i64).rev() {
        let Ok(p) = current.shift(-back) else {
            continue;
        };
        for (k, (unit, officer)) in units.iter().enumerate() {
            let size = [9.0, 12.0, 3.0, 2.0, 1.2][k];
            let month = f64::from(p.index());
            let wave = ((month + k as f64) * 0.7).sin();
            let values: std::collections::BTreeMap<String, f64> = [
                ("THU_NS", (size * 3000.0 * (1.0 + 0.08 * wave)).round()),
                ("KH_VON", size * 4000.0),
                ("GIAI_NGAN", (size * 4000.0 * month / 13.0).round()),
                ("DN_MOI", (size * 250.0 * (1.0 + 0.2 * wave)).round()),
                ("CPI", ((3.2 + 0.6 * wave) * 10.0).round() / 10.0),
            ]
            .into_iter()
            .map(|(c, v)| (c.to_owned(), v))
            .collect();
            let Some(approver) = (if k == 0 { hanoi_chair } else { office }) else {
                continue;
            };
            let report = tx
                .insert_report(
                    regime_id,
                    *unit,
                    &p.to_string(),
                    i64::from(p.year()) * 100 + i64::from(p.first_month()),
                )
                .await?;
            tx.set_report_values(report, &values, "edit", *officer)
                .await?;
            tx.set_report_status(report, "submitted", *officer, None, "")
                .await?;
            tx.set_report_status(report, "approved", approver, None, "")
                .await?;
        }
    }
    tx.commit().await?;
    Ok(logins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_government_has_27_members() {
        let accounts = demo_accounts();
        let members = accounts
            .iter()
            .filter(|a| matches!(a.3, Role::Chair | Role::Member))
            .count();
        assert_eq!(members, 27);
        assert_eq!(accounts.iter().filter(|a| a.3 == Role::Chair).count(), 1);
        assert_eq!(
            accounts.iter().filter(|a| a.3 == Role::Secretariat).count(),
            2
        );
        assert_eq!(accounts.iter().filter(|a| a.3 == Role::Invitee).count(), 1);
        let mut names: Vec<_> = accounts.iter().map(|a| a.0.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), accounts.len(), "usernames are unique");
    }

    /// The demo's agencies: each has a clerk and a leader, so that a document can be
    /// drafted, sealed, sent, registered and assigned without the admin's help.
    #[tokio::test]
    async fn the_demo_agencies_each_have_a_clerk_and_a_leader() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("d.db").display()))
            .await
            .expect("db");
        db.migrate().await.expect("migrate");
        let hasher = PasswordHasher::fast_for_tests();
        demo(&db, &hasher).await.expect("seed").expect("fresh");
        let staff = demo_exchange(&db, &hasher).await.expect("exchange");
        assert_eq!(staff.len(), 2);
        let mut tx = db.write().await.expect("tx");
        for (organ, _) in DEMO_ORGANS {
            let roles: Vec<OrganRole> = tx
                .organ_members(organ)
                .await
                .expect("members")
                .into_iter()
                .map(|(_, r)| r)
                .collect();
            assert!(roles.contains(&OrganRole::Clerk), "{organ}: {roles:?}");
            assert!(roles.contains(&OrganRole::Leader), "{organ}: {roles:?}");
        }
        let leader = tx.user_by_username("bt06").await.expect("q").expect("bt06");
        assert_eq!(
            tx.organ_roles(leader.id).await.expect("roles"),
            vec![(DEMO_ORGANS[1].0.to_owned(), OrganRole::Leader)]
        );
        let clerk = tx
            .user_by_username("vtkhdt")
            .await
            .expect("q")
            .expect("vtkhdt");
        assert_eq!(clerk.role, Role::Invitee, "no cabinet role");
    }

    /// The demo's reporting: five cities, eleven approved months, the current one open.
    #[tokio::test]
    async fn the_demo_dashboard_has_a_history_and_a_month_to_report() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("r.db").display()))
            .await
            .expect("db");
        db.migrate().await.expect("migrate");
        let hasher = PasswordHasher::fast_for_tests();
        demo(&db, &hasher).await.expect("seed").expect("fresh");
        let officers = demo_reporting(&db, &hasher).await.expect("reporting");
        assert_eq!(officers.len(), DEMO_PROVINCES.len());
        let mut tx = db.write().await.expect("tx");
        let regime = tx.regimes().await.expect("regimes").remove(0);
        let reports = tx
            .reports_between(regime.id, 0, 999_999)
            .await
            .expect("reports");
        assert_eq!(reports.len(), 5 * 11);
        assert!(reports.iter().all(|r| r.status == "approved"));
        let first = &reports[0];
        let values = tx.report_values(first.id).await.expect("values");
        assert!(
            values["GIAI_NGAN"] <= values["KH_VON"],
            "the seeded numbers keep the regime's rule"
        );
    }
}
