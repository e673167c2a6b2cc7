//! The two lists (两个清单): the hazard list is the ledger; this page is the institutional-measures
//! list with its timetable (时间表、路线图) by month, its export, and its editing: a supervisor adds
//! a measure and moves it along (planned → in progress → done, or cancelled). Measures are
//! records like hazards: saved on the device with their operation, then synced.

use leptos::prelude::*;
use saferounds_shared::endpoints as ep;
use saferounds_shared::i18n::Label;
use saferounds_shared::ids::{DepartmentId, HazardId, MeasureId, UserId};
use saferounds_shared::lists::{Measure, MeasureKind, MeasureStatus, timetable};
use saferounds_shared::sync::{Entity, OpBody};

use wasm_bindgen::JsCast;

use crate::state::{bind, ctx, from_wire, today, wire_name};
use crate::{api, sync};

const STATUSES: [MeasureStatus; 4] = [
    MeasureStatus::Planned,
    MeasureStatus::InProgress,
    MeasureStatus::Done,
    MeasureStatus::Cancelled,
];

/// Checks the measure by `shared`'s rule, records it with its operation and syncs; the error in
/// the user's words otherwise.
fn save(measure: Measure, error: RwSignal<Option<String>>, then: impl FnOnce() + 'static) {
    let ctx = ctx();
    let lang = ctx.lang.get_untracked();
    if let Err(e) = measure.validate() {
        error.set(Some(e.to_api().message(lang).to_owned()));
        return;
    }
    leptos::task::spawn_local(async move {
        let (id, base) = (measure.id.0, measure.version);
        match sync::record(ctx, id, base, OpBody::SaveMeasure(measure), vec![]).await {
            Ok(()) => {
                error.set(None);
                then();
            }
            Err(e) => error.set(Some(e)),
        }
    });
}

#[component]
pub fn Lists() -> impl IntoView {
    let ctx = ctx();
    let error = RwSignal::new(None::<String>);
    let measures = move || -> Vec<Measure> {
        ctx.view.with(|v| {
            v.values()
                .filter_map(|e| match e {
                    Entity::Measure(m) => Some(m.clone()),
                    _ => None,
                })
                .collect()
        })
    };
    let export = move |_| {
        api::open_in_background(
            ep::MEASURES_XLSX.call(),
            Some(format!("制度措施清单-{}.xlsx", today())),
            error,
        )
    };
    view! {
        <div class="card">
            <h2>{ctx.text("measures_list")}</h2>
            <button class="secondary" id="export-measures" on:click=export>{ctx.text("export")}</button>
        </div>
        {move || error.get().map(|e| view! { <div class="error" id="measure-error">{e}</div> })}
        {move || {
            let list = measures();
            let lang = ctx.lang.get();
            let day = today();
            let plan = timetable(&list);
            // Leadership reads the list; supervisors keep it.
            let edits = ctx.session.get().is_some_and(|s| s.user.roles().supervises());
            if plan.is_empty() {
                let text = if ctx.loaded.get() { ctx.t("no_measures") } else { ctx.t("reading_records") };
                return view! { <div class="card">{text}</div> }.into_any();
            }
            plan.into_iter().map(|(month, items)| view! {
                <div class="card">
                    <h2>{month}</h2>
                    <table class="ledger measures">
                        <thead><tr><th>{ctx.t("measure")}</th><th>{ctx.t("department")}</th><th>{ctx.t("due_by")}</th><th>{ctx.t("status")}</th><th>{ctx.t("hazards")}</th></tr></thead>
                        <tbody>
                            {items.into_iter().map(|m| {
                                let dept = ctx.department_name(m.department_id);
                                let (row, moved) = (m.clone(), m.clone());
                                view! {
                                    <tr data-measure=m.id.to_string()>
                                        <td>{m.title.clone()}<div class="room-meta">{m.kind.label(lang)}" · "{m.description.clone()}</div></td>
                                        <td>{dept}</td>
                                        <td class=if m.is_overdue(day) { "overdue" } else { "" }>
                                            {(!edits).then(|| m.deadline.to_string())}
                                            // A supervisor moves the date where the plan changes (时间表 is kept up to date).
                                            <input type="date" class="measure-deadline" hidden=!edits aria-label=ctx.t("due_by") value=m.deadline.to_string() on:change=move |ev| {
                                                let Some(d) = saferounds_shared::api::parse_day(&event_target_value(&ev)) else { return };
                                                let mut m = moved.clone();
                                                m.deadline = d;
                                                save(m, error, || {});
                                            }/>
                                            {m.done_on.map(|d| view! { <div class="room-meta">{format!("{} {d}", ctx.t("done_on"))}</div> })}
                                        </td>
                                        <td>
                                            {(!edits).then(|| m.status.label(lang))}
                                            <select class="measure-status" hidden=!edits aria-label=ctx.t("status") on:change=move |ev| {
                                                let Some(status) = from_wire::<MeasureStatus>(&event_target_value(&ev)) else { return };
                                                let mut m = row.clone();
                                                m.status = status;
                                                m.done_on = (status == MeasureStatus::Done).then(|| m.done_on.unwrap_or_else(today));
                                                save(m, error, || {});
                                            }>
                                                {STATUSES.into_iter().map(|s| view! { <option value=wire_name(s) selected=s == m.status>{s.label(lang)}</option> }).collect_view()}
                                            </select>
                                        </td>
                                        <td>{m.hazard_ids.len()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }).collect_view().into_any()
        }}
        {move || ctx.session.get().is_some_and(|s| s.user.roles().supervises()).then(|| view! { <NewMeasure/> })}
    }
}

/// Add a measure: title, create or amend, what it sets out, the responsible department (and
/// person, if one is named), the date it is due. It joins the campaign running today.
#[component]
fn NewMeasure() -> impl IntoView {
    let ctx = ctx();
    let title = RwSignal::new(String::new());
    let kind = RwSignal::new(MeasureKind::Create);
    let content = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let owner = RwSignal::new(String::new());
    let deadline = RwSignal::new(String::new());
    let hazards = RwSignal::new(Vec::<HazardId>::new());
    let error = RwSignal::new(None::<String>);
    let form = NodeRef::<leptos::html::Form>::new();
    // The hazards that revealed the need: the open ones on this device, newest first.
    let open_hazards = move || -> Vec<(HazardId, String)> {
        let mut v: Vec<_> = ctx.view.with(|v| {
            v.values()
                .filter_map(|e| match e {
                    Entity::Hazard(h) if h.is_open() => Some((
                        h.found_on,
                        h.id,
                        format!("{} {}", h.number(), h.description),
                    )),
                    _ => None,
                })
                .collect()
        });
        v.sort_unstable_by_key(|b| std::cmp::Reverse((b.0, b.1)));
        v.into_iter().map(|(_, id, text)| (id, text)).collect()
    };
    let chosen = move |ev: leptos::ev::Event| {
        let Some(select) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        else {
            return;
        };
        let options = select.selected_options();
        let ids = (0..options.length())
            .filter_map(|i| options.item(i))
            .filter_map(|o| o.dyn_into::<web_sys::HtmlOptionElement>().ok())
            .filter_map(|o| HazardId::parse(&o.value()).ok())
            .collect();
        hazards.set(ids);
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let boot = ctx.boot.get_untracked();
        let Some(department_id) = DepartmentId::parse(&department.get_untracked()).ok() else {
            error.set(Some(ctx.t("choose_department").to_owned()));
            return;
        };
        let Some(due) = saferounds_shared::api::parse_day(&deadline.get_untracked()) else {
            error.set(Some(ctx.t("choose_due_by").to_owned()));
            return;
        };
        let day = today();
        let measure = Measure {
            id: MeasureId::from_uuid(uuid::Uuid::now_v7()),
            campaign_id: boot.and_then(|b| {
                b.campaigns
                    .iter()
                    .find(|c| c.phase_on(day).is_some())
                    .map(|c| c.id)
            }),
            title: title.get_untracked().trim().to_owned(),
            kind: kind.get_untracked(),
            description: content.get_untracked().trim().to_owned(),
            department_id,
            owner_id: UserId::parse(&owner.get_untracked()).ok(),
            deadline: due,
            status: MeasureStatus::Planned,
            hazard_ids: hazards.get_untracked(),
            done_on: None,
            version: 0,
        };
        save(measure, error, move || {
            if let Some(f) = form.get_untracked() {
                f.reset();
            }
            title.set(String::new());
            content.set(String::new());
            department.set(String::new());
            owner.set(String::new());
            deadline.set(String::new());
            hazards.set(Vec::new());
            kind.set(MeasureKind::Create);
        });
    };
    view! {
        <form class="card form" id="new-measure" node_ref=form on:submit=add>
            <h2>{ctx.text("new_measure")}</h2>
            <input type="text" id="measure-title" aria-label=ctx.text("measure_title") placeholder=ctx.text("measure_title") on:input=bind(title)/>
            <select id="measure-kind" aria-label=ctx.text("kind") on:change=move |ev| {
                if let Some(k) = from_wire(&event_target_value(&ev)) { kind.set(k); }
            }>
                {[MeasureKind::Create, MeasureKind::Amend].into_iter().map(|k| view! { <option value=wire_name(k)>{move || k.label(ctx.lang.get())}</option> }).collect_view()}
            </select>
            <input type="text" id="measure-content" aria-label=ctx.text("measure_content") placeholder=ctx.text("measure_content") on:input=bind(content)/>
            <select id="measure-department" aria-label=ctx.text("department") on:change=bind(department)>
                <option value="">{ctx.text("department")}</option>
                {move || ctx.boot.get().map(|b| b.departments.iter().map(|d| view! { <option value=d.id.to_string()>{d.name.get(ctx.lang.get()).to_owned()}</option> }).collect_view())}
            </select>
            <select id="measure-owner" aria-label=ctx.text("owner") on:change=bind(owner)>
                <option value="">{move || format!("{}: {}", ctx.t("owner"), ctx.t("none"))}</option>
                {move || ctx.boot.get().map(|b| b.people.iter().map(|p| view! { <option value=p.id.to_string()>{p.display_name.clone()}</option> }).collect_view())}
            </select>
            <label for="measure-hazards">{ctx.text("revealed_by")}</label>
            <select id="measure-hazards" multiple size="5" on:change=chosen>
                {move || open_hazards().into_iter().map(|(id, text)| view! { <option value=id.to_string()>{text}</option> }).collect_view()}
            </select>
            <label for="measure-deadline">{ctx.text("due_by")}</label>
            <input type="date" id="measure-deadline" on:input=bind(deadline)/>
            {move || error.get().map(|e| view! { <div class="error" id="new-measure-error">{e}</div> })}
            <button class="primary" id="save-measure" type="submit">{ctx.text("save")}</button>
        </form>
    }
}
