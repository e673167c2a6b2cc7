//! The two lists (两个清单): the problem/hazard list, as filterable views over hazards, and the
//! institutional-measures list (制度措施清单).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::checklist::Category;
use crate::hazard::{Grade, Hazard, Status};
use crate::ids::{CampaignId, DepartmentId, HazardId, MeasureId, SiteId, UserId};
use crate::labels;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// 建立: a new rule or mechanism.
    Create,
    /// 修订: amend an existing one.
    Amend,
}

labels!(MeasureKind { Create => ("建立", "Create"), Amend => ("修订", "Amend") });

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    Planned,
    InProgress,
    Done,
    Cancelled,
}

labels!(MeasureStatus {
    Planned => ("未开始", "Planned"),
    InProgress => ("推进中", "In progress"),
    Done => ("已完成", "Done"),
    Cancelled => ("已取消", "Cancelled"),
});

/// One row of the institutional-measures list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
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

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    FoundDesc,
    FoundAsc,
    DeadlineAsc,
    DeadlineDesc,
}

/// A view over the hazard list: the ledger's filters. Every field narrows; `None` means any.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, crate::Json)]
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

/// The ledger's query string (`GET /api/v1/hazards`, `/api/v1/export/ledger.xlsx`): the filters
/// of [`HazardFilter`] with a campaign phase instead of dates, a sort and a page. The server reads
/// it, its OpenAPI parameters are derived from it, and the desk writes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct LedgerQuery {
    pub status: Option<Status>,
    pub grade: Option<Grade>,
    pub category: Option<Category>,
    pub department_id: Option<DepartmentId>,
    pub site_id: Option<SiteId>,
    pub phase_id: Option<crate::ids::PhaseId>,
    pub found_from: Option<NaiveDate>,
    pub found_to: Option<NaiveDate>,
    pub overdue: Option<bool>,
    /// Words the description, measures or remark contain (at most 200 characters are used).
    pub text: Option<String>,
    #[serde(default)]
    pub sort: SortKey,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(value_type = u64, minimum = 0, maximum = 4294967295_u64)
    )]
    pub offset: u32,
    /// Rows per page (at most 500 are given; 50 when absent).
    #[cfg_attr(
        feature = "openapi",
        param(value_type = Option<u64>, minimum = 0, maximum = 4294967295_u64)
    )]
    pub limit: Option<u32>,
}

impl LedgerQuery {
    /// Rows per page when the query names none, and the most it may ask for.
    pub const PAGE: u32 = 50;
    pub const MAX_PAGE: u32 = 500;

    /// The filter this query means, its dates clipped to its phase (one of `phases`); `None`
    /// when it names a phase that is not among them.
    pub fn filter<'a>(
        &self,
        phases: impl IntoIterator<Item = &'a crate::campaign::Phase>,
    ) -> Option<HazardFilter> {
        let mut f = HazardFilter {
            status: self.status,
            grade: self.grade,
            category: self.category,
            department_id: self.department_id,
            site_id: self.site_id,
            found_from: self.found_from,
            found_to: self.found_to,
            overdue: self.overdue,
            text: self.text.clone().filter(|t| t.len() <= 200),
            sort: self.sort,
        };
        if let Some(id) = self.phase_id {
            let p = phases.into_iter().find(|p| p.id == id)?;
            f.found_from = Some(f.found_from.map_or(p.starts_on, |d| d.max(p.starts_on)));
            f.found_to = Some(f.found_to.map_or(p.ends_on, |d| d.min(p.ends_on)));
        }
        Some(f)
    }

    /// The page asked for: (offset, rows), the rows within 1..=500.
    pub fn page(&self) -> (i64, i64) {
        let limit = self.limit.unwrap_or(Self::PAGE).clamp(1, Self::MAX_PAGE);
        (i64::from(self.offset), i64::from(limit))
    }
}

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

    /// A phase narrows the dates to itself (within any dates also given); an unknown phase is
    /// no filter at all; a page is 50 rows unless asked, never more than 500.
    #[test]
    fn a_ledger_query_clips_to_its_phase() {
        let campaign = crate::campaign::default_campaign();
        let p = &campaign.phases[1];
        let q = LedgerQuery {
            phase_id: Some(p.id),
            found_from: Some(p.starts_on.pred_opt().unwrap()),
            found_to: Some(p.starts_on.succ_opt().unwrap()),
            text: Some("插线板".into()),
            ..LedgerQuery::default()
        };
        let f = q.filter(&campaign.phases).unwrap();
        assert_eq!(f.found_from, Some(p.starts_on));
        assert_eq!(f.found_to, Some(p.starts_on.succ_opt().unwrap()));
        assert_eq!(f.text.as_deref(), Some("插线板"));
        let whole = LedgerQuery {
            phase_id: Some(p.id),
            ..LedgerQuery::default()
        };
        let f = whole.filter(&campaign.phases).unwrap();
        assert_eq!(
            (f.found_from, f.found_to),
            (Some(p.starts_on), Some(p.ends_on))
        );
        let elsewhere = LedgerQuery {
            phase_id: Some(crate::ids::PhaseId::from_uuid(crate::ids::stable_uuid(
                "p", "x",
            ))),
            ..LedgerQuery::default()
        };
        assert_eq!(elsewhere.filter(&campaign.phases), None);
        assert_eq!(LedgerQuery::default().page(), (0, 50));
        let big = LedgerQuery {
            offset: 100,
            limit: Some(10_000),
            ..LedgerQuery::default()
        };
        assert_eq!(big.page(), (100, 500));
        // Text longer than 200 bytes is no filter.
        let long = LedgerQuery {
            text: Some("长".repeat(100)),
            ..LedgerQuery::default()
        };
        assert_eq!(long.filter(&campaign.phases).unwrap().text, None);
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
pub const LEDGER_COLUMNS: [(&str, &str); 33] = [
    ("序号", "#"),
    ("编号", "No."),
    ("隐患来源", "Source"),
    ("排查日期", "Found on"),
    ("排查人", "Found by"),
    ("所在科室", "Department where found"),
    (
        "部位（站点·楼·层·房间）",
        "Place (site · building · floor · room)",
    ),
    ("类别", "Category"),
    ("隐患描述", "Description"),
    ("照片", "Photos"),
    ("等级", "Grade"),
    ("依据", "Basis"),
    ("当场整改", "Fixed on the spot"),
    ("整改责任科室", "Responsible department"),
    ("整改责任人", "Responsible person"),
    ("整改措施", "Measures"),
    ("期间防范措施", "Interim precautions"),
    ("整改方案审批人", "Plan approved by"),
    ("原定时限", "Original deadline"),
    ("延期次数", "Extensions"),
    ("整改时限", "Deadline"),
    ("逾期天数", "Days overdue"),
    ("整改资金（元）", "Funds (yuan)"),
    ("整改完成情况", "Rectification"),
    ("整改人", "Rectified by"),
    ("整改完成时间", "Rectified on"),
    ("整改后照片", "After photos"),
    ("复查人", "Re-checked by"),
    ("复查日期", "Re-check date"),
    ("复查结论", "Re-check result"),
    ("销号日期", "Closed on"),
    ("状态", "Status"),
    ("备注", "Remark"),
];

/// Names the ledger shows for ids, and what it looks up about a hazard's room and round.
pub trait Names {
    fn person(&self, id: crate::ids::UserId) -> String;
    fn department(&self, id: DepartmentId) -> String;
    /// 站点·楼·层·房间.
    fn location(&self, id: crate::ids::RoomId) -> String;
    /// The department a room belongs to (where a hazard was found).
    fn room_department(&self, id: crate::ids::RoomId) -> Option<DepartmentId>;
    /// The inspection type of a round (what found a hazard).
    fn round_type(&self, id: crate::ids::RoundId) -> Option<crate::checklist::InspectionType>;
}

/// One ledger cell: text, a number (a spreadsheet can add it up), or photos.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Photos(Vec<crate::ids::PhotoHash>),
}

/// Where a hazard came from (隐患来源): the kind of round that found it, or 随手拍 — a report
/// made outside any round.
pub fn source_label(
    round_type: Option<crate::checklist::InspectionType>,
    lang: crate::Lang,
) -> &'static str {
    use crate::checklist::InspectionType::*;
    let (zh, en) = match round_type {
        Some(DailyPatrol) => ("日常巡查", "Daily patrol"),
        Some(PeriodicCheck) => ("防火检查", "Fire check"),
        Some(ExtinguisherMonthly) => ("灭火器月检", "Extinguisher check"),
        None => ("随手拍", "Ad-hoc report"),
    };
    match lang {
        crate::Lang::Zh => zh,
        crate::Lang::En => en,
    }
}

/// A hazard as one ledger row, in [`LEDGER_COLUMNS`] order; `index` is its 序号 (from 1) and
/// `today` the center's day (days overdue).
pub fn ledger_row(
    h: &Hazard,
    index: usize,
    names: &dyn Names,
    lang: crate::Lang,
    today: NaiveDate,
) -> Vec<Cell> {
    use crate::i18n::Label;
    let t = |s: String| Cell::Text(s);
    let yes_no = |b: bool| t(if b { "是" } else { "否" }.to_string());
    let opt = |s: &Option<String>| t(s.clone().unwrap_or_default());
    let date = |d: Option<NaiveDate>| t(d.map(|d| d.to_string()).unwrap_or_default());
    let person = |u: Option<crate::ids::UserId>| t(u.map(|u| names.person(u)).unwrap_or_default());
    let department =
        |d: Option<DepartmentId>| t(d.map(|d| names.department(d)).unwrap_or_default());
    let overdue_days = h
        .deadline
        .filter(|_| h.is_overdue(today))
        .map_or(0, |d| (today - d).num_days());
    vec![
        Cell::Number(index as f64),
        t(h.number()),
        t(source_label(h.round_id.and_then(|r| names.round_type(r)), lang).to_owned()),
        t(h.found_on.to_string()),
        person(Some(h.reported_by)),
        department(h.room_id.and_then(|r| names.room_department(r))),
        t(h.room_id.map(|r| names.location(r)).unwrap_or_default()),
        t(h.category.label(lang).to_owned()),
        t(h.description.clone()),
        Cell::Photos(h.photos_before.clone()),
        t(h.grade.label(lang).to_owned()),
        t(h.basis.clone()),
        yes_no(h.fixed_on_spot),
        department(h.department_id),
        person(h.owner_id),
        opt(&h.measures),
        opt(&h.interim_precautions),
        opt(&h.plan_approved_by),
        date(h.original_deadline),
        Cell::Number(f64::from(h.extensions_granted)),
        date(h.deadline),
        Cell::Number(overdue_days as f64),
        Cell::Number(h.funds.get() as f64 / 100.0),
        opt(&h.rectification),
        person(h.rectified_by),
        date(h.rectified_on),
        Cell::Photos(h.photos_after.clone()),
        person(h.recheck.as_ref().map(|r| r.by)),
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
            "城东急救站 · 站房 · 1F · 车库".into()
        }
        fn room_department(&self, _: crate::ids::RoomId) -> Option<DepartmentId> {
            Some(DepartmentId::nil())
        }
        fn round_type(&self, _: crate::ids::RoundId) -> Option<crate::checklist::InspectionType> {
            Some(crate::checklist::InspectionType::DailyPatrol)
        }
    }

    #[test]
    fn a_row_fills_every_column() {
        let found = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let mut h = sample(found);
        h.measures = Some("更换".into());
        h.funds = crate::ids::Fen::parse(123_456).unwrap();
        h.deadline = Some(found);
        h.original_deadline = Some(found - chrono::Days::new(10));
        h.extensions_granted = 1;
        h.room_id = Some(crate::ids::RoomId::nil());
        let today = found + chrono::Days::new(3);
        let row = ledger_row(&h, 7, &N, crate::Lang::Zh, today);
        assert_eq!(row.len(), LEDGER_COLUMNS.len());
        let col = |name: &str| {
            let i = LEDGER_COLUMNS.iter().position(|c| c.0 == name).unwrap();
            row[i].clone()
        };
        assert_eq!(col("序号"), Cell::Number(7.0));
        assert_eq!(col("隐患描述"), Cell::Text("电线老化".into()));
        assert_eq!(col("整改措施"), Cell::Text("更换".into()));
        assert_eq!(col("状态"), Cell::Text("已上报".into()));
        assert_eq!(
            col("整改资金（元）"),
            Cell::Number(1234.56),
            "a number Excel can add up"
        );
        assert_eq!(col("逾期天数"), Cell::Number(3.0));
        assert_eq!(col("延期次数"), Cell::Number(1.0));
        assert_eq!(col("原定时限"), Cell::Text("2026-10-23".into()));
        assert_eq!(col("所在科室"), Cell::Text("城东急救站".into()));
        assert_eq!(
            col("部位（站点·楼·层·房间）"),
            Cell::Text("城东急救站 · 站房 · 1F · 车库".into())
        );
        assert!(matches!(col("编号"), Cell::Text(n) if n.starts_with("YH20261102-")));
        assert_eq!(source_label(None, crate::Lang::Zh), "随手拍");
    }
}
