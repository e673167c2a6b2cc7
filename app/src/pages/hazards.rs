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

/// Rows the hazard list shows at first, and adds per "show more".
const PAGE: usize = 100;

#[component]
pub fn Hazards() -> impl IntoView {
    let ctx = ctx();
    // A phone shows the most urgent first, a page at a time: thousands of rows at once would
    // make the list slow to open.
    let shown = RwSignal::new(PAGE);
    let list = move || {
        let Some(s) = ctx.session.get() else {
            return vec![];
        };
        let actor = Actor::from(&s.user);
        let mut v: Vec<Hazard> = ctx.view.with(|m| {
            m.values()
                .filter_map(|e| {
                    if let Entity::Hazard(h) = e {
                        Some(h.clone())
                    } else {
                        None
                    }
                })
                .filter(|h| h.on_work_list_of(&actor))
                .collect()
        });
        // Ties by id: the order the list had before, whatever the sort.
        saferounds_shared::order::sort_by(&mut v, |a, b| {
            (a.status.rank(), b.found_on, a.id).cmp(&(b.status.rank(), a.found_on, b.id))
        });
        v
    };
    // When the list is on screen (read by the benchmarks).
    Effect::new(move |_| {
        let n = ctx.view.with(|m| m.len());
        crate::state::mark(&format!("sr-hazards-rendered-{n}"));
    });
    // Reminders work offline: the rule is shared, the hazards are on the phone.
    let due = move || {
        let Some(s) = ctx.session.get() else {
            return vec![];
        };
        let actor = Actor::from(&s.user);
        let hazards: Vec<Hazard> = ctx.view.with(|m| {
            m.values()
                .filter_map(|e| match e {
                    Entity::Hazard(h) => Some(h.clone()),
                    _ => None,
                })
                .collect()
        });
        reminders(&hazards, today())
            .into_iter()
            .filter(|r| r.concerns(&actor))
            .collect::<Vec<_>>()
    };
    view! {
        {move || {
            let list = due();
            (!list.is_empty()).then(|| {
                let lang = ctx.lang.get();
                view! {
                    <div class="card notice" id="my-reminders">
                        <h2>{ctx.t("reminders")}</h2>
                        <ul class="plain">{list.into_iter().map(|r| {
                            let id = r.hazard_id;
                            view! { <li><a href="#" on:click=move |ev| { ev.prevent_default(); ctx.page.set(Page::Hazard(id)); }>{r.due.label(lang)}" · "{r.description.clone()}</a>" · "{ctx.t("deadline")}" "{r.deadline.to_string()}</li> }
                        }).collect_view()}</ul>
                    </div>
                }
            })
        }}
        <div class="card">
            <h2>{ctx.text("hazards")}" "<span id="hazard-count">{move || list().len()}</span></h2>
            <ul class="rooms" id="hazard-list">
                {move || {
                    let items = list();
                    let more = items.len().saturating_sub(shown.get());
                    if items.is_empty() {
                        let key = if ctx.loaded.get() { "no_hazards" } else { "reading_records" };
                        return view! { <li>{ctx.t(key)}</li> }.into_any();
                    }
                    let lang = ctx.lang.get();
                    let day = today();
                    let rows = items.into_iter().take(shown.get()).map(|h| {
                        let id = h.id;
                        let overdue = h.days_overdue(day);
                        view! {
                            <li class="hazard" data-hazard=h.id.to_string() data-status=h.status.as_str()>
                                <div>
                                    <div class="room-name">{h.description.clone()}</div>
                                    <div class="room-meta">
                                        <span class=format!("st-{}", h.status.as_str())>{h.status.label(lang)}</span>
                                        " · "{h.grade.label(lang)}" · "{h.category.label(lang)}
                                        {h.deadline.map(|d| format!(" · {} {d}", ctx.t("deadline")))}
                                        {(overdue > 0).then(|| view! { <span class="overdue">{format!(" {} {overdue}", ctx.t("overdue"))}</span> })}
                                    </div>
                                </div>
                                <button class="secondary" aria-label=format!("{} {}", ctx.t("open_hazard"), h.description) on:click=move |_| ctx.page.set(Page::Hazard(id))>"›"</button>
                            </li>
                        }
                    }).collect_view();
                    view! {
                        {rows}
                        {(more > 0).then(|| view! {
                            <li><button class="secondary" id="more-hazards" on:click=move |_| shown.update(|n| *n += PAGE)>{format!("{} ({more})", ctx.t("show_more"))}</button></li>
                        })}
                    }.into_any()
                }}
            </ul>
        </div>
    }
}

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
            match photo::capture(f).await {
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
                let role = s.user.role;
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
                if role.supervises() && h.has_conflict() {
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

/// A field's current value as a form shows it (`yyyy-mm-dd`, yuan, ids; empty for none).
fn draft_of(h: &Hazard, field: Field) -> String {
    match h.value_of(field) {
        FieldValue::Description(t) => t,
        FieldValue::Grade(g) => crate::state::wire_name(g),
        FieldValue::Measures(t) | FieldValue::InterimPrecautions(t) | FieldValue::Remark(t) => {
            t.unwrap_or_default()
        }
        FieldValue::Department(d) => d.map(|d| d.to_string()).unwrap_or_default(),
        FieldValue::Owner(o) => o.map(|o| o.to_string()).unwrap_or_default(),
        FieldValue::Deadline(d) => d.map(|d| d.to_string()).unwrap_or_default(),
        FieldValue::Funds(f) => f.yuan(),
    }
}

/// What a form's text means for a field; `shared` then checks the value.
fn parse_draft(field: Field, text: &str) -> Result<FieldValue, DomainError> {
    let t = text.trim();
    let opt = || (!t.is_empty()).then(|| t.to_owned());
    let id = |what| DomainError::InvalidId {
        what,
        value: t.to_owned(),
    };
    let v = match field {
        Field::Description => FieldValue::Description(t.to_owned()),
        Field::Grade => FieldValue::Grade(crate::state::from_wire(t).ok_or_else(|| id("grade"))?),
        Field::Measures => FieldValue::Measures(opt()),
        Field::InterimPrecautions => FieldValue::InterimPrecautions(opt()),
        Field::Remark => FieldValue::Remark(opt()),
        Field::Department => FieldValue::Department(match t {
            "" => None,
            _ => Some(DepartmentId::parse(t)?),
        }),
        Field::Owner => FieldValue::Owner(match t {
            "" => None,
            _ => Some(UserId::parse(t)?),
        }),
        Field::Deadline => FieldValue::Deadline(match t {
            "" => None,
            _ => Some(saferounds_shared::api::parse_day(t).ok_or_else(|| id("date"))?),
        }),
        Field::Funds => FieldValue::Funds(Fen::from_yuan(t)?),
    };
    v.validate()?;
    Ok(v)
}

/// Changing a hazard's ledger fields (each offered only where `shared`'s `editable_by` lets this
/// person change it), and notes on the record (备注; how a supervisor or leader chases an item,
/// 督办). Both are operations like every other change: saved on the device, then synced.
#[component]
fn EditBox(id: HazardId) -> impl IntoView {
    let ctx = ctx();
    let hazard = move || {
        ctx.view.with(|m| match m.get(&id.0) {
            Some(Entity::Hazard(h)) => Some(h.clone()),
            _ => None,
        })
    };
    let drafts = RwSignal::new(Vec::<(Field, String)>::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let record = move |h: Hazard, body: OpBody, done: Box<dyn FnOnce()>| {
        leptos::task::spawn_local(async move {
            match act(ctx, &h, body, vec![]).await {
                Ok(()) => {
                    error.set(None);
                    saved.set(true);
                    done();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let save = move |_| {
        let (Some(h), lang) = (hazard(), ctx.lang.get_untracked()) else {
            return;
        };
        let mut changes = Vec::new();
        for (field, text) in drafts.get_untracked() {
            match parse_draft(field, &text) {
                Ok(v) if v != h.value_of(field) => changes.push(v),
                Ok(_) => {}
                Err(e) => {
                    error.set(Some(format!(
                        "{}: {}",
                        field.label(lang),
                        e.to_api().message(lang)
                    )));
                    return;
                }
            }
        }
        if changes.is_empty() {
            error.set(Some(ctx.t("no_changes").to_owned()));
            return;
        }
        record(
            h,
            OpBody::EditHazard { changes },
            Box::new(move || drafts.set(Vec::new())),
        );
    };
    let add_note = move |_| {
        let (Some(h), lang) = (hazard(), ctx.lang.get_untracked()) else {
            return;
        };
        match Reason::parse(&note.get_untracked()) {
            Ok(text) => record(
                h,
                OpBody::Comment {
                    text: text.to_string(),
                },
                Box::new(move || note.set(String::new())),
            ),
            Err(e) => error.set(Some(e.to_api().message(lang).to_owned())),
        }
    };
    move || {
        let (Some(h), Some(s)) = (hazard(), ctx.session.get()) else {
            return ().into_any();
        };
        let lang = ctx.lang.get();
        let actor = Actor::from(&s.user);
        let boot = ctx.boot.get();
        let fields: Vec<Field> = Field::ALL
            .into_iter()
            .filter(|f| h.editable_by(&actor, *f))
            .collect();
        let inputs = fields.into_iter().map(|f| {
            let current = draft_of(&h, f);
            let input_id = format!("edit-{}", crate::state::wire_name(f));
            let set = move |v: String| drafts.update(|d| { d.retain(|(k, _)| *k != f); d.push((f, v)); });
            // Two kinds of control (a list to choose from, or a text or date box): each view
            // shape costs the phone module code.
            let none = || (String::new(), ctx.t("none").to_owned());
            let options: Option<Vec<(String, String)>> = match (f, boot.as_ref()) {
                (Field::Grade, _) => Some([Grade::General, Grade::Major].into_iter().map(|g| (crate::state::wire_name(g), g.label(lang).to_owned())).collect()),
                (Field::Department, Some(b)) => Some(std::iter::once(none()).chain(b.departments.iter().map(|d| (d.id.to_string(), d.name.get(lang).to_owned()))).collect()),
                (Field::Owner, Some(b)) => Some(std::iter::once(none()).chain(b.people.iter().map(|p| (p.id.to_string(), p.display_name.clone()))).collect()),
                _ => None,
            };
            let kind = if f == Field::Deadline { "date" } else { "text" };
            let control = match options {
                Some(options) => view! {
                    <select id=input_id.clone() on:change=move |ev| set(event_target_value(&ev))>
                        {options.into_iter().map(|(v, name)| { let on = v == current; view! { <option value=v selected=on>{name}</option> } }).collect_view()}
                    </select>
                }.into_any(),
                None => view! { <input type=kind id=input_id.clone() value=current on:input=move |ev| set(event_target_value(&ev))/> }.into_any(),
            };
            view! { <label for=input_id>{f.label(lang)}</label>{control} }
        }).collect_view();
        let can_edit = Field::ALL.into_iter().any(|f| h.editable_by(&actor, f));
        view! {
            <div class="card" id="edit-box">
                <h2>{ctx.t("notes")}</h2>
                <ul class="notes">
                    {h.comments.iter().map(|c| view! { <li>{c.text.clone()}<div class="room-meta">{format!("{} · {}", ctx.person_name(c.by), crate::state::center_time(c.at))}</div></li> }).collect_view()}
                </ul>
                <label for="note-text">{ctx.t("add_note")}</label>
                <input type="text" id="note-text" prop:value=move || note.get() on:input=bind(note)/>
                <button class="secondary" id="add-note" on:click=add_note>{ctx.t("add_note")}</button>
                {can_edit.then(|| view! {
                    <details id="edit-fields">
                        <summary>{ctx.t("edit_fields")}</summary>
                        {inputs}
                        <button class="primary" id="save-edit" on:click=save>{ctx.t("save_changes")}</button>
                    </details>
                })}
                {move || error.get().map(|e| view! { <div class="error" id="edit-error" role="alert">{e}</div> })}
                {move || (saved.get() && error.get().is_none()).then(|| view! { <div class="room-meta" id="edit-saved">{ctx.t("saved")}</div> })}
            </div>
        }.into_any()
    }
}

/// The hazard's timeline from the server's audit trail, and its photos (fetched with the token
/// into object URLs). Needs a connection; offline it says so and the rest of the page works.
#[component]
pub fn Timeline(id: HazardId) -> impl IntoView {
    let ctx = ctx();
    // Fetched into a signal (None while it loads) rather than through a resource and
    // `<Transition>`: the page needs no more, and the phone's module no async-resource machinery.
    let detail = RwSignal::new(None);
    Effect::new(move |_| {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            let d = crate::api::get::<saferounds_shared::api::HazardDetail>(
                &format!("/api/v1/hazards/{id}"),
                &token,
            )
            .await;
            detail.set(Some(d));
        });
    });
    let photos = RwSignal::new(Vec::<(bool, String)>::new());
    Effect::new(move |_| {
        if let Some(Ok(d)) = detail.get() {
            let token = ctx.token_now();
            let list: Vec<(bool, String)> = d
                .hazard
                .photos_before
                .iter()
                .map(|p| (false, p.to_string()))
                .chain(d.hazard.photos_after.iter().map(|p| (true, p.to_string())))
                .collect();
            leptos::task::spawn_local(async move {
                let mut urls = Vec::new();
                for (after, sha) in list {
                    if let Ok(url) =
                        crate::api::object_url(&format!("/api/v1/blobs/{sha}"), &token).await
                    {
                        urls.push((after, url));
                    }
                }
                photos.set(urls);
            });
        }
    });
    view! {
        <div class="card" id="timeline">
            <h2>{ctx.text("timeline")}</h2>
            <div class="thumbs">
                {move || photos.get().into_iter().map(|(after, url)| view! { <img src=url alt=move || ctx.t(if after { "after_photo" } else { "before_photo" }) class=if after { "after" } else { "before" }/> }).collect_view()}
            </div>
            {move || match detail.get() {
                None => view! { <div class="loading">"…"</div> }.into_any(),
                Some(r) => match r {
                    Err(_) => view! { <div class="room-meta">{ctx.t("need_online")}</div> }.into_any(),
                    Ok(d) => {
                        let lang = ctx.lang.get();
                        view! {
                            <ol class="timeline">
                                {d.audit.into_iter().map(|a| {
                                    let who = ctx.person_name(a.user_id);
                                    let what = match lang { saferounds_shared::Lang::Zh => Event::name_zh(&a.action), saferounds_shared::Lang::En => Event::name_en(&a.action) };
                                    let moved = match (a.from, a.to) { (Some(f), Some(t)) if f != t => format!(" {} → {}", f.label(lang), t.label(lang)), (None, Some(t)) => format!(" → {}", t.label(lang)), _ => String::new() };
                                    view! {
                                        <li>
                                            <b>{what}</b>{moved}
                                            <div class="room-meta">{format!("{who} · {} · {}", a.applied_on, crate::state::center_time(a.recorded_at))}{a.detail.map(|d| format!(" · {d}"))}</div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    }
                },
            }}
        </div>
    }
}
