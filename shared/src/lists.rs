//! The two lists (两个清单): the problem/hazard list, as filterable views over hazards, and the
//! institutional-measures list (制度措施清单).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::checklist::Category;
use crate::hazard::{Grade, Hazard, Status};
use crate::ids::{CampaignId, DepartmentId, HazardId, MeasureId, SiteId, UserId};
use crate::labels;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// 建立: a new rule or mechanism.
    Create,
    /// 修订: amend an existing one.
    Amend,
}

crate::json_unit_enum!(MeasureKind {
    Create: "create",
    Amend: "amend"
});
labels!(MeasureKind { Create => ("建立", "Create"), Amend => ("修订", "Amend") });

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    Planned,
    InProgress,
    Done,
    Cancelled,
}

crate::json_unit_enum!(MeasureStatus {
    Planned: "planned",
    InProgress: "in_progress",
    Done: "done",
    Cancelled: "cancelled"
});
labels!(MeasureStatus {
    Planned => ("未开始", "Planned"),
    InProgress => ("推进中", "In progress"),
    Done => ("已完成", "Done"),
    Cancelled => ("已取消", "Cancelled"),
});

/// One row of the institutional-measures list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measure {
    pub id: MeasureId,
    pub campaign_id: Option<CampaignId>,
    pub title: String,
    pub kind: MeasureKind,
    pub description: String,
    pub department_id: DepartmentId,
    pub owner_id: Option<UserId>,
    pub deadline: NaiveDate,
    pub status: MeasureStatus,
    /// The hazards that revealed the need.
    pub hazard_ids: Vec<HazardId>,
    pub done_on: Option<NaiveDate>,
    pub version: u64,
}

crate::json_struct!(Measure {
    id,
    campaign_id,
    title,
    kind,
    description,
    department_id,
    owner_id,
    deadline,
    status,
    hazard_ids,
    done_on,
    version
});

impl Measure {
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        matches!(
            self.status,
            MeasureStatus::Planned | MeasureStatus::InProgress
        ) && today > self.deadline
    }
    pub fn validate(&self) -> Result<(), crate::DomainError> {
        use crate::limits;
        limits::required("title / 名称", &self.title, limits::MEDIUM)?;
        limits::text("description / 说明", &self.description, limits::LONG)?;
        if self.status == MeasureStatus::Done && self.done_on.is_none() {
            return Err(crate::DomainError::MissingField {
                field: "done_on / 完成日期",
            });
        }
        Ok(())
    }
}

/// Timetable and roadmap (时间表、路线图): measures grouped by the month of their deadline.
pub fn timetable(measures: &[Measure]) -> Vec<(String, Vec<&Measure>)> {
    let mut by: std::collections::BTreeMap<String, Vec<&Measure>> = Default::default();
    for m in measures
        .iter()
        .filter(|m| m.status != MeasureStatus::Cancelled)
    {
        by.entry(m.deadline.format("%Y-%m").to_string())
            .or_default()
            .push(m);
    }
    by.into_iter().collect()
}

/// Above this many matches a ledger page reports "at least" instead of counting them all.
pub const LEDGER_COUNT_CAP: i64 = 10_000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    FoundDesc,
    FoundAsc,
    DeadlineAsc,
    DeadlineDesc,
}

crate::json_unit_enum!(SortKey {
    FoundDesc: "found_desc",
    FoundAsc: "found_asc",
    DeadlineAsc: "deadline_asc",
    DeadlineDesc: "deadline_desc"
});

/// A view over the hazard list: the ledger's filters. Every field narrows; `None` means any.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HazardFilter {
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub grade: Option<Grade>,
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub department_id: Option<DepartmentId>,
    #[serde(default)]
    pub site_id: Option<SiteId>,
    /// Found within these dates (a campaign phase), inclusive.
    #[serde(default)]
    pub found_from: Option<NaiveDate>,
    #[serde(default)]
    pub found_to: Option<NaiveDate>,
    #[serde(default)]
    pub overdue: Option<bool>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub sort: SortKey,
}

crate::json_struct!(HazardFilter { status = Default::default(), grade = Default::default(), category = Default::default(), department_id = Default::default(), site_id = Default::default(), found_from = Default::default(), found_to = Default::default(), overdue = Default::default(), text = Default::default(), sort = Default::default() });

impl HazardFilter {
    /// The reference meaning of the filter; the server's SQL must agree with it (tested).
    pub fn matches(&self, h: &Hazard, today: NaiveDate) -> bool {
        self.status.is_none_or(|s| h.status == s)
            && self.grade.is_none_or(|g| h.grade == g)
            && self.category.is_none_or(|c| h.category == c)
            && self
                .department_id
                .is_none_or(|d| h.department_id == Some(d))
            && self.site_id.is_none_or(|s| h.site_id == s)
            && self.found_from.is_none_or(|f| h.found_on >= f)
            && self.found_to.is_none_or(|t| h.found_on <= t)
            && self.overdue.is_none_or(|o| h.is_overdue(today) == o)
            && self
                .text
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .is_none_or(|t| h.mentions(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hazard::tests_support::sample;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn filters_narrow() {
        let mut h = sample(d(11, 1));
        h.status = Status::Rectifying;
        h.deadline = Some(d(11, 10));
        let today = d(11, 20);
        assert!(HazardFilter::default().matches(&h, today));
        assert!(
            HazardFilter {
                overdue: Some(true),
                ..Default::default()
            }
            .matches(&h, today)
        );
        assert!(
            !HazardFilter {
                overdue: Some(false),
                ..Default::default()
            }
            .matches(&h, today)
        );
        assert!(
            HazardFilter {
                text: Some("老化".into()),
                ..Default::default()
            }
            .matches(&h, today)
        );
        assert!(
            !HazardFilter {
                text: Some("氧气".into()),
                ..Default::default()
            }
            .matches(&h, today)
        );
        assert!(
            !HazardFilter {
                grade: Some(Grade::Major),
                ..Default::default()
            }
            .matches(&h, today)
        );
        assert!(
            !HazardFilter {
                found_from: Some(d(11, 2)),
                ..Default::default()
            }
            .matches(&h, today)
        );
    }

    #[test]
    fn timetable_groups_by_month() {
        let m = |t: &str, dl: NaiveDate, s| Measure {
            id: MeasureId::nil(),
            campaign_id: None,
            title: t.into(),
            kind: MeasureKind::Create,
            description: String::new(),
            department_id: DepartmentId::nil(),
            owner_id: None,
            deadline: dl,
            status: s,
            hazard_ids: vec![],
            done_on: None,
            version: 1,
        };
        let ms = vec![
            m("用电管理制度", d(3, 1), MeasureStatus::Planned),
            m("氧气瓶管理", d(3, 20), MeasureStatus::InProgress),
            m("x", d(4, 1), MeasureStatus::Cancelled),
        ];
        let t = timetable(&ms);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].0, "2026-03");
        assert_eq!(t[0].1.len(), 2);
        assert!(ms[0].is_overdue(d(3, 2)));
        assert!(ms[1].validate().is_ok());
    }
}

/// The ledger's columns (台账), in the order the center's forms use, with their English names.
pub const LEDGER_COLUMNS: [(&str, &str); 24] = [
    ("编号", "No."),
    ("排查日期", "Found on"),
    ("排查人", "Found by"),
    ("科室/站点", "Department / station"),
    ("部位（楼-层-房间）", "Location (building-floor-room)"),
    ("类别", "Category"),
    ("隐患描述", "Description"),
    ("照片", "Photos"),
    ("等级", "Grade"),
    ("依据", "Basis"),
    ("当场整改", "Fixed on the spot"),
    ("整改措施", "Measures"),
    ("责任人", "Responsible person"),
    ("整改时限", "Deadline"),
    ("期间防范措施", "Interim precautions"),
    ("整改资金（元）", "Funds (yuan)"),
    ("整改完成情况", "Rectification"),
    ("整改后照片", "After photos"),
    ("复查人", "Re-checked by"),
    ("复查日期", "Re-check date"),
    ("复查结论", "Re-check result"),
    ("销号日期", "Closed on"),
    ("状态", "Status"),
    ("备注", "Remark"),
];

/// Names the ledger shows for ids.
pub trait Names {
    fn person(&self, id: crate::ids::UserId) -> String;
    fn department(&self, id: DepartmentId) -> String;
    fn location(&self, id: crate::ids::RoomId) -> String;
}

/// One ledger cell: text, or photos (an export links them).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Photos(Vec<crate::ids::PhotoHash>),
}

/// A hazard as one ledger row, in [`LEDGER_COLUMNS`] order.
pub fn ledger_row(h: &Hazard, names: &dyn Names, lang: crate::Lang) -> Vec<Cell> {
    use crate::i18n::Label;
    let t = |s: String| Cell::Text(s);
    let yes_no = |b: bool| t(if b { "是" } else { "否" }.to_string());
    let opt = |s: &Option<String>| t(s.clone().unwrap_or_default());
    let date = |d: Option<NaiveDate>| t(d.map(|d| d.to_string()).unwrap_or_default());
    vec![
        t(h.number()),
        t(h.found_on.to_string()),
        t(names.person(h.reported_by)),
        t(h.department_id
            .map(|d| names.department(d))
            .unwrap_or_default()),
        t(h.room_id.map(|r| names.location(r)).unwrap_or_default()),
        t(h.category.label(lang).to_owned()),
        t(h.description.clone()),
        Cell::Photos(h.photos_before.clone()),
        t(h.grade.label(lang).to_owned()),
        t(h.basis.clone()),
        yes_no(h.fixed_on_spot),
        opt(&h.measures),
        t(h.owner_id.map(|u| names.person(u)).unwrap_or_default()),
        date(h.deadline),
        opt(&h.interim_precautions),
        t(h.funds.yuan()),
        opt(&h.rectification),
        Cell::Photos(h.photos_after.clone()),
        t(h.recheck
            .as_ref()
            .map(|r| names.person(r.by))
            .unwrap_or_default()),
        date(h.recheck.as_ref().map(|r| r.on)),
        t(h.recheck
            .as_ref()
            .map(|r| if r.passed { "通过" } else { "不通过" }.to_string())
            .unwrap_or_default()),
        date(h.closed_on),
        t(h.status.label(lang).to_owned()),
        t([
            h.remark.clone(),
            h.void_reason.clone().map(|r| format!("作废原因：{r}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("；")),
    ]
}

#[cfg(test)]
mod ledger_tests {
    use super::*;
    use crate::hazard::tests_support::sample;

    struct N;
    impl Names for N {
        fn person(&self, _: crate::ids::UserId) -> String {
            "张伟".into()
        }
        fn department(&self, _: DepartmentId) -> String {
            "城东急救站".into()
        }
        fn location(&self, _: crate::ids::RoomId) -> String {
            "站房-1F-车库".into()
        }
    }

    #[test]
    fn a_row_fills_every_column() {
        let mut h = sample(NaiveDate::from_ymd_opt(2026, 11, 2).unwrap());
        h.measures = Some("更换".into());
        let row = ledger_row(&h, &N, crate::Lang::Zh);
        assert_eq!(row.len(), LEDGER_COLUMNS.len());
        assert_eq!(row[6], Cell::Text("电线老化".into()));
        assert_eq!(row[11], Cell::Text("更换".into()));
        assert_eq!(row[22], Cell::Text("已上报".into()));
        assert!(matches!(&row[0], Cell::Text(n) if n.starts_with("YH20261102-")));
    }
}
