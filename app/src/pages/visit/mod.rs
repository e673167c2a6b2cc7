//! One room's checklist: pass / fail / not applicable in one tap; a failed item takes a photo
//! and a note and becomes a hazard (or is fixed on the spot with an after photo) — or, where the
//! room already has that hazard open (listed at the top), a new finding on it; periodic checks
//! are signed. Saving writes the visit and its hazards as operations in one transaction.

use std::collections::BTreeMap;

use leptos::html::Canvas;
use leptos::prelude::*;
use saferounds_shared::checklist::{AnswerKind, ChecklistItem, Template};
use saferounds_shared::hazard::{FixedOnSpot, Hazard};
use saferounds_shared::i18n::Label;
use saferounds_shared::ids::{HazardId, PhotoHash, Reason, RoomId, RoundId, VisitId};
use saferounds_shared::inspection::{
    Answer, AnswerValue, Round, Signatures, Visit, open_hazard_for,
};
use saferounds_shared::sync::{Entity, OpBody};
use wasm_bindgen::JsCast;

use crate::state::{Page, bind, ctx, now_utc, refresh_view, today};
use crate::{photo, store, sync};

mod item;
pub use item::*;
mod signature;
pub use signature::*;

/// One item's answer while the room is open (saved with the visit, not before).
#[derive(Clone, Default)]
pub struct Draft {
    value: Option<AnswerValue>,
    note: String,
    photos: Vec<(PhotoHash, String)>,
    fixed: bool,
    fixed_text: String,
    after: Vec<(PhotoHash, String)>,
    hazard_id: Option<HazardId>,
}

/// The round this device's visits of one inspection type go into today.
#[derive(Clone, saferounds_shared::Json)]
struct OpenRound {
    id: RoundId,
    itype: saferounds_shared::checklist::InspectionType,
    date: chrono::NaiveDate,
    /// When its latest visit finished: the round is finished then, once another one begins.
    last_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[component]
pub fn VisitPage(room_id: RoomId, via_qr: bool) -> impl IntoView {
    let ctx = ctx();
    // When the inspector opened the room: the visit's start (it finishes when saved).
    let opened = now_utc();
    let boot = ctx.boot.get_untracked();
    let room = boot
        .as_ref()
        .and_then(|b| b.rooms.iter().find(|r| r.id == room_id).cloned());
    let template: Option<Template> = boot.as_ref().and_then(|b| {
        b.templates
            .iter()
            .filter(|t| t.inspection_type == ctx.itype.get_untracked())
            .max_by_key(|t| t.version)
            .cloned()
    });
    let (Some(room), Some(template)) = (room, template) else {
        return view! { <div class="error">"房间或检查表不存在 / room or checklist missing"</div> }
            .into_any();
    };
    // The room's open hazards: shown first, and a failure one of them records is found again.
    let open: Vec<Hazard> = ctx.view.with_untracked(|v| {
        v.values()
            .filter_map(|e| e.as_hazard())
            .filter(|h| h.is_open() && h.room_id == Some(room.id))
            .cloned()
            .collect()
    });
    let open = StoredValue::new(open);
    let drafts = RwSignal::new(BTreeMap::<String, Draft>::new());
    let photo_bytes = StoredValue::new(BTreeMap::<PhotoHash, Vec<u8>>::new());
    let error = RwSignal::new(None::<String>);
    let head_name = RwSignal::new(String::new());
    let sig_inspector = NodeRef::<Canvas>::new();
    let sig_head = NodeRef::<Canvas>::new();
    // Whether each pad has been signed (drawn on since it was last cleared).
    let signed_inspector = RwSignal::new(false);
    let signed_head = RwSignal::new(false);
    let needs_signatures = template.inspection_type.needs_signatures();
    let groups = template
        .items_for(room.kind)
        .into_iter()
        .map(|(c, items)| (c, items.into_iter().cloned().collect::<Vec<_>>()))
        .collect::<Vec<_>>();
    let total: usize = groups.iter().map(|(_, v)| v.len()).sum();
    // The answers of the room's last visit of this inspection, to repeat in one tap where nothing
    // changed — its failures left out (each failure is that day's finding) and only items this
    // checklist still asks.
    let last: Vec<(String, AnswerValue)> = ctx.view.with_untracked(|v| {
        v.values()
            .filter_map(|e| match e {
                Entity::Visit(v)
                    if v.room_id == room.id && v.inspection_type == template.inspection_type =>
                {
                    Some(v)
                }
                _ => None,
            })
            .max_by_key(|v| v.finished_at)
            .map(|v| {
                v.answers
                    .iter()
                    .filter(|a| a.value != AnswerValue::Fail)
                    .filter(|a| {
                        groups
                            .iter()
                            .any(|(_, items)| items.iter().any(|i| i.code == a.item_code))
                    })
                    .map(|a| (a.item_code.clone(), a.value.clone()))
                    .collect()
            })
            .unwrap_or_default()
    });
    let has_last = !last.is_empty();
    let repeat_last = move |_| {
        drafts.update(|d| {
            for (code, value) in &last {
                let e = d.entry(code.clone()).or_default();
                if e.value.is_none() {
                    e.value = Some(value.clone());
                }
            }
        })
    };
    let answered = move || drafts.with(|d| d.values().filter(|x| x.value.is_some()).count());

    let room_for_save = room.clone();
    let template_for_save = template.clone();
    let save = move |_| {
        crate::state::mark("sr-save-start");
        error.set(None);
        let room = room_for_save.clone();
        let template = template_for_save.clone();
        leptos::task::spawn_local(async move {
            match save_visit(
                ctx,
                &room,
                &template,
                drafts.get_untracked(),
                via_qr,
                photo_bytes.get_value(),
                &open.get_value(),
                needs_signatures,
                head_name.get_untracked(),
                (signed_inspector.get_untracked() && signed_head.get_untracked())
                    .then(|| sig_inspector.get_untracked().zip(sig_head.get_untracked()))
                    .flatten(),
                opened,
            )
            .await
            {
                Ok(()) => {
                    let _ = refresh_view(ctx).await;
                    crate::state::measure("sr-save-visit", "sr-save-start");
                    ctx.page.set(Page::Rooms);
                    leptos::task::spawn_local(sync::sync_now(ctx));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let lang = ctx.lang.get_untracked();
    view! {
        <div class="card">
            <button class="secondary" on:click=move |_| ctx.page.set(Page::Rooms)>{ctx.text("back")}</button>
            <h2 id="visit-room">{room.name.get(lang).to_owned()}</h2>
            <div class="room-meta">{format!("{} · {} · {} v{}", room.floor, room.kind.label(lang), template.name.get(lang), template.version)}</div>
            <div>{move || format!("{} / {}", answered(), total)}</div>
            {has_last.then(|| view! { <button class="secondary" id="repeat-last" on:click=repeat_last>{ctx.text("repeat_last")}</button> })}
        </div>
        {(!open.with_value(Vec::is_empty)).then(|| view! {
            <div class="card" id="open-hazards">
                <h2>{ctx.text("open_here")}{format!(" ({})", open.with_value(Vec::len))}</h2>
                <ul>
                    {open.get_value().into_iter().map(|h| {
                        let id = h.id;
                        view! { <li><a href="#" on:click=move |ev| { ev.prevent_default(); ctx.page.set(Page::Hazard(id)); }>{h.description}</a>" · "{h.status.label(lang)}</li> }
                    }).collect_view()}
                </ul>
            </div>
        })}
        {groups.into_iter().map(|(cat, items)| {
            // "All pass" for the category's yes/no items not answered yet; then the exceptions.
            let codes: Vec<String> = items.iter().filter(|i| i.answer == AnswerKind::PassFailNa).map(|i| i.code.clone()).collect();
            let any = !codes.is_empty();
            let all_pass = move |_| drafts.update(|d| {
                for c in &codes {
                    let e = d.entry(c.clone()).or_default();
                    if e.value.is_none() {
                        e.value = Some(AnswerValue::Pass);
                    }
                }
            });
            view! {
                <div class="card">
                    <div class="card-head">
                        <h2>{move || cat.label(ctx.lang.get())}</h2>
                        {any.then(|| view! { <button class="secondary all-pass" on:click=all_pass>{ctx.text("all_pass")}</button> })}
                    </div>
                    {items.into_iter().map(|item| {
                        let again = open.with_value(|o| open_hazard_for(o, room_id, &item.code).map(|h| h.id));
                        view! { <ItemRow item=item drafts=drafts photo_bytes=photo_bytes again=again room=room_id/> }
                    }).collect_view()}
                </div>
            }
        }).collect_view()}
        {needs_signatures.then(|| view! {
            <div class="card">
                <h2>{ctx.text("signatures")}</h2>
                <label>{ctx.text("sign_inspector")}</label>
                <SignaturePad node=sig_inspector signed=signed_inspector id="sig-inspector"/>
                <label for="head-name">{ctx.text("head_name")}</label>
                <input id="head-name" type="text" prop:value=move || head_name.get() on:input=bind(head_name)/>
                <label>{ctx.text("sign_head")}</label>
                <SignaturePad node=sig_head signed=signed_head id="sig-head"/>
            </div>
        })}
        <div class="sticky-save">
            {move || error.get().map(|e| view! { <div class="error" id="visit-error">{e}</div> })}
            <button class="primary" id="save-visit" on:click=save>{ctx.text("save_visit")}</button>
        </div>
    }
    .into_any()
}

#[allow(clippy::too_many_arguments)]
async fn save_visit(
    ctx: crate::state::AppCtx,
    room: &saferounds_shared::org::Room,
    template: &Template,
    drafts: BTreeMap<String, Draft>,
    via_qr: bool,
    mut photo_bytes: BTreeMap<PhotoHash, Vec<u8>>,
    open_hazards: &[Hazard],
    needs_signatures: bool,
    head_name: String,
    // The two signature pads, when both are signed.
    pads: Option<(web_sys::HtmlCanvasElement, web_sys::HtmlCanvasElement)>,
    opened: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    let lang = ctx.lang.get_untracked();
    let msg = |e: saferounds_shared::DomainError| e.to_api().message(lang).to_owned();
    let session = ctx.session.get_untracked().ok_or("not logged in")?;
    let now = now_utc();
    let day = today();
    let mut answers = Vec::new();
    for (code, d) in drafts {
        let Some(value) = d.value.clone() else {
            continue;
        };
        let fixed_on_spot = if d.fixed && value == AnswerValue::Fail {
            let what = Reason::parse(&d.fixed_text).map_err(msg)?;
            Some(FixedOnSpot {
                what_was_done: what,
                photos_after: d.after.iter().map(|(h, _)| h.clone()).collect(),
            })
        } else {
            None
        };
        answers.push(Answer {
            item_code: code,
            value,
            note: (!d.note.trim().is_empty()).then(|| d.note.trim().to_owned()),
            photos: d.photos.iter().map(|(h, _)| h.clone()).collect(),
            hazard_id: d.hazard_id,
            fixed_on_spot,
        });
    }
    if answers.is_empty() {
        return Err(crate::i18n::tr(lang, "answer_one").into());
    }
    let signatures = if needs_signatures {
        let Some((a, b)) = pads else {
            return Err(ctx.t("sign_both").to_owned());
        };
        let unreadable = |_| ctx.t("signature_unreadable").to_owned();
        let (ha, ba) = photo::canvas_png(&a).await.map_err(unreadable)?;
        let (hb, bb) = photo::canvas_png(&b).await.map_err(unreadable)?;
        photo_bytes.insert(ha.clone(), ba);
        photo_bytes.insert(hb.clone(), bb);
        Some(Signatures {
            inspector: ha,
            department_head: hb,
            department_head_name: head_name.trim().to_owned(),
        })
    } else {
        None
    };
    // One round per inspection type and day on this device.
    let itype = template.inspection_type;
    let open: Option<OpenRound> = store::kv_get("round")
        .await
        .map_err(|e| e.message(lang).to_owned())?;
    let mut changes = Vec::new();
    let round_id = match open.as_ref().filter(|r| r.itype == itype && r.date == day) {
        Some(r) => r.id,
        None => {
            // Another inspection type, or another day: the round open on this device ends
            // with its latest visit.
            if let Some((prev, finished_at)) = open.and_then(|r| Some((r.id, r.last_at?))) {
                changes.push((prev.0, 1, OpBody::FinishRound { finished_at }));
            }
            let id = RoundId::from_uuid(uuid::Uuid::now_v7());
            let round = Round {
                id,
                inspector_id: session.user.id,
                inspection_type: itype,
                site_id: room.site_id,
                template_id: template.id,
                template_version: template.version,
                started_at: opened,
                finished_at: None,
            };
            changes.push((id.0, 0, OpBody::StartRound(round)));
            id
        }
    };
    let visit = Visit {
        id: VisitId::from_uuid(uuid::Uuid::now_v7()),
        round_id,
        room_id: room.id,
        site_id: room.site_id,
        inspector_id: session.user.id,
        inspection_type: itype,
        template_id: template.id,
        via_qr,
        started_at: opened.min(now),
        finished_at: now,
        answers,
        signatures,
        note: None,
    };
    visit.validate(template, room).map_err(msg)?;
    let open_hazards: Vec<&Hazard> = open_hazards.iter().collect();
    let outcomes = visit.outcomes(template, room, day, &open_hazards);
    changes.push((visit.id.0, 0, OpBody::RecordVisit(visit)));
    for (id, body) in outcomes {
        // A new hazard starts at version 0; a finding on an open one names the version seen.
        let base = open_hazards
            .iter()
            .find(|h| h.id.0 == id)
            .map_or(0, |h| h.version);
        changes.push((id, base, body));
    }
    // Photos taken and then replaced are dropped by `record`: it keeps only those the visit uses.
    store::record(changes, photo_bytes.into_iter().collect())
        .await
        .map_err(|e| e.message(lang).to_owned())?;
    store::kv_put(
        "round",
        &OpenRound {
            id: round_id,
            itype,
            date: day,
            last_at: Some(now),
        },
    )
    .await
    .map_err(|e| e.message(lang).to_owned())?;
    Ok(())
}
