//! The registers kept beside the ledger: the staff roster (花名册), training classes, drills, the
//! equipment register, the inspection plan and the risk points. One trait says, for each, what it
//! is called, where it belongs, who may see it and what makes it valid; the server stores and
//! serves them all the same way.

use chrono::NaiveDate;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::DomainError;
use crate::checklist::{ChecklistItem, Template};
use crate::equipment::Equipment;
use crate::ids::{DepartmentId, SiteId};
use crate::org::Actor;
use crate::training::{Drill, StaffMember, TrainingClass};

/// Longest free text in a register entry.
pub const MAX_TEXT: usize = crate::limits::LONG;

/// A register entry, saved whole by id.
pub trait Register: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// Stable name of the register (storage key and error text).
    const KIND: &'static str;
    fn key(&self) -> Uuid;
    /// The site it belongs to; `None` for center-wide entries.
    fn site(&self) -> Option<SiteId>;
    fn department(&self) -> Option<DepartmentId> {
        None
    }
    /// The entry's own rules (references to other records are checked by whoever stores it).
    fn validate(&self, today: NaiveDate) -> Result<(), DomainError>;
    /// Center-wide roles see every entry; others see the entries of their site or department.
    fn visible_to(&self, actor: &Actor) -> bool {
        match self.site() {
            Some(site) => actor.can_see(site, self.department()),
            None => actor.roles().center_wide(),
        }
    }
}

/// Who may save register entries, campaigns and the two lists.
pub fn may_keep_registers(actor: &Actor) -> bool {
    actor.roles().supervises()
}

fn invalid(detail: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        detail: detail.into(),
    }
}

fn not_in_future(day: NaiveDate, today: NaiveDate, what: &str) -> Result<(), DomainError> {
    if day > today {
        Err(invalid(format!(
            "{what}不能晚于今天 / {what} cannot be in the future"
        )))
    } else {
        Ok(())
    }
}

fn text(s: &str, field: &'static str, required: bool) -> Result<(), DomainError> {
    if required && s.trim().is_empty() {
        return Err(DomainError::MissingField { field });
    }
    crate::limits::text(field, s, MAX_TEXT)
}

impl Register for StaffMember {
    const KIND: &'static str = "staff";
    fn key(&self) -> Uuid {
        self.id.0
    }
    fn site(&self) -> Option<SiteId> {
        self.site_id
    }
    fn department(&self) -> Option<DepartmentId> {
        self.department_id
    }
    fn validate(&self, today: NaiveDate) -> Result<(), DomainError> {
        text(&self.name, "name / 姓名", true)?;
        not_in_future(self.hired_on, today, "入职日期 hired_on ")?;
        if self.post_changed_on.is_some_and(|p| p < self.hired_on) {
            return Err(invalid(
                "轮岗日期早于入职日期 / post_changed_on is before hired_on",
            ));
        }
        Ok(())
    }
    /// Without a site, a person is visible to their department and center-wide roles.
    fn visible_to(&self, actor: &Actor) -> bool {
        match self.site_id {
            Some(site) => actor.can_see(site, self.department_id),
            None => {
                actor.roles().center_wide()
                    || (self.department_id.is_some() && self.department_id == actor.department_id)
            }
        }
    }
}

impl Register for TrainingClass {
    const KIND: &'static str = "class";
    fn key(&self) -> Uuid {
        self.id.0
    }
    fn site(&self) -> Option<SiteId> {
        None
    }
    fn validate(&self, today: NaiveDate) -> Result<(), DomainError> {
        text(&self.topic, "topic / 培训主题", true)?;
        not_in_future(self.held_on, today, "培训日期 held_on ")?;
        if self.attendees.is_empty() {
            return Err(DomainError::MissingField {
                field: "attendees / 参训人员",
            });
        }
        let mut seen = self.attendees.clone();
        seen.sort_unstable();
        seen.dedup();
        if seen.len() != self.attendees.len() {
            return Err(invalid("参训人员重复 / an attendee is listed twice"));
        }
        Ok(())
    }
    /// A class is center-wide; a person also sees the classes they attended.
    fn visible_to(&self, actor: &Actor) -> bool {
        actor.roles().center_wide() || self.attendees.contains(&actor.user_id)
    }
}

impl Register for Drill {
    const KIND: &'static str = "drill";
    fn key(&self) -> Uuid {
        self.id.0
    }
    fn site(&self) -> Option<SiteId> {
        Some(self.site_id)
    }
    fn validate(&self, today: NaiveDate) -> Result<(), DomainError> {
        not_in_future(self.held_on, today, "演练日期 held_on ")?;
        if let Some(n) = &self.note {
            text(n, "note / 备注", false)?;
        }
        Ok(())
    }
}

impl Register for Equipment {
    const KIND: &'static str = "equipment";
    fn key(&self) -> Uuid {
        self.id.0
    }
    fn site(&self) -> Option<SiteId> {
        Some(self.site_id)
    }
    fn validate(&self, today: NaiveDate) -> Result<(), DomainError> {
        text(&self.serial, "serial / 编号", true)?;
        if !(1..=50).contains(&self.service_life_years) {
            return Err(invalid(
                "使用年限应在 1 至 50 年之间 / service life must be 1 to 50 years",
            ));
        }
        not_in_future(self.produced_on, today, "生产日期 produced_on ")?;
        for (d, what) in [
            (self.last_checked_on, "检查日期 last_checked_on "),
            (self.last_serviced_on, "维保日期 last_serviced_on "),
        ] {
            if let Some(d) = d {
                not_in_future(d, today, what)?;
                if d < self.produced_on {
                    return Err(invalid(format!(
                        "{what}早于生产日期 / {what}is before produced_on"
                    )));
                }
            }
        }
        Ok(())
    }
}

impl Register for crate::plan::PatrolPlan {
    const KIND: &'static str = "plan";
    fn key(&self) -> Uuid {
        self.id.0
    }
    fn site(&self) -> Option<SiteId> {
        Some(self.site_id)
    }
    fn validate(&self, _today: NaiveDate) -> Result<(), DomainError> {
        crate::plan::PatrolPlan::validate(self)
    }
}

impl Register for crate::risk::RiskPoint {
    const KIND: &'static str = "risk";
    fn key(&self) -> Uuid {
        self.id.0
    }
    fn site(&self) -> Option<SiteId> {
        Some(self.site_id)
    }
    fn validate(&self, today: NaiveDate) -> Result<(), DomainError> {
        crate::risk::RiskPoint::validate(self, today)
    }
}

/// The items of a new checklist version: at least one, codes unique and non-empty, Chinese text
/// present, each for at least one inspection type.
pub fn validate_items(items: &[ChecklistItem]) -> Result<(), DomainError> {
    if items.is_empty() {
        return Err(DomainError::MissingField {
            field: "items / 检查项",
        });
    }
    let mut codes: Vec<&str> = Vec::with_capacity(items.len());
    for i in items {
        crate::limits::required("items[].code / 检查项编号", &i.code, crate::limits::CODE)?;
        if codes.contains(&i.code.as_str()) {
            return Err(invalid(format!(
                "检查项编号“{}”重复 / item code {} is used twice",
                i.code, i.code
            )));
        }
        codes.push(&i.code);
        text(&i.text.zh, "items[].text.zh / 检查内容", true)?;
        text(&i.source, "items[].source / 依据", false)?;
        if i.types.is_empty() {
            return Err(invalid(format!(
                "检查项“{}”未指定检查类型 / item {} has no inspection type",
                i.code, i.code
            )));
        }
    }
    Ok(())
}

/// The next version of `latest` with `items` (validated): editing never changes what an old
/// inspection used.
pub fn new_template_version(
    latest: &Template,
    items: Vec<ChecklistItem>,
) -> Result<Template, DomainError> {
    validate_items(&items)?;
    Ok(latest.next_version(items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::starter_templates;
    use crate::equipment::EquipmentKind;
    use crate::ids::{ClassId, EquipmentId, RoomId, UserId};
    use crate::org::Role;
    use crate::training::ClassKind;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }
    fn actor(role: Role, site: Option<SiteId>) -> Actor {
        Actor {
            user_id: UserId::from_uuid(id(7)),
            role,
            extra_roles: vec![],
            department_id: None,
            site_id: site,
        }
    }

    fn extinguisher() -> Equipment {
        Equipment {
            id: EquipmentId::from_uuid(id(1)),
            site_id: SiteId::from_uuid(id(2)),
            room_id: RoomId::from_uuid(id(3)),
            kind: EquipmentKind::DryPowderExtinguisher,
            serial: "MFZ-4-001".into(),
            produced_on: day("2020-01-01"),
            service_life_years: 10,
            last_checked_on: Some(day("2026-11-01")),
            last_serviced_on: None,
        }
    }

    #[test]
    fn equipment_rules() {
        let today = day("2026-11-29");
        assert!(extinguisher().validate(today).is_ok());
        let mut e = extinguisher();
        e.serial = " ".into();
        assert_eq!(e.validate(today).unwrap_err().code(), "missing_field");
        let mut e = extinguisher();
        e.service_life_years = 0;
        assert_eq!(e.validate(today).unwrap_err().code(), "invalid");
        let mut e = extinguisher();
        e.last_checked_on = Some(day("2019-12-31"));
        assert_eq!(e.validate(today).unwrap_err().code(), "invalid");
        let mut e = extinguisher();
        e.produced_on = day("2026-12-01");
        assert_eq!(e.validate(today).unwrap_err().code(), "invalid");
    }

    #[test]
    fn site_entries_follow_scope_and_classes_follow_attendance() {
        let e = extinguisher();
        assert!(e.visible_to(&actor(Role::Inspector, Some(e.site_id))));
        assert!(!e.visible_to(&actor(Role::Inspector, Some(SiteId::from_uuid(id(9))))));
        assert!(e.visible_to(&actor(Role::Leadership, None)));
        let class = TrainingClass {
            id: ClassId::from_uuid(id(4)),
            kind: ClassKind::Periodic,
            topic: "消防四个能力".into(),
            held_on: day("2026-10-10"),
            attendees: vec![UserId::from_uuid(id(7))],
        };
        assert!(class.visible_to(&actor(Role::Inspector, None)));
        let mut other = class.clone();
        other.attendees = vec![UserId::from_uuid(id(8))];
        assert!(!other.visible_to(&actor(Role::Inspector, None)));
        assert!(other.visible_to(&actor(Role::SafetySupervisor, None)));
        let mut twice = class.clone();
        twice.attendees.push(UserId::from_uuid(id(7)));
        assert!(twice.validate(day("2026-11-29")).is_err());
        assert!(may_keep_registers(&actor(Role::SafetySupervisor, None)));
        assert!(!may_keep_registers(&actor(Role::Leadership, None)));
    }

    #[test]
    fn a_new_template_version_keeps_the_old_one_apart() {
        let t = &starter_templates()[0];
        let mut items = t.items.clone();
        items.truncate(3);
        let next = new_template_version(t, items.clone()).unwrap();
        assert_eq!(next.version, t.version + 1);
        assert_ne!(next.id, t.id);
        assert_eq!(next.code, t.code);
        assert!(new_template_version(t, vec![]).is_err());
        items.push(items[0].clone());
        assert!(new_template_version(t, items).is_err());
    }
}
