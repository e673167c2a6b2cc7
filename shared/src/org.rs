//! The organisation: sites, buildings, rooms, departments, people and their roles, and the rule
//! of who may see what.

use serde::{Deserialize, Serialize};

use crate::i18n::Text;
use crate::ids::{BuildingId, DepartmentId, RoomId, SiteId, UserId};
use crate::labels;
use crate::limits;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    Headquarters,
    Station,
}

labels!(SiteKind { Headquarters => ("中心总部", "Headquarters"), Station => ("急救站", "Ambulance station") });

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Site {
    pub id: SiteId,
    pub name: Text,
    pub kind: SiteKind,
    pub address: String,
}

impl Site {
    /// Checks a site an administrator saves: a name, an address of sensible length.
    pub fn validate(&self) -> Result<(), crate::DomainError> {
        limits::name("name / 名称", &self.name)?;
        limits::text("address / 地址", &self.address, limits::MEDIUM)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Building {
    pub id: BuildingId,
    pub site_id: SiteId,
    pub name: Text,
    pub floors: Vec<String>,
}

impl Building {
    /// Checks a building an administrator saves: a name, floors with names.
    pub fn validate(&self) -> Result<(), crate::DomainError> {
        limits::name("name / 名称", &self.name)?;
        if self.floors.len() > 200 {
            return Err(crate::DomainError::Invalid {
                detail: "楼层不能超过 200 个 / at most 200 floors".into(),
            });
        }
        for f in &self.floors {
            limits::required("floors[] / 楼层", f, limits::NAME)?;
        }
        Ok(())
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, crate::Json,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    DispatchHall,
    ServerRoom,
    Office,
    Dormitory,
    Kitchen,
    Garage,
    OxygenStore,
    MedicineStore,
    DistributionRoom,
    ArchiveRoom,
    Corridor,
    /// 消防控制室
    FireControlRoom,
    /// UPS/蓄电池室
    UpsRoom,
    /// 发电机房（储油间）
    GeneratorRoom,
    /// 洗消间: where ambulances and equipment are disinfected.
    DeconRoom,
    /// An ambulance, inspected like a room (its QR label is inside it).
    Vehicle,
    Other,
}

labels!(RoomKind {
    DispatchHall => ("调度大厅", "Dispatch hall"),
    ServerRoom => ("机房", "Server room"),
    Office => ("办公室", "Office"),
    Dormitory => ("值班宿舍", "Duty dormitory"),
    Kitchen => ("厨房", "Kitchen"),
    Garage => ("车库", "Garage"),
    OxygenStore => ("氧气瓶存放间", "Oxygen cylinder store"),
    MedicineStore => ("药品库", "Medicine store"),
    DistributionRoom => ("配电室", "Distribution room"),
    ArchiveRoom => ("档案室", "Archive room"),
    Corridor => ("走廊/楼梯间", "Corridor / stairwell"),
    FireControlRoom => ("消防控制室", "Fire control room"),
    UpsRoom => ("UPS/蓄电池室", "UPS / battery room"),
    GeneratorRoom => ("发电机房", "Generator room"),
    DeconRoom => ("洗消间", "Decontamination room"),
    Vehicle => ("救护车", "Ambulance"),
    Other => ("其他", "Other"),
});

impl RoomKind {
    pub const ALL: [RoomKind; 17] = [
        RoomKind::DispatchHall,
        RoomKind::ServerRoom,
        RoomKind::Office,
        RoomKind::Dormitory,
        RoomKind::Kitchen,
        RoomKind::Garage,
        RoomKind::OxygenStore,
        RoomKind::MedicineStore,
        RoomKind::DistributionRoom,
        RoomKind::ArchiveRoom,
        RoomKind::Corridor,
        RoomKind::FireControlRoom,
        RoomKind::UpsRoom,
        RoomKind::GeneratorRoom,
        RoomKind::DeconRoom,
        RoomKind::Vehicle,
        RoomKind::Other,
    ];
    /// Kinds that are key locations (重点部位) unless an admin says otherwise.
    pub fn key_by_default(self) -> bool {
        matches!(
            self,
            RoomKind::DispatchHall
                | RoomKind::ServerRoom
                | RoomKind::OxygenStore
                | RoomKind::DistributionRoom
                | RoomKind::Garage
                | RoomKind::MedicineStore
                | RoomKind::FireControlRoom
                | RoomKind::UpsRoom
                | RoomKind::GeneratorRoom
                | RoomKind::Vehicle
        )
    }

    /// Kinds the daily patrol covers whether or not they are key locations: where people sleep
    /// (61号令 §25 asks for night patrols there).
    pub fn patrolled_daily(self) -> bool {
        self == RoomKind::Dormitory
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Room {
    pub id: RoomId,
    pub site_id: SiteId,
    pub building_id: BuildingId,
    pub floor: String,
    pub name: Text,
    pub kind: RoomKind,
    /// 重点部位
    pub key_location: bool,
    pub department_id: DepartmentId,
    /// What the printed QR label encodes; scanning it proves presence.
    pub qr_code: String,
}

impl Room {
    /// Checks a room an administrator saves: a name, a floor, a QR code fit for a label.
    pub fn validate(&self) -> Result<(), crate::DomainError> {
        limits::name("name / 房间名称", &self.name)?;
        limits::required("floor / 楼层", &self.floor, limits::NAME)?;
        let ok = (4..=32).contains(&self.qr_code.len())
            && self
                .qr_code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(crate::DomainError::Invalid { detail: "二维码编号须为 4–32 位字母、数字、- 或 _ / the QR code must be 4–32 letters, digits, - or _".into() });
        }
        Ok(())
    }

    /// The text a QR label carries for a room: a URL-safe, unguessable-enough code.
    pub fn qr_payload(&self) -> String {
        format!("SR1:{}", self.qr_code)
    }
    /// Parses a scanned QR label back into the room code, if it is ours.
    pub fn code_from_scan(scan: &str) -> Option<&str> {
        scan.trim().strip_prefix("SR1:").filter(|c| !c.is_empty())
    }
    /// 站点 · 楼 · 层 · 房间: where the room is, as the ledger and a hazard's page write it.
    pub fn place(&self, site: &str, building: &str, lang: crate::Lang) -> String {
        [site, building, self.floor.as_str(), self.name.get(lang)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub id: DepartmentId,
    pub name: Text,
    /// The station this department is, when it is a station.
    pub site_id: Option<SiteId>,
}

impl Department {
    /// Checks a department an administrator saves: a name.
    pub fn validate(&self) -> Result<(), crate::DomainError> {
        limits::name("name / 名称", &self.name)
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, crate::Json,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Inspector,
    RectificationOwner,
    Verifier,
    SafetySupervisor,
    Leadership,
    Admin,
}

labels!(Role {
    Inspector => ("巡查员", "Inspector"),
    RectificationOwner => ("整改责任人", "Rectification owner"),
    Verifier => ("复查人", "Verifier"),
    SafetySupervisor => ("安全管理员", "Safety supervisor"),
    Leadership => ("中心领导", "Leadership"),
    Admin => ("系统管理员", "Administrator"),
});

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Inspector,
        Role::RectificationOwner,
        Role::Verifier,
        Role::SafetySupervisor,
        Role::Leadership,
        Role::Admin,
    ];
    /// Roles that see the whole center rather than their own site.
    pub fn center_wide(self) -> bool {
        matches!(
            self,
            Role::SafetySupervisor | Role::Leadership | Role::Admin
        )
    }
    /// Roles that use the desk (supervisor web view) by default.
    pub fn desk_first(self) -> bool {
        self.center_wide()
    }
    /// May use the administration screens and endpoints.
    pub fn administers(self) -> bool {
        matches!(self, Role::Admin)
    }
    /// May edit ledger data, the two lists, campaigns, training and equipment.
    pub fn supervises(self) -> bool {
        matches!(self, Role::SafetySupervisor | Role::Admin)
    }
    /// May run walk-throughs.
    pub fn inspects(self) -> bool {
        matches!(
            self,
            Role::Inspector | Role::SafetySupervisor | Role::Verifier
        )
    }
    /// May read reports and dashboards.
    pub fn reads_reports(self) -> bool {
        matches!(
            self,
            Role::SafetySupervisor | Role::Leadership | Role::Admin
        )
    }
    pub fn parse(s: &str) -> Option<Role> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Inspector => "inspector",
            Role::RectificationOwner => "rectification_owner",
            Role::Verifier => "verifier",
            Role::SafetySupervisor => "safety_supervisor",
            Role::Leadership => "leadership",
            Role::Admin => "admin",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    /// The role the user is known by (listed under, and which screen opens first).
    pub role: Role,
    /// Further roles the same person holds: a small station's head inspects, answers for
    /// rectifications and signs. The rules allow what any of the roles allows; who re-checks a
    /// rectification is still never who did it.
    #[serde(default)]
    pub extra_roles: Vec<Role>,
    pub department_id: Option<DepartmentId>,
    /// The site a field user works at; `None` for center-wide roles.
    pub site_id: Option<SiteId>,
    pub active: bool,
}

impl User {
    /// User names: 3–64 characters of lower-case letters, digits, `.`, `_`, `-`.
    pub fn validate(&self) -> Result<(), crate::DomainError> {
        let ok = (3..=64).contains(&self.username.len())
            && self
                .username
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !ok {
            return Err(crate::DomainError::Invalid { detail: "用户名须为 3–64 位小写字母、数字或 . _ - / user names are 3–64 lower-case letters, digits, . _ -".into() });
        }
        limits::required("display_name / 姓名", &self.display_name, limits::NAME)?;
        // Field roles work at a site; center-wide roles do not need one.
        if self.extra_roles.contains(&self.role) {
            return Err(crate::DomainError::Invalid {
                detail: "其他角色不能重复主要角色 / a further role repeats the main role".into(),
            });
        }
        if !self.roles().center_wide() && self.site_id.is_none() {
            return Err(crate::DomainError::MissingField {
                field: "site_id / 所属站点",
            });
        }
        if self.roles().has(Role::RectificationOwner) && self.department_id.is_none() {
            return Err(crate::DomainError::MissingField {
                field: "department_id / 所属科室",
            });
        }
        Ok(())
    }

    pub fn roles(&self) -> Roles<'_> {
        Roles {
            main: self.role,
            extra: &self.extra_roles,
        }
    }
}

/// The roles one person holds: the main one and any further ones. Every capability holds when
/// any of them grants it.
#[derive(Clone, Copy, Debug)]
pub struct Roles<'a> {
    pub main: Role,
    pub extra: &'a [Role],
}

impl Roles<'_> {
    pub fn iter(self) -> impl Iterator<Item = Role> {
        std::iter::once(self.main).chain(self.extra.iter().copied())
    }
    /// Whether any of the roles passes `test` (one loop, compiled once, for every question).
    pub fn any(self, test: &dyn Fn(Role) -> bool) -> bool {
        test(self.main) || self.extra.iter().any(|r| test(*r))
    }
    pub fn has(self, role: Role) -> bool {
        self.main == role || self.extra.contains(&role)
    }
    /// See everything in the center rather than their own site.
    pub fn center_wide(self) -> bool {
        self.any(&Role::center_wide)
    }
    pub fn administers(self) -> bool {
        self.any(&Role::administers)
    }
    pub fn supervises(self) -> bool {
        self.any(&Role::supervises)
    }
    pub fn inspects(self) -> bool {
        self.any(&Role::inspects)
    }
    pub fn reads_reports(self) -> bool {
        self.any(&Role::reads_reports)
    }
    /// Leadership alone reads; it adds no photos of its own.
    pub fn only_reads(self) -> bool {
        !self.any(&|r| r != Role::Leadership)
    }
}

/// Who is acting, as the rules need to know it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    #[serde(default)]
    pub extra_roles: Vec<Role>,
    pub department_id: Option<DepartmentId>,
    pub site_id: Option<SiteId>,
}

impl From<&User> for Actor {
    fn from(u: &User) -> Self {
        Actor {
            user_id: u.id,
            role: u.role,
            extra_roles: u.extra_roles.clone(),
            department_id: u.department_id,
            site_id: u.site_id,
        }
    }
}

impl Actor {
    pub fn roles(&self) -> Roles<'_> {
        Roles {
            main: self.role,
            extra: &self.extra_roles,
        }
    }

    /// May this actor see records of this site and department?
    /// Center-wide roles see everything; a field user sees their own site, and a rectification
    /// owner also sees anything their department answers for.
    pub fn can_see(&self, site: SiteId, department: Option<DepartmentId>) -> bool {
        self.works_at(site) || (department.is_some() && department == self.department_id)
    }

    /// Does this actor work at this site: a center-wide role anywhere, a field user at their own
    /// site? Findings are reported only where one works; a department elsewhere does not count.
    pub fn works_at(&self, site: SiteId) -> bool {
        self.roles().center_wide() || self.site_id == Some(site)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Label;

    fn actor(role: Role, site: Option<SiteId>, dept: Option<DepartmentId>) -> Actor {
        Actor {
            user_id: UserId::nil(),
            role,
            extra_roles: vec![],
            department_id: dept,
            site_id: site,
        }
    }

    #[test]
    fn scope_rules() {
        let s1 = SiteId::from_uuid(crate::ids::stable_uuid("s", "1"));
        let s2 = SiteId::from_uuid(crate::ids::stable_uuid("s", "2"));
        let d1 = DepartmentId::from_uuid(crate::ids::stable_uuid("d", "1"));
        let d2 = DepartmentId::from_uuid(crate::ids::stable_uuid("d", "2"));
        assert!(actor(Role::SafetySupervisor, None, None).can_see(s2, None));
        assert!(actor(Role::Inspector, Some(s1), None).can_see(s1, Some(d2)));
        assert!(!actor(Role::Inspector, Some(s1), None).can_see(s2, Some(d2)));
        assert!(actor(Role::RectificationOwner, Some(s1), Some(d2)).can_see(s2, Some(d2)));
        assert!(!actor(Role::RectificationOwner, Some(s1), Some(d1)).can_see(s2, Some(d2)));
    }

    #[test]
    fn roles_roundtrip_and_label() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert!(!r.zh().is_empty() && !r.en().is_empty());
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn admin_validation() {
        let mut u = User {
            id: UserId::nil(),
            username: "zhang.wei".into(),
            display_name: "张伟".into(),
            role: Role::Inspector,
            extra_roles: vec![],
            department_id: None,
            site_id: Some(SiteId::nil()),
            active: true,
        };
        assert!(u.validate().is_ok());
        u.username = "Zhang Wei".into();
        assert!(u.validate().is_err());
        u.username = "zw1".into();
        u.site_id = None;
        assert_eq!(u.validate().unwrap_err().code(), "missing_field");
        u.role = Role::SafetySupervisor;
        assert!(u.validate().is_ok());
        // A station head: inspector, and owner of the station's rectifications.
        u.role = Role::Inspector;
        u.site_id = Some(SiteId::nil());
        u.extra_roles = vec![Role::RectificationOwner];
        assert_eq!(
            u.validate().unwrap_err().code(),
            "missing_field",
            "an owner's department"
        );
        u.department_id = Some(DepartmentId::nil());
        assert!(u.validate().is_ok());
        u.extra_roles.push(Role::Inspector);
        assert!(u.validate().is_err(), "the main role repeated");
        // Another role that sees the whole center makes the site optional.
        u.extra_roles = vec![Role::Leadership];
        u.site_id = None;
        assert!(u.validate().is_ok());
    }

    #[test]
    fn any_role_grants_its_capabilities() {
        let mut a = actor(Role::Inspector, Some(SiteId::nil()), None);
        assert!(a.roles().inspects() && !a.roles().supervises() && !a.roles().center_wide());
        a.extra_roles = vec![Role::SafetySupervisor];
        assert!(a.roles().inspects() && a.roles().supervises() && a.roles().center_wide());
        assert!(a.roles().has(Role::SafetySupervisor) && !a.roles().has(Role::Admin));
        let other = SiteId::from_uuid(crate::ids::stable_uuid("s", "x"));
        assert!(a.works_at(other));
    }

    #[test]
    fn qr_codes() {
        assert_eq!(Room::code_from_scan(" SR1:abc "), Some("abc"));
        assert_eq!(Room::code_from_scan("http://evil"), None);
        assert_eq!(Room::code_from_scan("SR1:"), None);
    }
}
