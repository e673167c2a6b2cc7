//! Administration at the desk: rooms (and their printable QR labels), users and roles, and
//! checklist templates (saving an edit makes a new version). Sites, buildings and departments
//! come from the same API; every form saves one record whole by id and shows the server's
//! error in plain words.

use leptos::prelude::*;
use saferounds_shared::checklist::{AnswerKind, Category, ChecklistItem, Template};
use saferounds_shared::endpoints::{self as ep, Call};
use saferounds_shared::hazard::Grade;
use saferounds_shared::i18n::{Label, Text};
use saferounds_shared::ids::{BuildingId, DepartmentId, RoomId, SiteId, UserId};
use saferounds_shared::org::{Building, Department, Role, Room, RoomKind, Site, SiteKind, User};

use crate::api;
use crate::state::{bind, ctx, from_wire, wire_name};

mod rooms;
pub use rooms::*;
mod users;
pub use users::*;
mod templates;
pub use templates::*;
mod org;
pub use org::*;

#[component]
pub fn AdminPage() -> impl IntoView {
    let ctx = ctx();
    let error = RwSignal::new(None::<String>);
    let labels = move |_| api::open_in_background(ep::ROOM_LABELS.call(), None, error);
    view! {
        {move || error.get().map(|e| view! { <div class="error" role="alert">{e}</div> })}
        <section class="card" id="admin-org">
            <h2>{ctx.text("organisation")}</h2>
            <NewSite/>
            <NewBuilding/>
            <NewDepartment/>
        </section>
        <section class="card" id="admin-rooms">
            <h2>{ctx.text("rooms")}</h2>
            <button class="secondary" id="print-labels" on:click=labels>{ctx.text("qr_labels")}</button>
            <NewRoom/>
        </section>
        <section class="card" id="admin-users"><h2>{ctx.text("users")}</h2><Users/></section>
        <section class="card" id="admin-templates"><h2>{ctx.text("templates")}</h2><Templates/></section>
    }
}

/// Saves one organisation record by id; on success the organisation data is synced again so
/// the new record shows in every list.
fn save_org<T: saferounds_shared::json::Encode + saferounds_shared::json::Decode + 'static>(
    call: Call<T, T>,
    record: T,
    what: String,
    msg: RwSignal<Option<(bool, String)>>,
) {
    let ctx = ctx();
    let token = ctx.token_now();
    leptos::task::spawn_local(async move {
        match api::call(call, Some(&token), &record).await {
            Ok(_) => {
                msg.set(Some((true, format!("{} {what}", ctx.t("saved")))));
                crate::sync::sync_now(ctx).await;
            }
            Err(e) => msg.set(Some((
                false,
                e.message(ctx.lang.get_untracked()).to_owned(),
            ))),
        }
    });
}

#[component]
fn Msg(msg: RwSignal<Option<(bool, String)>>, id: &'static str) -> impl IntoView {
    move || {
        msg.get()
            .map(|(ok, m)| view! { <div class=if ok { "notice" } else { "error" } id=id>{m}</div> })
    }
}
