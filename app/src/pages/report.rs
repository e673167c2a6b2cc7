//! 随手拍: anyone reports a hazard they come across — the room, what is wrong, a photo — outside
//! any round. It goes to the safety office to be registered like every report (saved on the
//! phone first, then synced; the ledger's 隐患来源 says 随手拍).

use leptos::prelude::*;
use saferounds_shared::DomainError;
use saferounds_shared::checklist::Category;
use saferounds_shared::hazard::{Grade, HazardReport};
use saferounds_shared::i18n::Label;
use saferounds_shared::ids::{HazardId, PhotoHash};
use saferounds_shared::org::Room;
use saferounds_shared::sync::OpBody;
use wasm_bindgen::JsCast;

use crate::state::{Page, bind, ctx, from_wire, today, wire_name};
use crate::{photo, sync};

#[component]
pub fn ReportPage() -> impl IntoView {
    let ctx = ctx();
    let room = RwSignal::new(String::new());
    let category = RwSignal::new(Category::FireEquipment);
    let description = RwSignal::new(String::new());
    let shot = RwSignal::new(None::<(PhotoHash, String)>);
    let bytes = StoredValue::new(Vec::<u8>::new());
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    // The rooms where the user works (every room for the center's roles).
    let rooms = move || -> Vec<Room> {
        let site = ctx.session.get().and_then(|s| s.user.site_id);
        let mut v: Vec<Room> = ctx
            .boot
            .get()
            .map(|b| {
                b.rooms
                    .into_iter()
                    .filter(|r| site.is_none_or(|s| s == r.site_id))
                    .collect()
            })
            .unwrap_or_default();
        saferounds_shared::order::sort_by(&mut v, |a, b| {
            (&a.floor, &a.name.zh).cmp(&(&b.floor, &b.name.zh))
        });
        v
    };
    let take_photo = move |ev: leptos::ev::Event| {
        let Some(file) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            let place = rooms()
                .into_iter()
                .find(|r| r.id.to_string() == room.get_untracked())
                .map(|r| r.id);
            match photo::capture(file, &photo::stamp(ctx, place)).await {
                Ok((hash, b, url)) => {
                    bytes.set_value(b);
                    shot.set(Some((hash, url)));
                    error.set(None);
                }
                Err(_) => error.set(Some(ctx.t("photo_unreadable").to_owned())),
            }
        });
    };
    let submit = move |_| {
        let lang = ctx.lang.get_untracked();
        let Some(r) = rooms()
            .into_iter()
            .find(|r| r.id.to_string() == room.get_untracked())
        else {
            error.set(Some(ctx.t("choose_room").to_owned()));
            return;
        };
        let Some((hash, _)) = shot.get_untracked() else {
            error.set(Some(
                DomainError::PhotoRequired.to_api().message(lang).to_owned(),
            ));
            return;
        };
        let id = HazardId::from_uuid(uuid::Uuid::now_v7());
        let report = HazardReport {
            id,
            site_id: r.site_id,
            room_id: Some(r.id),
            department_id: Some(r.department_id),
            round_id: None,
            visit_id: None,
            category: category.get_untracked(),
            item_code: None,
            description: description.get_untracked().trim().to_owned(),
            grade: Grade::General,
            basis: String::new(),
            deadline: None,
            found_on: today(),
            photos_before: vec![hash.clone()],
            fixed_on_spot: None,
        };
        if let Err(e) = report.validate() {
            error.set(Some(e.to_api().message(lang).to_owned()));
            return;
        }
        saving.set(true);
        leptos::task::spawn_local(async move {
            let photos = vec![(hash, bytes.get_value())];
            match sync::record(ctx, id.0, 0, OpBody::ReportHazard(report), photos).await {
                Ok(()) => ctx.page.set(Page::Hazard(id)),
                Err(e) => {
                    saving.set(false);
                    error.set(Some(e));
                }
            }
        });
    };
    view! {
        <div class="card" id="report">
            <button class="secondary" on:click=move |_| ctx.page.set(Page::Hazards)>{ctx.text("back")}</button>
            <h2>{ctx.text("snap_report")}</h2>
            <p class="room-meta">{ctx.text("snap_hint")}</p>
            <label for="report-room">{ctx.text("room")}</label>
            <select id="report-room" on:change=bind(room)>
                <option value="">{ctx.text("choose_room")}</option>
                {move || rooms().into_iter().map(|r| view! {
                    <option value=r.id.to_string()>{format!("{} {}", r.floor, r.name.get(ctx.lang.get()))}</option>
                }).collect_view()}
            </select>
            <label for="report-category">{ctx.text("category")}</label>
            <select id="report-category" on:change=move |ev| {
                if let Some(c) = from_wire(&event_target_value(&ev)) { category.set(c); }
            }>
                {Category::ALL.into_iter().map(|c| view! { <option value=wire_name(c)>{move || c.label(ctx.lang.get())}</option> }).collect_view()}
            </select>
            <label for="report-description">{ctx.text("what_is_wrong")}</label>
            <textarea id="report-description" on:input=bind(description)></textarea>
            <label class="secondary" for="report-photo">{ctx.text("take_photo")}</label>
            <input id="report-photo" type="file" accept="image/*" capture="environment" on:change=take_photo/>
            {move || shot.get().map(|(_, url)| {
                // Tapped: the photo opens to mark up (a ring, an arrow), which then takes its place.
                let u = url.clone();
                let mark = move |_| {
                    let u = u.clone();
                    leptos::task::spawn_local(async move {
                        let b = bytes.get_value();
                        if let Ok(Some((h, b, u))) = photo::mark_up(&b, &u, ctx.lang.get_untracked()).await {
                            bytes.set_value(b);
                            shot.set(Some((h, u)));
                        }
                    });
                };
                view! { <div class="thumbs"><button class="thumb" aria-label=ctx.text("mark_up") on:click=mark><img src=url alt=ctx.t("photo")/></button></div> }
            })}
            {move || error.get().map(|e| view! { <div class="error" role="alert" id="report-error">{e}</div> })}
            <button class="primary" id="send-report" disabled=move || saving.get() on:click=submit>{ctx.text("send_report")}</button>
        </div>
    }
}
