//! The inspection plan at the desk (巡查计划): who walks which rooms, with which inspection and
//! how often; a supervisor assigns a round here and retires one that no longer applies. What is
//! due and what was missed follows from the rules of `saferounds_shared::plan`.

use leptos::prelude::*;
use saferounds_shared::checklist::InspectionType;
use saferounds_shared::endpoints as ep;
use saferounds_shared::i18n::Label;
use saferounds_shared::ids::{PlanId, RoomId};
use saferounds_shared::plan::{Frequency, PatrolPlan};

use crate::api;
use crate::state::{bind, ctx, from_wire, today, wire_name};

#[component]
pub fn PlansCard() -> impl IntoView {
    let ctx = ctx();
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        reload.track();
        let token = ctx.token();
        async move { api::get(ep::PLANS.call(), &token).await }
    });
    let error = RwSignal::new(None::<String>);
    let keeps = move || {
        ctx.session
            .get()
            .is_some_and(|s| s.user.roles().supervises())
    };
    view! {
        <section class="card" id="plans">
            <h2>{ctx.text("plan")}</h2>
            {move || error.get().map(|e| view! { <div class="error" role="alert">{e}</div> })}
            <Transition fallback=|| view! { <div class="loading">"…"</div> }>
                {move || data.get().map(|r| match r {
                    Err(e) => view! { <div class="error">{e.message(ctx.lang.get()).to_owned()}</div> }.into_any(),
                    Ok(plans) => view! { <PlanTable plans=plans reload=reload error=error keeps=keeps()/> }.into_any(),
                })}
            </Transition>
            {move || keeps().then(|| view! { <NewPlan reload=reload/> })}
        </section>
    }
}

#[component]
fn PlanTable(
    plans: Vec<PatrolPlan>,
    reload: RwSignal<u32>,
    error: RwSignal<Option<String>>,
    keeps: bool,
) -> impl IntoView {
    let ctx = ctx();
    let lang = ctx.lang.get_untracked();
    let day = today();
    if plans.is_empty() {
        return view! { <p class="muted">{ctx.t("none")}</p> }.into_any();
    }
    let rooms_of = move |p: &PatrolPlan| {
        ctx.boot.with_untracked(|b| {
            b.as_ref().map_or_else(String::new, |b| {
                if p.rooms.is_empty() {
                    ctx.t("all_rooms").to_owned()
                } else {
                    p.rooms_of(&b.rooms)
                        .iter()
                        .map(|r| r.name.get(lang).to_owned())
                        .collect::<Vec<_>>()
                        .join("、")
                }
            })
        })
    };
    view! {
        <table class="ledger" id="plan-list">
            <thead><tr>
                <th>{ctx.t("inspection_type")}</th><th>{ctx.t("frequency")}</th><th>{ctx.t("assignee")}</th>
                <th>{ctx.t("rooms")}</th><th>{ctx.t("starts_on")}</th><th></th>
            </tr></thead>
            <tbody>{plans.into_iter().map(|p| {
                let ended = p.ends_on.is_some_and(|e| e < day);
                let retire = {
                    let p = p.clone();
                    move |_| {
                        let mut retired = p.clone();
                        retired.ends_on = Some(today().pred_opt().unwrap_or_else(today).max(p.starts_on));
                        save(retired, reload, error);
                    }
                };
                view! {
                    <tr class=if ended { "plan ended" } else { "plan" } data-plan=p.id.to_string()>
                        <td>{p.inspection_type.label(lang)}</td>
                        <td>{p.frequency.label(lang)}</td>
                        <td>{ctx.person_name(p.assignee)}</td>
                        <td class="small">{rooms_of(&p)}</td>
                        <td>{p.starts_on.to_string()}{p.ends_on.map(|e| format!(" – {e}"))}</td>
                        <td>{(keeps && p.ends_on.is_none()).then(|| view! { <button class="secondary retire-plan" on:click=retire>{ctx.t("retire")}</button> })}</td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

fn save(plan: PatrolPlan, reload: RwSignal<u32>, error: RwSignal<Option<String>>) {
    super::registers::save_entry(ep::PUT_PLAN.at(&plan.id), plan, reload, error);
}

/// Assign a round: site, inspection, frequency, the person, and the rooms (none ticked: every
/// room of the site the inspection covers).
#[component]
fn NewPlan(reload: RwSignal<u32>) -> impl IntoView {
    let ctx = ctx();
    let site = RwSignal::new(String::new());
    let kind = RwSignal::new(InspectionType::DailyPatrol);
    let frequency = RwSignal::new(Frequency::Daily);
    let assignee = RwSignal::new(String::new());
    let rooms = RwSignal::new(Vec::<RoomId>::new());
    let starts = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let id = StoredValue::new(PlanId::from_uuid(uuid::Uuid::now_v7()));
    let site_rooms = move || {
        let kind = kind.get();
        ctx.boot.with(|b| {
            b.as_ref().map_or_else(Vec::new, |b| {
                b.rooms
                    .iter()
                    .filter(|r| r.site_id.to_string() == site.get() && kind.covers(r))
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    };
    let save_plan = move |_| {
        let b = ctx.boot.get_untracked();
        let Some(site_id) = b.as_ref().and_then(|b| {
            b.sites
                .iter()
                .find(|s| s.id.to_string() == site.get_untracked())
                .map(|s| s.id)
        }) else {
            error.set(Some(ctx.t("site").to_owned()));
            return;
        };
        let Some(person) = b.as_ref().and_then(|b| {
            b.people
                .iter()
                .find(|p| p.id.to_string() == assignee.get_untracked())
                .map(|p| p.id)
        }) else {
            error.set(Some(ctx.t("assignee").to_owned()));
            return;
        };
        let plan = PatrolPlan {
            id: id.get_value(),
            site_id,
            inspection_type: kind.get_untracked(),
            frequency: frequency.get_untracked(),
            assignee: person,
            rooms: rooms.get_untracked(),
            starts_on: saferounds_shared::api::parse_day(&starts.get_untracked())
                .unwrap_or_else(today),
            ends_on: None,
            note: None,
        };
        id.set_value(PlanId::from_uuid(uuid::Uuid::now_v7()));
        save(plan, reload, error);
    };
    view! {
        <fieldset class="form" id="new-plan">
            <legend>{ctx.text("new_plan")}</legend>
            <select id="plan-site" aria-label=ctx.text("site") on:change=move |ev| { rooms.set(Vec::new()); bind(site)(ev) }>
                <option value="">{ctx.text("site")}</option>
                {move || ctx.boot.get().map(|b| b.sites.iter().map(|s| view! { <option value=s.id.to_string()>{s.name.get(ctx.lang.get()).to_owned()}</option> }).collect_view())}
            </select>
            <select id="plan-type" aria-label=ctx.text("inspection_type") on:change=move |ev| {
                if let Some(k) = from_wire::<InspectionType>(&event_target_value(&ev)) {
                    kind.set(k);
                    rooms.set(Vec::new());
                    // The first frequency that fits the inspection.
                    if let Some(f) = Frequency::ALL.into_iter().find(|f| f.fits(k)) { frequency.set(f); }
                }
            }>
                {InspectionType::ALL.into_iter().map(|k| view! { <option value=wire_name(k)>{move || k.label(ctx.lang.get())}</option> }).collect_view()}
            </select>
            <select id="plan-frequency" aria-label=ctx.text("frequency") on:change=move |ev| {
                if let Some(f) = from_wire(&event_target_value(&ev)) { frequency.set(f); }
            }>
                {move || Frequency::ALL.into_iter().filter(|f| f.fits(kind.get())).map(|f| view! {
                    <option value=wire_name(f) selected=move || frequency.get() == f>{move || f.label(ctx.lang.get())}</option>
                }).collect_view()}
            </select>
            <select id="plan-assignee" aria-label=ctx.text("assignee") on:change=bind(assignee)>
                <option value="">{ctx.text("assignee")}</option>
                {move || ctx.boot.get().map(|b| b.people.iter()
                    .filter(|p| p.roles().inspects() && p.site_id.is_none_or(|s| s.to_string() == site.get()))
                    .map(|p| view! { <option value=p.id.to_string()>{p.display_name.clone()}</option> }).collect_view())}
            </select>
            <label for="plan-starts">{ctx.text("starts_on")}</label>
            <input type="date" id="plan-starts" on:input=bind(starts)/>
            <p class="small muted">{ctx.text("plan_rooms_hint")}</p>
            <div class="attendance" id="plan-rooms">{move || site_rooms().into_iter().map(|r| {
                let rid = r.id;
                view! { <label><input type="checkbox" data-room=r.id.to_string() on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    rooms.update(|v| { v.retain(|x| *x != rid); if on { v.push(rid); } });
                }/>{format!("{} {}", r.floor, r.name.get(ctx.lang.get()))}</label> }
            }).collect_view()}</div>
            {move || error.get().map(|e| view! { <div class="error" id="plan-error">{e}</div> })}
            <button class="primary" id="save-plan" on:click=save_plan>{ctx.text("save")}</button>
        </fieldset>
    }
}
