//! The two lists (两个清单): the hazard list is the ledger; this page is the institutional-measures
//! list with its timetable (时间表、路线图) by month, and its export.

use leptos::prelude::*;
use saferounds_shared::i18n::Label;
use saferounds_shared::lists::{Measure, timetable};

use crate::api;
use crate::state::{ctx, today};

#[component]
pub fn Lists() -> impl IntoView {
    let ctx = ctx();
    let measures = LocalResource::new(move || {
        let token = ctx.token();
        async move { api::get::<Vec<Measure>>("/api/v1/measures", &token).await }
    });
    let export = move |_| {
        let token = ctx.token_now();
        leptos::task::spawn_local(async move {
            let _ = api::open_document(
                "/api/v1/export/measures.xlsx",
                &token,
                Some(&format!("制度措施清单-{}.xlsx", today())),
            )
            .await;
        });
    };
    view! {
        <div class="card">
            <h2>{move || ctx.t("measures_list")}</h2>
            <button class="secondary" id="export-measures" on:click=export>{move || ctx.t("export")}</button>
        </div>
        <Transition fallback=|| view! { <div class="loading">"…"</div> }>
            {move || measures.get().map(|r| match r {
                Err(e) => view! { <div class="error">{e.message(ctx.lang.get()).to_owned()}</div> }.into_any(),
                Ok(list) => {
                    let lang = ctx.lang.get();
                    let day = today();
                    let departments = ctx.boot.get().map(|b| b.departments).unwrap_or_default();
                    let plan = timetable(&list);
                    if plan.is_empty() {
                        return view! { <div class="card">{ctx.t("no_measures")}</div> }.into_any();
                    }
                    plan.into_iter().map(|(month, items)| view! {
                        <div class="card">
                            <h2>{month}</h2>
                            <table class="ledger measures">
                                <thead><tr><th>{ctx.t("measure")}</th><th>{ctx.t("department")}</th><th>{ctx.t("deadline")}</th><th>{ctx.t("status")}</th><th>{ctx.t("hazards")}</th></tr></thead>
                                <tbody>
                                    {items.into_iter().map(|m| {
                                        let dept = departments.iter().find(|d| d.id == m.department_id).map(|d| d.name.get(lang).to_owned()).unwrap_or_default();
                                        view! {
                                            <tr>
                                                <td>{m.title.clone()}<div class="room-meta">{m.kind.label(lang)}" · "{m.description.clone()}</div></td>
                                                <td>{dept}</td>
                                                <td class=if m.is_overdue(day) { "overdue" } else { "" }>{m.deadline.to_string()}</td>
                                                <td>{m.status.label(lang)}</td>
                                                <td>{m.hazard_ids.len()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }).collect_view().into_any()
                }
            })}
        </Transition>
    }
}
