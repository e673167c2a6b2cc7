//! The app's shared state, provided as context.

use std::collections::BTreeMap;

use leptos::prelude::*;
use saferounds_shared::api::Bootstrap;
use saferounds_shared::ids::{HazardId, RoomId};
use saferounds_shared::org::User;
use saferounds_shared::sync::Entity;
use saferounds_shared::sync::apply::Ctx as ApplyCtx;
use saferounds_shared::sync::client::local_view;
use saferounds_shared::{ApiError, Lang};
use uuid::Uuid;

use crate::store::{self, RejectedOp};

#[derive(Clone, Debug, PartialEq, saferounds_shared::Json)]
pub struct Session {
    pub token: String,
    pub user: User,
    pub expires_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Page {
    Rooms,
    /// A room's checklist; `via_qr` when it was opened by scanning the room's label (the visit
    /// records it as proof of presence).
    Visit {
        room: RoomId,
        via_qr: bool,
    },
    Hazards,
    Hazard(HazardId),
    /// 随手拍: a hazard reported outside any round.
    Report,
    Ledger,
    Lists,
    Dashboard,
    Registers,
    /// Inspection rounds with their printable records.
    Rounds,
    Admin,
}

impl Page {
    /// Where a role lands after logging in or opening the app: the desk's dashboard, the rooms
    /// for those who inspect, else the hazards (a rectification owner has no rooms to walk).
    pub fn home(role: saferounds_shared::org::Role) -> Page {
        if role.desk_first() {
            Page::Dashboard
        } else if role.inspects() {
            Page::Rooms
        } else {
            Page::Hazards
        }
    }

    /// The name a desk page is remembered by across the hand-over to the desk module.
    pub fn desk_key(&self) -> Option<&'static str> {
        Some(match self {
            Page::Ledger => "ledger",
            Page::Lists => "lists",
            Page::Dashboard => "dashboard",
            Page::Registers => "registers",
            Page::Rounds => "rounds",
            Page::Admin => "admin",
            _ => return None,
        })
    }

    pub fn from_desk_key(key: &str) -> Option<Page> {
        [
            Page::Ledger,
            Page::Lists,
            Page::Dashboard,
            Page::Registers,
            Page::Rounds,
            Page::Admin,
        ]
        .into_iter()
        .find(|p| p.desk_key() == Some(key))
    }
}

// The app comes as two modules (see `boot.js`): the phone module, precached, and the desk module
// (the same plus the desk pages), fetched the first time a desk page is opened.
const MODULE_KEY: &str = "saferounds.module";
const PAGE_KEY: &str = "saferounds.page";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Hands over from the phone module to the desk module: remembers the page — and, for people who
/// work at a desk, that they do, so their next start loads the desk module at once — and reloads.
pub fn open_desk(ctx: AppCtx, page: Page) {
    let desk_first = ctx
        .session
        .get_untracked()
        .is_some_and(|s| s.user.role.desk_first());
    let flag = if desk_first {
        local_storage()
    } else {
        session_storage()
    };
    if let (Some(flag), Some(pages), Some(key)) = (flag, session_storage(), page.desk_key()) {
        let _ = flag.set_item(MODULE_KEY, "desk");
        let _ = pages.set_item(PAGE_KEY, key);
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    }
}

/// Whether `boot.js` fell back to the phone module because the desk module could not be fetched.
pub fn desk_failed() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"__srDeskFailed".into()).ok())
        .is_some_and(|v| v.is_truthy())
}

/// The desk page the phone module handed over, taken once.
pub fn handed_over_page() -> Option<Page> {
    let pages = session_storage()?;
    let key = pages.get_item(PAGE_KEY).ok().flatten()?;
    let _ = pages.remove_item(PAGE_KEY);
    Page::from_desk_key(&key)
}

/// The next start loads the phone module again (after logout).
pub fn forget_desk() {
    for s in [local_storage(), session_storage()].into_iter().flatten() {
        let _ = s.remove_item(MODULE_KEY);
        let _ = s.remove_item(PAGE_KEY);
    }
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
    /// The records on the device (entities, outbox) have been read into `view` once: until then
    /// lists built from them say they are loading rather than empty.
    pub loaded: RwSignal<bool>,
    pub itype: RwSignal<saferounds_shared::checklist::InspectionType>,
    /// Bytes this origin stores on the device, as the browser estimates it.
    pub stored: RwSignal<Option<f64>>,
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
            loaded: RwSignal::new(false),
            itype: RwSignal::new(saferounds_shared::checklist::InspectionType::DailyPatrol),
            stored: RwSignal::new(None),
        }
    }

    pub fn t(&self, key: &'static str) -> &'static str {
        crate::i18n::tr(self.lang.get(), key)
    }

    /// The interface string for `key` as a view that follows the language switch. Every such
    /// string is this one closure type, so the renderer's code for it is compiled once rather
    /// than once per call site.
    pub fn text(
        self,
        key: &'static str,
    ) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || self.t(key)
    }

    /// A person's name from the organisation data (empty if unknown), tracked.
    pub fn person_name(&self, id: saferounds_shared::ids::UserId) -> String {
        self.boot
            .with(|b| b.as_ref().map(|b| b.person_name(id).to_owned()))
            .unwrap_or_default()
    }

    /// Where a room is (站点 · 楼 · 层 · 房间) in the current language, tracked.
    pub fn place(&self, room: saferounds_shared::ids::RoomId) -> String {
        let lang = self.lang.get();
        self.boot
            .with(|b| b.as_ref().map(|b| b.place(room, lang)))
            .unwrap_or_default()
    }

    /// A department's name in the current language (empty if unknown), tracked.
    pub fn department_name(&self, id: saferounds_shared::ids::DepartmentId) -> String {
        let lang = self.lang.get();
        self.boot
            .with(|b| b.as_ref().map(|b| b.department_name(id, lang).to_owned()))
            .unwrap_or_default()
    }

    /// The bearer token (empty when logged out), tracked by the calling effect or resource.
    pub fn token(&self) -> String {
        self.session.get().map(|s| s.token).unwrap_or_default()
    }

    /// The bearer token, read without tracking (in event handlers).
    pub fn token_now(&self) -> String {
        self.session
            .get_untracked()
            .map(|s| s.token)
            .unwrap_or_default()
    }
}

/// An input's handler that keeps its text in `s` (for `on:input` and `on:change`): one closure
/// type for every such input, so its event code is compiled once.
pub fn bind(s: RwSignal<String>) -> impl Fn(leptos::ev::Event) + Copy + 'static {
    move |ev| s.set(event_target_value(&ev))
}

/// The wire name of an enum value (`snake_case`), for `<option value>`.
pub fn wire_name<T: saferounds_shared::json::EncodeKey>(v: T) -> String {
    v.key().to_owned()
}

/// The enum value of a wire name, from an `<option value>`.
pub fn from_wire<T: saferounds_shared::json::Decode>(s: &str) -> Option<T> {
    saferounds_shared::json::from_str(&saferounds_shared::json::to_string(s)).ok()
}

/// A User Timing mark (`performance.mark`); the browser benchmarks read these.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// A User Timing measure from the mark `start` to now.
pub fn measure(name: &str, start: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.measure_with_start_mark(name, start);
    }
}

pub fn ctx() -> AppCtx {
    expect_context::<AppCtx>()
}

/// Recomputes the local view: the server state on the device with pending operations replayed.
pub async fn refresh_view(ctx: AppCtx) -> Result<(), crate::Failure> {
    let base = store::entities().await?;
    let outbox = store::outbox().await?;
    ctx.pending.set(outbox.len() as u32);
    ctx.rejected.set(store::rejected().await?);
    let actor = ctx.session.with_untracked(|s| {
        s.as_ref()
            .map(|s| saferounds_shared::org::Actor::from(&s.user))
    });
    let view = ctx.boot.with_untracked(|boot| match (boot, actor) {
        (Some(boot), Some(actor)) => {
            let now = chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64)
                .unwrap_or_default();
            let apply_ctx = ApplyCtx {
                actor: &actor,
                now,
                today: boot.today.max(center_day(now)),
                world: boot,
            };
            local_view(&base, &outbox, &apply_ctx)
        }
        _ => base,
    });
    ctx.view.set(view);
    if !ctx.loaded.get_untracked() {
        ctx.loaded.set(true);
        mark("sr-records-loaded");
    }
    ctx.stored.set(storage_usage().await);
    Ok(())
}

/// `navigator.storage.estimate().usage`, where the browser has it.
async fn storage_usage() -> Option<f64> {
    let promise = web_sys::window()?.navigator().storage().estimate().ok()?;
    let estimate = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    js_sys::Reflect::get(&estimate, &wasm_bindgen::JsValue::from_str("usage"))
        .ok()?
        .as_f64()
}

/// The center's offset from UTC in minutes, from the bootstrap (UTC+8 until one is loaded).
static CENTER_OFFSET_MINUTES: std::sync::atomic::AtomicI32 =
    std::sync::atomic::AtomicI32::new(saferounds_shared::api::DEFAULT_UTC_OFFSET_MINUTES);

/// Keeps the bootstrap, and with it the center's time zone for [`today`] and [`center_day`].
pub fn set_boot(ctx: AppCtx, boot: Option<Bootstrap>) {
    if let Some(b) = &boot {
        CENTER_OFFSET_MINUTES.store(b.utc_offset_minutes, std::sync::atomic::Ordering::Relaxed);
    }
    ctx.boot.set(boot);
}

/// The center's date at `at` (days are the center's, whatever the phone's own time zone).
pub fn center_day(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    saferounds_shared::api::center_day(
        at,
        CENTER_OFFSET_MINUTES.load(std::sync::atomic::Ordering::Relaxed),
    )
}

/// `at` on the center's clock, `YYYY-MM-DD HH:MM`.
pub fn center_time(at: chrono::DateTime<chrono::Utc>) -> String {
    saferounds_shared::api::center_time(
        at,
        CENTER_OFFSET_MINUTES.load(std::sync::atomic::Ordering::Relaxed),
    )
}

/// The center's "today".
pub fn today() -> chrono::NaiveDate {
    center_day(now_utc())
}

pub fn now_utc() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use saferounds_shared::hazard::{Field, Grade};
    use saferounds_shared::lists::MeasureStatus;

    #[test]
    fn each_role_lands_where_it_works() {
        use saferounds_shared::org::Role;
        assert!(matches!(Page::home(Role::Inspector), Page::Rooms));
        assert!(matches!(Page::home(Role::Verifier), Page::Rooms));
        assert!(matches!(
            Page::home(Role::RectificationOwner),
            Page::Hazards
        ));
        for r in [Role::SafetySupervisor, Role::Leadership, Role::Admin] {
            assert!(matches!(Page::home(r), Page::Dashboard));
        }
    }

    #[test]
    fn option_values_are_wire_names_and_read_back() {
        assert_eq!(wire_name(Grade::Major), "major");
        assert_eq!(wire_name(Field::InterimPrecautions), "interim_precautions");
        assert_eq!(wire_name(MeasureStatus::InProgress), "in_progress");
        for f in Field::ALL {
            assert_eq!(from_wire::<Field>(&wire_name(f)), Some(f));
        }
        assert_eq!(from_wire::<Grade>("minor"), None);
        assert_eq!(from_wire::<Grade>("ma\"jor"), None);
        assert_eq!(from_wire::<Grade>(""), None);
    }
}
