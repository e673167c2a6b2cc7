//! Where the center stands: totals, closure rate, and found/closed/overdue by department as an
//! SVG chart drawn here (no chart library).

use leptos::prelude::*;
use saferounds_shared::api::{StatLine, Stats};

use crate::api;
use crate::state::ctx;

#[component]
pub fn Dashboard() -> impl IntoView {
    let ctx = ctx();
    let stats = LocalResource::new(move || {
        let token = ctx.session.get().map(|s| s.token).unwrap_or_default();
        async move { api::get::<Stats>("/api/v1/stats", &token).await }
    });
    let print_bulletin = move |_| {
        let token = ctx
            .session
            .get_untracked()
            .map(|s| s.token)
            .unwrap_or_default();
        leptos::task::spawn_local(async move {
            let _ = api::open_document("/api/v1/reports/bulletin", &token, None).await;
        });
    };
    view! {
        <div class="seg"><button class="secondary" id="print-bulletin" on:click=print_bulletin>{move || ctx.t("bulletin")}</button></div>
        <Transition fallback=|| view! { <div class="loading">"…"</div> }>
            {move || stats.get().map(|r| match r {
                Err(e) => view! { <div class="error">{e.message(ctx.lang.get()).to_owned()}</div> }.into_any(),
                Ok(s) => view! {
                    <div class="kpis" id="kpis">
                        <div class="kpi"><span>{ctx.t("found")}</span><b id="kpi-found">{s.total.found}</b></div>
                        <div class="kpi"><span>{ctx.t("closed")}</span><b id="kpi-closed">{s.total.closed}</b></div>
                        <div class="kpi"><span>{ctx.t("open")}</span><b id="kpi-open">{s.total.open}</b></div>
                        <div class="kpi"><span>{ctx.t("overdue")}</span><b id="kpi-overdue" class="overdue">{s.total.overdue}</b></div>
                        <div class="kpi"><span>{ctx.t("closure_rate")}</span><b id="kpi-rate">{format!("{:.0}%", s.total.closure_rate() * 100.0)}</b></div>
                        <div class="kpi"><span>{ctx.t("funds")}</span><b>{s.total.funds.yuan()}</b></div>
                    </div>
                    <div class="card"><h2>{ctx.t("department")}</h2><Bars lines=s.by_department.clone()/></div>
                    <div class="card"><h2>{ctx.t("category")}</h2><Bars lines=s.by_category.clone()/></div>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Bars(lines: Vec<StatLine>) -> impl IntoView {
    let ctx = ctx();
    let max = lines.iter().map(|l| l.row.found).max().unwrap_or(1).max(1) as f64;
    let h = 28.0 * lines.len() as f64 + 10.0;
    let lang = ctx.lang.get_untracked();
    view! {
        <svg width="100%" height=h viewBox=format!("0 0 600 {h}") role="img" aria-label="chart">
            {lines.into_iter().enumerate().map(|(i, l)| {
                let y = 5.0 + 28.0 * i as f64;
                let w_found = 380.0 * f64::from(l.row.found) / max;
                let w_closed = 380.0 * f64::from(l.row.closed) / max;
                let label = if lang == saferounds_shared::Lang::Zh { l.label_zh.clone() } else { l.label_en.clone() };
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
    }
}
