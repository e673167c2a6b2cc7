//! Training and drills (入职必训、定期培训、轮岗培训; 灭火和应急疏散演练): who is due and why,
//! and coverage as the plan counts it (target 100%).

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ids::{ClassId, DepartmentId, DrillId, SiteId, UserId};
use crate::labels;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffMember {
    pub id: UserId,
    pub name: String,
    pub department_id: Option<DepartmentId>,
    pub site_id: Option<SiteId>,
    pub hired_on: NaiveDate,
    /// Last change of post (轮岗), if any.
    pub post_changed_on: Option<NaiveDate>,
    pub active: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClassKind {
    Onboarding,
    Periodic,
    Rotation,
    Topic,
}

labels!(ClassKind {
    Onboarding => ("入职培训", "Onboarding"),
    Periodic => ("定期培训", "Periodic"),
    Rotation => ("轮岗培训", "Rotation"),
    Topic => ("专题培训", "Topic"),
});

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingClass {
    pub id: ClassId,
    pub kind: ClassKind,
    pub topic: String,
    pub held_on: NaiveDate,
    pub attendees: Vec<UserId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DrillKind {
    FireFighting,
    Evacuation,
}

labels!(DrillKind { FireFighting => ("灭火演练", "Fire-fighting drill"), Evacuation => ("应急疏散演练", "Evacuation drill") });

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Drill {
    pub id: DrillId,
    pub kind: DrillKind,
    pub site_id: SiteId,
    pub held_on: NaiveDate,
    pub participants: Vec<UserId>,
    pub note: Option<String>,
}

/// Why someone must be trained now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum DueReason {
    /// New staff, not trained since hire (入职必训).
    NewHire,
    /// Changed post, not trained since (轮岗培训).
    Rotation,
    /// No training in the last 12 months (定期培训).
    Yearly { last: NaiveDate },
}
labels!(DueReason {
    NewHire => ("新入职未培训", "New hire, not yet trained"),
    Rotation => ("轮岗后未培训", "Changed post, not yet trained"),
    Yearly => ("超过一年未培训", "No training in the last year"),
});

/// A training counts for a year (61号令 §36: at least yearly).
pub const TRAINING_VALID_DAYS: u64 = 365;
/// Drills at least every six months.
pub const DRILL_INTERVAL_DAYS: u64 = 183;

/// The last class this person attended on or before `today`.
pub fn last_trained(
    person: UserId,
    classes: &[TrainingClass],
    today: NaiveDate,
) -> Option<NaiveDate> {
    classes
        .iter()
        .filter(|c| c.held_on <= today && c.attendees.contains(&person))
        .map(|c| c.held_on)
        .max()
}

/// Is this person due for training, and why?
pub fn due(person: &StaffMember, classes: &[TrainingClass], today: NaiveDate) -> Option<DueReason> {
    if !person.active {
        return None;
    }
    let last = last_trained(person.id, classes, today);
    match last {
        None => Some(DueReason::NewHire),
        Some(l) if l < person.hired_on => Some(DueReason::NewHire),
        Some(l) if person.post_changed_on.is_some_and(|p| l < p) => Some(DueReason::Rotation),
        Some(l)
            if l.checked_add_days(Days::new(TRAINING_VALID_DAYS))
                .is_some_and(|until| until < today) =>
        {
            Some(DueReason::Yearly { last: l })
        }
        Some(_) => None,
    }
}

/// Coverage (受训率): share of active staff not due, in [0, 1]; 1 when there is nobody.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TrainingCoverage))]
pub struct Coverage {
    pub trained: usize,
    pub total: usize,
}

impl Coverage {
    /// Trained over active staff; none when nobody is on the roster (0 of 0 is no 100%).
    pub fn rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.trained as f64 / self.total as f64)
    }
    /// Everyone on a roster that has someone on it is trained (the plan's 100%).
    pub fn meets_target(&self) -> bool {
        self.total > 0 && self.trained == self.total
    }
}

pub fn coverage(staff: &[StaffMember], classes: &[TrainingClass], today: NaiveDate) -> Coverage {
    let active: Vec<&StaffMember> = staff.iter().filter(|s| s.active).collect();
    let trained = active
        .iter()
        .filter(|s| due(s, classes, today).is_none())
        .count();
    Coverage {
        trained,
        total: active.len(),
    }
}

/// Is a site due for a drill of this kind?
pub fn drill_due(site: SiteId, kind: DrillKind, drills: &[Drill], today: NaiveDate) -> bool {
    let last = drills
        .iter()
        .filter(|d| d.site_id == site && d.kind == kind && d.held_on <= today)
        .map(|d| d.held_on)
        .max();
    match last {
        None => true,
        Some(l) => l
            .checked_add_days(Days::new(DRILL_INTERVAL_DAYS))
            .is_none_or(|until| until < today),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::stable_uuid;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn person(n: &str, hired: NaiveDate, changed: Option<NaiveDate>) -> StaffMember {
        StaffMember {
            id: UserId::from_uuid(stable_uuid("u", n)),
            name: n.into(),
            department_id: None,
            site_id: None,
            hired_on: hired,
            post_changed_on: changed,
            active: true,
        }
    }

    #[test]
    fn due_reasons_and_coverage() {
        let today = d(2026, 11, 29);
        let a = person("a", d(2020, 1, 1), None);
        let b = person("b", d(2026, 11, 1), None);
        let c = person("c", d(2019, 1, 1), Some(d(2026, 10, 1)));
        let e = person("e", d(2019, 1, 1), None);
        let classes = vec![
            TrainingClass {
                id: ClassId::nil(),
                kind: ClassKind::Periodic,
                topic: "消防".into(),
                held_on: d(2026, 3, 1),
                attendees: vec![a.id, c.id],
            },
            TrainingClass {
                id: ClassId::nil(),
                kind: ClassKind::Periodic,
                topic: "消防".into(),
                held_on: d(2025, 6, 1),
                attendees: vec![e.id],
            },
            TrainingClass {
                id: ClassId::nil(),
                kind: ClassKind::Onboarding,
                topic: "入职".into(),
                held_on: d(2027, 1, 1),
                attendees: vec![b.id],
            },
        ];
        assert_eq!(due(&a, &classes, today), None);
        assert_eq!(
            due(&b, &classes, today),
            Some(DueReason::NewHire),
            "a future class does not count"
        );
        assert_eq!(due(&c, &classes, today), Some(DueReason::Rotation));
        assert_eq!(
            due(&e, &classes, today),
            Some(DueReason::Yearly {
                last: d(2025, 6, 1)
            })
        );
        let cov = coverage(&[a, b, c, e], &classes, today);
        assert_eq!((cov.trained, cov.total), (1, 4));
        assert!((cov.rate().unwrap() - 0.25).abs() < 1e-9);
        assert!(!cov.meets_target());
        let nobody = Coverage {
            trained: 0,
            total: 0,
        };
        assert_eq!(nobody.rate(), None);
        assert!(!nobody.meets_target(), "an empty roster meets no target");
        assert_eq!(crate::i18n::percent(nobody.rate(), 0), "—");
        assert_eq!(crate::i18n::percent(cov.rate(), 1), "25.0%");
    }

    #[test]
    fn drills_every_six_months() {
        let s = SiteId::from_uuid(stable_uuid("s", "1"));
        let drills = vec![Drill {
            id: DrillId::nil(),
            kind: DrillKind::Evacuation,
            site_id: s,
            held_on: d(2026, 6, 1),
            participants: vec![],
            note: None,
        }];
        assert!(!drill_due(
            s,
            DrillKind::Evacuation,
            &drills,
            d(2026, 11, 29)
        ));
        assert!(drill_due(s, DrillKind::Evacuation, &drills, d(2026, 12, 5)));
        assert!(drill_due(
            s,
            DrillKind::FireFighting,
            &drills,
            d(2026, 7, 1)
        ));
    }
}
