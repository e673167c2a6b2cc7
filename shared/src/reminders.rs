//! Reminders to the people responsible for a hazard (催办): a few days before its deadline, on
//! the day, and every day after it, until rectification is submitted.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::hazard::{Hazard, Status};
use crate::ids::{DepartmentId, HazardId, UserId};
use crate::labels;
use crate::org::Actor;

/// How many days ahead of a deadline the first reminder goes out.
pub const DUE_SOON_DAYS: i64 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
        actor.role.center_wide() || self.owner_id == Some(actor.user_id)
    }
}

/// When a hazard needs a reminder on `today`, and why.
pub fn due(h: &Hazard, today: NaiveDate) -> Option<Due> {
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
    let rank = |d: Due| match d {
        Due::Overdue { days } => (0, -days),
        Due::DueToday => (1, 0),
        Due::DueSoon { days_left } => (2, days_left),
    };
    v.sort_by(|a, b| {
        rank(a.due)
            .cmp(&rank(b.due))
            .then(a.deadline.cmp(&b.deadline))
            .then(a.number.cmp(&b.number))
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
            department_id: None,
            site_id: None,
        };
        use crate::org::Role;
        assert!(mine.concerns(&actor(Role::RectificationOwner, owner)));
        let someone = UserId::from_uuid(uuid::Uuid::from_u128(99));
        assert!(!mine.concerns(&actor(Role::RectificationOwner, someone)));
        assert!(mine.concerns(&actor(Role::SafetySupervisor, someone)));
    }
}
