//! Hazards on the phone: the list the user is responsible for, and one hazard with the actions
//! the state machine allows them (start, submit with after photos, re-check, register, void,
//! reopen, resolve a conflict). Every action is an operation through `saferounds-shared`.

use leptos::prelude::*;
use saferounds_shared::DomainError;
use saferounds_shared::hazard::{
    Event, EventKind, Field, FieldValue, Grade, Hazard, Registration, decide, offered,
};
use saferounds_shared::i18n::Label;
use saferounds_shared::ids::{DepartmentId, Fen, HazardId, PhotoHash, Reason, UserId};
use saferounds_shared::org::Actor;
use saferounds_shared::reminders::reminders;
use saferounds_shared::sync::{Entity, OpBody};
use wasm_bindgen::JsCast;

use crate::state::{Page, bind, ctx, today};
use crate::{photo, sync};

mod list;
pub use list::*;
mod edit;
pub use edit::*;
mod timeline;
pub use timeline::*;

/// An operation on this hazard, from the version on screen.
async fn act(
    ctx: crate::state::AppCtx,
    h: &Hazard,
    body: OpBody,
    photos: Vec<(PhotoHash, Vec<u8>)>,
) -> Result<(), String> {
    sync::record(ctx, h.id.0, h.version, body, photos).await
}

#[component]
pub fn HazardPage(id: HazardId) -> impl IntoView {
    let ctx = ctx();
    let hazard = move || {
        ctx.view.with(|m| {
            m.get(&id.0).and_then(|e| {
                if let Entity::Hazard(h) = e {
                    Some(h.clone())
                } else {
                    None
                }
            })
        })
    };
    let error = RwSignal::new(None::<String>);
    let text = RwSignal::new(String::new());
    let measures = RwSignal::new(String::new());
    let deadline = RwSignal::new(String::new());
    let owner = RwSignal::new(String::new());
    let funds = RwSignal::new(String::new());
    let after = StoredValue::new(Vec::<(PhotoHash, Vec<u8>)>::new());
    let after_count = RwSignal::new(0usize);

    let fire = move |event: Event| {
        let Some(h) = hazard() else { return };
        let Some(s) = ctx.session.get_untracked() else {
            return;
        };
        let actor = Actor::from(&s.user);
        if let Err(e) = decide(&h, &event, &actor, today()) {
            error.set(Some(
                e.to_api().message(ctx.lang.get_untracked()).to_owned(),
            ));
            return;
        }
        let photos = after.get_value();
        let from = h.status;
        // A step that does not take the after-photos (only a submission does) leaves them on
        // the page for the submission that follows; `record` stores only the photos used.
        let body = OpBody::Transition { from, event };
        let takes_photos = !body.photo_refs().is_empty();
        leptos::task::spawn_local(async move {
            match act(ctx, &h, body, photos).await {
                Ok(()) => {
                    error.set(None);
                    text.set(String::new());
                    if takes_photos {
                        after.set_value(Vec::new());
                        after_count.set(0);
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let reason = move || {
        Reason::parse(&text.get_untracked())
            .map_err(|e| {
                error.set(Some(
                    e.to_api().message(ctx.lang.get_untracked()).to_owned(),
                ))
            })
            .ok()
    };
    let on_after = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(f) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        leptos::task::spawn_local(async move {
            let room = hazard().and_then(|h| h.room_id);
            match photo::capture(f, &photo::stamp(ctx, room)).await {
                Ok((h, b, _)) => {
                    // The same picture chosen twice is one photo.
                    after.update_value(|v| {
                        if !v.iter().any(|(k, _)| *k == h) {
                            v.push((h, b))
                        }
                    });
                    after_count.set(after.with_value(|v| v.len()));
                }
                Err(_) => error.set(Some(ctx.t("photo_unreadable").to_owned())),
            }
        });
    };
    let register = move |_| {
        let Some(h) = hazard() else { return };
        let lang = ctx.lang.get_untracked();
        let parsed = (|| -> Result<Registration, String> {
            let m = Reason::parse(&measures.get_untracked())
                .map_err(|e| e.to_api().message(lang).to_owned())?;
            // Left empty: the item's time limit the hazard was reported with.
            let dl = saferounds_shared::api::parse_day(&deadline.get_untracked())
                .or(h.deadline)
                .unwrap_or(h.grade.default_deadline(h.found_on));
            let owner_id = UserId::parse(&owner.get_untracked())
                .map_err(|e| e.to_api().message(lang).to_owned())?;
            let fen = Fen::from_yuan(&funds.get_untracked())
                .map_err(|e| e.to_api().message(lang).to_owned())?;
            let dept = ctx
                .boot
                .get_untracked()
                .and_then(|b| {
                    b.people
                        .iter()
                        .find(|p| p.id == owner_id)
                        .and_then(|p| p.department_id)
                })
                .or(h.department_id)
                .ok_or("no department")?;
            Ok(Registration {
                grade: h.grade,
                measures: m,
                department_id: dept,
                owner_id,
                deadline: dl,
                interim_precautions: Reason::parse(&text.get_untracked()).ok(),
                funds: fen,
                plan_approved_by: None,
            })
        })();
        match parsed {
            Ok(r) => fire(Event::Register(r)),
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <div class="card">
            <button class="secondary" on:click=move |_| ctx.page.set(Page::Hazards)>{ctx.text("back")}</button>
            {move || hazard().map(|h| {
                let lang = ctx.lang.get();
                view! {
                    <h2 id="hazard-title">{h.description.clone()}</h2>
                    <div id="hazard-status" data-status=h.status.as_str()>{h.status.label(lang)}" · "{h.grade.label(lang)}" · "{h.category.label(lang)}</div>
                    {h.room_id.map(|r| view! { <div id="hazard-place">{ctx.place(r)}</div> })}
                    <div class="room-meta">{format!("{} {} · {}", ctx.t("found_on"), h.found_on, h.basis)}</div>
                    {h.measures.clone().map(|m| view! { <div>{ctx.t("measures")}": "{m}</div> })}
                    {h.deadline.map(|d| view! { <div>{ctx.t("deadline")}": "{d.to_string()}</div> })}
                    {h.owner_id.map(|o| {
                        let dept = h.department_id.map(|d| format!(" · {}", ctx.department_name(d))).unwrap_or_default();
                        view! { <div id="hazard-owner">{ctx.t("owner")}": "{ctx.person_name(o)}{dept}</div> }
                    })}
                    {h.conflicts.iter().map(|c| view! { <div class="notice">{format!("{}: {}", ctx.t("conflict"), c.field.label(lang))}</div> }).collect_view()}
                }
            })}
        </div>
        <div class="card" id="actions">
            {move || {
                let (Some(h), Some(s)) = (hazard(), ctx.session.get()) else { return ().into_any() };
                let actor = Actor::from(&s.user);
                // Only what the lifecycle would accept from this person is offered.
                let can = |kind: EventKind| offered(&h, kind, &actor);
                let mut parts: Vec<AnyView> = Vec::new();
                // A reason box and the button of a step that takes a reason (one view for all).
                let with_reason = move |input: &'static str, button: &'static str, key: &'static str, step: fn(Reason) -> Event| view! {
                    <label for=input>{ctx.t("reason")}</label><input id=input type="text" on:input=bind(text)/>
                    <button class="secondary" id=button on:click=move |_| if let Some(r) = reason() { fire(step(r)) }>{ctx.t(key)}</button>
                };
                if can(EventKind::Register) {
                    let owners: Vec<(String, String)> = ctx.boot.with(|b| {
                        b.as_ref().map_or(vec![], |b| {
                            b.owners_for(h.department_id)
                                .into_iter()
                                .map(|p| (p.id.to_string(), p.display_name.clone()))
                                .collect()
                        })
                    });
                    parts.push(view! {
                        <label for="reg-measures">{ctx.t("measures")}</label><input id="reg-measures" type="text" on:input=bind(measures)/>
                        <label for="reg-owner">{ctx.t("owner")}</label>
                        <select id="reg-owner" on:change=bind(owner)>
                            <option value="">"—"</option>
                            {owners.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                        </select>
                        <label for="reg-deadline">{ctx.t("deadline")}</label><input id="reg-deadline" type="date" on:input=bind(deadline)/>
                        <label for="reg-funds">{ctx.t("funds")}</label><input id="reg-funds" inputmode="decimal" on:input=bind(funds)/>
                        <label for="reg-interim">{ctx.t("interim")}</label><input id="reg-interim" type="text" on:input=bind(text)/>
                        <button class="primary" id="do-register" on:click=register>{ctx.t("register")}</button>
                    }.into_any());
                }
                if can(EventKind::StartRectification) {
                    parts.push(view! { <button class="primary" id="do-start" on:click=move |_| fire(Event::StartRectification)>{ctx.t("start")}</button> }.into_any());
                }
                if can(EventKind::RequestExtension) {
                    parts.push(view! {
                        <details class="extension">
                            <summary>{ctx.t("request_extension")}</summary>
                            <label for="ext-date">{ctx.t("deadline")}</label><input id="ext-date" type="date" on:input=bind(deadline)/>
                            <label for="ext-reason">{ctx.t("reason")}</label><input id="ext-reason" type="text" on:input=bind(text)/>
                            <button class="secondary" id="do-extend" on:click=move |_| {
                                let lang = ctx.lang.get_untracked();
                                match saferounds_shared::api::parse_day(&deadline.get_untracked()).ok_or(()) {
                                    Ok(d) => if let Some(r) = reason() { fire(Event::RequestExtension { new_deadline: d, reason: r }) },
                                    Err(_) => error.set(Some(crate::i18n::tr(lang, "choose_deadline").into())),
                                }
                            }>{ctx.t("request_extension")}</button>
                        </details>
                    }.into_any());
                }
                if let (Some(x), true) = (h.extension.clone(), can(EventKind::ApproveExtension)) {
                    parts.push(view! {
                        <div class="notice" id="extension-pending">{format!("{}: {} · {}", ctx.t("request_extension"), x.new_deadline, x.reason)}
                            <button class="secondary" id="do-approve" on:click=move |_| fire(Event::ApproveExtension)>{ctx.t("approve")}</button>
                            {with_reason("refuse-reason", "do-refuse", "refuse", |reason| Event::RefuseExtension { reason })}
                        </div>
                    }.into_any());
                }
                if can(EventKind::Void) {
                    parts.push(view! {
                        <details class="void">
                            <summary>{ctx.t("void")}</summary>
                            {with_reason("void-reason", "do-void", "void", |reason| Event::Void { reason })}
                        </details>
                    }.into_any());
                }
                if can(EventKind::SubmitRectification) {
                    parts.push(view! {
                        <label for="done-text">{ctx.t("what_was_done")}</label><input id="done-text" type="text" on:input=bind(text)/>
                        <label for="after-photo">{ctx.t("after_photo")}</label><input id="after-photo" type="file" accept="image/*" capture="environment" on:change=on_after/>
                        <div>{move || format!("📷 {}", after_count.get())}</div>
                        <button class="primary" id="do-submit" on:click=move |_| {
                            if let Some(r) = reason() {
                                let photos = after.with_value(|v| v.iter().map(|(h, _)| h.clone()).collect());
                                fire(Event::SubmitRectification { what_was_done: r, photos_after: photos });
                            }
                        }>{ctx.t("submit")}</button>
                    }.into_any());
                }
                if can(EventKind::RecheckPass) {
                    parts.push(view! {
                        <button class="primary" id="do-pass" on:click=move |_| fire(Event::RecheckPass { note: None, photos: vec![] })>{ctx.t("recheck_pass")}</button>
                    }.into_any());
                }
                if can(EventKind::RecheckFail) {
                    parts.push(with_reason("fail-reason", "do-fail", "recheck_fail", |reason| Event::RecheckFail { reason }).into_any());
                }
                if can(EventKind::Reopen) {
                    parts.push(with_reason("reopen-reason", "do-reopen", "reopen", |reason| Event::Reopen { reason }).into_any());
                }
                if actor.roles().supervises() && h.has_conflict() {
                    let fields: Vec<_> = h.conflicts.iter().map(|c| c.field).collect();
                    for f in fields {
                        let hz = h.clone();
                        let hz2 = h.clone();
                        parts.push(view! {
                            <div class="notice">{f.label(ctx.lang.get()).to_owned()}
                                <button class="secondary" on:click=move |_| { let h = hz.clone(); leptos::task::spawn_local(async move { let _ = act(ctx, &h, OpBody::ResolveConflict { field: f, take_losing: false }, vec![]).await; }); }>{ctx.t("keep_server")}</button>
                                <button class="secondary" on:click=move |_| { let h = hz2.clone(); leptos::task::spawn_local(async move { let _ = act(ctx, &h, OpBody::ResolveConflict { field: f, take_losing: true }, vec![]).await; }); }>{ctx.t("take_other")}</button>
                            </div>
                        }.into_any());
                    }
                }
                parts.into_iter().collect_view().into_any()
            }}
            {move || error.get().map(|e| view! { <div class="error" id="action-error">{e}</div> })}
        </div>
        <EditBox id=id/>
        <Timeline id=id/>
    }
}
