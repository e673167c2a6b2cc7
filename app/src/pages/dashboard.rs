//! Where the center stands: totals, the closure-rate trend, found/closed/overdue by department,
//! site, category and phase, inspection coverage, rounds of the plan missed, training, drills, equipment, conflicts and
//! today's reminders. Charts are SVG drawn here (no chart library).

use leptos::prelude::*;
use saferounds_shared::Lang;
use saferounds_shared::api::{Dashboard, StatLine};
use saferounds_shared::endpoints::{self as ep, Call, HtmlPage};
use saferounds_shared::i18n::{Label, percent};

use crate::api;
use crate::state::{Page, ctx, wire_name};

#[component]
pub fn DashboardPage() -> impl IntoView {
    let ctx = ctx();
    let data = LocalResource::new(move || {
        let token = ctx.token();
        async move { api::get(ep::DASHBOARD.call(), &token).await }
    });
    let error = RwSignal::new(None::<String>);
    let open = move |call: fn() -> Call<(), HtmlPage>| {
        move |_| api::open_in_background(call(), None, error)
    };
    view! {
        <div class="seg">
            <button class="secondary" id="print-bulletin" on:click=open(|| ep::BULLETIN.call())>{ctx.text("bulletin")}</button>
            <button class="secondary" id="print-summary" on:click=open(|| ep::SUMMARY.call())>{ctx.text("summary_report")}</button>
        </div>
        {move || error.get().map(|e| view! { <div class="error" role="alert">{e}</div> })}
        <Transition fallback=|| view! { <div class="loading">"…"</div> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <div class="error">{e.message(ctx.lang.get()).to_owned()}</div> }.into_any(),
                Ok(d) => body(d).into_any(),
            })}
        </Transition>
    }
}

fn body(d: Dashboard) -> impl IntoView {
    let ctx = ctx();
    let s = d.stats.clone();
    let lang = ctx.lang.get_untracked();
    let boot = ctx.boot.get_untracked();
    let room_name = {
        let boot = boot.clone();
        move |id| {
            boot.as_ref()
                .and_then(|b| b.rooms.iter().find(|r| r.id == id))
                .map(|r| format!("{} {}", r.floor, r.name.get(lang)))
                .unwrap_or_default()
        }
    };
    let site_name = {
        let boot = boot.clone();
        move |id| {
            boot.as_ref()
                .and_then(|b| b.sites.iter().find(|s| s.id == id))
                .map(|s| s.name.get(lang).to_owned())
                .unwrap_or_default()
        }
    };
    let e = d.equipment.clone();
    view! {
        <div class="kpis" id="kpis">
            <div class="kpi"><span>{ctx.t("found")}</span><b id="kpi-found">{s.total.found}</b></div>
            <div class="kpi"><span>{ctx.t("closed")}</span><b id="kpi-closed">{s.total.closed}</b></div>
            <div class="kpi"><span>{ctx.t("open")}</span><b id="kpi-open">{s.total.open}</b></div>
            <div class="kpi"><span>{ctx.t("overdue")}</span><b id="kpi-overdue" class={if s.total.overdue > 0 { "overdue" } else { "" }}>{s.total.overdue}</b></div>
            <div class="kpi"><span>{ctx.t("closure_rate")}</span><b id="kpi-rate">{percent(s.total.closure_rate(), 0)}</b></div>
            <div class="kpi"><span>{ctx.t("funds")}</span><b>{s.total.funds.yuan()}</b></div>
        </div>
        <div class="grid2">
            <section class="card" id="trend"><h2>{ctx.t("trend")}</h2><Trend lines=d.by_month.clone()/></section>
            <section class="card" id="reminders"><h2>{ctx.t("reminders")}</h2>
                {if d.reminders.is_empty() { view! { <p class="muted">{ctx.t("none")}</p> }.into_any() } else { view! {
                    <ul class="plain">{d.reminders.iter().map(|r| {
                        let id = r.hazard_id;
                        view! { <li><span class=if matches!(r.due, saferounds_shared::reminders::Due::Overdue { .. }) { "overdue" } else { "soon" }>{r.due.label(lang)}</span>" "
                            <a href="#" on:click=move |ev| { ev.prevent_default(); ctx.page.set(Page::Hazard(id)); }>{r.number.clone()}</a>" "{r.description.clone()}" · "{r.deadline.to_string()}</li> }
                    }).collect_view()}</ul>
                    {(d.reminders_total > d.reminders.len()).then(|| view! { <p class="muted" id="reminders-more">{ctx.t("more_in_ledger").replace("{n}", &(d.reminders_total - d.reminders.len()).to_string())}</p> })}
                }.into_any() }}
            </section>
            <section class="card"><h2>{ctx.t("department")}</h2><Bars lines=s.by_department.clone() label="department"/></section>
            <section class="card"><h2>{ctx.t("site")}</h2><Bars lines=s.by_site.clone() label="site"/></section>
            <section class="card"><h2>{ctx.t("category")}</h2><Bars lines=s.by_category.clone() label="category"/></section>
            <section class="card"><h2>{ctx.t("phase")}</h2><Bars lines=s.by_phase.clone() label="phase"/></section>
            <section class="card"><h2>{ctx.t("grade")}</h2><Bars lines=s.by_grade.clone() label="grade"/></section>
            <section class="card" id="coverage"><h2>{ctx.t("coverage")}</h2>
                {d.coverage.iter().map(|c| {
                    let done = c.rooms - c.due.len();
                    let room_name = room_name.clone();
                    view! {
                        <h3>{c.inspection_type.label(lang)}" "<span class="cov" data-type=wire_name(c.inspection_type)>{format!("{done}/{}", c.rooms)}</span></h3>
                        <ul class="plain small">{c.due.iter().take(8).map(|(room, last)| view! {
                            <li>{room_name(*room)}" — "{ctx.t("last_inspected")}" "{last.map(|d| d.to_string()).unwrap_or_else(|| ctx.t("never").to_owned())}</li>
                        }).collect_view()}</ul>
                    }
                }).collect_view()}
            </section>
            <section class="card" id="missed-rounds"><h2>{ctx.t("missed_rounds")}</h2>
                {if d.missed_rounds.is_empty() { view! { <p class="muted">{ctx.t("none")}</p> }.into_any() } else { view! {
                    <table class="ledger"><thead><tr><th>{ctx.t("period")}</th><th>{ctx.t("inspection_type")}</th><th>{ctx.t("assignee")}</th><th>{ctx.t("rooms_missed")}</th></tr></thead>
                    <tbody>{d.missed_rounds.iter().take(20).map(|r| {
                        let room_name = room_name.clone();
                        view! { <tr class="missed-round" data-plan=r.plan_id.to_string()>
                            <td>{r.period_label(lang)}</td>
                            <td>{format!("{}（{}）", r.inspection_type.label(lang), r.frequency.label(lang))}</td>
                            <td>{ctx.person_name(r.assignee)}</td>
                            <td><b class="overdue">{format!("{}/{}", r.remaining.len(), r.rooms)}</b>" "<span class="small">{r.remaining.iter().take(4).map(|id| room_name(*id)).collect::<Vec<_>>().join("、")}</span></td>
                        </tr> }
                    }).collect_view()}</tbody></table>
                }.into_any() }}
            </section>
            <section class="card" id="training"><h2>{ctx.t("training")}</h2>
                <p><b id="training-rate">{percent(d.training.rate(), 0)}</b>" ("{d.training.trained}"/"{d.training.total}")"</p>
                <ul class="plain small">{d.training_due.iter().take(10).map(|(name, why)| view! { <li>{name.clone()}" — "{why.label(lang)}</li> }).collect_view()}</ul>
                <p>{ctx.t("drills_recent")}": "<b id="drills-recent">{d.drills_recent}</b></p>
                <p class="small">{ctx.t("sites_due_drill")}": "{d.sites_due_drill.iter().map(|s| site_name(*s)).collect::<Vec<_>>().join("、")}</p>
            </section>
            <section class="card" id="equipment"><h2>{ctx.t("equipment")}</h2>
                <p>{ctx.t("total")}" "<b>{e.total}</b>" · "{ctx.t("expired")}" "<b class="overdue">{e.expired}</b>" · "{ctx.t("expiring")}" "<b>{e.expiring}</b>" · "{ctx.t("check_due")}" "<b>{e.check_due}</b>" · "{ctx.t("service_due")}" "<b>{e.service_due}</b></p>
            </section>
            <section class="card" id="conflicts"><h2>{ctx.t("conflicts")}</h2>
                {if d.conflicts.is_empty() { view! { <p class="muted">{ctx.t("none")}</p> }.into_any() } else { view! {
                    <ul class="plain">{d.conflicts.iter().map(|h| { let id = h.id; view! {
                        <li><a href="#" on:click=move |ev| { ev.prevent_default(); ctx.page.set(Page::Hazard(id)); }>{h.number.clone()}</a>" "{h.description.clone()}</li>
                    }}).collect_view()}</ul>
                }.into_any() }}
            </section>
        </div>
    }
}

/// Found per month as bars and the closure rate as a line (0–100 %).
#[component]
fn Trend(lines: Vec<StatLine>) -> impl IntoView {
    let ctx = ctx();
    let n = lines.len().max(1) as f64;
    let max = lines.iter().map(|l| l.row.found).max().unwrap_or(1).max(1) as f64;
    let (w, h, left, bottom) = (600.0, 180.0, 30.0, 150.0);
    let step = (w - left) / n;
    let points: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                "{:.1},{:.1}",
                left + step * (i as f64 + 0.5),
                bottom - 130.0 * l.row.closure_rate().unwrap_or(0.0)
            )
        })
        .collect();
    view! {
        <svg width="100%" viewBox=format!("0 0 {w} {h}") role="img" aria-label=ctx.t("trend")>
            <line x1=left y1=bottom x2=w y2=bottom stroke="#999"></line>
            {lines.iter().enumerate().map(|(i, l)| {
                let bh = 130.0 * f64::from(l.row.found) / max;
                let x = left + step * i as f64 + step * 0.2;
                view! {
                    <g>
                        <rect x=x y=bottom - bh width=step * 0.6 height=bh fill="#ffcdd2"></rect>
                        <text x=x y=bottom + 16.0 font-size="11">{l.key.clone()}</text>
                    </g>
                }
            }).collect_view()}
            <polyline points=points.join(" ") fill="none" stroke="#2e7d32" stroke-width="2"></polyline>
            <text x="0" y="24" font-size="11">"100%"</text>
            <text x="0" y=bottom font-size="11">"0"</text>
        </svg>
    }
}

#[component]
fn Bars(lines: Vec<StatLine>, label: &'static str) -> impl IntoView {
    let ctx = ctx();
    if lines.is_empty() {
        return view! { <p class="muted">{ctx.t("none")}</p> }.into_any();
    }
    let max = lines.iter().map(|l| l.row.found).max().unwrap_or(1).max(1) as f64;
    let h = 28.0 * lines.len() as f64 + 10.0;
    let lang = ctx.lang.get_untracked();
    view! {
        <svg width="100%" height=h viewBox=format!("0 0 600 {h}") role="img" aria-label=ctx.t(label)>
            {lines.into_iter().enumerate().map(|(i, l)| {
                let y = 5.0 + 28.0 * i as f64;
                let w_found = 380.0 * f64::from(l.row.found) / max;
                let w_closed = 380.0 * f64::from(l.row.closed) / max;
                let label = if lang == Lang::Zh { l.label_zh.clone() } else { l.label_en.clone() };
                view! {
                    <g>
                        <text x="0" y=y + 16.0 font-size="13">{label}</text>
                        <rect x="150" y=y width=w_found height="20" fill="#ffcdd2"></rect>
                        <rect x="150" y=y width=w_closed height="20" fill="#2e7d32"></rect>
                        <text x=155.0 + w_found y=y + 15.0 font-size="12">{format!("{}/{} ({} ⚠)", l.row.closed, l.row.found, l.row.overdue)}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }.into_any()
}
