//! `GET /api/v1/dashboard`: the desk's front page, every figure computed by the rules in
//! `shared` (statistics, coverage, training, drills, equipment, reminders) over what the caller
//! may see.

use axum::Json;
use axum::extract::State;
use chrono::Months;
use saferounds_shared::api::{Dashboard, EquipmentSummary, HazardBrief, StatLine};
use saferounds_shared::campaign::by_month;
use saferounds_shared::checklist::InspectionType;
use saferounds_shared::equipment::Equipment;
use saferounds_shared::inspection::coverage;
use saferounds_shared::org::{Actor, Room};
use saferounds_shared::plan::{PatrolPlan, PlanRound, visits_needed_since};
use saferounds_shared::registers::Register;
use saferounds_shared::reminders::{most_urgent, reminders};
use saferounds_shared::training::{self, Drill, DrillKind, StaffMember, TrainingClass};

use crate::auth::Session;
use crate::error::AppResult;
use crate::{AppState, store};

pub async fn dashboard(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<Json<Dashboard>> {
    session.require(session.actor.roles().reads_reports())?;
    let actor = &session.actor;
    let db = &state.db;
    let today = state.today();
    let offset = state.offset();
    // Statistics, trend and the count of reminders from the ledger's columns; whole documents
    // only for the few hazards the page lists.
    let hazards = store::hazard_facts_visible(db, actor).await?;
    let stats = super::hazards::stats_of(&state, &hazards).await?;
    let trend = by_month(&hazards, today)
        .into_iter()
        .map(|(key, row)| StatLine {
            label_zh: key.clone(),
            label_en: key.clone(),
            key,
            row,
        })
        .collect();
    let rooms: Vec<_> = store::rooms_all(db)
        .await?
        .into_iter()
        .filter(|r| actor.can_see(r.site_id, Some(r.department_id)))
        .collect();
    // Coverage from the visits' columns (the last day of each room and type), not their documents.
    let last = store::last_visits(db, offset).await?;
    let coverage = InspectionType::ALL
        .iter()
        .map(|t| coverage(*t, &rooms, &last, today))
        .collect();
    let staff: Vec<StaffMember> = store::records::<StaffMember>(db)
        .await?
        .into_iter()
        .filter(|s| s.visible_to(actor))
        .collect();
    let classes = store::records::<TrainingClass>(db).await?;
    let training_due = staff
        .iter()
        .filter_map(|s| training::due(s, &classes, today).map(|r| (s.name.clone(), r)))
        .collect();
    let drills: Vec<Drill> = store::records::<Drill>(db)
        .await?
        .into_iter()
        .filter(|d| d.visible_to(actor))
        .collect();
    let six_months_ago = today.checked_sub_months(Months::new(6)).unwrap_or(today);
    let drills_recent = drills
        .iter()
        .filter(|d| d.held_on > six_months_ago && d.held_on <= today)
        .count();
    let sites_due_drill = store::sites(db)
        .await?
        .into_iter()
        .filter(|s| actor.can_see(s.id, None))
        .filter(|s| {
            [DrillKind::FireFighting, DrillKind::Evacuation]
                .iter()
                .any(|k| training::drill_due(s.id, *k, &drills, today))
        })
        .map(|s| s.id)
        .collect();
    let equipment: Vec<Equipment> = store::records::<Equipment>(db)
        .await?
        .into_iter()
        .filter(|e| e.visible_to(actor))
        .collect();
    let conflicted =
        store::hazards_by_id(db, actor, &store::conflicted_hazard_ids(db).await?).await?;
    let mut with_conflict: Vec<_> = conflicted.iter().filter(|h| h.has_conflict()).collect();
    with_conflict.sort_by_key(|h| std::cmp::Reverse(h.reported_at));
    let conflicts = with_conflict
        .into_iter()
        .take(20)
        .map(|h| HazardBrief {
            id: h.id,
            number: h.number(),
            description: h.description.clone(),
        })
        .collect();
    let missed_rounds = missed_rounds(&state, actor, &rooms).await?;
    let (urgent, reminders_total) = most_urgent(&hazards, today, Dashboard::REMINDERS);
    let urgent: Vec<String> = urgent.iter().map(ToString::to_string).collect();
    let due = reminders(&store::hazards_by_id(db, actor, &urgent).await?, today);
    Ok(Json(Dashboard {
        stats,
        by_month: trend,
        coverage,
        training: training::coverage(&staff, &classes, today),
        training_due,
        drills_recent,
        sites_due_drill,
        equipment: EquipmentSummary::of(&equipment, today),
        conflicts,
        reminders: due.into_iter().take(Dashboard::REMINDERS).collect(),
        reminders_total,
        missed_rounds,
    }))
}

/// The inspection plan's rounds missed lately in what `actor` may see, newest first.
pub async fn missed_rounds(
    state: &AppState,
    actor: &Actor,
    rooms: &[Room],
) -> AppResult<Vec<PlanRound>> {
    let plans: Vec<PatrolPlan> = store::records::<PatrolPlan>(&state.db)
        .await?
        .into_iter()
        .filter(|p| p.visible_to(actor))
        .collect();
    if plans.is_empty() {
        return Ok(Vec::new());
    }
    let now = chrono::Utc::now();
    let offset = state.settings.utc_offset_hours * 60;
    let visits = store::visit_marks(&state.db, visits_needed_since(now, offset)).await?;
    let mut missed: Vec<PlanRound> = plans
        .iter()
        .flat_map(|p| p.missed(rooms, &visits, now, offset))
        .collect();
    missed.sort_by_key(|r| std::cmp::Reverse(r.ends()));
    Ok(missed)
}
