//! Request and response bodies of the REST API that the app and the server both use.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::campaign::{Campaign, StatRow};
use crate::checklist::Template;
use crate::hazard::Hazard;
use crate::ids::{DepartmentId, SiteId, UserId};
use crate::org::{Building, Department, Role, Room, Site, User};
use crate::sync::AuditEntry;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    /// Milliseconds since the epoch.
    pub expires_at: i64,
    pub user: User,
}

/// A person as others see them (pickers for owner and verifier).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
    pub department_id: Option<DepartmentId>,
    pub site_id: Option<SiteId>,
}

impl From<&User> for Person {
    fn from(u: &User) -> Self {
        Person {
            id: u.id,
            display_name: u.display_name.clone(),
            role: u.role,
            department_id: u.department_id,
            site_id: u.site_id,
        }
    }
}

/// Everything a device needs to work offline, scoped to the user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bootstrap {
    pub user: User,
    pub center_name: String,
    pub today: NaiveDate,
    pub sites: Vec<Site>,
    pub buildings: Vec<Building>,
    pub departments: Vec<Department>,
    pub rooms: Vec<Room>,
    pub templates: Vec<Template>,
    pub people: Vec<Person>,
    pub campaigns: Vec<Campaign>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LedgerPage {
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    pub rows: Vec<Hazard>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HazardDetail {
    pub hazard: Hazard,
    pub audit: Vec<AuditEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatLine {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub row: StatRow,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub today: NaiveDate,
    pub total: StatRow,
    pub by_department: Vec<StatLine>,
    pub by_site: Vec<StatLine>,
    pub by_category: Vec<StatLine>,
    pub by_grade: Vec<StatLine>,
    pub by_phase: Vec<StatLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub change_seq: i64,
}
