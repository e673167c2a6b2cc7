//! Reference data every installation gets (starter checklists, the default campaign), and the
//! demo center loaded on first start when asked (`--demo`).

use saferounds_shared::campaign::default_campaign;
use saferounds_shared::checklist::starter_templates;
use saferounds_shared::i18n::Text;
use saferounds_shared::ids::{BuildingId, DepartmentId, RoomId, SiteId, UserId, stable_uuid};
use saferounds_shared::org::{Building, Department, Role, Room, RoomKind, Site, SiteKind, User};

use crate::db::Db;
use crate::{AppState, auth, store};

pub async fn seed_reference_data(db: &Db) -> anyhow::Result<()> {
    let err = |e: crate::error::AppError| anyhow::anyhow!("{}", e.body().1.message_en);
    for t in starter_templates() {
        store::put_template(db, &t).await.map_err(err)?;
    }
    if store::campaigns(db).await.map_err(err)?.is_empty() {
        store::put_campaign(db, &default_campaign())
            .await
            .map_err(err)?;
    }
    Ok(())
}

pub const DEMO_PASSWORD: &str = "demo1234";

/// (user name, display name, role, site key, department key)
type DemoUser = (
    &'static str,
    &'static str,
    Role,
    Option<&'static str>,
    Option<&'static str>,
);
const DEMO_USERS: &[DemoUser] = &[
    ("admin", "系统管理员", Role::Admin, None, None),
    (
        "supervisor",
        "安全管理员 王敏",
        Role::SafetySupervisor,
        None,
        Some("security"),
    ),
    ("leader", "中心领导 李主任", Role::Leadership, None, None),
    (
        "inspector",
        "巡查员 张伟",
        Role::Inspector,
        Some("east"),
        Some("east"),
    ),
    (
        "inspector_hq",
        "巡查员 刘洋",
        Role::Inspector,
        Some("hq"),
        Some("security"),
    ),
    (
        "owner",
        "整改责任人 陈静",
        Role::RectificationOwner,
        Some("east"),
        Some("east"),
    ),
    (
        "owner_hq",
        "整改责任人 赵磊",
        Role::RectificationOwner,
        Some("hq"),
        Some("logistics"),
    ),
    (
        "verifier",
        "复查人 孙强",
        Role::Verifier,
        Some("east"),
        Some("east"),
    ),
];

pub fn print_logins() {
    println!("演示账号 / demo logins (password 密码: {DEMO_PASSWORD}):");
    for (name, display, role, _, _) in DEMO_USERS {
        println!("  {name:<14} {display}  [{}]", role.as_str());
    }
}

pub fn site_id(key: &str) -> SiteId {
    SiteId::from_uuid(stable_uuid("demo-site", key))
}
pub fn dept_id(key: &str) -> DepartmentId {
    DepartmentId::from_uuid(stable_uuid("demo-dept", key))
}
pub fn user_id(name: &str) -> UserId {
    UserId::from_uuid(stable_uuid("demo-user", name))
}

pub fn admin_user(username: &str, display_name: &str) -> User {
    User {
        id: UserId::from_uuid(uuid::Uuid::now_v7()),
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        role: Role::Admin,
        extra_roles: vec![],
        department_id: None,
        site_id: None,
        active: true,
    }
}

/// Sites, departments, buildings, rooms and users of the demo center.
pub type DemoOrg = (
    Vec<Site>,
    Vec<Department>,
    Vec<Building>,
    Vec<Room>,
    Vec<User>,
);

/// The demo center: a headquarters and two stations, their departments, their rooms and
/// ambulances, one user per role.
pub fn demo_org() -> DemoOrg {
    let sites = vec![
        Site {
            id: site_id("hq"),
            name: Text::new("中心总部", "Headquarters"),
            kind: SiteKind::Headquarters,
            address: "市中心路 120 号".into(),
        },
        Site {
            id: site_id("east"),
            name: Text::new("城东急救站", "East station"),
            kind: SiteKind::Station,
            address: "东环路 18 号".into(),
        },
        Site {
            id: site_id("west"),
            name: Text::new("城西急救站", "West station"),
            kind: SiteKind::Station,
            address: "西山路 7 号".into(),
        },
    ];
    let d = |k: &str, zh: &str, en: &str, site: Option<&str>| Department {
        id: dept_id(k),
        name: Text::new(zh, en),
        site_id: site.map(site_id),
    };
    let departments = vec![
        d("dispatch", "调度科", "Dispatch", None),
        d("it", "信息科", "IT", None),
        d("office", "办公室", "General office", None),
        d("logistics", "后勤保障科", "Logistics", None),
        d("vehicles", "车管科", "Vehicle management", None),
        d("pharmacy", "药械科", "Medicines and equipment", None),
        d("security", "安全保卫科", "Safety and security", None),
        d("east", "城东急救站", "East station", Some("east")),
        d("west", "城西急救站", "West station", Some("west")),
    ];
    let b = |site: &str, zh: &str, en: &str, floors: &[&str]| Building {
        id: BuildingId::from_uuid(stable_uuid("demo-building", site)),
        site_id: site_id(site),
        name: Text::new(zh, en),
        floors: floors.iter().map(|f| f.to_string()).collect(),
    };
    let buildings = vec![
        b(
            "hq",
            "综合楼",
            "Main building",
            &["B1", "1F", "2F", "3F", "4F", "5F"],
        ),
        b("east", "站房", "Station building", &["1F", "2F"]),
        b("west", "站房", "Station building", &["1F", "2F"]),
    ];
    let mut rooms = Vec::new();
    let mut room = |site: &str, floor: &str, zh: &str, en: &str, kind: RoomKind, dept: &str| {
        let key = format!("{site}/{floor}/{zh}");
        let id = RoomId::from_uuid(stable_uuid("demo-room", &key));
        rooms.push(Room {
            id,
            site_id: site_id(site),
            building_id: BuildingId::from_uuid(stable_uuid("demo-building", site)),
            floor: floor.into(),
            name: Text::new(zh, en),
            kind,
            key_location: kind.key_by_default(),
            department_id: dept_id(dept),
            qr_code: id.0.simple().to_string()[..12].to_owned(),
        });
    };
    use RoomKind::*;
    room(
        "hq",
        "1F",
        "调度大厅",
        "Dispatch hall",
        DispatchHall,
        "dispatch",
    );
    room(
        "hq",
        "1F",
        "消防控制室",
        "Fire control room",
        FireControlRoom,
        "security",
    );
    room("hq", "2F", "中心机房", "Server room", ServerRoom, "it");
    room(
        "hq",
        "2F",
        "通信机房",
        "Communications room",
        ServerRoom,
        "it",
    );
    room(
        "hq",
        "B1",
        "配电室",
        "Distribution room",
        DistributionRoom,
        "logistics",
    );
    // Oxygen is kept above ground, with its own ventilation: never in a basement.
    room(
        "hq",
        "1F",
        "氧气瓶存放间",
        "Oxygen cylinder store",
        OxygenStore,
        "pharmacy",
    );
    room(
        "hq",
        "B1",
        "UPS 蓄电池室",
        "UPS battery room",
        UpsRoom,
        "it",
    );
    room(
        "hq",
        "B1",
        "柴油发电机房",
        "Diesel generator room",
        GeneratorRoom,
        "logistics",
    );
    room(
        "hq",
        "1F",
        "药品库",
        "Medicine store",
        MedicineStore,
        "pharmacy",
    );
    room(
        "hq",
        "B1",
        "地下车库",
        "Underground garage",
        Garage,
        "vehicles",
    );
    room(
        "hq",
        "1F",
        "洗消间",
        "Decontamination room",
        DeconRoom,
        "vehicles",
    );
    room("hq", "3F", "档案室", "Archive room", ArchiveRoom, "office");
    room("hq", "3F", "办公室 301", "Office 301", Office, "office");
    room("hq", "3F", "办公室 302", "Office 302", Office, "dispatch");
    room("hq", "3F", "会议室", "Meeting room", Office, "office");
    room(
        "hq",
        "4F",
        "值班宿舍 401",
        "Duty dormitory 401",
        Dormitory,
        "dispatch",
    );
    room(
        "hq",
        "4F",
        "值班宿舍 402",
        "Duty dormitory 402",
        Dormitory,
        "dispatch",
    );
    room(
        "hq",
        "4F",
        "值班宿舍 403",
        "Duty dormitory 403",
        Dormitory,
        "vehicles",
    );
    room(
        "hq",
        "1F",
        "职工食堂厨房",
        "Canteen kitchen",
        Kitchen,
        "logistics",
    );
    room(
        "hq",
        "1F",
        "一楼走廊及楼梯间",
        "Ground-floor corridor and stairs",
        Corridor,
        "security",
    );
    room(
        "hq",
        "4F",
        "四楼走廊",
        "Fourth-floor corridor",
        Corridor,
        "security",
    );
    room("hq", "5F", "培训教室", "Training room", Office, "office");
    for (site, dept) in [("east", "east"), ("west", "west")] {
        room(site, "1F", "值班调度室", "Duty room", DispatchHall, dept);
        room(site, "1F", "车库", "Garage", Garage, dept);
        room(
            site,
            "1F",
            "氧气瓶存放间",
            "Oxygen cylinder store",
            OxygenStore,
            dept,
        );
        room(site, "1F", "药品库", "Medicine store", MedicineStore, dept);
        room(
            site,
            "1F",
            "配电间",
            "Distribution room",
            DistributionRoom,
            dept,
        );
        room(site, "1F", "厨房", "Kitchen", Kitchen, dept);
        // Each station's ambulance is an inspection unit of its own (its QR label inside).
        let plate = if site == "east" {
            "沪A·12001"
        } else {
            "沪A·12002"
        };
        room(
            site,
            "车库",
            &format!("救护车 {plate}"),
            &format!("Ambulance {plate}"),
            Vehicle,
            dept,
        );
        room(
            site,
            "2F",
            "值班宿舍（男）",
            "Duty dormitory (men)",
            Dormitory,
            dept,
        );
        room(
            site,
            "2F",
            "值班宿舍（女）",
            "Duty dormitory (women)",
            Dormitory,
            dept,
        );
        room(site, "2F", "站长办公室", "Station office", Office, dept);
    }
    let users = DEMO_USERS
        .iter()
        .map(|(name, display, role, site, dept)| User {
            id: user_id(name),
            username: (*name).into(),
            display_name: (*display).into(),
            role: *role,
            extra_roles: vec![],
            department_id: dept.map(dept_id),
            site_id: site.map(site_id),
            active: true,
        })
        .collect();
    (sites, departments, buildings, rooms, users)
}

pub async fn load(state: &AppState) -> anyhow::Result<()> {
    let err = |e: crate::error::AppError| anyhow::anyhow!("{}", e.body().1.message_en);
    let db = &state.db;
    let (sites, departments, buildings, rooms, users) = demo_org();
    for s in &sites {
        store::put_site(db, s).await.map_err(err)?;
    }
    for d in &departments {
        store::put_department(db, d).await.map_err(err)?;
    }
    for b in &buildings {
        store::put_building(db, b).await.map_err(err)?;
    }
    for r in &rooms {
        store::put_room(db, r).await.map_err(err)?;
    }
    let hash = auth::hash_password(DEMO_PASSWORD)?;
    for u in &users {
        store::put_user(db, u, &hash).await.map_err(err)?;
    }
    tracing::info!(
        rooms = rooms.len(),
        users = users.len(),
        "demo center loaded"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn demo_org_has_what_the_walk_through_needs() {
        let (sites, departments, _, rooms, users) = demo_org();
        assert_eq!(sites.len(), 3);
        assert!(rooms.len() >= 30);
        for r in &rooms {
            assert!(departments.iter().any(|d| d.id == r.department_id));
        }
        let mut codes: HashSet<&String> = HashSet::new();
        for r in &rooms {
            assert!(
                codes.insert(&r.qr_code),
                "QR codes are unique: {} again",
                r.name.zh
            );
        }
        for role in Role::ALL {
            assert!(users.iter().any(|u| u.role == role), "no demo {role:?}");
        }
        for kind in [
            RoomKind::DispatchHall,
            RoomKind::ServerRoom,
            RoomKind::OxygenStore,
            RoomKind::Garage,
            RoomKind::Dormitory,
            RoomKind::DistributionRoom,
        ] {
            assert!(rooms.iter().any(|r| r.kind == kind));
        }
    }
}
