//! Inspections: a round, room visits with answers, signatures, and the rule by which a failed
//! item becomes a hazard (or is fixed on the spot, 立查立改).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::checklist::{AnswerKind, InspectionType, Template};
use crate::error::DomainError;
use crate::hazard::{FixedOnSpot, HazardReport};
use crate::i18n::Label;
use crate::ids::{HazardId, PhotoHash, RoomId, RoundId, SiteId, TemplateId, UserId, VisitId};
use crate::org::Room;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Round {
    pub id: RoundId,
    pub inspector_id: UserId,
    pub inspection_type: InspectionType,
    pub site_id: SiteId,
    pub template_id: TemplateId,
    pub template_version: u32,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One answer to a checklist item: `{"kind": …, "value": …}` on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    Pass,
    Fail,
    NotApplicable,
    Number(f64),
    Text(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answer {
    pub item_code: String,
    pub value: AnswerValue,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
    /// For a failed item: the id the phone gave the hazard it becomes.
    #[serde(default)]
    pub hazard_id: Option<HazardId>,
    #[serde(default)]
    pub fixed_on_spot: Option<FixedOnSpot>,
}

/// Signatures of a periodic check (61号令 §26): drawn on the phone, stored as photos.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signatures {
    pub inspector: PhotoHash,
    pub department_head: PhotoHash,
    pub department_head_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visit {
    pub id: VisitId,
    pub round_id: RoundId,
    pub room_id: RoomId,
    pub site_id: SiteId,
    pub inspector_id: UserId,
    pub inspection_type: InspectionType,
    pub template_id: TemplateId,
    /// Proof of presence: the room's QR label was scanned (else picked by hand).
    pub via_qr: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub answers: Vec<Answer>,
    #[serde(default)]
    pub signatures: Option<Signatures>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Visit {
    /// Every photo the visit refers to (answers, fixes, signatures).
    pub fn photo_refs(&self) -> Vec<PhotoHash> {
        let mut v: Vec<PhotoHash> = Vec::new();
        for a in &self.answers {
            v.extend(a.photos.iter().cloned());
            if let Some(f) = &a.fixed_on_spot {
                v.extend(f.photos_after.iter().cloned());
            }
        }
        if let Some(s) = &self.signatures {
            v.push(s.inspector.clone());
            v.push(s.department_head.clone());
        }
        crate::order::sort_dedup(&mut v);
        v
    }

    /// Checks a visit against the template it used and the room it was in.
    pub fn validate(&self, template: &Template, room: &Room) -> Result<(), DomainError> {
        if template.id != self.template_id {
            return Err(DomainError::Invalid {
                detail: "检查表版本不符 / checklist version mismatch".into(),
            });
        }
        if room.id != self.room_id {
            return Err(DomainError::WrongEntity);
        }
        if self.finished_at < self.started_at {
            return Err(DomainError::Invalid {
                detail: "结束时间早于开始时间 / finished before it started".into(),
            });
        }
        use crate::limits;
        limits::text(
            "note / 备注",
            self.note.as_deref().unwrap_or(""),
            limits::LONG,
        )?;
        for a in &self.answers {
            limits::text(
                "answers[].note / 检查项备注",
                a.note.as_deref().unwrap_or(""),
                limits::LONG,
            )?;
            let item = template
                .item(&a.item_code)
                .filter(|i| i.applies_to(room.kind))
                .ok_or_else(|| DomainError::Invalid {
                    detail: format!(
                        "检查项 {} 不适用 / item {} does not apply",
                        a.item_code, a.item_code
                    ),
                })?;
            match (&item.answer, &a.value) {
                (AnswerKind::PassFailNa, AnswerValue::Pass | AnswerValue::NotApplicable) => {}
                (AnswerKind::PassFailNa, AnswerValue::Fail) => {
                    if item.photo_on_fail && a.photos.is_empty() {
                        return Err(DomainError::PhotoRequired);
                    }
                    if a.hazard_id.is_none() {
                        return Err(DomainError::MissingField { field: "hazard_id" });
                    }
                    if let Some(f) = &a.fixed_on_spot
                        && f.photos_after.is_empty()
                    {
                        return Err(DomainError::AfterPhotosRequired);
                    }
                }
                (AnswerKind::Number { min, max, .. }, AnswerValue::Number(n)) => {
                    if !n.is_finite() || n < min || n > max {
                        return Err(DomainError::Invalid {
                            detail: format!(
                                "{} 超出范围 / out of range {}–{}",
                                crate::i18n::number(*n),
                                crate::i18n::number(*min),
                                crate::i18n::number(*max)
                            ),
                        });
                    }
                }
                (AnswerKind::Number { .. }, AnswerValue::NotApplicable) => {}
                (AnswerKind::Text, AnswerValue::Text(t)) => {
                    limits::text("answers[].value / 检查结果", t, limits::LONG)?
                }
                (AnswerKind::Text, AnswerValue::NotApplicable) => {}
                _ => {
                    return Err(DomainError::Invalid {
                        detail: format!(
                            "{} 的答案类型不对 / wrong answer kind for {}",
                            a.item_code, a.item_code
                        ),
                    });
                }
            }
        }
        if self.inspection_type.needs_signatures() && self.signatures.is_none() {
            return Err(DomainError::MissingField {
                field: "signatures / 签名",
            });
        }
        if let Some(s) = &self.signatures {
            limits::required(
                "department_head_name / 部门负责人姓名",
                &s.department_head_name,
                limits::NAME,
            )?;
            // Two blank pads, or one signature used twice, make one image.
            if s.inspector == s.department_head {
                return Err(DomainError::Invalid {
                    detail: "检查人和部门负责人须各自签名 / the inspector and the department head must each sign".into(),
                });
            }
        }
        Ok(())
    }

    /// What each failed item becomes, and the operations that record it: a new hazard, or —
    /// where the answer names a hazard already open in this room ([`open_hazard_for`]) — a new
    /// finding on that hazard (a note saying when it was found again, and its photos), so that
    /// daily patrols do not fill the ledger with one hazard many times over or distort 整改率.
    pub fn outcomes(
        &self,
        template: &Template,
        room: &Room,
        found_on: NaiveDate,
        open: &[&crate::hazard::Hazard],
    ) -> Vec<(uuid::Uuid, crate::sync::OpBody)> {
        use crate::sync::OpBody;
        let again: Vec<HazardId> = open.iter().map(|h| h.id).collect();
        let mut ops = Vec::new();
        for a in self.answers.iter().filter(|a| a.value == AnswerValue::Fail) {
            let Some(id) = a.hazard_id.filter(|id| again.contains(id)) else {
                continue;
            };
            let defect = match a.note.as_deref().map(str::trim) {
                Some(n) if !n.is_empty() => n.to_owned(),
                _ => template
                    .item(&a.item_code)
                    .map(|i| i.defect_zh())
                    .unwrap_or_default(),
            };
            let mut text = format!("{found_on} {}再次发现：{defect}", self.inspection_type.zh());
            if let Some(f) = &a.fixed_on_spot {
                text.push_str(&format!("；当场整改：{}", f.what_was_done));
            }
            ops.push((id.0, OpBody::Comment { text }));
            for (after, photos) in [
                (false, a.photos.clone()),
                (
                    true,
                    a.fixed_on_spot
                        .as_ref()
                        .map(|f| f.photos_after.clone())
                        .unwrap_or_default(),
                ),
            ] {
                if !photos.is_empty() {
                    ops.push((id.0, OpBody::AddPhotos { after, photos }));
                }
            }
        }
        for report in self.findings(template, room, found_on) {
            if !again.contains(&report.id) {
                ops.push((report.id.0, OpBody::ReportHazard(report)));
            }
        }
        ops
    }

    /// The hazards this visit reports: one per failed item, fixed on the spot where recorded.
    pub fn findings(
        &self,
        template: &Template,
        room: &Room,
        found_on: NaiveDate,
    ) -> Vec<HazardReport> {
        self.answers
            .iter()
            .filter(|a| a.value == AnswerValue::Fail)
            .filter_map(|a| {
                let item = template.item(&a.item_code)?;
                let id = a.hazard_id?;
                // The hazard says what is wrong — the inspector's words, else the item's defect
                // wording —; the item's requirement and its rule are the basis.
                let description = match a.note.as_deref().map(str::trim) {
                    Some(n) if !n.is_empty() => n.to_owned(),
                    _ => item.defect_zh(),
                };
                let basis = if item.source.trim().is_empty() {
                    item.text.zh.clone()
                } else {
                    format!("{}（{}）", item.text.zh, item.source)
                };
                Some(HazardReport {
                    id,
                    site_id: room.site_id,
                    room_id: Some(room.id),
                    department_id: Some(room.department_id),
                    round_id: Some(self.round_id),
                    visit_id: Some(self.id),
                    category: item.category,
                    item_code: Some(item.code.clone()),
                    description,
                    grade: item.default_grade,
                    basis,
                    deadline: Some(item.deadline(found_on)),
                    found_on,
                    photos_before: a.photos.clone(),
                    fixed_on_spot: a.fixed_on_spot.clone(),
                })
            })
            .collect()
    }
}

/// Rooms done and remaining in a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Progress {
    pub done: usize,
    pub remaining: usize,
}

pub fn progress(rooms: &[RoomId], visited: &[RoomId]) -> Progress {
    let done = rooms.iter().filter(|r| visited.contains(r)).count();
    Progress {
        done,
        remaining: rooms.len() - done,
    }
}

/// When a room last got an inspection of a type, is it due again on `today`?
pub fn room_due(kind: InspectionType, last: Option<NaiveDate>, today: NaiveDate) -> bool {
    match last {
        None => true,
        Some(d) => (today - d).num_days() >= kind.interval_days(),
    }
}

impl InspectionType {
    /// The rooms this inspection must cover: daily patrols go to key locations (重点部位) and
    /// duty dormitories, periodic and extinguisher checks to every room.
    pub fn covers(self, room: &Room) -> bool {
        match self {
            InspectionType::DailyPatrol => room.key_location || room.kind.patrolled_daily(),
            InspectionType::PeriodicCheck | InspectionType::ExtinguisherMonthly => true,
        }
    }
}

/// The hazard still open in `room` that a failure of `item_code` would find again, if any.
pub fn open_hazard_for<'a>(
    hazards: impl IntoIterator<Item = &'a crate::hazard::Hazard>,
    room: RoomId,
    item_code: &str,
) -> Option<&'a crate::hazard::Hazard> {
    hazards.into_iter().find(|h| {
        h.is_open() && h.room_id == Some(room) && h.item_code.as_deref() == Some(item_code)
    })
}

/// Inspection coverage of one type on `today`: how many rooms it must cover and which are due.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coverage {
    pub inspection_type: InspectionType,
    pub rooms: usize,
    /// Rooms not inspected within the interval, with the day of their last inspection if any.
    pub due: Vec<(RoomId, Option<NaiveDate>)>,
}

/// The day each room was last inspected, per inspection type.
pub type LastVisits = std::collections::HashMap<(RoomId, InspectionType), NaiveDate>;

/// The last day of each room and type among `visits` (`day_of` gives a visit's day in the
/// center's time zone).
pub fn last_visits<'a>(
    visits: impl IntoIterator<Item = &'a Visit>,
    day_of: impl Fn(&Visit) -> NaiveDate,
) -> LastVisits {
    let mut last = LastVisits::new();
    for v in visits {
        let d = day_of(v);
        let e = last.entry((v.room_id, v.inspection_type)).or_insert(d);
        if d > *e {
            *e = d;
        }
    }
    last
}

/// Which rooms are due for `kind` on `today`, from the day each was last inspected.
pub fn coverage(
    kind: InspectionType,
    rooms: &[Room],
    last: &LastVisits,
    today: NaiveDate,
) -> Coverage {
    let covered: Vec<&Room> = rooms.iter().filter(|r| kind.covers(r)).collect();
    let due = covered
        .iter()
        .map(|r| (r.id, last.get(&(r.id, kind)).copied()))
        .filter(|(_, l)| room_due(kind, *l, today))
        .collect();
    Coverage {
        inspection_type: kind,
        rooms: covered.len(),
        due,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::starter_templates;
    use crate::hazard::{Hazard, Status};
    use crate::i18n::Text;
    use crate::ids::{BuildingId, DepartmentId, Reason, stable_uuid};
    use crate::org::RoomKind;
    use chrono::TimeZone;

    fn room() -> Room {
        Room {
            id: RoomId::from_uuid(stable_uuid("room", "o2")),
            site_id: SiteId::from_uuid(stable_uuid("site", "hq")),
            building_id: BuildingId::from_uuid(stable_uuid("b", "1")),
            floor: "B1".into(),
            name: Text::new("氧气瓶存放间", "Oxygen store"),
            kind: RoomKind::OxygenStore,
            key_location: true,
            department_id: DepartmentId::from_uuid(stable_uuid("dept", "logistics")),
            qr_code: "o2".into(),
        }
    }
    fn ph(n: u8) -> PhotoHash {
        PhotoHash::parse(&format!("{n:064x}")).unwrap()
    }
    fn visit(t: &Template, answers: Vec<Answer>) -> Visit {
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        Visit {
            id: VisitId::from_uuid(stable_uuid("visit", "1")),
            round_id: RoundId::from_uuid(stable_uuid("round", "1")),
            room_id: room().id,
            site_id: room().site_id,
            inspector_id: UserId::from_uuid(stable_uuid("user", "i")),
            inspection_type: t.inspection_type,
            template_id: t.id,
            via_qr: true,
            started_at: at,
            finished_at: at,
            answers,
            signatures: None,
            note: None,
        }
    }
    fn answer(code: &str, value: AnswerValue) -> Answer {
        Answer {
            item_code: code.into(),
            value,
            note: None,
            photos: vec![],
            hazard_id: None,
            fixed_on_spot: None,
        }
    }

    #[test]
    fn failed_items_become_hazards_and_fixes_go_to_recheck() {
        let t = starter_templates()
            .into_iter()
            .find(|t| t.inspection_type == InspectionType::DailyPatrol)
            .unwrap();
        let h1 = HazardId::from_uuid(stable_uuid("hazard", "1"));
        let h2 = HazardId::from_uuid(stable_uuid("hazard", "2"));
        let mut a1 = answer("FL-01", AnswerValue::Fail);
        a1.photos = vec![ph(1)];
        a1.hazard_id = Some(h1);
        a1.note = Some("两只未固定".into());
        let mut a2 = answer("EL-02", AnswerValue::Fail);
        a2.photos = vec![ph(2)];
        a2.hazard_id = Some(h2);
        a2.fixed_on_spot = Some(FixedOnSpot {
            what_was_done: Reason::parse("已拔除").unwrap(),
            photos_after: vec![ph(3)],
        });
        let v = visit(
            &t,
            vec![
                a1,
                a2,
                answer("FE-01", AnswerValue::Pass),
                answer("FE-08", AnswerValue::NotApplicable),
            ],
        );
        v.validate(&t, &room()).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let found = v.findings(&t, &room(), day);
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].grade,
            crate::hazard::Grade::General,
            "重大 is the supervisor's judgement, not a checklist default"
        );
        // The hazard says what is wrong (the inspector's words); the item and its rule are
        // the basis.
        assert_eq!(found[0].description, "两只未固定");
        assert!(
            found[0].basis.contains("氧气瓶直立放置") && found[0].basis.contains("WS 308"),
            "{}",
            found[0].basis
        );
        // Without a note: the item's defect wording, not its requirement.
        assert_eq!(found[1].description, "插线板串接，或放在地上、靠近水源");
        // An oxygen cylinder is stood upright on the spot: due the day it is found.
        assert_eq!(found[0].deadline, Some(day));
        assert_eq!(found[0].department_id, Some(room().department_id));
        let by = v.inspector_id;
        let hz: Vec<Hazard> = found
            .into_iter()
            .map(|r| Hazard::from_report(r, by, v.finished_at))
            .collect();
        assert_eq!(hz[0].status, Status::Reported);
        assert_eq!(hz[1].status, Status::AwaitingRecheck);
        assert_eq!(v.photo_refs().len(), 3);
    }

    #[test]
    fn validation_errors() {
        let t = starter_templates()
            .into_iter()
            .find(|t| t.inspection_type == InspectionType::DailyPatrol)
            .unwrap();
        let mut a = answer("FL-01", AnswerValue::Fail);
        a.hazard_id = Some(HazardId::nil());
        assert_eq!(
            visit(&t, vec![a]).validate(&t, &room()),
            Err(DomainError::PhotoRequired)
        );
        // An item for another room kind.
        let v = visit(&t, vec![answer("EL-09", AnswerValue::Pass)]);
        assert_eq!(v.validate(&t, &room()).unwrap_err().code(), "invalid");
        let v = visit(&t, vec![answer("FE-01", AnswerValue::Number(3.0))]);
        assert_eq!(v.validate(&t, &room()).unwrap_err().code(), "invalid");
        let p = starter_templates()
            .into_iter()
            .find(|t| t.inspection_type == InspectionType::PeriodicCheck)
            .unwrap();
        assert_eq!(
            visit(&p, vec![]).validate(&p, &room()).unwrap_err().code(),
            "missing_field"
        );
        // A periodic check is signed by two people, the head by name.
        let signed = |a: u8, b: u8, name: &str| {
            let mut v = visit(&p, vec![answer("FE-01", AnswerValue::Pass)]);
            v.signatures = Some(Signatures {
                inspector: ph(a),
                department_head: ph(b),
                department_head_name: name.into(),
            });
            v.validate(&p, &room())
        };
        assert_eq!(signed(1, 2, "王主任"), Ok(()));
        assert_eq!(
            signed(1, 2, "  "),
            Err(DomainError::MissingField {
                field: "department_head_name / 部门负责人姓名"
            })
        );
        assert_eq!(signed(1, 1, "王主任").unwrap_err().code(), "invalid");
    }

    #[test]
    fn due_rooms_and_progress() {
        let d = |n| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
        assert!(room_due(InspectionType::DailyPatrol, None, d(1)));
        assert!(!room_due(InspectionType::DailyPatrol, Some(d(2)), d(2)));
        assert!(room_due(InspectionType::DailyPatrol, Some(d(1)), d(2)));
        assert!(!room_due(InspectionType::PeriodicCheck, Some(d(1)), d(30)));
        let r: Vec<RoomId> = (0..5)
            .map(|i| RoomId::from_uuid(stable_uuid("r", &i.to_string())))
            .collect();
        assert_eq!(
            progress(&r, &r[..2]),
            Progress {
                done: 2,
                remaining: 3
            }
        );
    }

    #[test]
    fn a_rooms_last_visit_is_its_latest_per_type() {
        let t = &starter_templates()[0];
        let mut early = visit(t, vec![]);
        early.inspection_type = InspectionType::DailyPatrol;
        let mut late = early.clone();
        late.finished_at += chrono::Duration::days(3);
        let mut other = early.clone();
        other.inspection_type = InspectionType::PeriodicCheck;
        let day = |v: &Visit| v.finished_at.date_naive();
        let last = last_visits([&late, &early, &other], day);
        assert_eq!(last.len(), 2);
        assert_eq!(
            last[&(early.room_id, InspectionType::DailyPatrol)],
            day(&late)
        );
        assert_eq!(
            last[&(early.room_id, InspectionType::PeriodicCheck)],
            day(&early)
        );
    }

    /// A failure that an open hazard of the room already records is a new finding on it (a note
    /// and its photos), not a second hazard; other failures are new hazards.
    #[test]
    fn a_repeat_failure_adds_to_the_open_hazard() {
        use crate::sync::OpBody;
        let t = starter_templates()
            .into_iter()
            .find(|t| t.inspection_type == InspectionType::DailyPatrol)
            .unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        // Yesterday's patrol found FL-01 failing: that hazard is still open.
        let mut first = answer("FL-01", AnswerValue::Fail);
        first.photos = vec![ph(1)];
        first.hazard_id = Some(HazardId::from_uuid(stable_uuid("hazard", "old")));
        let v0 = visit(&t, vec![first]);
        let old = Hazard::from_report(
            v0.findings(&t, &room(), day).remove(0),
            v0.inspector_id,
            v0.finished_at,
        );
        let hazards = [old.clone()];
        assert_eq!(
            open_hazard_for(&hazards, room().id, "FL-01").map(|h| h.id),
            Some(old.id)
        );
        assert!(open_hazard_for(&hazards, room().id, "EL-02").is_none());
        // Today it fails again (the phone gives the answer the open hazard's id), and EL-02 too.
        let mut again = answer("FL-01", AnswerValue::Fail);
        again.photos = vec![ph(2)];
        again.hazard_id = Some(old.id);
        let mut new = answer("EL-02", AnswerValue::Fail);
        new.photos = vec![ph(3)];
        new.hazard_id = Some(HazardId::from_uuid(stable_uuid("hazard", "new")));
        let v = visit(&t, vec![again, new]);
        v.validate(&t, &room()).unwrap();
        let ops = v.outcomes(&t, &room(), day + chrono::Days::new(1), &[&old]);
        assert_eq!(ops.len(), 3, "{ops:?}");
        match &ops[0] {
            (id, OpBody::Comment { text }) => {
                assert_eq!(*id, old.id.0);
                assert!(
                    text.contains("再次发现") && text.contains("氧气瓶未直立"),
                    "{text}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            ops[1],
            (
                old.id.0,
                OpBody::AddPhotos {
                    after: false,
                    photos: vec![ph(2)]
                }
            )
        );
        assert!(
            matches!(&ops[2], (_, OpBody::ReportHazard(r)) if r.item_code.as_deref() == Some("EL-02"))
        );
        // Once it is closed, the same failure is a new hazard again.
        let mut closed = old.clone();
        closed.status = Status::Closed;
        assert!(open_hazard_for([&closed], room().id, "FL-01").is_none());
    }

    /// People sleep in duty dormitories: the daily patrol goes there (61号令 §25), key location
    /// or not; an ordinary office it leaves to the periodic check.
    #[test]
    fn daily_patrols_cover_dormitories() {
        let mut dorm = room();
        dorm.kind = RoomKind::Dormitory;
        dorm.key_location = false;
        assert!(InspectionType::DailyPatrol.covers(&dorm));
        let mut office = room();
        office.kind = RoomKind::Office;
        office.key_location = false;
        assert!(!InspectionType::DailyPatrol.covers(&office));
        assert!(InspectionType::PeriodicCheck.covers(&office));
    }

    #[test]
    fn coverage_counts_the_rooms_each_type_must_cover() {
        let t = &starter_templates()[0];
        let key = room();
        let mut office = room();
        office.id = RoomId::from_uuid(stable_uuid("room", "office"));
        office.key_location = false;
        let mut v = visit(t, vec![]);
        v.room_id = key.id;
        v.inspection_type = InspectionType::DailyPatrol;
        let day = |v: &Visit| v.finished_at.date_naive();
        let visited = v.finished_at.date_naive();
        let rooms = [key.clone(), office.clone()];
        let last = last_visits([&v], day);
        // Patrols cover key locations only; visited today, nothing is due.
        let c = coverage(InspectionType::DailyPatrol, &rooms, &last, visited);
        assert_eq!((c.rooms, c.due.len()), (1, 0));
        // The next day the key room is due again, with its last patrol day.
        let next = visited.succ_opt().unwrap();
        let c = coverage(InspectionType::DailyPatrol, &rooms, &last, next);
        assert_eq!(c.due, vec![(key.id, Some(visited))]);
        // Periodic checks cover every room; a patrol does not count for them.
        let c = coverage(InspectionType::PeriodicCheck, &rooms, &last, next);
        assert_eq!((c.rooms, c.due.len()), (2, 2));
    }
}
