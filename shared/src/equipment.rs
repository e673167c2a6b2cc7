//! Fire equipment per room, with the plan's early warnings (智慧消防 预警): expiry, checks due,
//! service due.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ids::{EquipmentId, RoomId, SiteId};
use crate::labels;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EquipmentKind {
    DryPowderExtinguisher,
    Co2Extinguisher,
    WaterExtinguisher,
    FoamExtinguisher,
    Hydrant,
    EmergencyLight,
    SmokeDetector,
    FireBlanket,
}

labels!(EquipmentKind {
    DryPowderExtinguisher => ("干粉灭火器", "Dry-powder extinguisher"),
    Co2Extinguisher => ("二氧化碳灭火器", "CO₂ extinguisher"),
    WaterExtinguisher => ("水基型灭火器", "Water-based extinguisher"),
    FoamExtinguisher => ("泡沫灭火器", "Foam extinguisher"),
    Hydrant => ("室内消火栓", "Indoor hydrant"),
    EmergencyLight => ("应急照明灯", "Emergency light"),
    SmokeDetector => ("烟感探测器", "Smoke detector"),
    FireBlanket => ("灭火毯", "Fire blanket"),
});

impl EquipmentKind {
    pub const ALL: [EquipmentKind; 8] = [
        EquipmentKind::DryPowderExtinguisher,
        EquipmentKind::Co2Extinguisher,
        EquipmentKind::WaterExtinguisher,
        EquipmentKind::FoamExtinguisher,
        EquipmentKind::Hydrant,
        EquipmentKind::EmergencyLight,
        EquipmentKind::SmokeDetector,
        EquipmentKind::FireBlanket,
    ];
    /// Service life in years (GB 50444-2008 §5.4: dry powder and water 10 years, CO₂ 12 years,
    /// water-based 6 years); other equipment by manufacturer, default 10.
    pub fn default_service_life_years(self) -> u32 {
        match self {
            EquipmentKind::DryPowderExtinguisher => 10,
            EquipmentKind::Co2Extinguisher => 12,
            EquipmentKind::WaterExtinguisher | EquipmentKind::FoamExtinguisher => 6,
            _ => 10,
        }
    }
    /// When an extinguisher is serviced (维修, GB 50444-2008 §5.3.2): (years after production
    /// for the first service, years between services after that). Water-based (foam included):
    /// 3, then every year; dry powder and CO₂: 5, then every 2 years. Other equipment: none.
    pub fn service_years(self) -> Option<(u32, u32)> {
        match self {
            EquipmentKind::WaterExtinguisher | EquipmentKind::FoamExtinguisher => Some((3, 1)),
            EquipmentKind::DryPowderExtinguisher | EquipmentKind::Co2Extinguisher => Some((5, 2)),
            _ => None,
        }
    }

    pub fn is_extinguisher(self) -> bool {
        matches!(
            self,
            EquipmentKind::DryPowderExtinguisher
                | EquipmentKind::Co2Extinguisher
                | EquipmentKind::WaterExtinguisher
                | EquipmentKind::FoamExtinguisher
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Equipment {
    pub id: EquipmentId,
    pub site_id: SiteId,
    pub room_id: RoomId,
    pub kind: EquipmentKind,
    pub serial: String,
    pub produced_on: NaiveDate,
    pub service_life_years: u32,
    pub last_checked_on: Option<NaiveDate>,
    pub last_serviced_on: Option<NaiveDate>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum Warning {
    /// Past its service life: replace (报废).
    Expired { since: NaiveDate },
    /// Reaches its service life within 60 days.
    ExpiringSoon { on: NaiveDate },
    /// Monthly check overdue (GB 50444 §5.2.1), or never checked.
    CheckDue { last: Option<NaiveDate> },
    /// Service (维修) overdue: GB 50444-2008 §5.3.2 ([`EquipmentKind::service_years`]).
    ServiceDue { last: Option<NaiveDate> },
}
labels!(Warning {
    Expired => ("已过使用年限", "Past service life"),
    ExpiringSoon => ("即将到期", "Expiring soon"),
    CheckDue => ("月检逾期", "Monthly check overdue"),
    ServiceDue => ("维保逾期", "Service overdue"),
});

impl Equipment {
    pub fn end_of_life(&self) -> NaiveDate {
        self.produced_on
            .checked_add_months(Months::new(self.service_life_years * 12))
            .unwrap_or(NaiveDate::MAX)
    }

    /// Warnings on `today`, most serious first.
    pub fn warnings(&self, today: NaiveDate) -> Vec<Warning> {
        let mut w = Vec::new();
        let eol = self.end_of_life();
        if today >= eol {
            w.push(Warning::Expired { since: eol });
        } else if (eol - today).num_days() <= 60 {
            w.push(Warning::ExpiringSoon { on: eol });
        }
        let month_ago = today.checked_sub_months(Months::new(1)).unwrap_or(today);
        if self.last_checked_on.is_none_or(|d| d < month_ago) {
            w.push(Warning::CheckDue {
                last: self.last_checked_on,
            });
        }
        if self.next_service().is_some_and(|due| today >= due) {
            w.push(Warning::ServiceDue {
                last: self.last_serviced_on,
            });
        }
        w
    }

    /// This register entry after a monthly extinguisher check (灭火器月检, GB 50444-2008 §5.2.1)
    /// of its room on `day`: an extinguisher's last check moves to that day, never back; `None`
    /// when the visit changes nothing (another room, another kind of round or equipment, or an
    /// earlier day than the register has).
    pub fn checked_by(
        &self,
        visit: &crate::inspection::Visit,
        day: NaiveDate,
    ) -> Option<Equipment> {
        let applies = visit.inspection_type
            == crate::checklist::InspectionType::ExtinguisherMonthly
            && visit.room_id == self.room_id
            && self.kind.is_extinguisher()
            && self.last_checked_on.is_none_or(|last| last < day);
        applies.then(|| Equipment {
            last_checked_on: Some(day),
            ..self.clone()
        })
    }

    /// When this extinguisher is next due for service: the first service some years after
    /// production, then at a fixed interval after the last one (GB 50444-2008 §5.3.2). `None`
    /// for equipment that is not serviced this way.
    pub fn next_service(&self) -> Option<NaiveDate> {
        let (first, then) = self.kind.service_years()?;
        let add = |d: NaiveDate, years: u32| {
            d.checked_add_months(Months::new(years * 12))
                .unwrap_or(NaiveDate::MAX)
        };
        Some(match self.last_serviced_on {
            Some(last) if last >= self.produced_on => add(last, then),
            _ => add(self.produced_on, first),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::stable_uuid;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn ext(
        produced: NaiveDate,
        checked: Option<NaiveDate>,
        serviced: Option<NaiveDate>,
    ) -> Equipment {
        Equipment {
            id: EquipmentId::from_uuid(stable_uuid("e", "1")),
            site_id: SiteId::nil(),
            room_id: RoomId::nil(),
            kind: EquipmentKind::DryPowderExtinguisher,
            serial: "MFZ/ABC4-001".into(),
            produced_on: produced,
            service_life_years: EquipmentKind::DryPowderExtinguisher.default_service_life_years(),
            last_checked_on: checked,
            last_serviced_on: serviced,
        }
    }

    #[test]
    fn warnings() {
        let today = d(2026, 11, 29);
        assert_eq!(
            ext(d(2020, 1, 1), Some(d(2026, 11, 20)), Some(d(2026, 6, 1))).warnings(today),
            vec![]
        );
        assert_eq!(
            ext(d(2016, 11, 1), Some(d(2026, 11, 20)), Some(d(2026, 6, 1))).warnings(today),
            vec![Warning::Expired {
                since: d(2026, 11, 1)
            }]
        );
        assert_eq!(
            ext(d(2017, 1, 1), Some(d(2026, 11, 20)), Some(d(2026, 6, 1))).warnings(today),
            vec![Warning::ExpiringSoon { on: d(2027, 1, 1) }]
        );
        // Dry powder made in 2020, never serviced: the first service was due in 2025.
        let w = ext(d(2020, 1, 1), Some(d(2026, 10, 1)), None).warnings(today);
        assert_eq!(
            w,
            vec![
                Warning::CheckDue {
                    last: Some(d(2026, 10, 1))
                },
                Warning::ServiceDue { last: None }
            ]
        );
    }

    /// GB 50444-2008 §5.3.2: a one-year-old extinguisher is not "overdue for service".
    #[test]
    fn service_follows_gb_50444() {
        let today = d(2026, 11, 29);
        let serviced = |kind: EquipmentKind, produced, last| Equipment {
            kind,
            ..ext(produced, Some(d(2026, 11, 20)), last)
        };
        let due = |e: &Equipment| {
            e.warnings(today).contains(&Warning::ServiceDue {
                last: e.last_serviced_on,
            })
        };
        use EquipmentKind::*;
        // Dry powder and CO₂: first at 5 years, then every 2.
        for kind in [DryPowderExtinguisher, Co2Extinguisher] {
            assert!(
                !due(&serviced(kind, d(2025, 6, 1), None)),
                "{kind:?} a year old"
            );
            assert!(
                !due(&serviced(kind, d(2021, 12, 1), None)),
                "{kind:?} not yet 5"
            );
            assert!(
                due(&serviced(kind, d(2021, 11, 29), None)),
                "{kind:?} 5 years old"
            );
            assert!(!due(&serviced(kind, d(2019, 1, 1), Some(d(2025, 1, 1)))));
            assert!(due(&serviced(kind, d(2019, 1, 1), Some(d(2024, 11, 1)))));
        }
        // Water-based (foam too): first at 3 years, then every year.
        for kind in [WaterExtinguisher, FoamExtinguisher] {
            assert!(
                !due(&serviced(kind, d(2024, 1, 1), None)),
                "{kind:?} 2 years old"
            );
            assert!(
                due(&serviced(kind, d(2023, 11, 1), None)),
                "{kind:?} 3 years old"
            );
            assert!(!due(&serviced(kind, d(2022, 1, 1), Some(d(2026, 1, 1)))));
            assert!(due(&serviced(kind, d(2022, 1, 1), Some(d(2025, 11, 1)))));
        }
        // A hydrant has no such service.
        assert_eq!(serviced(Hydrant, d(2000, 1, 1), None).next_service(), None);
    }

    /// A monthly check round checks the extinguishers of the rooms it visits: the register's
    /// "月检逾期" clears without anyone typing the date in again.
    #[test]
    fn a_monthly_round_checks_the_rooms_extinguishers() {
        use crate::checklist::InspectionType;
        use crate::ids::{RoundId, TemplateId, UserId, VisitId};
        let today = d(2026, 11, 29);
        let e = ext(d(2024, 1, 1), Some(d(2026, 9, 1)), None);
        assert!(e.warnings(today).contains(&Warning::CheckDue {
            last: Some(d(2026, 9, 1))
        }));
        let at = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let visit = |kind, room| crate::inspection::Visit {
            id: VisitId::nil(),
            round_id: RoundId::nil(),
            room_id: room,
            site_id: SiteId::nil(),
            inspector_id: UserId::nil(),
            inspection_type: kind,
            template_id: TemplateId::nil(),
            via_qr: true,
            started_at: at,
            finished_at: at,
            answers: vec![],
            signatures: None,
            note: None,
        };
        let checked = e
            .checked_by(
                &visit(InspectionType::ExtinguisherMonthly, RoomId::nil()),
                today,
            )
            .expect("the room's extinguisher is checked");
        assert_eq!(checked.last_checked_on, Some(today));
        assert!(
            !checked
                .warnings(today)
                .iter()
                .any(|w| matches!(w, Warning::CheckDue { .. }))
        );
        // Not by a daily patrol, not in another room, never backwards.
        assert_eq!(
            e.checked_by(&visit(InspectionType::DailyPatrol, RoomId::nil()), today),
            None
        );
        let other = RoomId::from_uuid(stable_uuid("room", "other"));
        assert_eq!(
            e.checked_by(&visit(InspectionType::ExtinguisherMonthly, other), today),
            None
        );
        let monthly = visit(InspectionType::ExtinguisherMonthly, RoomId::nil());
        assert_eq!(checked.checked_by(&monthly, d(2026, 10, 1)), None);
        // A hydrant is not an extinguisher.
        let hydrant = Equipment {
            kind: EquipmentKind::Hydrant,
            ..e.clone()
        };
        assert_eq!(hydrant.checked_by(&monthly, today), None);
    }
}
