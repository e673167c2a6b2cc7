//! 风险分级管控 at the desk: the four-colour list of risk points, most severe first, and a form
//! to add one (its level typed, or computed from an LEC assessment by `shared::risk`).

use leptos::prelude::*;
use saferounds_shared::endpoints as ep;
use saferounds_shared::i18n::Label;
use saferounds_shared::ids::RiskId;
use saferounds_shared::risk::{Lec, RiskLevel, RiskPoint, count_by_level};

use crate::api;
use crate::state::{bind, ctx, from_wire, today, wire_name};

#[component]
pub fn RisksCard() -> impl IntoView {
    let ctx = ctx();
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        reload.track();
        let token = ctx.token();
        async move { api::get(ep::RISKS.call(), &token).await }
    });
    view! {
        <section class="card" id="risks">
            <h2>{ctx.text("risk_points")}</h2>
            <Transition fallback=|| view! { <div class="loading">"…"</div> }>
                {move || data.get().map(|r| match r {
                    Err(e) => view! { <div class="error">{e.message(ctx.lang.get()).to_owned()}</div> }.into_any(),
                    Ok(points) => view! { <RiskTable points=points/> }.into_any(),
                })}
            </Transition>
            {move || ctx.session.get().is_some_and(|s| s.user.roles().supervises()).then(|| view! { <NewRisk reload=reload/> })}
        </section>
    }
}

#[component]
fn RiskTable(mut points: Vec<RiskPoint>) -> impl IntoView {
    let ctx = ctx();
    let lang = ctx.lang.get_untracked();
    saferounds_shared::order::sort_by_key(&mut points, |p| p.level);
    let counts = count_by_level(&points)
        .iter()
        .map(|(l, n)| format!("{} {n}", l.label(lang)))
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <p id="risk-counts">{counts}</p>
        <table class="ledger" id="risk-list">
            <thead><tr><th>{ctx.t("level")}</th><th>{ctx.t("location")}</th><th>{ctx.t("risk_hazard")}</th><th>{ctx.t("controls")}</th><th>{ctx.t("responsible")}</th></tr></thead>
            <tbody>{points.into_iter().map(|p| view! {
                <tr class="risk" data-risk=wire_name(p.level)>
                    <td><span class=format!("tag risk-{}", wire_name(p.level))>{p.level.label(lang)}</span>
                        {p.lec.map(|l| format!(" D={}", saferounds_shared::i18n::number(l.d())))}</td>
                    <td>{ctx.place(p.room_id)}</td>
                    <td>{p.hazard.clone()}</td>
                    <td class="small">{p.controls.clone()}{(!p.item_codes.is_empty()).then(|| format!("（{}）", p.item_codes.join("、")))}</td>
                    <td>{ctx.person_name(p.responsible)}</td>
                </tr>
            }).collect_view()}</tbody>
        </table>
    }
}

/// Add a risk point: the room, the hazard, its level (or L, E and C, from which the level
/// follows), the controls, who answers for them, and the checklist items that check them.
#[component]
fn NewRisk(reload: RwSignal<u32>) -> impl IntoView {
    let ctx = ctx();
    let room = RwSignal::new(String::new());
    let hazard = RwSignal::new(String::new());
    let level = RwSignal::new(RiskLevel::Yellow);
    let (l, e, c) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let controls = RwSignal::new(String::new());
    let responsible = RwSignal::new(String::new());
    let items = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // The assessment, once all three values are numbers.
    let lec = move || {
        let n = |s: RwSignal<String>| s.get().trim().parse::<f64>().ok();
        Some(Lec {
            l: n(l)?,
            e: n(e)?,
            c: n(c)?,
        })
    };
    let save = move |_| {
        let b = ctx.boot.get_untracked();
        let Some(r) = b.as_ref().and_then(|b| {
            b.rooms
                .iter()
                .find(|r| r.id.to_string() == room.get_untracked())
                .cloned()
        }) else {
            error.set(Some(ctx.t("room").to_owned()));
            return;
        };
        let Some(person) = b.as_ref().and_then(|b| {
            b.people
                .iter()
                .find(|p| p.id.to_string() == responsible.get_untracked())
                .map(|p| p.id)
        }) else {
            error.set(Some(ctx.t("responsible").to_owned()));
            return;
        };
        let assessed = lec();
        let point = RiskPoint {
            id: RiskId::from_uuid(uuid::Uuid::now_v7()),
            site_id: r.site_id,
            room_id: r.id,
            hazard: hazard.get_untracked(),
            lec: assessed,
            level: assessed.map_or_else(|| level.get_untracked(), |a| a.level()),
            controls: controls.get_untracked(),
            responsible: person,
            item_codes: items
                .get_untracked()
                .split([',', '，', '、', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            assessed_on: today(),
        };
        super::registers::save_entry(ep::PUT_RISK.at(&point.id), point, reload, error);
    };
    view! {
        <fieldset class="form" id="new-risk">
            <legend>{ctx.text("new_risk")}</legend>
            <select id="risk-room" aria-label=ctx.text("room") on:change=bind(room)>
                <option value="">{ctx.text("room")}</option>
                {move || ctx.boot.get().map(|b| b.rooms.iter().map(|r| view! { <option value=r.id.to_string()>{ctx.place(r.id)}</option> }).collect_view())}
            </select>
            <input type="text" id="risk-hazard" aria-label=ctx.text("risk_hazard") placeholder=ctx.text("risk_hazard") on:input=bind(hazard)/>
            <select id="risk-level" aria-label=ctx.text("level") disabled=move || lec().is_some() on:change=move |ev| {
                if let Some(v) = from_wire(&event_target_value(&ev)) { level.set(v); }
            }>
                {RiskLevel::ALL.into_iter().map(|v| view! {
                    <option value=wire_name(v) selected=move || lec().map_or(level.get(), |a| a.level()) == v>{move || v.label(ctx.lang.get())}</option>
                }).collect_view()}
            </select>
            <span class="small">"LEC"</span>
            <input type="number" step="any" id="risk-l" aria-label="L" placeholder="L" on:input=bind(l)/>
            <input type="number" step="any" id="risk-e" aria-label="E" placeholder="E" on:input=bind(e)/>
            <input type="number" step="any" id="risk-c" aria-label="C" placeholder="C" on:input=bind(c)/>
            {move || lec().map(|a| view! { <span class="small" id="risk-d">{format!("D = {}", saferounds_shared::i18n::number(a.d()))}</span> })}
            <input type="text" id="risk-controls" aria-label=ctx.text("controls") placeholder=ctx.text("controls") on:input=bind(controls)/>
            <select id="risk-responsible" aria-label=ctx.text("responsible") on:change=bind(responsible)>
                <option value="">{ctx.text("responsible")}</option>
                {move || ctx.boot.get().map(|b| b.people.iter().map(|p| view! { <option value=p.id.to_string()>{p.display_name.clone()}</option> }).collect_view())}
            </select>
            <input type="text" id="risk-items" aria-label=ctx.text("risk_items") placeholder=ctx.text("risk_items") on:input=bind(items)/>
            {move || error.get().map(|e| view! { <div class="error" id="risk-error">{e}</div> })}
            <button class="primary" id="save-risk" on:click=save>{ctx.text("save")}</button>
        </fieldset>
    }
}
