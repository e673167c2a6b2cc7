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
use saferounds_shared::sync::OpBody;
use wasm_bindgen::JsCast;

use crate::state::{Page, bind, ctx, now_utc, refresh_view, today};
use crate::{photo, store, sync};

#[derive(Clone, Default)]
struct Draft {
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
        {groups.into_iter().map(|(cat, items)| view! {
            <div class="card">
                <h2>{move || cat.label(ctx.lang.get())}</h2>
                {items.into_iter().map(|item| {
                    let again = open.with_value(|o| open_hazard_for(o, room_id, &item.code).map(|h| h.id));
                    view! { <ItemRow item=item drafts=drafts photo_bytes=photo_bytes again=again/> }
                }).collect_view()}
            </div>
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

#[component]
fn ItemRow(
    item: ChecklistItem,
    drafts: RwSignal<BTreeMap<String, Draft>>,
    photo_bytes: StoredValue<BTreeMap<PhotoHash, Vec<u8>>>,
    /// The room's open hazard this item's failure would find again.
    again: Option<HazardId>,
) -> impl IntoView {
    let ctx = ctx();
    let code = StoredValue::new(item.code.clone());
    let get = move || drafts.with(|d| d.get(&code.get_value()).cloned().unwrap_or_default());
    let set =
        move |f: &dyn Fn(&mut Draft)| drafts.update(|d| f(d.entry(code.get_value()).or_default()));
    let choose = move |v: AnswerValue| {
        set(&|d: &mut Draft| {
            if v == AnswerValue::Fail && d.hazard_id.is_none() {
                d.hazard_id =
                    Some(again.unwrap_or_else(|| HazardId::from_uuid(uuid::Uuid::now_v7())));
            }
            d.value = Some(v.clone());
        })
    };
    // A file the browser cannot decode as an image (some phones' HEIC, a document) is said so.
    let photo_error = RwSignal::new(false);
    let add_photo = move |ev: leptos::ev::Event, after: bool| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        // The files, then an empty input: choosing more photos adds to these, not to a list the
        // input kept.
        let files: Vec<web_sys::File> = input
            .files()
            .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
            .unwrap_or_default();
        input.set_value("");
        leptos::task::spawn_local(async move {
            photo_error.set(false);
            for f in files {
                let Ok((hash, bytes, url)) = photo::capture(f).await else {
                    photo_error.set(true);
                    continue;
                };
                photo_bytes.update_value(|m| {
                    m.insert(hash.clone(), bytes);
                });
                let entry = (hash, url);
                // The same picture chosen twice is one photo.
                set(&|d: &mut Draft| {
                    let list = if after { &mut d.after } else { &mut d.photos };
                    if !list.iter().any(|(h, _)| *h == entry.0) {
                        list.push(entry.clone());
                    }
                });
            }
        });
    };
    let is = move |v: AnswerValue| get().value == Some(v);
    let item_code = item.code.clone();
    let answers = match item.answer {
        AnswerKind::PassFailNa => view! {
            <div class="answers">
                <button class=move || if is(AnswerValue::Pass) { "pass on" } else { "pass" } data-answer="pass" on:click=move |_| choose(AnswerValue::Pass)>{ctx.text("pass")}</button>
                <button class=move || if is(AnswerValue::Fail) { "fail on" } else { "fail" } data-answer="fail" on:click=move |_| choose(AnswerValue::Fail)>{ctx.text("fail")}</button>
                <button class=move || if is(AnswerValue::NotApplicable) { "na on" } else { "na" } data-answer="na" on:click=move |_| choose(AnswerValue::NotApplicable)>{ctx.text("na")}</button>
            </div>
        }
        .into_any(),
        AnswerKind::Number { unit, .. } => view! {
            <input type="number" inputmode="numeric" aria-label=unit.clone() placeholder=unit on:input=move |ev| {
                let v = event_target_value(&ev);
                set(&|d: &mut Draft| d.value = v.parse::<f64>().ok().map(AnswerValue::Number));
            }/>
        }
        .into_any(),
        AnswerKind::Text => view! {
            <textarea aria-label=ctx.text("note") on:input=move |ev| { let v = event_target_value(&ev); set(&|d: &mut Draft| d.value = (!v.trim().is_empty()).then(|| AnswerValue::Text(v.clone()))); }></textarea>
        }
        .into_any(),
    };
    view! {
        <div class="item" data-item=item_code>
            <div class="q">{move || item.text.get(ctx.lang.get()).to_owned()}<div class="src">{item.source.clone()}</div></div>
            {answers}
            <Show when=move || is(AnswerValue::Fail)>
                <div class="failbox">
                    {again.map(|_| view! { <div class="notice found-again">{ctx.text("found_again")}</div> })}
                    <label>{ctx.text("note")}</label>
                    <textarea class="fail-note" aria-label=ctx.text("note") prop:value=move || get().note on:input=move |ev| { let v = event_target_value(&ev); set(&|d: &mut Draft| d.note = v.clone()); }></textarea>
                    <label>{ctx.text("photo")}</label>
                    <input class="fail-photo" aria-label=ctx.text("photo") type="file" accept="image/*" capture="environment" multiple on:change=move |ev| add_photo(ev, false)/>
                    <div class="thumbs">{move || get().photos.into_iter().map(|(_, url)| view! { <img src=url alt=""/> }).collect_view()}</div>
                    <Show when=move || photo_error.get()><div class="error photo-error" role="alert">{ctx.text("photo_unreadable")}</div></Show>
                    <label><input class="fixed" type="checkbox" prop:checked=move || get().fixed on:change=move |ev| { let on = event_target_checked(&ev); set(&|d: &mut Draft| d.fixed = on); }/>{ctx.text("fixed_on_spot")}</label>
                    <Show when=move || get().fixed>
                        <label>{ctx.text("what_was_done")}</label>
                        <input type="text" class="fixed-text" aria-label=ctx.text("what_was_done") on:input=move |ev| { let v = event_target_value(&ev); set(&|d: &mut Draft| d.fixed_text = v.clone()); }/>
                        <label>{ctx.text("after_photo")}</label>
                        <input class="after-photo" aria-label=ctx.text("after_photo") type="file" accept="image/*" capture="environment" on:change=move |ev| add_photo(ev, true)/>
                        <div class="thumbs">{move || get().after.into_iter().map(|(_, url)| view! { <img src=url alt=""/> }).collect_view()}</div>
                    </Show>
                </div>
            </Show>
        </div>
    }
}

#[component]
fn SignaturePad(node: NodeRef<Canvas>, signed: RwSignal<bool>, id: &'static str) -> impl IntoView {
    let ctx = ctx();
    let drawing = StoredValue::new(false);
    let clear = move |_| {
        if let Some(c) = node.get_untracked()
            && let Ok(Some(c2d)) = c.get_context("2d")
            && let Ok(c2d) = c2d.dyn_into::<web_sys::CanvasRenderingContext2d>()
        {
            c2d.clear_rect(0.0, 0.0, f64::from(c.width()), f64::from(c.height()));
        }
        signed.set(false);
    };
    let point =
        move |ev: &web_sys::PointerEvent| -> Option<(web_sys::CanvasRenderingContext2d, f64, f64)> {
            let c = node.get_untracked()?;
            let rect = c.get_bounding_client_rect();
            let ctx2d: web_sys::CanvasRenderingContext2d =
                c.get_context("2d").ok()??.dyn_into().ok()?;
            let sx = f64::from(c.width()) / rect.width().max(1.0);
            let sy = f64::from(c.height()) / rect.height().max(1.0);
            Some((
                ctx2d,
                (f64::from(ev.client_x()) - rect.left()) * sx,
                (f64::from(ev.client_y()) - rect.top()) * sy,
            ))
        };
    view! {
        <canvas node_ref=node id=id class="signature" width="600" height="200" style="width:100%;max-width:600px;border:1px solid #dadce0;border-radius:8px;touch-action:none;background:#fff"
            on:pointerdown=move |ev| { drawing.set_value(true); if let Some((c, x, y)) = point(&ev) { c.begin_path(); c.move_to(x, y); } }
            on:pointermove=move |ev| { if drawing.get_value() && let Some((c, x, y)) = point(&ev) { c.set_line_width(3.0); c.line_to(x, y); c.stroke(); signed.set(true); } }
            on:pointerup=move |_| drawing.set_value(false)
            on:pointerleave=move |_| drawing.set_value(false)
        ></canvas>
        <button class="secondary clear-signature" type="button" on:click=clear>{ctx.text("clear")}</button>
    }
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
