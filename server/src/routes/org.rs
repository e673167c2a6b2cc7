//! Organisation data a device keeps offline.

use axum::Json;
use axum::extract::State;
use saferounds_shared::api::{Bootstrap, Person};
use saferounds_shared::plan::PatrolPlan;
use saferounds_shared::registers::Register;
use saferounds_shared::risk::{RiskPoint, room_levels};

use crate::auth::Session;
use crate::error::AppResult;
use crate::{AppState, store};

/// Everything the user's device needs to work offline: their site's rooms (all rooms for
/// center-wide roles), the checklists, the people they may assign, the campaigns, the inspection plan of their scope, the risk level of each room.
#[tracing::instrument(skip_all, fields(user = %session.user.username))]
pub async fn bootstrap(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<Json<Bootstrap>> {
    let db = &state.db;
    let actor = &session.actor;
    let rooms = match actor.site_id {
        Some(site) if !actor.roles().center_wide() => {
            store::rooms_of_site(db, &site.to_string()).await?
        }
        _ => store::rooms_all(db).await?,
    };
    let people = store::users(db)
        .await?
        .iter()
        .filter(|u| u.active)
        .map(Person::from)
        .collect();
    let plans = store::records::<PatrolPlan>(db)
        .await?
        .into_iter()
        .filter(|p| p.visible_to(actor))
        .collect();
    let risks: Vec<RiskPoint> = store::records::<RiskPoint>(db)
        .await?
        .into_iter()
        .filter(|p| p.visible_to(actor))
        .collect();
    Ok(Json(Bootstrap {
        user: session.user.clone(),
        center_name: state.settings.center_name.clone(),
        today: state.today(),
        utc_offset_minutes: state.settings.utc_offset_hours * 60,
        sites: store::sites(db).await?,
        buildings: store::buildings(db).await?,
        departments: store::departments(db).await?,
        rooms,
        templates: store::templates(db).await?,
        people,
        campaigns: store::campaigns(db).await?,
        plans,
        room_risks: room_levels(&risks),
    }))
}
