//! Reminders to the people responsible for a hazard (催办): a few days before its deadline, on
//! the day, and every day after it, until rectification is submitted.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::hazard::{Facts, Hazard, Status};
use crate::ids::{DepartmentId, HazardId, UserId};
use crate::labels;
use crate::org::Actor;

/// How many days ahead of a deadline the first reminder goes out.
pub const DUE_SOON_DAYS: i64 = 3;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, crate::Json,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "when", rename_all = "snake_case")]
pub enum Due {
    /// Past the deadline by this many days.
    Overdue {
        days: i64,
    },
    DueToday,
    DueSoon {
        days_left: i64,
    },
}
labels!(Due {
    Overdue => ("已逾期", "Overdue"),
    DueToday => ("今日到期", "Due today"),
    DueSoon => ("即将到期", "Due soon"),
});

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reminder {
    pub hazard_id: HazardId,
    pub number: String,
    pub description: String,
    pub owner_id: Option<UserId>,
    pub department_id: Option<DepartmentId>,
    pub deadline: NaiveDate,
    pub due: Due,
}

impl Reminder {
    /// Whom it concerns: the person responsible, and the roles that chase for the whole center.
    pub fn concerns(&self, actor: &Actor) -> bool {
        actor.roles().center_wide() || self.owner_id == Some(actor.user_id)
    }
}

/// One page of the reminders that concern the caller, the most urgent first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReminderPage {
    /// How many reminders there are in all.
    pub total: usize,
    pub reminders: Vec<Reminder>,
}

impl ReminderPage {
    /// Reminders on a page unless the request asks for another number.
    pub const DEFAULT_LIMIT: usize = 100;
    /// The most a page holds.
    pub const MAX_LIMIT: usize = 1000;

    /// The page size for a requested `limit`: the default if none, else within 1..=MAX_LIMIT.
    pub fn limit(requested: Option<usize>) -> usize {
        requested
            .unwrap_or(Self::DEFAULT_LIMIT)
            .clamp(1, Self::MAX_LIMIT)
    }
}

/// When a hazard needs a reminder on `today`, and why.
pub fn due(h: &impl Facts, today: NaiveDate) -> Option<Due> {
    let h = h.facts();
    if !Status::CHASED.contains(&h.status) {
        return None;
    }
    let deadline = h.deadline?;
    let overdue = h.days_overdue(today);
    let left = (deadline - today).num_days();
    if overdue > 0 {
        Some(Due::Overdue { days: overdue })
    } else if left == 0 {
        Some(Due::DueToday)
    } else if (1..=DUE_SOON_DAYS).contains(&left) {
        Some(Due::DueSoon { days_left: left })
    } else {
        None
    }
}

/// The order of reminders: the most overdue first, then due today, then due soon; then by
/// deadline and number.
fn urgency<N>(due: Due, deadline: NaiveDate, number: N) -> ((u8, i64), NaiveDate, N) {
    let rank = match due {
        Due::Overdue { days } => (0, -days),
        Due::DueToday => (1, 0),
        Due::DueSoon { days_left } => (2, days_left),
    };
    (rank, deadline, number)
}

/// Which hazards the `n` most urgent reminders are about (in [`reminders`]' order), and how many
/// reminders there are in all; from the ledger's columns alone.
pub fn most_urgent<H: Facts>(hazards: &[H], today: NaiveDate, n: usize) -> (Vec<HazardId>, usize) {
    let mut v: Vec<_> = hazards
        .iter()
        .map(Facts::facts)
        .filter_map(|h| Some((urgency(due(&h, today)?, h.deadline?, h.number()), h.id)))
        .collect();
    let total = v.len();
    v.sort_unstable();
    (v.into_iter().take(n).map(|(_, id)| id).collect(), total)
}

/// Every reminder for `today`, the most overdue first, then by deadline.
pub fn reminders(hazards: &[Hazard], today: NaiveDate) -> Vec<Reminder> {
    let mut v: Vec<Reminder> = hazards
        .iter()
        .filter_map(|h| {
            let due = due(h, today)?;
            Some(Reminder {
                hazard_id: h.id,
                number: h.number(),
                description: h.description.clone(),
                owner_id: h.owner_id,
                department_id: h.department_id,
                deadline: h.deadline?,
                due,
            })
        })
        .collect();
    crate::order::sort_by(&mut v, |a, b| {
        (urgency(a.due, a.deadline, ()), &a.number)
            .cmp(&(urgency(b.due, b.deadline, ()), &b.number))
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hazard::tests_support::sample;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn before_on_and_after_the_deadline() {
        let today = day("2026-11-29");
        let mut h = sample(day("2026-11-01"));
        h.status = Status::Registered;
        let at = |deadline: &str, h: &mut Hazard| {
            h.deadline = Some(day(deadline));
            due(h, today)
        };
        assert_eq!(at("2026-12-10", &mut h), None);
        assert_eq!(
            at("2026-12-02", &mut h),
            Some(Due::DueSoon { days_left: 3 })
        );
        assert_eq!(
            at("2026-11-30", &mut h),
            Some(Due::DueSoon { days_left: 1 })
        );
        assert_eq!(at("2026-11-29", &mut h), Some(Due::DueToday));
        assert_eq!(at("2026-11-20", &mut h), Some(Due::Overdue { days: 9 }));
        // Once rectification is submitted, nobody is chased any more.
        h.status = Status::AwaitingRecheck;
        assert_eq!(due(&h, today), None);
        h.status = Status::Closed;
        assert_eq!(due(&h, today), None);
    }

    #[test]
    fn most_overdue_first_and_only_for_the_owner_or_center() {
        let today = day("2026-11-29");
        let mk = |n: u128, deadline: &str| {
            let mut h = sample(day("2026-10-01"));
            h.status = Status::Rectifying;
            h.deadline = Some(day(deadline));
            h.id = crate::ids::HazardId::from_uuid(uuid::Uuid::from_u128(n));
            h
        };
        let list = reminders(
            &[
                mk(1, "2026-12-01"),
                mk(2, "2026-11-25"),
                mk(3, "2026-11-10"),
                mk(4, "2026-11-29"),
                mk(5, "2027-01-01"),
            ],
            today,
        );
        let dues: Vec<Due> = list.iter().map(|r| r.due).collect();
        assert_eq!(
            dues,
            vec![
                Due::Overdue { days: 19 },
                Due::Overdue { days: 4 },
                Due::DueToday,
                Due::DueSoon { days_left: 2 }
            ]
        );
        let owner = UserId::from_uuid(uuid::Uuid::from_u128(42));
        let mut mine = list[0].clone();
        mine.owner_id = Some(owner);
        let actor = |role, user| Actor {
            user_id: user,
            role,
            extra_roles: vec![],
            department_id: None,
            site_id: None,
        };
        use crate::org::Role;
        assert!(mine.concerns(&actor(Role::RectificationOwner, owner)));
        let someone = UserId::from_uuid(uuid::Uuid::from_u128(99));
        assert!(!mine.concerns(&actor(Role::RectificationOwner, someone)));
        assert!(mine.concerns(&actor(Role::SafetySupervisor, someone)));
    }

    /// The dashboard picks the most urgent from the ledger's columns: the same hazards, in the same
    /// order, as the full list built from whole hazards (ties on the deadline included).
    #[test]
    fn the_most_urgent_from_the_columns_are_the_head_of_the_list() {
        let today = day("2026-11-29");
        let deadlines = [
            "2026-11-01",
            "2026-11-20",
            "2026-11-20",
            "2026-11-29",
            "2026-12-01",
            "2026-12-02",
            "2026-12-20",
            "2026-11-20",
            "2026-10-15",
        ];
        let hazards: Vec<Hazard> = deadlines
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let mut h = sample(day("2026-10-01"));
                h.id = crate::ids::HazardId::from_uuid(uuid::Uuid::from_u128(1000 + i as u128));
                h.status = if i == 8 {
                    Status::Closed
                } else {
                    Status::Rectifying
                };
                h.deadline = Some(day(d));
                h
            })
            .collect();
        let all = reminders(&hazards, today);
        let facts: Vec<_> = hazards.iter().map(Facts::facts).collect();
        for n in [0, 1, 3, 5, 20] {
            let (ids, total) = most_urgent(&facts, today, n);
            assert_eq!(total, all.len());
            let head: Vec<_> = all.iter().take(n).map(|r| r.hazard_id).collect();
            assert_eq!(ids, head, "n = {n}");
        }
        assert_eq!(all.len(), 7, "one closed, one not yet due");
    }
}
