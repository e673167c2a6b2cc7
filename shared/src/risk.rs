//! 风险分级管控: the register of risk points (风险点) — a room or vehicle, the hazard it carries,
//! its level (红/橙/黄/蓝, or computed from an LEC assessment), the controls, the person who
//! answers for them, and the checklist items that check those controls — the first half of the
//! 双重预防 mechanism (risk levels and controls) beside the hazard ledger (the second).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::ids::{RiskId, RoomId, SiteId, UserId};
use crate::labels;

/// The four colours, most severe first.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, crate::Json,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// 重大风险
    Red,
    /// 较大风险
    Orange,
    /// 一般风险
    Yellow,
    /// 低风险
    Blue,
}

labels!(RiskLevel {
    Red => ("重大风险（红）", "Major (red)"),
    Orange => ("较大风险（橙）", "High (orange)"),
    Yellow => ("一般风险（黄）", "Moderate (yellow)"),
    Blue => ("低风险（蓝）", "Low (blue)"),
});

impl RiskLevel {
    pub const ALL: [RiskLevel; 4] = [
        RiskLevel::Red,
        RiskLevel::Orange,
        RiskLevel::Yellow,
        RiskLevel::Blue,
    ];
    /// The colour's name, as the four-colour map and a room's tag show it.
    pub fn colour(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            RiskLevel::Red => ("红", "red"),
            RiskLevel::Orange => ("橙", "orange"),
            RiskLevel::Yellow => ("黄", "yellow"),
            RiskLevel::Blue => ("蓝", "blue"),
        };
        match lang {
            crate::Lang::Zh => zh,
            crate::Lang::En => en,
        }
    }
}

/// An LEC assessment (作业条件危险性评价法): D = L × E × C, with L the likelihood (0.1–10), E
/// the exposure (0.5–10) and C the consequence (1–100).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lec {
    pub l: f64,
    pub e: f64,
    pub c: f64,
}

impl Lec {
    pub fn d(&self) -> f64 {
        self.l * self.e * self.c
    }
    /// D ≥ 320 极其危险 (red), 160–320 高度危险 (orange), 70–160 显著危险 (yellow), below 70
    /// blue.
    pub fn level(&self) -> RiskLevel {
        match self.d() {
            d if d >= 320.0 => RiskLevel::Red,
            d if d >= 160.0 => RiskLevel::Orange,
            d if d >= 70.0 => RiskLevel::Yellow,
            _ => RiskLevel::Blue,
        }
    }
    fn validate(&self) -> Result<(), DomainError> {
        let within = |v: f64, lo: f64, hi: f64| v.is_finite() && (lo..=hi).contains(&v);
        if within(self.l, 0.1, 10.0) && within(self.e, 0.5, 10.0) && within(self.c, 1.0, 100.0) {
            Ok(())
        } else {
            Err(DomainError::Invalid {
                detail: "LEC 取值超出范围：L 0.1–10，E 0.5–10，C 1–100 / LEC out of range: L 0.1–10, E 0.5–10, C 1–100".into(),
            })
        }
    }
}

/// A risk point: where, what could go wrong, how bad, how it is kept in check, by whom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskPoint {
    pub id: RiskId,
    pub site_id: SiteId,
    /// The room or vehicle (an ambulance is a room of its own kind).
    pub room_id: RoomId,
    /// The hazard it carries (危险源), e.g. 医用氧气瓶泄漏遇火源燃爆.
    pub hazard: String,
    /// The assessment, when one was made; the level then follows from it.
    #[serde(default)]
    pub lec: Option<Lec>,
    pub level: RiskLevel,
    /// The controls (管控措施).
    pub controls: String,
    /// Who answers for the controls (管控责任人).
    pub responsible: UserId,
    /// The checklist items that check the controls on every round.
    #[serde(default)]
    pub item_codes: Vec<String>,
    /// When it was last assessed.
    pub assessed_on: NaiveDate,
}

impl RiskPoint {
    pub fn validate(&self, today: NaiveDate) -> Result<(), DomainError> {
        use crate::limits;
        limits::required("hazard / 危险源", &self.hazard, limits::LONG)?;
        limits::required("controls / 管控措施", &self.controls, limits::LONG)?;
        for code in &self.item_codes {
            limits::required("item_codes[] / 检查项编号", code, limits::CODE)?;
        }
        if let Some(lec) = &self.lec {
            lec.validate()?;
            if lec.level() != self.level {
                return Err(DomainError::Invalid {
                    detail: format!(
                        "风险等级与 LEC 评价不符（D = {}，应为{}）/ the level does not match the LEC assessment (D = {}, {})",
                        crate::i18n::number(lec.d()),
                        crate::i18n::Label::zh(&lec.level()),
                        crate::i18n::number(lec.d()),
                        crate::i18n::Label::en(&lec.level()),
                    ),
                });
            }
        }
        if self.assessed_on > today {
            return Err(DomainError::Invalid {
                detail: "评价日期不能晚于今天 / assessed_on cannot be in the future".into(),
            });
        }
        Ok(())
    }
}

/// Each room's highest level among `points` (what a room shows on the phone).
pub fn room_levels(points: &[RiskPoint]) -> Vec<(RoomId, RiskLevel)> {
    let mut out: Vec<(RoomId, RiskLevel)> = Vec::new();
    for p in points {
        match out.iter_mut().find(|(room, _)| *room == p.room_id) {
            Some((_, level)) => *level = (*level).min(p.level),
            None => out.push((p.room_id, p.level)),
        }
    }
    out
}

/// How many points there are of each level, most severe first (the four-colour summary).
pub fn count_by_level(points: &[RiskPoint]) -> [(RiskLevel, usize); 4] {
    RiskLevel::ALL.map(|l| (l, points.iter().filter(|p| p.level == l).count()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::stable_uuid;

    fn point(level: RiskLevel, lec: Option<Lec>) -> RiskPoint {
        RiskPoint {
            id: RiskId::from_uuid(stable_uuid("risk", "o2")),
            site_id: SiteId::from_uuid(stable_uuid("site", "hq")),
            room_id: RoomId::from_uuid(stable_uuid("room", "o2")),
            hazard: "医用氧气瓶泄漏遇火源燃爆".into(),
            lec,
            level,
            controls: "专库存放、通风、禁火、防倾倒；每日巡查".into(),
            responsible: UserId::from_uuid(stable_uuid("user", "o")),
            item_codes: vec!["FL-03".into()],
            assessed_on: "2026-11-01".parse().unwrap(),
        }
    }

    #[test]
    fn lec_decides_the_colour() {
        let today = "2026-12-05".parse().unwrap();
        // 3 × 6 × 40 = 720: red; 1 × 6 × 15 = 90: yellow; 0.5 × 3 × 7 = 10.5: blue.
        let red = Lec {
            l: 3.0,
            e: 6.0,
            c: 40.0,
        };
        assert_eq!((red.d(), red.level()), (720.0, RiskLevel::Red));
        assert_eq!(
            Lec {
                l: 1.0,
                e: 6.0,
                c: 15.0
            }
            .level(),
            RiskLevel::Yellow
        );
        assert_eq!(
            Lec {
                l: 3.0,
                e: 6.0,
                c: 15.0
            }
            .level(),
            RiskLevel::Orange
        );
        assert_eq!(
            Lec {
                l: 0.5,
                e: 3.0,
                c: 7.0
            }
            .level(),
            RiskLevel::Blue
        );
        assert!(point(RiskLevel::Red, Some(red)).validate(today).is_ok());
        // A level that contradicts its own assessment, or values off the scale, are refused.
        let wrong = point(RiskLevel::Blue, Some(red))
            .validate(today)
            .unwrap_err();
        assert!(wrong.message_zh().contains("720"), "{}", wrong.message_zh());
        let off = Lec {
            l: 30.0,
            e: 6.0,
            c: 40.0,
        };
        assert!(point(RiskLevel::Red, Some(off)).validate(today).is_err());
        // Without an assessment the office's judgement stands.
        assert!(point(RiskLevel::Orange, None).validate(today).is_ok());
        let mut blank = point(RiskLevel::Orange, None);
        blank.controls = " ".into();
        assert_eq!(blank.validate(today).unwrap_err().code(), "missing_field");
    }

    #[test]
    fn a_room_shows_its_most_severe_point() {
        let mut second = point(RiskLevel::Yellow, None);
        second.id = RiskId::from_uuid(stable_uuid("risk", "2"));
        let mut elsewhere = point(RiskLevel::Blue, None);
        elsewhere.room_id = RoomId::from_uuid(stable_uuid("room", "kitchen"));
        let points = vec![second, point(RiskLevel::Orange, None), elsewhere.clone()];
        let levels = room_levels(&points);
        assert_eq!(
            levels,
            vec![
                (points[0].room_id, RiskLevel::Orange),
                (elsewhere.room_id, RiskLevel::Blue)
            ]
        );
        assert_eq!(
            count_by_level(&points),
            [
                (RiskLevel::Red, 0),
                (RiskLevel::Orange, 1),
                (RiskLevel::Yellow, 1),
                (RiskLevel::Blue, 1)
            ]
        );
    }
}
