//! Checklist templates by room kind and inspection type, versioned so that an old inspection
//! keeps the version it used. The starter content ships as data (`data/starter_checklist.json`).

use serde::{Deserialize, Serialize};

use crate::hazard::Grade;
use crate::i18n::Text;
use crate::ids::{TemplateId, stable_uuid};
use crate::labels;
use crate::org::RoomKind;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, crate::Json,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    FireEquipment,
    Electrical,
    Flammables,
    Evacuation,
    Management,
}

labels!(Category {
    FireEquipment => ("消防设施", "Fire equipment"),
    Electrical => ("电气线路", "Electrical"),
    Flammables => ("易燃易爆物", "Flammables"),
    Evacuation => ("疏散通道", "Evacuation"),
    Management => ("消防管理", "Management"),
});

impl Category {
    pub const ALL: [Category; 5] = [
        Category::FireEquipment,
        Category::Electrical,
        Category::Flammables,
        Category::Evacuation,
        Category::Management,
    ];
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, crate::Json,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InspectionType {
    /// 防火巡查
    DailyPatrol,
    /// 防火检查 (signed by inspector and department head)
    PeriodicCheck,
    /// 灭火器月检
    ExtinguisherMonthly,
}

labels!(InspectionType {
    DailyPatrol => ("防火巡查", "Daily fire patrol"),
    PeriodicCheck => ("防火检查", "Periodic fire check"),
    ExtinguisherMonthly => ("灭火器月检", "Monthly extinguisher check"),
});

impl InspectionType {
    pub const ALL: [InspectionType; 3] = [
        InspectionType::DailyPatrol,
        InspectionType::PeriodicCheck,
        InspectionType::ExtinguisherMonthly,
    ];
    /// A periodic check record is signed by the inspector and the inspected department's head.
    pub fn needs_signatures(self) -> bool {
        matches!(self, InspectionType::PeriodicCheck)
    }
    /// How often a room must get this inspection, in days: key units patrol daily (61号令 §25);
    /// 61号令 §26 asks 机关、团体、事业单位 for a fire check at least quarterly, and the center's
    /// own rule is monthly; extinguishers are checked monthly (GB 50444-2008 §5.2.1).
    pub fn interval_days(self) -> i64 {
        match self {
            InspectionType::DailyPatrol => 1,
            InspectionType::PeriodicCheck => 30,
            InspectionType::ExtinguisherMonthly => 30,
        }
    }
}

/// How an item is answered: `{"kind": …}` and, for a number, its unit and range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnswerKind {
    PassFailNa,
    Number { unit: String, min: f64, max: f64 },
    Text,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChecklistItem {
    /// Stable across versions, e.g. `FE-01`.
    pub code: String,
    pub category: Category,
    pub text: Text,
    pub answer: AnswerKind,
    pub photo_on_fail: bool,
    /// Always 一般 in the starter list: 重大隐患 is a safety supervisor's judgement (GB 35181),
    /// never a checklist's default.
    pub default_grade: Grade,
    /// Days to put a failure right: 0 当场改正 (an exit unblocked, a cylinder stood upright),
    /// 1–3 for a part to replace, 15 for work to plan.
    #[serde(default = "default_fix_days")]
    pub fix_days: u32,
    /// What a failure of this item is, in words (the hazard's description when the inspector
    /// writes none): "安全出口或疏散通道堵塞、上锁" where the item says what should hold.
    #[serde(default)]
    pub defect: Option<Text>,
    /// The rule the item comes from.
    pub source: String,
    /// Room kinds the item applies to; empty means all.
    #[serde(default)]
    pub room_kinds: Vec<RoomKind>,
    pub types: Vec<InspectionType>,
}

/// Days to put right a failure of an item that names none: a general hazard's 15.
pub const DEFAULT_FIX_DAYS: u32 = 15;

fn default_fix_days() -> u32 {
    DEFAULT_FIX_DAYS
}

impl ChecklistItem {
    /// The deadline of a failure found on `found_on`.
    pub fn deadline(&self, found_on: chrono::NaiveDate) -> chrono::NaiveDate {
        found_on
            .checked_add_days(chrono::Days::new(u64::from(self.fix_days)))
            .unwrap_or(found_on)
    }

    /// What a failure of this item is: its defect wording, or "未符合：" and its requirement
    /// where it has none (an item an administrator added without one).
    pub fn defect_zh(&self) -> String {
        match &self.defect {
            Some(d) if !d.zh.trim().is_empty() => d.zh.clone(),
            _ => format!("未符合：{}", self.text.zh),
        }
    }

    pub fn applies_to(&self, kind: RoomKind) -> bool {
        self.room_kinds.is_empty() || self.room_kinds.contains(&kind)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Template {
    pub id: TemplateId,
    pub code: String,
    pub version: u32,
    pub inspection_type: InspectionType,
    pub name: Text,
    pub items: Vec<ChecklistItem>,
}

impl Template {
    /// The items for a room of this kind, grouped by category in the fixed category order.
    pub fn items_for(&self, kind: RoomKind) -> Vec<(Category, Vec<&ChecklistItem>)> {
        Category::ALL
            .iter()
            .map(|c| {
                (
                    *c,
                    self.items
                        .iter()
                        .filter(|i| i.category == *c && i.applies_to(kind))
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }
    pub fn item(&self, code: &str) -> Option<&ChecklistItem> {
        self.items.iter().find(|i| i.code == code)
    }
    /// A new version of this template with other items: the id is derived from code and version,
    /// so editing never changes what an old inspection used.
    pub fn next_version(&self, items: Vec<ChecklistItem>) -> Template {
        let version = self.version + 1;
        Template {
            id: Template::id_for(&self.code, version),
            code: self.code.clone(),
            version,
            inspection_type: self.inspection_type,
            name: self.name.clone(),
            items,
        }
    }
    pub fn id_for(code: &str, version: u32) -> TemplateId {
        TemplateId::from_uuid(stable_uuid("template", &format!("{code}@{version}")))
    }
}

#[derive(Deserialize)]
struct StarterFile {
    version: u32,
    templates: Vec<StarterTemplate>,
    items: Vec<ChecklistItem>,
}
#[derive(Deserialize)]
struct StarterTemplate {
    code: String,
    inspection_type: InspectionType,
    name: Text,
}

const STARTER: &str = include_str!("../data/starter_checklist.json");

/// The starter templates built from the shipped data: one per inspection type.
pub fn starter_templates() -> Vec<Template> {
    let file: StarterFile =
        serde_json::from_str(STARTER).expect("starter checklist data is valid JSON");
    file.templates
        .into_iter()
        .map(|t| Template {
            id: Template::id_for(&t.code, file.version),
            version: file.version,
            items: file
                .items
                .iter()
                .filter(|i| i.types.contains(&t.inspection_type))
                .cloned()
                .collect(),
            code: t.code,
            inspection_type: t.inspection_type,
            name: t.name,
        })
        .collect()
}

/// Every starter item once (for the checklist library screen and tests).
pub fn starter_items() -> Vec<ChecklistItem> {
    let file: StarterFile =
        serde_json::from_str(STARTER).expect("starter checklist data is valid JSON");
    file.items
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn starter_checklist_loads_with_sources_and_categories() {
        let items = starter_items();
        assert!(items.len() >= 40, "only {} items", items.len());
        let mut codes = HashSet::new();
        for i in &items {
            assert!(!i.source.trim().is_empty(), "{} has no source", i.code);
            assert!(
                !i.text.zh.is_empty() && !i.text.en.is_empty(),
                "{} lacks a language",
                i.code
            );
            assert!(!i.types.is_empty(), "{} is in no inspection type", i.code);
            assert!(codes.insert(i.code.clone()), "duplicate code {}", i.code);
            assert!(
                i.defect
                    .as_ref()
                    .is_some_and(|d| !d.zh.is_empty() && !d.en.is_empty()),
                "{} has no defect wording",
                i.code
            );
            assert_eq!(
                i.default_grade,
                Grade::General,
                "{}: 重大 is a supervisor's judgement",
                i.code
            );
            assert!(
                [0, 1, 3, 15].contains(&i.fix_days),
                "{}: {} days",
                i.code,
                i.fix_days
            );
            // 61号令 §31 is not where patrol and check contents are; §39 has no evacuation plans.
            assert!(
                !i.source.contains("§31") && !i.source.contains("§39"),
                "{}: {}",
                i.code,
                i.source
            );
        }
        // Blocked exits and oxygen near flame are put right on the spot.
        for code in ["EV-01", "FL-03"] {
            assert_eq!(items.iter().find(|i| i.code == code).unwrap().fix_days, 0);
        }
        for c in Category::ALL {
            assert!(items.iter().any(|i| i.category == c), "no item in {c:?}");
        }
    }

    #[test]
    fn every_room_kind_gets_a_checklist_for_every_type() {
        let templates = starter_templates();
        assert_eq!(templates.len(), InspectionType::ALL.len());
        for t in &templates {
            for k in RoomKind::ALL {
                assert!(
                    !t.items_for(k).is_empty(),
                    "{} has nothing for {k:?}",
                    t.code
                );
            }
        }
    }

    #[test]
    fn oxygen_store_gets_oxygen_items_and_office_does_not() {
        let t = starter_templates()
            .into_iter()
            .find(|t| t.inspection_type == InspectionType::DailyPatrol)
            .unwrap();
        let codes = |k| {
            t.items_for(k)
                .into_iter()
                .flat_map(|(_, v)| v)
                .map(|i| i.code.clone())
                .collect::<Vec<_>>()
        };
        assert!(codes(RoomKind::OxygenStore).contains(&"FL-01".to_string()));
        assert!(!codes(RoomKind::Office).contains(&"FL-01".to_string()));
    }

    #[test]
    fn new_version_keeps_old_id() {
        let t = &starter_templates()[0];
        let t2 = t.next_version(t.items[..3].to_vec());
        assert_eq!(t2.version, t.version + 1);
        assert_ne!(t2.id, t.id);
        assert_eq!(t2.code, t.code);
    }
}
