//! Request and response bodies of the REST API that the app and the server both use.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::campaign::{Campaign, StatRow};
use crate::checklist::Template;
use crate::hazard::Hazard;
use crate::ids::{DepartmentId, RoomId, SiteId, UserId};
use crate::org::{Building, Department, Role, Room, Site, User};
use crate::sync::AuditEntry;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// A user's own password change: the current password, and the new one
/// (`limits::check_new_password`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub token: String,
    /// Milliseconds since the epoch.
    pub expires_at: i64,
    pub user: User,
}

/// A person as others see them (pickers for owner and verifier).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub extra_roles: Vec<Role>,
    pub department_id: Option<DepartmentId>,
    pub site_id: Option<SiteId>,
}

impl Person {
    pub fn roles(&self) -> crate::org::Roles<'_> {
        crate::org::Roles {
            main: self.role,
            extra: &self.extra_roles,
        }
    }
}

impl From<&User> for Person {
    fn from(u: &User) -> Self {
        Person {
            id: u.id,
            display_name: u.display_name.clone(),
            role: u.role,
            extra_roles: u.extra_roles.clone(),
            department_id: u.department_id,
            site_id: u.site_id,
        }
    }
}

/// Everything a device needs to work offline, scoped to the user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bootstrap {
    pub user: User,
    pub center_name: String,
    pub today: NaiveDate,
    /// The center's offset from UTC in minutes (480: UTC+8); a phone counts days in it, not in
    /// its own time zone. Bootstraps stored before it existed read as UTC+8.
    #[serde(default = "default_utc_offset_minutes")]
    pub utc_offset_minutes: i32,
    pub sites: Vec<Site>,
    pub buildings: Vec<Building>,
    pub departments: Vec<Department>,
    pub rooms: Vec<Room>,
    pub templates: Vec<Template>,
    pub people: Vec<Person>,
    pub campaigns: Vec<Campaign>,
    /// The inspection plan of the rooms the device keeps (the phone shows its user's rounds due).
    #[serde(default)]
    pub plans: Vec<crate::plan::PatrolPlan>,
    /// Each room's most severe risk level (风险分级管控), for the rooms that have risk points.
    #[serde(default)]
    pub room_risks: Vec<(RoomId, crate::risk::RiskLevel)>,
}

impl Bootstrap {
    /// Who may be made to answer for a hazard of `department` when it is registered: the
    /// rectification owners of that department, or, where it has none (or the hazard names no
    /// department), every rectification owner — never an administrator or an inspector.
    pub fn owners_for(&self, department: Option<DepartmentId>) -> Vec<&Person> {
        let owners = || {
            self.people
                .iter()
                .filter(|p| p.roles().has(crate::org::Role::RectificationOwner))
        };
        let own: Vec<&Person> = owners()
            .filter(|p| department.is_some() && p.department_id == department)
            .collect();
        if own.is_empty() {
            owners().collect()
        } else {
            own
        }
    }

    /// Where a room is: 站点 · 楼 · 层 · 房间 (empty for a room this device does not know).
    pub fn place(&self, room: RoomId, lang: crate::Lang) -> String {
        let Some(r) = self.rooms.iter().find(|r| r.id == room) else {
            return String::new();
        };
        let building = self
            .buildings
            .iter()
            .find(|b| b.id == r.building_id)
            .map_or("", |b| b.name.get(lang));
        let site = self
            .sites
            .iter()
            .find(|s| s.id == r.site_id)
            .map_or("", |s| s.name.get(lang));
        r.place(site, building, lang)
    }

    /// A person's name as screens show it; empty for someone this device does not know.
    /// What an evidence photo taken now says of itself (burned into it): when, on the center's
    /// clock, where (site · building · floor · room, in Chinese: the office reads it), and who —
    /// `2026-12-05 14:10 · 城东急救站 · 1号楼 · 1F · 配电室 · 张三`.
    pub fn evidence_stamp(&self, at: DateTime<Utc>, room: Option<RoomId>, person: &str) -> String {
        let mut parts = vec![center_time(at, self.utc_offset_minutes)];
        parts.extend(
            room.map(|r| self.place(r, crate::Lang::Zh))
                .filter(|p| !p.is_empty()),
        );
        parts.push(person.to_owned());
        parts.join(" · ")
    }

    pub fn person_name(&self, id: UserId) -> &str {
        self.people
            .iter()
            .find(|p| p.id == id)
            .map_or("", |p| p.display_name.as_str())
    }

    /// A department's name in `lang`; empty for one this device does not know.
    pub fn department_name(&self, id: DepartmentId, lang: crate::Lang) -> &str {
        self.departments
            .iter()
            .find(|d| d.id == id)
            .map_or("", |d| d.name.get(lang))
    }
}

/// The center's time zone when none is configured: UTC+8 (China Standard Time).
pub const DEFAULT_UTC_OFFSET_MINUTES: i32 = 8 * 60;

fn default_utc_offset_minutes() -> i32 {
    DEFAULT_UTC_OFFSET_MINUTES
}

/// The center's time zone from its offset in minutes; an offset out of range counts as UTC+8.
pub fn center_offset(offset_minutes: i32) -> FixedOffset {
    offset_minutes
        .checked_mul(60)
        .and_then(FixedOffset::east_opt)
        .or_else(|| FixedOffset::east_opt(DEFAULT_UTC_OFFSET_MINUTES * 60))
        .expect("UTC+8 is a valid offset")
}

/// A day as the wire and `<input type=date>` write it, `2026-11-30`; `None` for anything else.
/// (chrono's own reader is general — format strings read at run time — and the phone needs
/// only this form.)
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(
        digits(&b[0..4])? as i32,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )
}

/// A time as RFC 3339 writes it (`2026-11-30T08:00:00Z`, `2026-11-30T08:00:00.123+08:00`): what
/// chrono's encoder writes and what `DateTime<Utc>`'s reader accepts; `None` for anything else.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    use chrono::{Duration, NaiveTime};
    let b = s.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let day = parse_day(s.get(..10)?)?;
    let (h, m, sec) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for (i, &c) in frac[..n].iter().enumerate() {
            if i < 9 {
                nanos = nanos * 10 + u32::from(c - b'0');
            }
        }
        nanos *= 10u32.pow(9u32.saturating_sub(n as u32));
        rest = &frac[n..];
    }
    let offset_seconds = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), hh @ .., b':', m1, m2] if hh.len() == 2 => {
            let v = i64::from(digits(hh)? * 3600 + digits(&[*m1, *m2])? * 60);
            if *sign == b'-' { -v } else { v }
        }
        _ => return None,
    };
    // A leap second (60) is kept as chrono keeps it: 59 seconds and a second's nanoseconds more.
    let time = if sec == 60 {
        NaiveTime::from_hms_nano_opt(h, m, 59, 1_000_000_000 + nanos)?
    } else {
        NaiveTime::from_hms_nano_opt(h, m, sec, nanos)?
    };
    let local = day.and_time(time);
    Some((local - Duration::seconds(offset_seconds)).and_utc())
}

/// The value of ASCII digits.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |v, &c| {
        c.is_ascii_digit().then(|| v * 10 + u32::from(c - b'0'))
    })
}

/// The center's date at `at`: "today", deadlines and overdue are counted in the center's days,
/// whatever the time zone of the server or of the phone.
pub fn center_day(at: DateTime<Utc>, offset_minutes: i32) -> NaiveDate {
    at.with_timezone(&center_offset(offset_minutes))
        .date_naive()
}

/// `at` as the center's clock shows it, `2026-11-30 16:05`: what a timeline prints (the stored
/// time is UTC; the people reading it are in the center's zone, whatever the phone's own).
pub fn center_time(at: DateTime<Utc>, offset_minutes: i32) -> String {
    use chrono::{Datelike, Timelike};
    let t = at.with_timezone(&center_offset(offset_minutes));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// On a device, `apply` looks rooms and templates up in the bootstrap data; photos are on the
/// device already.
impl crate::sync::World for Bootstrap {
    fn room(&self, id: crate::ids::RoomId) -> Option<Room> {
        self.rooms.iter().find(|r| r.id == id).cloned()
    }
    fn template(&self, id: crate::ids::TemplateId) -> Option<Template> {
        self.templates.iter().find(|t| t.id == id).cloned()
    }
    fn has_photo(&self, _: &crate::ids::PhotoHash) -> bool {
        true
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerPage {
    pub total: i64,
    /// The filter matches more than [`crate::lists::LEDGER_COUNT_CAP`] hazards: `total` is that
    /// cap, not an exact count (counting a huge match exactly costs more than the page).
    #[serde(default)]
    pub total_at_least: bool,
    pub offset: i64,
    pub limit: i64,
    pub rows: Vec<Hazard>,
}

impl LedgerPage {
    /// Whether rows follow this page: the count says so, or it was capped.
    pub fn has_next(&self) -> bool {
        self.total_at_least || self.offset + (self.rows.len() as i64) < self.total
    }

    /// The rows shown, counted from 1 (`51–100`); `None` for an empty page.
    pub fn shown(&self) -> Option<(i64, i64)> {
        (!self.rows.is_empty()).then(|| (self.offset + 1, self.offset + self.rows.len() as i64))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HazardDetail {
    pub hazard: Hazard,
    pub audit: Vec<AuditEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatLine {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub row: StatRow,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    pub today: NaiveDate,
    pub total: StatRow,
    pub by_department: Vec<StatLine>,
    pub by_site: Vec<StatLine>,
    pub by_category: Vec<StatLine>,
    pub by_grade: Vec<StatLine>,
    pub by_phase: Vec<StatLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    pub change_seq: i64,
}

/// The desk's front page beyond the hazard statistics: trend, inspection coverage, training,
/// drills, equipment, conflicts waiting for a decision, today's reminders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub stats: Stats,
    /// By month found, oldest first (key `YYYY-MM`).
    pub by_month: Vec<StatLine>,
    pub coverage: Vec<crate::inspection::Coverage>,
    pub training: crate::training::Coverage,
    /// Who must be trained now and why (names from the roster).
    pub training_due: Vec<(String, crate::training::DueReason)>,
    /// Drills held in the last six months.
    pub drills_recent: usize,
    /// Sites due for a drill of some kind.
    pub sites_due_drill: Vec<SiteId>,
    pub equipment: EquipmentSummary,
    /// Hazards with a field conflict waiting for a decision, newest first (at most 20).
    pub conflicts: Vec<HazardBrief>,
    /// The most urgent reminders, at most [`Dashboard::REMINDERS`]; every one of them is in
    /// `GET /api/v1/reminders` and in the ledger (filter "overdue").
    pub reminders: Vec<crate::reminders::Reminder>,
    /// How many reminders there are in all.
    #[serde(default)]
    pub reminders_total: usize,
    /// Rounds of the inspection plan missed in the last week (and each plan's last period),
    /// newest first.
    #[serde(default)]
    pub missed_rounds: Vec<crate::plan::PlanRound>,
}

impl Dashboard {
    /// Reminders the front page lists (a neglected ledger has thousands).
    pub const REMINDERS: usize = 12;
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EquipmentSummary {
    pub total: usize,
    pub expired: usize,
    pub expiring: usize,
    pub check_due: usize,
    pub service_due: usize,
}

impl EquipmentSummary {
    pub fn of(items: &[crate::equipment::Equipment], today: NaiveDate) -> EquipmentSummary {
        use crate::equipment::Warning;
        let mut s = EquipmentSummary {
            total: items.len(),
            ..Default::default()
        };
        for w in items.iter().flat_map(|e| e.warnings(today)) {
            match w {
                Warning::Expired { .. } => s.expired += 1,
                Warning::ExpiringSoon { .. } => s.expiring += 1,
                Warning::CheckDue { .. } => s.check_due += 1,
                Warning::ServiceDue { .. } => s.service_due += 1,
            }
        }
        s
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HazardBrief {
    pub id: crate::ids::HazardId,
    pub number: String,
    pub description: String,
}

/// Which inspection rounds to list: by site, type and the center's dates of their start.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
#[derive(crate::Json)]
pub struct InspectionFilter {
    pub site_id: Option<SiteId>,
    pub inspection_type: Option<crate::checklist::InspectionType>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl InspectionFilter {
    /// `offset` is the center's time zone: a round started at 23:30 local time belongs to that day.
    pub fn matches(&self, r: &crate::inspection::Round, offset: chrono::FixedOffset) -> bool {
        let day = r.started_at.with_timezone(&offset).date_naive();
        self.site_id.is_none_or(|s| s == r.site_id)
            && self.inspection_type.is_none_or(|t| t == r.inspection_type)
            && self.from.is_none_or(|f| day >= f)
            && self.to.is_none_or(|t| day <= t)
    }
}

/// A round with the rooms visited in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectionRound {
    pub round: crate::inspection::Round,
    pub visits: Vec<crate::inspection::Visit>,
}

/// One page of rounds, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectionPage {
    pub total: usize,
    pub rounds: Vec<InspectionRound>,
}

#[cfg(test)]
mod tests {
    /// The query strings clients write (`Display`) are read back by the server's reader
    /// (`Deserialize`, as axum's `Query` reads them) into the same values.
    #[test]
    fn query_strings_read_back() {
        use super::{PageQuery, PullQuery};
        for q in [
            PullQuery {
                cursor: 0,
                limit: 500,
            },
            PullQuery {
                cursor: 9_007_199_254_740_993,
                limit: 1,
            },
        ] {
            let text = q.to_string();
            assert_eq!(
                serde_urlencoded::from_str::<PullQuery>(&text),
                Ok(q),
                "{text}"
            );
        }
        for q in [
            PageQuery {
                offset: 0,
                limit: Some(100),
            },
            PageQuery {
                offset: 50,
                limit: None,
            },
        ] {
            let text = q.to_string();
            assert_eq!(
                serde_urlencoded::from_str::<PageQuery>(&text),
                Ok(q),
                "{text}"
            );
        }
    }

    /// Registering offers the department's rectification owners, else every owner: never an
    /// administrator, an inspector or a supervisor.
    #[test]
    fn owners_for_a_department() {
        use super::{Bootstrap, Person};
        use crate::ids::{DepartmentId, UserId, stable_uuid};
        use crate::org::Role;
        let d = |n: &str| DepartmentId::from_uuid(stable_uuid("dept", n));
        let p = |n: &str, role, dept: Option<DepartmentId>| Person {
            id: UserId::from_uuid(stable_uuid("user", n)),
            display_name: n.into(),
            role,
            extra_roles: vec![],
            department_id: dept,
            site_id: None,
        };
        let boot = Bootstrap {
            people: vec![
                p("admin", Role::Admin, None),
                p("east-owner", Role::RectificationOwner, Some(d("east"))),
                p("east-inspector", Role::Inspector, Some(d("east"))),
                p("hq-owner", Role::RectificationOwner, Some(d("hq"))),
                p("supervisor", Role::SafetySupervisor, Some(d("security"))),
            ],
            plans: vec![],
            room_risks: vec![],
            user: crate::org::User {
                id: UserId::from_uuid(stable_uuid("user", "supervisor")),
                username: "supervisor".into(),
                display_name: "supervisor".into(),
                role: Role::SafetySupervisor,
                extra_roles: vec![],
                department_id: Some(d("security")),
                site_id: None,
                active: true,
            },
            center_name: "中心".into(),
            today: chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
            utc_offset_minutes: 480,
            sites: vec![],
            buildings: vec![],
            departments: vec![],
            rooms: vec![],
            templates: vec![],
            campaigns: vec![],
        };
        let names = |dept| {
            boot.owners_for(dept)
                .into_iter()
                .map(|p| p.display_name.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Some(d("east"))), ["east-owner"]);
        assert_eq!(names(Some(d("security"))), ["east-owner", "hq-owner"]);
        assert_eq!(names(None), ["east-owner", "hq-owner"]);
    }

    #[test]
    fn days_and_times_read_as_chrono_reads_them() {
        for day in ["2026-11-30", "2024-02-29", "0001-01-01", "9999-12-31"] {
            assert_eq!(parse_day(day), day.parse::<NaiveDate>().ok(), "{day}");
        }
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-01",
            "2026/11/30",
            "20261130",
            "",
            "２０２６-11-30",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        for time in [
            "2026-11-30T08:00:00Z",
            "2026-11-30T08:00:00.123Z",
            "2026-11-30T08:00:00.123456789Z",
            "2026-11-30T08:00:00.1234567891Z",
            "2026-11-30t23:59:59z",
            "2026-11-30 08:00:00Z",
            "2026-11-30T08:00:00+08:00",
            "2026-11-30T02:00:00-05:30",
            "2026-12-31T23:30:00-01:00",
            "2016-12-31T23:59:60Z",
        ] {
            let chrono: Option<DateTime<Utc>> = time.parse().ok();
            assert!(chrono.is_some(), "{time}");
            assert_eq!(parse_time(time), chrono, "{time}");
        }
        for bad in [
            "2026-11-30T08:00:00",
            "2026-11-30T24:00:00Z",
            "2026-11-30T08:00Z",
            "2026-11-30T08:00:00.Z",
            "2026-11-30T08:00:00+8:00",
            "x",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
        // What the encoder writes reads back.
        let now: DateTime<Utc> = "2026-11-30T08:01:02.345678Z".parse().unwrap();
        let written = serde_json::to_string(&now).unwrap();
        assert_eq!(parse_time(written.trim_matches('"')), Some(now));
    }

    use super::*;
    use crate::campaign::{default_campaign, stats_by};
    use crate::checklist::starter_templates;
    use crate::hazard::tests_support::sample;
    use crate::ids::stable_uuid;
    use crate::org::SiteKind;
    use serde::de::DeserializeOwned;

    /// Read back by the server's decoder (serde) and the phone's (`json`) in any key order, with
    /// any key left out, and written by both alike.
    fn round_trip<T>(v: &T)
    where
        T: Serialize
            + DeserializeOwned
            + crate::json::Decode
            + crate::json::Encode
            + PartialEq
            + std::fmt::Debug,
    {
        crate::wire::assert_round_trips(v);
    }

    #[test]
    fn a_ledger_page_knows_whether_rows_follow() {
        let page = |total, at_least, offset, rows: usize| LedgerPage {
            total,
            total_at_least: at_least,
            offset,
            limit: 50,
            rows: vec![sample("2026-11-30".parse().unwrap()); rows],
        };
        assert!(page(120, false, 0, 50).has_next());
        assert!(page(120, false, 50, 50).has_next());
        assert!(!page(120, false, 100, 20).has_next());
        assert!(!page(50, false, 0, 50).has_next());
        assert!(!page(0, false, 0, 0).has_next());
        // A capped count: there may always be more.
        assert!(page(10_000, true, 9_950, 50).has_next());
        assert_eq!(page(120, false, 50, 50).shown(), Some((51, 100)));
        assert_eq!(page(120, false, 100, 20).shown(), Some((101, 120)));
        assert_eq!(page(0, false, 0, 0).shown(), None);
    }

    #[test]
    fn times_are_shown_on_the_centers_clock() {
        let at: chrono::DateTime<chrono::Utc> = "2026-11-30T16:05:59Z".parse().unwrap();
        assert_eq!(center_time(at, 8 * 60), "2026-12-01 00:05");
        assert_eq!(center_time(at, 0), "2026-11-30 16:05");
        assert_eq!(center_time(at, -5 * 60), "2026-11-30 11:05");
    }

    #[test]
    fn inspection_filter_uses_the_centers_day() {
        use crate::checklist::InspectionType;
        use crate::ids::{RoundId, TemplateId};
        let started: chrono::DateTime<chrono::Utc> = "2026-11-28T16:30:00Z".parse().unwrap();
        let round = crate::inspection::Round {
            id: RoundId::nil(),
            inspector_id: UserId::nil(),
            inspection_type: InspectionType::DailyPatrol,
            site_id: SiteId::nil(),
            template_id: TemplateId::nil(),
            template_version: 1,
            started_at: started,
            finished_at: None,
        };
        let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        let day = |s: &str| Some(s.parse::<NaiveDate>().unwrap());
        let on = |d| InspectionFilter {
            from: d,
            to: d,
            ..Default::default()
        };
        // 16:30 UTC is 00:30 the next day in Beijing.
        assert!(on(day("2026-11-29")).matches(&round, beijing));
        assert!(!on(day("2026-11-28")).matches(&round, beijing));
        let periodic = InspectionFilter {
            inspection_type: Some(InspectionType::PeriodicCheck),
            ..Default::default()
        };
        assert!(!periodic.matches(&round, beijing));
        assert!(InspectionFilter::default().matches(&round, beijing));
    }

    #[test]
    fn the_centers_day() {
        let at: DateTime<Utc> = "2026-11-29T16:30:00Z".parse().unwrap();
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        // 16:30 UTC is 00:30 the next day in the center (UTC+8), still the same day in London.
        assert_eq!(center_day(at, 480), day("2026-11-30"));
        assert_eq!(center_day(at, 0), day("2026-11-29"));
        assert_eq!(center_day(at, -600), day("2026-11-29"));
        assert_eq!(
            center_day(at, i32::MAX),
            day("2026-11-30"),
            "nonsense counts as UTC+8"
        );
    }

    #[test]
    fn a_bootstrap_stored_before_the_time_zone_field_reads_as_utc_plus_8() {
        let user = User {
            id: UserId::nil(),
            username: "inspector".into(),
            display_name: "巡查员".into(),
            role: Role::Inspector,
            extra_roles: vec![],
            department_id: None,
            site_id: None,
            active: true,
        };
        let json = serde_json::json!({
            "user": user, "center_name": "中心", "today": "2026-11-29", "sites": [],
            "buildings": [], "departments": [], "rooms": [], "templates": [], "people": [],
            "campaigns": [],
        });
        let b: Bootstrap = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(b.utc_offset_minutes, DEFAULT_UTC_OFFSET_MINUTES);
        let b: Bootstrap = crate::json::from_str(&json.to_string()).unwrap();
        assert_eq!(b.utc_offset_minutes, DEFAULT_UTC_OFFSET_MINUTES);
    }

    #[test]
    fn names_come_from_the_organisation_data() {
        let user = User {
            id: UserId::from_uuid(stable_uuid("u", "owner")),
            username: "owner".into(),
            display_name: "陈静".into(),
            role: Role::RectificationOwner,
            extra_roles: vec![],
            department_id: None,
            site_id: None,
            active: true,
        };
        let dept = Department {
            id: DepartmentId::from_uuid(stable_uuid("dept", "east")),
            name: crate::Text {
                zh: "城东急救站".into(),
                en: "East station".into(),
            },
            site_id: None,
        };
        let json = serde_json::json!({
            "user": user, "center_name": "中心", "today": "2026-11-29", "sites": [],
            "buildings": [], "departments": [dept], "rooms": [], "templates": [],
            "people": [Person::from(&user)], "campaigns": [],
        });
        let b: Bootstrap = serde_json::from_value(json).unwrap();
        assert_eq!(b.person_name(user.id), "陈静");
        assert_eq!(b.person_name(UserId::nil()), "");
        assert_eq!(b.department_name(dept.id, crate::Lang::En), "East station");
        assert_eq!(b.department_name(dept.id, crate::Lang::Zh), "城东急救站");
        assert_eq!(b.department_name(DepartmentId::nil(), crate::Lang::Zh), "");
    }

    #[test]
    fn an_evidence_photo_says_when_where_and_who() {
        use crate::org::{Building, Room, RoomKind};
        let site = SiteId::from_uuid(stable_uuid("s", "east"));
        let building = crate::ids::BuildingId::from_uuid(stable_uuid("b", "1"));
        let room = Room {
            id: RoomId::from_uuid(stable_uuid("r", "dist")),
            site_id: site,
            building_id: building,
            floor: "1F".into(),
            name: crate::Text::new("配电室", "Distribution room"),
            kind: RoomKind::DistributionRoom,
            key_location: true,
            department_id: DepartmentId::from_uuid(stable_uuid("d", "east")),
            qr_code: "dist".into(),
        };
        let mut b: Bootstrap = serde_json::from_value(serde_json::json!({
            "user": {"id": UserId::nil(), "username": "inspector", "display_name": "张三", "role": "inspector",
                     "department_id": null, "site_id": site, "active": true},
            "center_name": "中心", "today": "2026-12-05", "buildings": [], "departments": [],
            "rooms": [], "templates": [], "people": [], "campaigns": [],
            "sites": [{"id": site, "name": {"zh": "城东急救站", "en": "East station"}, "kind": "station", "address": ""}],
        }))
        .unwrap();
        b.buildings.push(Building {
            id: building,
            site_id: site,
            name: crate::Text::new("1号楼", "Building 1"),
            floors: vec!["1F".into()],
        });
        b.rooms.push(room.clone());
        // 06:10 UTC is 14:10 at the center (UTC+8), whatever the phone's own zone.
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 5, 6, 10, 0).unwrap();
        let stamp = b.evidence_stamp(at, Some(room.id), "张三");
        assert_eq!(
            stamp,
            format!(
                "2026-12-05 14:10 · {} · 张三",
                b.place(room.id, crate::Lang::Zh)
            )
        );
        assert!(
            stamp.contains("城东急救站") && stamp.contains("配电室"),
            "{stamp}"
        );
        assert_eq!(
            b.evidence_stamp(at, None, "张三"),
            "2026-12-05 14:10 · 张三"
        );
    }

    #[test]
    fn every_api_type_round_trips() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let user = User {
            id: UserId::from_uuid(stable_uuid("u", "1")),
            username: "inspector".into(),
            display_name: "巡查员".into(),
            role: Role::Inspector,
            extra_roles: vec![],
            department_id: None,
            site_id: Some(SiteId::from_uuid(stable_uuid("s", "1"))),
            active: true,
        };
        round_trip(&LoginRequest {
            username: "a".into(),
            password: "b".into(),
        });
        round_trip(&LoginResponse {
            token: "t".into(),
            expires_at: 1,
            user: user.clone(),
        });
        round_trip(&Bootstrap {
            user: user.clone(),
            center_name: "中心".into(),
            today: day,
            utc_offset_minutes: 480,
            sites: vec![Site {
                id: user.site_id.unwrap(),
                name: crate::Text::new("站", "Station"),
                kind: SiteKind::Station,
                address: String::new(),
            }],
            buildings: vec![],
            departments: vec![],
            rooms: vec![],
            templates: starter_templates(),
            people: vec![Person::from(&user)],
            campaigns: vec![default_campaign()],
            plans: vec![crate::plan::PatrolPlan {
                id: crate::ids::PlanId::from_uuid(stable_uuid("plan", "1")),
                site_id: user.site_id.unwrap(),
                inspection_type: crate::checklist::InspectionType::DailyPatrol,
                frequency: crate::plan::Frequency::Nightly,
                assignee: user.id,
                rooms: vec![RoomId::from_uuid(stable_uuid("r", "1"))],
                starts_on: day,
                ends_on: Some(day),
                note: Some("夜间".into()),
            }],
            room_risks: vec![(
                RoomId::from_uuid(stable_uuid("r", "1")),
                crate::risk::RiskLevel::Orange,
            )],
        });
        let h = sample(day);
        round_trip(&LedgerPage {
            total: 1,
            total_at_least: false,
            offset: 0,
            limit: 50,
            rows: vec![h.clone()],
        });
        round_trip(&HazardDetail {
            hazard: h.clone(),
            audit: vec![],
        });
        let row = stats_by(&[h], day, |_| Some(())).remove(&()).unwrap();
        let line = StatLine {
            key: "k".into(),
            label_zh: "科".into(),
            label_en: "Dept".into(),
            row: row.clone(),
        };
        round_trip(&Stats {
            today: day,
            total: row,
            by_department: vec![line.clone()],
            by_site: vec![],
            by_category: vec![line],
            by_grade: vec![],
            by_phase: vec![],
        });
        round_trip(&Health {
            status: "ok".into(),
            version: "0.1.0".into(),
            change_seq: 3,
        });
        round_trip(&crate::ApiError::new("x", "中", "en"));
        round_trip(&crate::plan::PlanRound {
            plan_id: crate::ids::PlanId::from_uuid(stable_uuid("plan", "1")),
            site_id: user.site_id.unwrap(),
            inspection_type: crate::checklist::InspectionType::PeriodicCheck,
            frequency: crate::plan::Frequency::Quarterly,
            assignee: user.id,
            period: day,
            rooms: 2,
            remaining: vec![RoomId::from_uuid(stable_uuid("r", "1"))],
        });
    }
}

/// `PUT /api/v1/admin/users/{id}`: a user, and a password when it is set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveUser {
    pub user: User,
    /// Required when creating; when given for an existing user it replaces the password.
    #[serde(default)]
    pub password: Option<String>,
}

/// `POST /api/v1/templates/{code}/versions`: the items of the template's next version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewVersion {
    pub items: Vec<crate::checklist::ChecklistItem>,
}

/// What an action without a record of its own answers (log out, change a password).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Done {
    pub ok: bool,
}

/// `POST /api/v1/reminders/send`: how many reminders the group robot took.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sent {
    pub sent: usize,
}

/// `GET /api/v1/sync/pull`'s query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct PullQuery {
    /// The change number the device has pulled up to (0 at first).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(minimum = 0, maximum = 9223372036854775807_u64)
    )]
    pub cursor: u64,
    /// Changes per page (at most 500 are given).
    #[serde(default = "PullQuery::default_limit")]
    #[cfg_attr(
        feature = "openapi",
        param(value_type = u64, minimum = 0, maximum = 4294967295_u64)
    )]
    pub limit: u32,
}

impl PullQuery {
    fn default_limit() -> u32 {
        500
    }
}

/// The query string as clients write it: `PULL.query(&PullQuery { cursor, limit })`.
impl std::fmt::Display for PullQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cursor={}&limit={}", self.cursor, self.limit)
    }
}

/// A page of a list: `offset` and `limit` (reminders, inspections).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct PageQuery {
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(value_type = u64, minimum = 0, maximum = 4294967295_u64)
    )]
    pub offset: u32,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(value_type = Option<u64>, minimum = 0, maximum = 4294967295_u64)
    )]
    pub limit: Option<u32>,
}

/// The query string as clients write it (`offset=0&limit=100`).
impl std::fmt::Display for PageQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "offset={}", self.offset)?;
        match self.limit {
            Some(limit) => write!(f, "&limit={limit}"),
            None => Ok(()),
        }
    }
}

/// `GET /api/v1/reports/bulletin`'s query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct MonthQuery {
    /// The month, `YYYY-MM` (this month when absent).
    #[cfg_attr(feature = "openapi", param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$"))]
    pub month: Option<String>,
}

/// `GET /api/v1/reports/summary`'s query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct SummaryQuery {
    /// The campaign (the first one when absent).
    pub campaign: Option<crate::ids::CampaignId>,
}

/// `PUT /api/v1/blobs/{sha256}`: the photo is stored (201) or was there already (200).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stored {
    pub sha256: String,
    pub size: usize,
}
