//! The desk ledger (台账): filters, sorting, paging, straight from the server.

use leptos::prelude::*;
use saferounds_shared::checklist::Category;
use saferounds_shared::endpoints as ep;
use saferounds_shared::hazard::{Grade, Status};
use saferounds_shared::i18n::Label;
use saferounds_shared::ids::{DepartmentId, PhaseId, SiteId};
use saferounds_shared::lists::LedgerQuery;

use crate::api;
use crate::state::{Page, ctx, from_wire, today, wire_name};

const PAGE: i64 = 50;

#[component]
pub fn Ledger() -> impl IntoView {
    let ctx = ctx();
    let status = RwSignal::new(String::new());
    let grade = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let site = RwSignal::new(String::new());
    let phase = RwSignal::new(String::new());
    let sort = RwSignal::new(String::new());
    let overdue = RwSignal::new(false);
    let text = RwSignal::new(String::new());
    let offset = RwSignal::new(0i64);
    // The ledger's query as the server reads it (`LedgerQuery`), written as a query string.
    let query = move |page: bool| {
        let q = LedgerQuery {
            status: from_wire(&status.get()),
            grade: from_wire(&grade.get()),
            category: from_wire(&category.get()),
            department_id: DepartmentId::parse(&department.get()).ok(),
            site_id: SiteId::parse(&site.get()).ok(),
            phase_id: PhaseId::parse(&phase.get()).ok(),
            overdue: overdue.get().then_some(true),
            text: Some(text.get().trim().to_owned()).filter(|t| !t.is_empty()),
            sort: from_wire(&sort.get()).unwrap_or_default(),
            offset: if page { offset.get() as u32 } else { 0 },
            limit: page.then_some(PAGE as u32),
            ..LedgerQuery::default()
        };
        serde_urlencoded::to_string(&q).unwrap_or_default()
    };
    let page = LocalResource::new(move || {
        let token = ctx.token();
        let q = ep::LEDGER.query(&query(true));
        async move { api::get(q, &token).await }
    });
    let export_error = RwSignal::new(None::<String>);
    let export = move |_| {
        api::open_in_background(
            ep::LEDGER_XLSX.query(&query(false)),
            Some(format!("台账-{}.xlsx", today())),
            export_error,
        )
    };
    let reset = move || offset.set(0);
    view! {
        <div class="card">
            <div class="filters">
                <select aria-label=ctx.text("status") on:change=move |ev| { status.set(event_target_value(&ev)); reset(); }>
                    <option value="">{move || format!("{}: {}", ctx.t("status"), ctx.t("any"))}</option>
                    {Status::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{move || s.label(ctx.lang.get())}</option> }).collect_view()}
                </select>
                <select aria-label=ctx.text("grade") on:change=move |ev| { grade.set(event_target_value(&ev)); reset(); }>
                    <option value="">{move || format!("{}: {}", ctx.t("grade"), ctx.t("any"))}</option>
                    <option value="general">{move || Grade::General.label(ctx.lang.get())}</option>
                    <option value="major">{move || Grade::Major.label(ctx.lang.get())}</option>
                </select>
                <select aria-label=ctx.text("category") on:change=move |ev| { category.set(event_target_value(&ev)); reset(); }>
                    <option value="">{move || format!("{}: {}", ctx.t("category"), ctx.t("any"))}</option>
                    {Category::ALL.into_iter().map(|c| view! { <option value=wire_name(c)>{move || c.label(ctx.lang.get())}</option> }).collect_view()}
                </select>
                <select id="f-department" aria-label=ctx.text("department") on:change=move |ev| { department.set(event_target_value(&ev)); reset(); }>
                    <option value="">{move || format!("{}: {}", ctx.t("department"), ctx.t("any"))}</option>
                    {move || ctx.boot.get().map(|b| b.departments.iter().map(|d| view! { <option value=d.id.to_string()>{d.name.get(ctx.lang.get()).to_owned()}</option> }).collect_view())}
                </select>
                <select id="f-site" aria-label=ctx.text("site") on:change=move |ev| { site.set(event_target_value(&ev)); reset(); }>
                    <option value="">{move || format!("{}: {}", ctx.t("site"), ctx.t("any"))}</option>
                    {move || ctx.boot.get().map(|b| b.sites.iter().map(|s| view! { <option value=s.id.to_string()>{s.name.get(ctx.lang.get()).to_owned()}</option> }).collect_view())}
                </select>
                <select id="f-phase" aria-label=ctx.text("phase") on:change=move |ev| { phase.set(event_target_value(&ev)); reset(); }>
                    <option value="">{move || format!("{}: {}", ctx.t("phase"), ctx.t("any"))}</option>
                    {move || ctx.boot.get().map(|b| b.campaigns.iter().flat_map(|c| c.phases.clone()).map(|p| view! { <option value=p.id.to_string()>{p.name.get(ctx.lang.get()).to_owned()}</option> }).collect_view())}
                </select>
                <select id="f-sort" aria-label=ctx.text("sort") on:change=move |ev| { sort.set(event_target_value(&ev)); reset(); }>
                    <option value="">{ctx.text("sort_found_desc")}</option>
                    <option value="found_asc">{ctx.text("sort_found_asc")}</option>
                    <option value="deadline_asc">{ctx.text("sort_deadline_asc")}</option>
                    <option value="deadline_desc">{ctx.text("sort_deadline_desc")}</option>
                </select>
                <label><input type="checkbox" on:change=move |ev| { overdue.set(event_target_checked(&ev)); reset(); }/>{ctx.text("overdue")}</label>
                <input type="text" aria-label=ctx.text("search") placeholder=ctx.text("search") on:change=move |ev| { text.set(event_target_value(&ev)); reset(); }/>
                <button class="secondary" id="export-xlsx" on:click=export>{ctx.text("export")}</button>
            </div>
            {move || export_error.get().map(|e| view! { <div class="error">{e}</div> })}
        </div>
        <Transition fallback=|| view! { <div class="loading">"…"</div> }>
            {move || page.get().map(|r| match r {
                Err(e) => view! { <div class="error">{e.message(ctx.lang.get()).to_owned()}" "{ctx.t("need_online")}</div> }.into_any(),
                Ok(p) => {
                    let lang = ctx.lang.get();
                    let day = today();
                    let total = if p.total_at_least { format!("{}+", p.total) } else { p.total.to_string() };
                    let (has_prev, has_next) = (p.offset > 0, p.has_next());
                    let shown = p.shown().map(|(a, b)| format!(" · {a}–{b}")).unwrap_or_default();
                    view! {
                        <div id="ledger-total">{format!("{} {}{shown}", ctx.t("total"), total)}</div>
                        <div style="overflow-x:auto">
                        <table class="ledger" id="ledger">
                            <thead><tr>
                                <th>{ctx.t("found_on")}</th><th>{ctx.t("description")}</th><th>{ctx.t("location")}</th><th>{ctx.t("category")}</th><th>{ctx.t("grade")}</th>
                                <th>{ctx.t("status")}</th><th>{ctx.t("department")}</th><th>{ctx.t("measures")}</th><th>{ctx.t("owner")}</th><th>{ctx.t("deadline")}</th>
                            </tr></thead>
                            <tbody>
                                {p.rows.into_iter().map(|h| {
                                    let id = h.id;
                                    let od = h.days_overdue(day);
                                    view! {
                                        <tr data-hazard=h.id.to_string()>
                                            <td>{h.found_on.to_string()}</td>
                                            <td><a href="#" on:click=move |ev| { ev.prevent_default(); ctx.page.set(Page::Hazard(id)); }>{h.description.clone()}</a></td>
                                            <td class="place">{h.room_id.map(|r| ctx.place(r))}</td>
                                            <td>{h.category.label(lang)}</td>
                                            <td>{h.grade.label(lang)}</td>
                                            <td class=format!("st-{}", h.status.as_str())>{h.status.label(lang)}</td>
                                            <td>{h.department_id.map(|d| ctx.department_name(d))}</td>
                                            <td>{h.measures.clone().unwrap_or_default()}</td>
                                            <td>{h.owner_id.map(|o| ctx.person_name(o))}</td>
                                            <td>{h.deadline.map(|d| d.to_string()).unwrap_or_default()}{(od > 0).then(|| view! { <span class="overdue">{format!(" +{od}")}</span> })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                        <div class="seg">
                            <button id="ledger-prev" disabled=!has_prev on:click=move |_| offset.update(|o| *o = (*o - PAGE).max(0))>{ctx.t("prev")}</button>
                            <button id="ledger-next" disabled=!has_next on:click=move |_| offset.update(|o| *o += PAGE)>{ctx.t("next")}</button>
                        </div>
                    }.into_any()
                }
            })}
        </Transition>
    }
}
