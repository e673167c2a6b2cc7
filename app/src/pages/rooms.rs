//! The inspector's round: choose the inspection type, then go room by room (scan the room's QR
//! label, or pick it from the list). Rooms done today are marked; progress shows what remains;
//! the user's rounds of the inspection plan that are due now are listed first.

use leptos::prelude::*;
use saferounds_shared::checklist::InspectionType;
use saferounds_shared::i18n::Label;
use saferounds_shared::inspection::{last_visits, progress, room_due};
use saferounds_shared::org::Room;
use saferounds_shared::plan::VisitMark;
use saferounds_shared::sync::Entity;

use crate::photo;
use crate::state::{Page, ctx, now_utc, today, wire_name};

#[component]
pub fn Rooms() -> impl IntoView {
    let ctx = ctx();
    let scan_msg = RwSignal::new(None::<String>);
    let rooms = move || -> Vec<Room> {
        let boot = ctx.boot.get();
        let user = ctx.session.get().map(|s| s.user);
        let mut v: Vec<Room> = boot
            .map(|b| {
                b.rooms
                    .into_iter()
                    .filter(|r| {
                        user.as_ref()
                            .and_then(|u| u.site_id)
                            .is_none_or(|s| s == r.site_id)
                    })
                    .collect()
            })
            .unwrap_or_default();
        saferounds_shared::order::sort_by(&mut v, |a, b| {
            (a.site_id, &a.floor, &a.name.zh, a.id).cmp(&(b.site_id, &b.floor, &b.name.zh, b.id))
        });
        v
    };
    // Rooms not due again for the chosen inspection type: one pass over the local view for the
    // last visit of each room (not one per room), recomputed when the view or the type changes.
    let done_ids = Memo::new(move |_| {
        let itype = ctx.itype.get();
        let last = ctx.view.with(|v| {
            let visits = v.values().filter_map(|e| match e {
                Entity::Visit(v) => Some(v),
                _ => None,
            });
            last_visits(visits, |v| crate::state::center_day(v.finished_at))
        });
        rooms()
            .into_iter()
            .filter(|r| !room_due(itype, last.get(&(r.id, itype)).copied(), today()))
            .map(|r| r.id)
            .collect::<Vec<_>>()
    });
    // The user's rounds of the inspection plan due now (today, tonight, this month or quarter),
    // from the visits on the device, the user's own still unsent included.
    let due_rounds = Memo::new(move |_| {
        let Some(user) = ctx.session.get().map(|s| s.user.id) else {
            return Vec::new();
        };
        ctx.boot.with(|b| {
            let Some(b) = b else { return Vec::new() };
            let marks: Vec<VisitMark> = ctx.view.with(|v| {
                v.values()
                    .filter_map(|e| match e {
                        Entity::Visit(v) => Some((v.room_id, v.inspection_type, v.finished_at)),
                        _ => None,
                    })
                    .collect()
            });
            b.plans
                .iter()
                .filter(|p| p.assignee == user)
                .filter_map(|p| p.due(&b.rooms, &marks, now_utc(), b.utc_offset_minutes))
                .collect::<Vec<_>>()
        })
    });
    let room_name = move |id| {
        ctx.boot.with(|b| {
            b.as_ref()
                .and_then(|b| b.rooms.iter().find(|r| r.id == id))
                .map(|r| r.name.get(ctx.lang.get()).to_owned())
                .unwrap_or_default()
        })
    };
    // Each room's most severe risk level (风险分级管控), from the bootstrap.
    let risk_of = move |id| {
        ctx.boot.with(|b| {
            b.as_ref()
                .and_then(|b| b.room_risks.iter().find(|(r, _)| *r == id).map(|(_, l)| *l))
        })
    };
    let prog = move || {
        let all: Vec<_> = rooms().iter().map(|r| r.id).collect();
        progress(&all, &done_ids.get())
    };
    let on_scan = move |_| {
        leptos::task::spawn_local(async move {
            match photo::scan_qr(ctx.lang.get_untracked()).await {
                Ok(Some(text)) => match saferounds_shared::org::Room::code_from_scan(&text)
                    .and_then(|code| rooms().into_iter().find(|r| r.qr_code == code))
                {
                    Some(r) => {
                        scan_msg.set(None);
                        ctx.page.set(Page::Visit {
                            room: r.id,
                            via_qr: true,
                        });
                    }
                    None => scan_msg.set(Some(format!(
                        "{} ({text})",
                        crate::i18n::tr(ctx.lang.get_untracked(), "qr_not_ours")
                    ))),
                },
                Ok(None) => scan_msg.set(None),
                Err(_) => scan_msg.set(Some(ctx.t("scan_unsupported").to_owned())),
            }
        });
    };
    // The first time the rooms are on screen after the page loads (read by the benchmarks).
    Effect::new(move |_| {
        if !rooms().is_empty() {
            crate::state::mark("sr-rooms-rendered");
        }
    });
    view! {
        {move || {
            let due = due_rounds.get();
            (!due.is_empty()).then(|| view! {
                <div class="card" id="due-today">
                    <h2>{ctx.text("rounds_due")}</h2>
                    <ul class="plain">{due.into_iter().map(|r| {
                        let lang = ctx.lang.get();
                        let kind = r.inspection_type;
                        view! {
                            <li class="due-round" data-plan=r.plan_id.to_string()>
                                <div>{format!("{}（{}）{} · {} {}/{}", kind.label(lang), r.frequency.label(lang), r.period_label(lang), ctx.t("rooms_left"), r.remaining.len(), r.rooms)}</div>
                                // Each room still to walk opens its checklist for this inspection.
                                <div class="seg">{r.remaining.iter().map(|id| {
                                    let room = *id;
                                    view! { <button class="secondary due-room" data-room=room.to_string() on:click=move |_| {
                                        ctx.itype.set(kind);
                                        ctx.page.set(Page::Visit { room, via_qr: false });
                                    }>{room_name(room)}</button> }
                                }).collect_view()}</div>
                            </li>
                        }
                    }).collect_view()}</ul>
                </div>
            })
        }}
        <div class="card">
            <div class="seg" role="group" aria-label=ctx.text("inspection_type")>
                {InspectionType::ALL.into_iter().map(|t| view! {
                    <button class=move || if ctx.itype.get() == t { "on" } else { "" } aria-pressed=move || (ctx.itype.get() == t).to_string() on:click=move |_| ctx.itype.set(t)>{move || t.label(ctx.lang.get())}</button>
                }).collect_view()}
            </div>
            <div>{ctx.text("progress")}" "{move || { let p = prog(); format!("{} / {}", p.done, p.done + p.remaining) }}</div>
            <div class="progress"><div style=move || { let p = prog(); let total = (p.done + p.remaining).max(1); format!("width: {}%", p.done * 100 / total) }></div></div>
            <button class="secondary" id="scan" on:click=on_scan>{ctx.text("scan")}</button>
            {move || scan_msg.get().map(|m| view! { <div class="notice">{m}</div> })}
            // Rooms done today are marked once the visits on the device are read.
            {move || (!ctx.loaded.get()).then(|| view! { <div class="loading" id="reading-records">{ctx.t("reading_records")}</div> })}
        </div>
        <div class="card">
            <h2>{ctx.text("rooms")}</h2>
            <ul class="rooms" id="room-list">
                {move || {
                    let done = done_ids.get();
                    rooms().into_iter().map(|r| {
                        let id = r.id;
                        let is_done = done.contains(&id);
                        let lang = ctx.lang.get();
                        view! {
                            <li class="room" data-room=r.id.to_string() on:click=move |_| ctx.page.set(Page::Visit { room: id, via_qr: false })>
                                <div>
                                    <div class="room-name">{r.name.get(lang).to_owned()}
                                        {r.key_location.then(|| view! { <span class="tag key">{ctx.t("key_location")}</span> })}
                                        {is_done.then(|| view! { <span class="tag done">{ctx.t("done_today")}</span> })}
                                        {risk_of(id).map(|l| view! {
                                            <span class=format!("tag risk-{}", wire_name(l)) data-risk=wire_name(l) title=l.label(lang)>{format!("{}·{}", ctx.t("risk"), l.colour(lang))}</span>
                                        })}
                                    </div>
                                    <div class="room-meta">{format!("{} · {}", r.floor, r.kind.label(lang))}</div>
                                </div>
                                <button class="secondary" aria-label=format!("{} {}", ctx.t("inspect"), r.name.get(lang)) on:click=move |_| ctx.page.set(Page::Visit { room: id, via_qr: false })>"›"</button>
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
        </div>
    }
}
