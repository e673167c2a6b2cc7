//! The app's shared state, provided as context.

use std::collections::BTreeMap;

use leptos::prelude::*;
use saferounds_shared::api::Bootstrap;
use saferounds_shared::checklist::Template;
use saferounds_shared::ids::{HazardId, PhotoHash, RoomId, TemplateId};
use saferounds_shared::org::{Room, User};
use saferounds_shared::sync::Entity;
use saferounds_shared::sync::apply::{Ctx as ApplyCtx, World};
use saferounds_shared::sync::client::local_view;
use saferounds_shared::{ApiError, Lang};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::store::{self, RejectedOp};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub user: User,
    pub expires_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Page {
    Rooms,
    Visit(RoomId),
    Hazards,
    Hazard(HazardId),
    Ledger,
    Dashboard,
}

#[derive(Clone, Copy)]
pub struct AppCtx {
    pub lang: RwSignal<Lang>,
    pub session: RwSignal<Option<Session>>,
    pub boot: RwSignal<Option<Bootstrap>>,
    pub view: RwSignal<BTreeMap<Uuid, Entity>>,
    pub pending: RwSignal<u32>,
    pub last_sync: RwSignal<Option<f64>>,
    pub syncing: RwSignal<bool>,
    pub sync_error: RwSignal<Option<ApiError>>,
    pub rejected: RwSignal<Vec<RejectedOp>>,
    pub page: RwSignal<Page>,
    pub update_ready: RwSignal<bool>,
    pub progress: RwSignal<Option<(usize, usize)>>,
    pub now: RwSignal<f64>,
    pub flash: RwSignal<Option<String>>,
    pub ready: RwSignal<bool>,
    pub itype: RwSignal<saferounds_shared::checklist::InspectionType>,
}

impl Default for AppCtx {
    fn default() -> Self {
        Self::new()
    }
}

impl AppCtx {
    pub fn new() -> Self {
        AppCtx {
            lang: RwSignal::new(Lang::Zh),
            session: RwSignal::new(None),
            boot: RwSignal::new(None),
            view: RwSignal::new(BTreeMap::new()),
            pending: RwSignal::new(0),
            last_sync: RwSignal::new(None),
            syncing: RwSignal::new(false),
            sync_error: RwSignal::new(None),
            rejected: RwSignal::new(Vec::new()),
            page: RwSignal::new(Page::Rooms),
            update_ready: RwSignal::new(false),
            progress: RwSignal::new(None),
            now: RwSignal::new(js_sys::Date::now()),
            flash: RwSignal::new(None),
            ready: RwSignal::new(false),
            itype: RwSignal::new(saferounds_shared::checklist::InspectionType::DailyPatrol),
        }
    }

    pub fn t(&self, key: &'static str) -> &'static str {
        crate::i18n::tr(self.lang.get(), key)
    }
}

pub fn ctx() -> AppCtx {
    expect_context::<AppCtx>()
}

/// What `apply` may look up on the device: rooms and templates from the bootstrap data; photos
/// are on the device already.
pub struct LocalWorld<'a>(pub &'a Bootstrap);

impl World for LocalWorld<'_> {
    fn room(&self, id: RoomId) -> Option<Room> {
        self.0.rooms.iter().find(|r| r.id == id).cloned()
    }
    fn template(&self, id: TemplateId) -> Option<Template> {
        self.0.templates.iter().find(|t| t.id == id).cloned()
    }
    fn has_photo(&self, _: &PhotoHash) -> bool {
        true
    }
}

/// Recomputes the local view: the server state on the device with pending operations replayed.
pub async fn refresh_view(ctx: AppCtx) -> Result<(), ApiError> {
    let base = store::entities().await?;
    let outbox = store::outbox().await?;
    ctx.pending.set(outbox.len() as u32);
    ctx.rejected.set(store::rejected().await?);
    let view = match (ctx.boot.get_untracked(), ctx.session.get_untracked()) {
        (Some(boot), Some(session)) => {
            let actor = saferounds_shared::org::Actor::from(&session.user);
            let world = LocalWorld(&boot);
            let now = chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64)
                .unwrap_or_default();
            let apply_ctx = ApplyCtx {
                actor: &actor,
                now,
                today: boot.today.max(now.date_naive()),
                world: &world,
            };
            local_view(&base, &outbox, &apply_ctx)
        }
        _ => base,
    };
    ctx.view.set(view);
    Ok(())
}

/// The device's "today" (the center's time zone is UTC+8 by default; phones there agree).
pub fn today() -> chrono::NaiveDate {
    let offset_min = js_sys::Date::new_0().get_timezone_offset();
    let ms = js_sys::Date::now() - offset_min * 60_000.0;
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .unwrap_or_default()
        .date_naive()
}

pub fn now_utc() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}
