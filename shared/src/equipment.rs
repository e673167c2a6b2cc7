//! Fire equipment per room, with the plan's early warnings (智慧消防 预警): expiry, checks due,
//! service due.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ids::{EquipmentId, RoomId, SiteId};
use crate::labels;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

crate::json_unit_enum!(EquipmentKind {
    DryPowderExtinguisher: "dry_powder_extinguisher",
    Co2Extinguisher: "co2_extinguisher",
    WaterExtinguisher: "water_extinguisher",
    FoamExtinguisher: "foam_extinguisher",
    Hydrant: "hydrant",
    EmergencyLight: "emergency_light",
    SmokeDetector: "smoke_detector",
    FireBlanket: "fire_blanket"
});
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

crate::json_struct!(Equipment {
    id,
    site_id,
    room_id,
    kind,
    serial,
    produced_on,
    service_life_years,
    last_checked_on,
    last_serviced_on
});

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
    /// Yearly service overdue.
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
        if self.kind.is_extinguisher() {
            let year_ago = today.with_year(today.year() - 1).unwrap_or(today);
            if self.last_serviced_on.is_none_or(|d| d < year_ago) && self.produced_on < year_ago {
                w.push(Warning::ServiceDue {
                    last: self.last_serviced_on,
                });
            }
        }
        w
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
}
