//! The phone's hazard list: what the user is responsible for, with offline reminders, a page at a time.

use super::*;

/// Rows the hazard list shows at first, and adds per "show more".
const PAGE: usize = 100;

#[component]
pub fn Hazards() -> impl IntoView {
    let ctx = ctx();
    // A phone shows the most urgent first, a page at a time: thousands of rows at once would
    // make the list slow to open.
    let shown = RwSignal::new(PAGE);
    let list = move || {
        let Some(s) = ctx.session.get() else {
            return vec![];
        };
        let actor = Actor::from(&s.user);
        let mut v: Vec<Hazard> = ctx.view.with(|m| {
            m.values()
                .filter_map(|e| {
                    if let Entity::Hazard(h) = e {
                        Some(h.clone())
                    } else {
                        None
                    }
                })
                .filter(|h| h.on_work_list_of(&actor))
                .collect()
        });
        // Ties by id: the order the list had before, whatever the sort.
        saferounds_shared::order::sort_by(&mut v, |a, b| {
            (a.status.rank(), b.found_on, a.id).cmp(&(b.status.rank(), a.found_on, b.id))
        });
        v
    };
    // When the list is on screen (read by the benchmarks).
    Effect::new(move |_| {
        let n = ctx.view.with(|m| m.len());
        crate::state::mark(&format!("sr-hazards-rendered-{n}"));
    });
    // Reminders work offline: the rule is shared, the hazards are on the phone.
    let due = move || {
        let Some(s) = ctx.session.get() else {
            return vec![];
        };
        let actor = Actor::from(&s.user);
        let hazards: Vec<Hazard> = ctx.view.with(|m| {
            m.values()
                .filter_map(|e| match e {
                    Entity::Hazard(h) => Some(h.clone()),
                    _ => None,
                })
                .collect()
        });
        reminders(&hazards, today())
            .into_iter()
            .filter(|r| r.concerns(&actor))
            .collect::<Vec<_>>()
    };
    view! {
        {move || {
            let list = due();
            (!list.is_empty()).then(|| {
                let lang = ctx.lang.get();
                view! {
                    <div class="card notice" id="my-reminders">
                        <h2>{ctx.t("reminders")}</h2>
                        <ul class="plain">{list.into_iter().map(|r| {
                            let id = r.hazard_id;
                            view! { <li><a href="#" on:click=move |ev| { ev.prevent_default(); ctx.page.set(Page::Hazard(id)); }>{r.due.label(lang)}" · "{r.description.clone()}</a>" · "{ctx.t("deadline")}" "{r.deadline.to_string()}</li> }
                        }).collect_view()}</ul>
                    </div>
                }
            })
        }}
        <div class="card">
            <div class="card-head">
                <h2>{ctx.text("hazards")}" "<span id="hazard-count">{move || list().len()}</span></h2>
                <button class="primary" id="snap-report" on:click=move |_| ctx.page.set(Page::Report)>{ctx.text("snap_report")}</button>
            </div>
            <ul class="rooms" id="hazard-list">
                {move || {
                    let items = list();
                    let more = items.len().saturating_sub(shown.get());
                    if items.is_empty() {
                        let key = if ctx.loaded.get() { "no_hazards" } else { "reading_records" };
                        return view! { <li>{ctx.t(key)}</li> }.into_any();
                    }
                    let lang = ctx.lang.get();
                    let day = today();
                    let rows = items.into_iter().take(shown.get()).map(|h| {
                        let id = h.id;
                        let overdue = h.days_overdue(day);
                        view! {
                            <li class="hazard" data-hazard=h.id.to_string() data-status=h.status.as_str() on:click=move |_| ctx.page.set(Page::Hazard(id))>
                                <div>
                                    <div class="room-name">{h.description.clone()}</div>
                                    <div class="room-meta">
                                        <span class=format!("st-{}", h.status.as_str())>{h.status.label(lang)}</span>
                                        " · "{h.grade.label(lang)}" · "{h.category.label(lang)}
                                        {h.deadline.map(|d| format!(" · {} {d}", ctx.t("deadline")))}
                                        {(overdue > 0).then(|| view! { <span class="overdue">{format!(" {} {overdue}", ctx.t("overdue"))}</span> })}
                                    </div>
                                </div>
                                <button class="secondary" aria-label=format!("{} {}", ctx.t("open_hazard"), h.description) on:click=move |_| ctx.page.set(Page::Hazard(id))>"›"</button>
                            </li>
                        }
                    }).collect_view();
                    view! {
                        {rows}
                        {(more > 0).then(|| view! {
                            <li><button class="secondary" id="more-hazards" on:click=move |_| shown.update(|n| *n += PAGE)>{format!("{} ({more})", ctx.t("show_more"))}</button></li>
                        })}
                    }.into_any()
                }}
            </ul>
        </div>
    }
}
