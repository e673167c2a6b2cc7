//! Campaigns and phases as data, and the statistics the plan reports: found, closed, overdue,
//! closure rate, median days to close, funds, by phase, department, category or grade.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::hazard::{Facts, Status};
use crate::i18n::Text;
use crate::ids::{CampaignId, Fen, PhaseId, stable_uuid};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Phase {
    pub id: PhaseId,
    pub name: Text,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    pub id: CampaignId,
    pub name: Text,
    pub phases: Vec<Phase>,
}

impl Campaign {
    /// The campaign a report speaks of by default: the one under way on `today`, else the one
    /// that started last.
    pub fn current(campaigns: &[Campaign], today: NaiveDate) -> Option<&Campaign> {
        campaigns
            .iter()
            .find(|c| c.covers(today))
            .or_else(|| campaigns.iter().max_by_key(|c| c.starts_on()))
    }

    /// Does `day` fall within the campaign (its first phase's start to its last phase's end)?
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.starts_on().is_some_and(|s| day >= s) && self.ends_on().is_some_and(|e| day <= e)
    }

    pub fn starts_on(&self) -> Option<NaiveDate> {
        self.phases.iter().map(|p| p.starts_on).min()
    }
    pub fn ends_on(&self) -> Option<NaiveDate> {
        self.phases.iter().map(|p| p.ends_on).max()
    }
    /// The phase a date falls in (inclusive bounds).
    pub fn phase_on(&self, day: NaiveDate) -> Option<&Phase> {
        self.phases
            .iter()
            .find(|p| p.starts_on <= day && day <= p.ends_on)
    }
    /// Phases must not overlap and each must end on or after it starts.
    pub fn validate(&self) -> Result<(), crate::DomainError> {
        crate::limits::name("name / 名称", &self.name)?;
        for p in &self.phases {
            crate::limits::name("phases[].name / 阶段名称", &p.name)?;
        }
        let mut ps: Vec<&Phase> = self.phases.iter().collect();
        ps.sort_by_key(|p| p.starts_on);
        for p in &ps {
            if p.ends_on < p.starts_on {
                return Err(crate::DomainError::Invalid {
                    detail: format!(
                        "阶段“{}”结束早于开始 / phase ends before it starts",
                        p.name.zh
                    ),
                });
            }
        }
        for w in ps.windows(2) {
            if w[1].starts_on <= w[0].ends_on {
                return Err(crate::DomainError::Invalid {
                    detail: "阶段时间重叠 / phases overlap".into(),
                });
            }
        }
        Ok(())
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid literal date")
}

/// The plan's campaign: 专项整治三年行动, four phases from August 2020 to December 2022.
pub fn default_campaign() -> Campaign {
    let phase = |key: &str, zh: &str, en: &str, s: NaiveDate, e: NaiveDate| Phase {
        id: PhaseId::from_uuid(stable_uuid("phase", key)),
        name: Text::new(zh, en),
        starts_on: s,
        ends_on: e,
    };
    Campaign {
        id: CampaignId::from_uuid(stable_uuid("campaign", "three-year-2020")),
        name: Text::new(
            "安全生产专项整治三年行动",
            "Three-year work-safety rectification campaign",
        ),
        phases: vec![
            phase(
                "mobilization",
                "动员部署",
                "Mobilization",
                date(2020, 8, 1),
                date(2020, 8, 31),
            ),
            phase(
                "investigation",
                "排查整治",
                "Investigation and rectification",
                date(2020, 9, 1),
                date(2020, 12, 31),
            ),
            phase(
                "attack",
                "集中攻坚",
                "Concentrated attack",
                date(2021, 1, 1),
                date(2021, 12, 31),
            ),
            phase(
                "consolidation",
                "巩固提升",
                "Consolidation",
                date(2022, 1, 1),
                date(2022, 12, 31),
            ),
        ],
    }
}

/// One row of statistics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatRow {
    pub found: u32,
    pub closed: u32,
    pub open: u32,
    pub overdue: u32,
    pub major: u32,
    pub fixed_on_spot: u32,
    pub funds: Fen,
    pub median_days_to_close: Option<f64>,
}

impl StatRow {
    /// 整改率: closed over found (voided hazards are not counted as found); none when nothing
    /// was found (shown "—": 0 of 0 is no 100%).
    pub fn closure_rate(&self) -> Option<f64> {
        (self.found > 0).then(|| f64::from(self.closed) / f64::from(self.found))
    }
}

/// Statistics grouped by a key the caller chooses (department, phase, category, grade…).
/// Voided hazards are left out: they were mistakes.
/// Computed over whole hazards or over their ledger columns ([`Facts`]).
pub fn stats_by<H: Facts, K: Ord, F: Fn(&H) -> Option<K>>(
    hazards: &[H],
    today: NaiveDate,
    key: F,
) -> BTreeMap<K, StatRow> {
    let mut rows: BTreeMap<K, (StatRow, Vec<i64>)> = BTreeMap::new();
    for (item, h) in hazards.iter().map(|i| (i, i.facts())) {
        if h.status == Status::Voided {
            continue;
        }
        let Some(k) = key(item) else { continue };
        let (row, days) = rows.entry(k).or_default();
        row.found += 1;
        if h.status == Status::Closed {
            row.closed += 1;
        } else {
            row.open += 1;
        }
        if h.is_overdue(today) {
            row.overdue += 1;
        }
        if h.grade == crate::hazard::Grade::Major {
            row.major += 1;
        }
        if h.fixed_on_spot {
            row.fixed_on_spot += 1;
        }
        row.funds = Fen::parse(row.funds.get() + h.funds.get()).unwrap_or(row.funds);
        if let Some(d) = h.days_to_close() {
            days.push(d);
        }
    }
    rows.into_iter()
        .map(|(k, (mut row, mut days))| {
            row.median_days_to_close = median(&mut days);
            (k, row)
        })
        .collect()
}

/// Statistics by the month hazards were found in (`YYYY-MM`), oldest first: the trend of the
/// closure rate.
pub fn by_month<H: Facts>(hazards: &[H], today: NaiveDate) -> BTreeMap<String, StatRow> {
    stats_by(hazards, today, |h| {
        Some(h.facts().found_on.format("%Y-%m").to_string())
    })
}

pub fn median(v: &mut [i64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hazard::tests_support::sample;

    #[test]
    fn default_campaign_is_valid_and_finds_phases() {
        let c = default_campaign();
        c.validate().unwrap();
        assert_eq!(c.phases.len(), 4);
        assert_eq!(c.phase_on(date(2021, 6, 1)).unwrap().name.zh, "集中攻坚");
        assert!(c.phase_on(date(2023, 1, 1)).is_none());
        let mut bad = c.clone();
        bad.phases[1].starts_on = date(2020, 8, 15);
        assert!(bad.validate().is_err());
    }

    #[test]
    fn stats_by_phase() {
        let c = default_campaign();
        let today = date(2022, 12, 31);
        let mut a = sample(date(2020, 9, 10));
        a.status = Status::Closed;
        a.closed_on = Some(date(2020, 9, 20));
        a.funds = Fen::parse(12_000).unwrap();
        let mut b = sample(date(2020, 10, 1));
        b.status = Status::Rectifying;
        b.deadline = Some(date(2020, 10, 15));
        let mut v = sample(date(2020, 10, 2));
        v.status = Status::Voided;
        let mut d = sample(date(2021, 3, 1));
        d.status = Status::Closed;
        d.closed_on = Some(date(2021, 3, 31));
        let rows = stats_by(&[a, b, v, d], today, |h| {
            c.phase_on(h.found_on).map(|p| p.starts_on)
        });
        let inv = &rows[&date(2020, 9, 1)];
        assert_eq!((inv.found, inv.closed, inv.overdue), (2, 1, 1));
        assert_eq!(inv.closure_rate(), Some(0.5));
        assert_eq!(StatRow::default().closure_rate(), None, "0 of 0 is no rate");
        assert_eq!(inv.median_days_to_close, Some(10.0));
        assert_eq!(inv.funds.yuan(), "120.00");
        assert_eq!(rows[&date(2021, 1, 1)].median_days_to_close, Some(30.0));
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3, 1, 2]), Some(2.0));
        assert_eq!(median(&mut [4, 1, 2, 3]), Some(2.5));
    }
}
