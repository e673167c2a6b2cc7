//! The inspection plan (巡查计划): who patrols which rooms, with which inspection, how often —
//! daily patrols and night rounds (61号令 §25), monthly checks (the center's rule) and quarterly
//! ones (§26) —, and from the visits made, which rounds are due now and which were missed.
//!
//! A plan's round is done when every room it covers got a visit of its inspection type within
//! the period, by whoever made it: the plan names the person who answers for the round, the
//! record shows who walked it. Periods are the center's: a day, a night (20:00 to 06:00), a
//! calendar month or quarter.

use chrono::{
    DateTime, Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc,
};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::checklist::InspectionType;
use crate::ids::{PlanId, RoomId, SiteId, UserId};
use crate::org::Room;

/// How often a plan's round is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// 每日 (a calendar day)
    Daily,
    /// 夜间巡查 (a night, 20:00 to 06:00, named by its evening)
    Nightly,
    /// 每月 (a calendar month)
    Monthly,
    /// 每季度 (a calendar quarter)
    Quarterly,
}

crate::labels!(Frequency {
    Daily => ("每日", "Daily"),
    Nightly => ("夜间", "Nightly"),
    Monthly => ("每月", "Monthly"),
    Quarterly => ("每季度", "Quarterly"),
});

/// The hour a night round's period begins and the hour it ends the next morning.
pub const NIGHT: (u32, u32) = (20, 6);

/// How far back the desk and the robot look for missed rounds: the periods that ended in the
/// last week (and always the last one that ended).
pub const MISSED_LOOKBACK_DAYS: i64 = 7;

fn at_hour(day: NaiveDate, hour: u32) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default())
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

impl Frequency {
    pub const ALL: [Frequency; 4] = [
        Frequency::Daily,
        Frequency::Nightly,
        Frequency::Monthly,
        Frequency::Quarterly,
    ];

    /// Whether a plan of this frequency makes sense for the inspection: patrols are daily or
    /// nightly, fire checks monthly or quarterly, extinguisher checks monthly.
    pub fn fits(self, kind: InspectionType) -> bool {
        match kind {
            InspectionType::DailyPatrol => matches!(self, Frequency::Daily | Frequency::Nightly),
            InspectionType::PeriodicCheck => {
                matches!(self, Frequency::Monthly | Frequency::Quarterly)
            }
            InspectionType::ExtinguisherMonthly => self == Frequency::Monthly,
        }
    }

    /// The first day of the period that holds `at` (center time). In the daytime, a night
    /// round's period is the coming night.
    pub fn period_of(self, at: NaiveDateTime) -> NaiveDate {
        let day = at.date();
        match self {
            Frequency::Daily => day,
            Frequency::Nightly if at.hour() < NIGHT.1 => day.pred_opt().unwrap_or(day),
            Frequency::Nightly => day,
            Frequency::Monthly => first_of_month(day),
            Frequency::Quarterly => {
                let month0 = (day.month0() / 3) * 3;
                NaiveDate::from_ymd_opt(day.year(), month0 + 1, 1).unwrap_or(day)
            }
        }
    }

    /// When the period beginning on `first` begins and ends (end excluded), center time.
    pub fn bounds(self, first: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
        let next = |d: NaiveDate, m: u32| d.checked_add_months(Months::new(m)).unwrap_or(d);
        match self {
            Frequency::Daily => (at_hour(first, 0), at_hour(first, 0) + Duration::days(1)),
            Frequency::Nightly => (
                at_hour(first, NIGHT.0),
                at_hour(first + Duration::days(1), NIGHT.1),
            ),
            Frequency::Monthly => (at_hour(first, 0), at_hour(next(first, 1), 0)),
            Frequency::Quarterly => (at_hour(first, 0), at_hour(next(first, 3), 0)),
        }
    }

    /// The first day of the period before the one beginning on `first`.
    pub fn previous(self, first: NaiveDate) -> NaiveDate {
        match self {
            Frequency::Daily | Frequency::Nightly => first.pred_opt().unwrap_or(first),
            Frequency::Monthly => first.checked_sub_months(Months::new(1)).unwrap_or(first),
            Frequency::Quarterly => first.checked_sub_months(Months::new(3)).unwrap_or(first),
        }
    }
}

/// A standing assignment: `assignee` walks `rooms` (none listed: every room of the site that
/// the inspection covers) with `inspection_type`, once per period of `frequency`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatrolPlan {
    pub id: PlanId,
    pub site_id: SiteId,
    pub inspection_type: InspectionType,
    pub frequency: Frequency,
    pub assignee: UserId,
    /// The rooms of the round, in walking order; empty: every room of the site it covers.
    #[serde(default)]
    pub rooms: Vec<RoomId>,
    /// The first day the plan is in force.
    pub starts_on: NaiveDate,
    /// The last day it is in force, if it was retired.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    #[serde(default)]
    pub note: Option<String>,
}

/// One round of a plan, in one period: the rooms still without a visit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanRound {
    pub plan_id: PlanId,
    pub site_id: SiteId,
    pub inspection_type: InspectionType,
    pub frequency: Frequency,
    pub assignee: UserId,
    /// The first day of the period (a night is named by its evening).
    pub period: NaiveDate,
    /// How many rooms the round covers.
    pub rooms: usize,
    /// The rooms not yet (or never) inspected in the period, in the plan's order.
    pub remaining: Vec<RoomId>,
}

impl PlanRound {
    /// The period as people name it: `2026-12-04`, `2026-12-04 夜`, `2026-11`, `2026 Q4`.
    pub fn period_label(&self, lang: crate::Lang) -> String {
        let d = self.period;
        match self.frequency {
            Frequency::Daily => d.to_string(),
            Frequency::Nightly => match lang {
                crate::Lang::Zh => format!("{d} 夜"),
                crate::Lang::En => format!("night of {d}"),
            },
            Frequency::Monthly => format!("{}-{:02}", d.year(), d.month()),
            Frequency::Quarterly => format!("{} Q{}", d.year(), d.month0() / 3 + 1),
        }
    }
    /// When the period ended (center time).
    pub fn ends(&self) -> NaiveDateTime {
        self.frequency.bounds(self.period).1
    }
}

/// A visit as the plan counts it: which room, which inspection, when it ended.
pub type VisitMark = (RoomId, InspectionType, DateTime<Utc>);

impl PatrolPlan {
    /// The plan's own rules (that its rooms and assignee exist is checked where it is stored).
    pub fn validate(&self) -> Result<(), DomainError> {
        let invalid = |detail: &str| DomainError::Invalid {
            detail: detail.into(),
        };
        if !self.frequency.fits(self.inspection_type) {
            return Err(invalid(
                "频次与检查类型不符：防火巡查为每日或夜间，防火检查为每月或每季度，灭火器月检为每月 / \
                 the frequency does not fit the inspection: patrols are daily or nightly, fire checks \
                 monthly or quarterly, extinguisher checks monthly",
            ));
        }
        if self.assignee == UserId::nil() {
            return Err(DomainError::MissingField {
                field: "assignee / 负责人",
            });
        }
        if self.ends_on.is_some_and(|e| e < self.starts_on) {
            return Err(invalid(
                "停止日期早于开始日期 / ends_on is before starts_on",
            ));
        }
        let mut rooms = self.rooms.clone();
        crate::order::sort_dedup(&mut rooms);
        if rooms.len() != self.rooms.len() {
            return Err(invalid("房间重复 / a room is listed twice"));
        }
        crate::limits::text(
            "note / 备注",
            self.note.as_deref().unwrap_or(""),
            crate::limits::LONG,
        )
    }

    /// The rooms of the round, in the plan's order (its site's rooms the inspection covers if
    /// it lists none; a listed room that is gone or elsewhere is left out).
    pub fn rooms_of<'a>(&self, rooms: &'a [Room]) -> Vec<&'a Room> {
        if self.rooms.is_empty() {
            rooms
                .iter()
                .filter(|r| r.site_id == self.site_id && self.inspection_type.covers(r))
                .collect()
        } else {
            self.rooms
                .iter()
                .filter_map(|id| {
                    rooms
                        .iter()
                        .find(|r| r.id == *id && r.site_id == self.site_id)
                })
                .collect()
        }
    }

    fn in_force(&self, first: NaiveDate) -> bool {
        let (start, end) = self.frequency.bounds(first);
        end > at_hour(self.starts_on, 0)
            && self
                .ends_on
                .is_none_or(|e| start < at_hour(e, 0) + Duration::days(1))
    }

    /// The round of the period beginning on `first`.
    pub fn round(
        &self,
        rooms: &[Room],
        visits: &[VisitMark],
        first: NaiveDate,
        offset_minutes: i32,
    ) -> PlanRound {
        let zone = crate::api::center_offset(offset_minutes);
        let (start, end) = self.frequency.bounds(first);
        let covered = self.rooms_of(rooms);
        let remaining = covered
            .iter()
            .filter(|r| {
                !visits.iter().any(|(room, kind, at)| {
                    let local = at.with_timezone(&zone).naive_local();
                    *room == r.id && *kind == self.inspection_type && start <= local && local < end
                })
            })
            .map(|r| r.id)
            .collect();
        PlanRound {
            plan_id: self.id,
            site_id: self.site_id,
            inspection_type: self.inspection_type,
            frequency: self.frequency,
            assignee: self.assignee,
            period: first,
            rooms: covered.len(),
            remaining,
        }
    }

    /// The round of the period under way at `now` (a night round in the daytime: the coming
    /// night's), if the plan is in force then and rooms remain.
    pub fn due(
        &self,
        rooms: &[Room],
        visits: &[VisitMark],
        now: DateTime<Utc>,
        offset_minutes: i32,
    ) -> Option<PlanRound> {
        let local = now
            .with_timezone(&crate::api::center_offset(offset_minutes))
            .naive_local();
        let first = self.frequency.period_of(local);
        if !self.in_force(first) {
            return None;
        }
        Some(self.round(rooms, visits, first, offset_minutes)).filter(|r| !r.remaining.is_empty())
    }

    /// Rounds of periods that ended before `now` with rooms left uninspected: those that ended in
    /// the last [`MISSED_LOOKBACK_DAYS`], and always the last period that ended; newest first.
    pub fn missed(
        &self,
        rooms: &[Room],
        visits: &[VisitMark],
        now: DateTime<Utc>,
        offset_minutes: i32,
    ) -> Vec<PlanRound> {
        let local = now
            .with_timezone(&crate::api::center_offset(offset_minutes))
            .naive_local();
        let since = local - Duration::days(MISSED_LOOKBACK_DAYS);
        let starts = at_hour(self.starts_on, 0);
        // The period under way has not ended (nor has, in the daytime, the coming night).
        let mut first = self.frequency.period_of(local);
        while self.frequency.bounds(first).1 > local {
            first = self.frequency.previous(first);
        }
        let mut out = Vec::new();
        let mut last_ended = true;
        loop {
            let end = self.frequency.bounds(first).1;
            if end <= starts || (!last_ended && end <= since) {
                break;
            }
            if self.in_force(first) {
                let round = self.round(rooms, visits, first, offset_minutes);
                if !round.remaining.is_empty() {
                    out.push(round);
                }
            }
            last_ended = false;
            first = self.frequency.previous(first);
        }
        out
    }
}

/// The missed rounds whose period ended in the day before `now`: what the daily group-robot
/// message reports (the desk lists the whole week).
pub fn newly_missed(
    rounds: &[PlanRound],
    now: DateTime<Utc>,
    offset_minutes: i32,
) -> Vec<&PlanRound> {
    let local = now
        .with_timezone(&crate::api::center_offset(offset_minutes))
        .naive_local();
    rounds
        .iter()
        .filter(|r| r.ends() <= local && local - r.ends() < Duration::days(1))
        .collect()
}

/// The earliest time a visit can matter to [`PatrolPlan::due`] or [`PatrolPlan::missed`] at
/// `now`: the start of the quarter before this one, or a week back, whichever is earlier.
pub fn visits_needed_since(now: DateTime<Utc>, offset_minutes: i32) -> DateTime<Utc> {
    let zone = crate::api::center_offset(offset_minutes);
    let local = now.with_timezone(&zone).naive_local();
    let q = Frequency::Quarterly;
    let start = q.bounds(q.previous(q.period_of(local))).0;
    let start = start.min(local - Duration::days(MISSED_LOOKBACK_DAYS + 2));
    start
        .and_local_timezone(zone)
        .single()
        .map_or(now, |t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Text;
    use crate::ids::{BuildingId, DepartmentId, stable_uuid};
    use crate::org::RoomKind;
    use chrono::TimeZone;

    const CST: i32 = 480;

    fn room(name: &str, key: bool) -> Room {
        Room {
            id: RoomId::from_uuid(stable_uuid("room", name)),
            site_id: SiteId::from_uuid(stable_uuid("site", "east")),
            building_id: BuildingId::from_uuid(stable_uuid("b", "1")),
            floor: "1F".into(),
            name: Text::new(name, name),
            kind: RoomKind::Office,
            key_location: key,
            department_id: DepartmentId::from_uuid(stable_uuid("dept", "d")),
            qr_code: name.into(),
        }
    }
    fn rooms() -> Vec<Room> {
        vec![
            room("配电室", true),
            room("办公室", false),
            room("氧气间", true),
        ]
    }
    fn plan(kind: InspectionType, frequency: Frequency) -> PatrolPlan {
        PatrolPlan {
            id: PlanId::from_uuid(stable_uuid("plan", "1")),
            site_id: SiteId::from_uuid(stable_uuid("site", "east")),
            inspection_type: kind,
            frequency,
            assignee: UserId::from_uuid(stable_uuid("user", "i")),
            rooms: vec![],
            starts_on: "2026-11-01".parse().unwrap(),
            ends_on: None,
            note: None,
        }
    }
    /// A time on the center's clock (UTC+8).
    fn cst(d: &str, h: u32, m: u32) -> DateTime<Utc> {
        let day: NaiveDate = d.parse().unwrap();
        chrono::FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc)
    }
    fn mark(r: &Room, kind: InspectionType, at: DateTime<Utc>) -> VisitMark {
        (r.id, kind, at)
    }
    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_the_centers_days_nights_months_and_quarters() {
        let at = |d: &str, h: u32| day(d).and_hms_opt(h, 0, 0).unwrap();
        assert_eq!(
            Frequency::Daily.period_of(at("2026-12-05", 1)),
            day("2026-12-05")
        );
        // 01:00 belongs to the night that began the evening before; 14:00 to the coming night.
        assert_eq!(
            Frequency::Nightly.period_of(at("2026-12-05", 1)),
            day("2026-12-04")
        );
        assert_eq!(
            Frequency::Nightly.period_of(at("2026-12-05", 14)),
            day("2026-12-05")
        );
        assert_eq!(
            Frequency::Nightly.bounds(day("2026-12-04")),
            (at("2026-12-04", 20), at("2026-12-05", 6))
        );
        assert_eq!(
            Frequency::Monthly.period_of(at("2026-12-31", 23)),
            day("2026-12-01")
        );
        assert_eq!(
            Frequency::Quarterly.period_of(at("2026-11-15", 9)),
            day("2026-10-01")
        );
        assert_eq!(
            Frequency::Quarterly.previous(day("2026-01-01")),
            day("2025-10-01")
        );
        assert_eq!(
            Frequency::Monthly.previous(day("2026-03-01")),
            day("2026-02-01")
        );
        assert_eq!(
            Frequency::Quarterly.bounds(day("2026-10-01")).1,
            at("2027-01-01", 0)
        );
    }

    #[test]
    fn frequencies_fit_their_inspections() {
        let mut p = plan(InspectionType::DailyPatrol, Frequency::Monthly);
        assert_eq!(p.validate().unwrap_err().code(), "invalid");
        p.frequency = Frequency::Nightly;
        assert!(p.validate().is_ok());
        let mut q = plan(InspectionType::PeriodicCheck, Frequency::Quarterly);
        assert!(q.validate().is_ok());
        q.frequency = Frequency::Daily;
        assert!(q.validate().is_err());
        assert!(
            plan(InspectionType::ExtinguisherMonthly, Frequency::Monthly)
                .validate()
                .is_ok()
        );
        let mut twice = plan(InspectionType::DailyPatrol, Frequency::Daily);
        twice.rooms = vec![rooms()[0].id, rooms()[0].id];
        assert!(twice.validate().is_err());
        let mut nobody = plan(InspectionType::DailyPatrol, Frequency::Daily);
        nobody.assignee = UserId::nil();
        assert_eq!(nobody.validate().unwrap_err().code(), "missing_field");
        let mut backwards = plan(InspectionType::DailyPatrol, Frequency::Daily);
        backwards.ends_on = Some(day("2026-10-01"));
        assert!(backwards.validate().is_err());
    }

    #[test]
    fn a_daily_patrol_is_due_until_every_room_is_walked_and_missed_if_not() {
        let rs = rooms();
        let p = plan(InspectionType::DailyPatrol, Frequency::Daily);
        // Without a list, the patrol covers the site's key locations.
        assert_eq!(p.rooms_of(&rs).len(), 2);
        let kind = InspectionType::DailyPatrol;
        let now = cst("2026-12-05", 10, 0);
        // Yesterday both rooms were walked (one late in the evening, still yesterday on the
        // center's clock); today one of them so far.
        let visits = vec![
            mark(&rs[0], kind, cst("2026-12-04", 9, 0)),
            mark(&rs[2], kind, cst("2026-12-04", 23, 50)),
            mark(&rs[0], kind, cst("2026-12-05", 8, 30)),
            // Another inspection type does not count.
            mark(
                &rs[2],
                InspectionType::PeriodicCheck,
                cst("2026-12-05", 9, 0),
            ),
        ];
        let due = p.due(&rs, &visits, now, CST).unwrap();
        assert_eq!(
            (due.period, due.rooms, due.remaining.clone()),
            (day("2026-12-05"), 2, vec![rs[2].id])
        );
        // Every day of the last week but yesterday was missed (the plan began in November).
        let missed = p.missed(&rs, &visits, now, CST);
        let days: Vec<NaiveDate> = missed.iter().map(|r| r.period).collect();
        assert_eq!(
            days,
            (1..=7)
                .filter(|n| *n != 1)
                .map(|n| day("2026-12-05") - Duration::days(n))
                .collect::<Vec<_>>()
        );
        assert_eq!(missed[0].remaining.len(), 2);
        // Once the second room is walked, nothing is due today.
        let mut more = visits.clone();
        more.push(mark(&rs[2], kind, cst("2026-12-05", 9, 59)));
        assert!(p.due(&rs, &more, now, CST).is_none());
        // A plan that begins today has missed nothing.
        let mut new = p.clone();
        new.starts_on = day("2026-12-05");
        assert!(new.missed(&rs, &[], now, CST).is_empty());
        assert!(new.due(&rs, &[], now, CST).is_some());
        // A retired plan is due for nothing.
        let mut old = p.clone();
        old.ends_on = Some(day("2026-12-01"));
        assert!(old.due(&rs, &[], now, CST).is_none());
        assert!(
            old.missed(&rs, &[], now, CST)
                .iter()
                .all(|r| r.period <= day("2026-12-01"))
        );
    }

    #[test]
    fn a_night_round_counts_visits_between_evening_and_morning() {
        let rs = rooms();
        let mut p = plan(InspectionType::DailyPatrol, Frequency::Nightly);
        p.rooms = vec![rs[1].id];
        let kind = InspectionType::DailyPatrol;
        // Last night's round was walked at 02:10; a daytime patrol does not count as a night's.
        let visits = vec![
            mark(&rs[1], kind, cst("2026-12-05", 2, 10)),
            mark(&rs[1], kind, cst("2026-12-05", 15, 0)),
        ];
        let now = cst("2026-12-05", 16, 0);
        let due = p.due(&rs, &visits, now, CST).unwrap();
        assert_eq!(due.period, day("2026-12-05"), "tonight's round is due");
        let missed = p.missed(&rs, &visits, now, CST);
        assert!(missed.iter().all(|r| r.period != day("2026-12-04")));
        assert!(missed.iter().any(|r| r.period == day("2026-12-03")));
        assert_eq!(missed[0].period_label(crate::Lang::Zh), "2026-12-03 夜");
        // At 05:00 the night is still under way: not missed yet, but due.
        let early = cst("2026-12-05", 5, 0);
        assert_eq!(
            p.due(&rs, &[], early, CST).unwrap().period,
            day("2026-12-04")
        );
        assert!(
            p.missed(&rs, &[], early, CST)
                .iter()
                .all(|r| r.period < day("2026-12-04"))
        );
    }

    #[test]
    fn a_monthly_check_missed_last_month_stays_on_the_list_all_this_month() {
        let rs = rooms();
        let mut p = plan(InspectionType::PeriodicCheck, Frequency::Monthly);
        p.starts_on = day("2026-09-15");
        // Every room of the site; October done, November half done.
        assert_eq!(p.rooms_of(&rs).len(), 3);
        let kind = InspectionType::PeriodicCheck;
        let mut visits: Vec<VisitMark> = rs
            .iter()
            .map(|r| mark(r, kind, cst("2026-10-20", 9, 0)))
            .collect();
        visits.push(mark(&rs[0], kind, cst("2026-11-30", 17, 0)));
        let now = cst("2026-12-28", 9, 0);
        let missed = p.missed(&rs, &visits, now, CST);
        assert_eq!(
            missed.len(),
            1,
            "only the last month that ended: {missed:?}"
        );
        assert_eq!(
            (missed[0].period, missed[0].remaining.len()),
            (day("2026-11-01"), 2)
        );
        assert_eq!(missed[0].period_label(crate::Lang::En), "2026-11");
        assert_eq!(
            missed[0].ends(),
            day("2026-12-01").and_hms_opt(0, 0, 0).unwrap()
        );
        assert_eq!(p.due(&rs, &visits, now, CST).unwrap().remaining.len(), 3);
        // The day after November ended, the robot reports it; a day later only the desk does.
        assert_eq!(newly_missed(&missed, cst("2026-12-01", 9, 0), CST).len(), 1);
        assert!(newly_missed(&missed, cst("2026-12-02", 9, 0), CST).is_empty());
        let q = PlanRound {
            frequency: Frequency::Quarterly,
            period: day("2026-10-01"),
            ..missed[0].clone()
        };
        assert_eq!(q.period_label(crate::Lang::Zh), "2026 Q4");
    }

    #[test]
    fn visits_are_read_back_far_enough() {
        let now = cst("2026-12-05", 10, 0);
        let since = visits_needed_since(now, CST);
        assert_eq!(since, cst("2026-07-01", 0, 0));
        let p = plan(InspectionType::PeriodicCheck, Frequency::Quarterly);
        let rs = rooms();
        // Last quarter's visits (from July) are what decides whether it was missed.
        let visits: Vec<VisitMark> = rs
            .iter()
            .map(|r| mark(r, p.inspection_type, cst("2026-09-30", 23, 0)))
            .collect();
        assert!(visits.iter().all(|v| v.2 >= since));
        let mut p = p;
        p.starts_on = day("2026-07-01");
        assert!(p.missed(&rs, &visits, now, CST).is_empty());
    }
}
