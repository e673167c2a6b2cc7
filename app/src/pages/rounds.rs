//! Rounds (巡查记录): every inspection round in the caller's scope, newest first, each with its
//! printable record (防火巡查记录 / 防火检查记录, with signatures) — what a fire inspector asks to see —,
//! below the inspection plan they follow.

use leptos::prelude::*;
use saferounds_shared::api::PageQuery;
use saferounds_shared::endpoints as ep;
use saferounds_shared::i18n::Label;
use saferounds_shared::inspection::AnswerValue;

use crate::api;
use crate::state::ctx;

#[component]
pub fn RoundsPage() -> impl IntoView {
    let ctx = ctx();
    let data = LocalResource::new(move || {
        let token = ctx.token();
        async move {
            api::get(
                ep::INSPECTIONS.query(&PageQuery {
                    offset: 0,
                    limit: Some(100),
                }),
                &token,
            )
            .await
        }
    });
    let error = RwSignal::new(None::<String>);
    view! {
        <super::plans::PlansCard/>
        {move || error.get().map(|e| view! { <div class="error" role="alert">{e}</div> })}
        <Transition fallback=|| view! { <div class="loading">"…"</div> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <div class="error">{e.message(ctx.lang.get()).to_owned()}</div> }.into_any(),
                Ok(page) => {
                    let lang = ctx.lang.get();
                    let offset = ctx.boot.with(|b| b.as_ref().map_or(480, |b| b.utc_offset_minutes));
                    let zone = saferounds_shared::api::center_offset(offset);
                    view! {
                        <div class="card">
                            <h2>{ctx.text("rounds")}" "<span class="room-meta">{format!("({})", page.total)}</span></h2>
                            <table class="ledger" id="rounds">
                                <thead><tr>
                                    <th>{ctx.t("started")}</th><th>{ctx.t("inspection_type")}</th><th>{ctx.t("inspector")}</th>
                                    <th>{ctx.t("rooms")}</th><th>{ctx.t("failed_items")}</th><th></th>
                                </tr></thead>
                                <tbody>
                                    {page.rounds.into_iter().map(|r| {
                                        let id = r.round.id;
                                        let failed = r.visits.iter().flat_map(|v| &v.answers).filter(|a| a.value == AnswerValue::Fail).count();
                                        let signed = r.visits.iter().any(|v| v.signatures.is_some());
                                        let print = move |_| api::open_in_background(ep::ROUND_RECORD.at(&id), None, error);
                                        view! {
                                            <tr data-round=id.to_string()>
                                                <td>{r.round.started_at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()}</td>
                                                <td>{r.round.inspection_type.label(lang)}{signed.then_some(" ✍")}</td>
                                                <td>{ctx.person_name(r.round.inspector_id)}</td>
                                                <td>{r.visits.len()}</td>
                                                <td>{failed}</td>
                                                <td><button class="secondary print-record" on:click=print>{ctx.t("print_record")}</button></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }
            })}
        </Transition>
    }
}
