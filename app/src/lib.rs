//! SafeRounds PWA: Leptos, client-side rendered, offline-first. The phone works from IndexedDB;
//! the server is only needed to sync. Every rule comes from `saferounds-shared`.
#![forbid(unsafe_code)]

use leptos::prelude::*;
use saferounds_shared::Lang;
use saferounds_shared::i18n::Label;
use wasm_bindgen::prelude::*;

pub mod api;
pub mod i18n;
pub mod pages;
pub mod photo;
pub mod state;
pub mod store;
pub mod sync;

/// What the app's fallible steps fail with: the server's error, or a local one in the same
/// shape. Boxed: it passes up through every `?` as one word rather than three strings.
pub type Failure = Box<saferounds_shared::ApiError>;

use state::{AppCtx, Page, Session, ctx, refresh_view};

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&JsValue::from_str(&format!("SafeRounds panic: {info}")))
    }));
    leptos::mount::mount_to_body(App);
}

/// Loads what the device has: language, session, bootstrap data, local view.
async fn load(ctx: AppCtx) {
    if let Ok(Some(lang)) = store::kv_get::<Lang>("lang").await {
        ctx.lang.set(lang);
    }
    if let Ok(Some(last)) = store::kv_get::<f64>("last_sync").await {
        ctx.last_sync.set(Some(last));
    }
    let session = store::kv_get::<Session>("session").await.ok().flatten();
    if let Some(s) = &session {
        ctx.page.set(Page::home(s.user.role));
        if let Some(page) = state::handed_over_page() {
            ctx.page.set(page);
        }
    }
    ctx.session.set(session);
    state::set_boot(ctx, store::kv_get("bootstrap").await.ok().flatten());
    // The shell and the rooms (from the bootstrap) on screen first; the records, thousands of
    // hazards to decode, right after (`ctx.loaded`).
    ctx.ready.set(true);
    let _ = refresh_view(ctx).await;
    sync::sync_now(ctx).await;
}

#[component]
pub fn App() -> impl IntoView {
    let ctx = AppCtx::new();
    provide_context(ctx);
    leptos::task::spawn_local(load(ctx));
    sync::start(ctx);
    let _ = window_event_listener_untyped("sr-update", move |_| ctx.update_ready.set(true));
    // A version that was already waiting when the page loaded (after a reload, say) was announced
    // by `boot.js` before this module ran: look for it.
    if web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("__srWaiting")).ok())
        .is_some_and(|w| !w.is_undefined() && !w.is_null())
    {
        ctx.update_ready.set(true);
    }
    Effect::new(move |_| {
        if let Some(doc) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = doc.set_attribute("lang", ctx.lang.get().code());
        }
    });
    view! {
        <Show when=move || ctx.ready.get() fallback=|| view! { <div class="loading">"安巡 正在加载… / Loading…"</div> }>
            <Show when=move || ctx.session.get().is_some() fallback=|| view! { <pages::login::Login/> }>
                <Header/>
                <StatusBar/>
                <Tabs/>
                <main>
                    <UpdateBanner/>
                    <Rejected/>
                    {move || match ctx.page.get() {
                        Page::Rooms => view! { <pages::rooms::Rooms/> }.into_any(),
                        Page::Visit { room, via_qr } => view! { <pages::visit::VisitPage room_id=room via_qr=via_qr/> }.into_any(),
                        Page::Hazards => view! { <pages::hazards::Hazards/> }.into_any(),
                        Page::Hazard(id) => view! { <pages::hazards::HazardPage id=id/> }.into_any(),
                        Page::Report => view! { <pages::report::ReportPage/> }.into_any(),
                        desk => desk_page(desk),
                    }}
                </main>
            </Show>
        </Show>
    }
}

/// The desk pages, in the build that has them.
#[cfg(feature = "desk")]
fn desk_page(page: Page) -> AnyView {
    match page {
        Page::Ledger => view! { <pages::ledger::Ledger/> }.into_any(),
        Page::Lists => view! { <pages::lists::Lists/> }.into_any(),
        Page::Dashboard => view! { <pages::dashboard::DashboardPage/> }.into_any(),
        Page::Registers => view! { <pages::registers::RegistersPage/> }.into_any(),
        Page::Rounds => view! { <pages::rounds::RoundsPage/> }.into_any(),
        Page::Admin => view! { <pages::admin::AdminPage/> }.into_any(),
        _ => ().into_any(),
    }
}

/// The phone module has no desk pages: it hands over to the desk module.
#[cfg(not(feature = "desk"))]
fn desk_page(page: Page) -> AnyView {
    let ctx = ctx();
    if state::desk_failed() {
        return view! { <div class="notice" id="desk-offline">{ctx.text("desk_needs_network")}</div> }
            .into_any();
    }
    state::open_desk(ctx, page);
    view! { <div class="loading">"安巡 正在加载… / Loading…"</div> }.into_any()
}

#[component]
fn Header() -> impl IntoView {
    let ctx = ctx();
    let logout = move |_| {
        if ctx.pending.get_untracked() > 0 {
            let ok = web_sys::window()
                .and_then(|w| w.confirm_with_message(ctx.t("unsent_logout")).ok())
                .unwrap_or(false);
            if !ok {
                return;
            }
        }
        leptos::task::spawn_local(async move {
            if let Some(s) = ctx.session.get_untracked() {
                api::logout(&s.token).await;
            }
            let _ = store::clear_session().await;
            state::forget_desk();
            ctx.session.set(None);
        });
    };
    let switch_lang = move |_| {
        let next = if ctx.lang.get_untracked() == Lang::Zh {
            Lang::En
        } else {
            Lang::Zh
        };
        ctx.lang.set(next);
        leptos::task::spawn_local(async move {
            let _ = store::kv_put("lang", &next).await;
        });
    };
    view! {
        <header class="bar">
            <h1>{ctx.text("app")}</h1>
            <span class="who">{move || ctx.session.get().map(|s| format!("{} · {}", s.user.display_name, s.user.role.label(ctx.lang.get())))}</span>
            <button id="lang" on:click=switch_lang>{move || if ctx.lang.get() == Lang::Zh { "EN" } else { "中文" }}</button>
            <button id="logout" on:click=logout>{ctx.text("logout")}</button>
        </header>
    }
}

/// Tenths of a value, as text ("12.3"), without the standard library's float printer.
fn tenths(v: f64) -> String {
    let t = (v * 10.0).round().max(0.0) as u64;
    format!("{}.{}", t / 10, t % 10)
}

/// Pending count and last-sync age, always visible.
#[component]
fn StatusBar() -> impl IntoView {
    let ctx = ctx();
    let age = move || {
        let now = ctx.now.get();
        match ctx.last_sync.get() {
            None => ctx.t("never").to_owned(),
            Some(t) => {
                let mins = ((now.max(t) - t) / 60_000.0).floor() as i64;
                match (ctx.lang.get(), mins) {
                    (Lang::Zh, 0) => "刚刚".into(),
                    (Lang::Zh, m) if m < 60 => format!("{m} 分钟前"),
                    (Lang::Zh, m) if m < 48 * 60 => format!("{} 小时前", m / 60),
                    (Lang::Zh, m) => format!("{} 天前", m / (24 * 60)),
                    (Lang::En, 0) => "just now".into(),
                    (Lang::En, m) if m < 60 => format!("{m} min ago"),
                    (Lang::En, m) if m < 48 * 60 => format!("{} h ago", m / 60),
                    (Lang::En, m) => format!("{} days ago", m / (24 * 60)),
                }
            }
        }
    };
    view! {
        <div class="status" role="status">
            <span id="pending" class=move || if ctx.loaded.get() && ctx.pending.get() == 0 { "pending zero" } else { "pending" }>
                {move || match (ctx.loaded.get(), ctx.pending.get()) {
                    (false, _) => ctx.t("reading_records").to_owned(),
                    (true, 0) => ctx.t("all_sent").to_owned(),
                    (true, n) => format!("{} {n}", ctx.t("pending")),
                }}
            </span>
            <span id="last-sync">{ctx.text("last_sync")}" "{age}</span>
            {move || ctx.progress.get().map(|(n, m)| view! { <span id="sync-progress">{format!("{} {n}/{m}", ctx.t("uploading_photos"))}</span> })}
            {move || ctx.stored.get().map(|b| view! { <span id="stored">{format!("{} {} MB", ctx.t("storage"), tenths(b / 1_048_576.0))}</span> })}
            {move || ctx.sync_error.get().map(|e| view! { <span class="overdue">{e.message(ctx.lang.get()).to_owned()}</span> })}
            <button class="secondary" id="sync" on:click=move |_| leptos::task::spawn_local(sync::sync_now(ctx)) disabled=move || ctx.syncing.get()>
                {move || if ctx.syncing.get() { ctx.t("syncing") } else { ctx.t("sync") }}
            </button>
        </div>
    }
}

#[component]
fn Tabs() -> impl IntoView {
    let ctx = ctx();
    // What the user may open: whatever any of their roles may.
    let may = move |can: fn(saferounds_shared::org::Roles<'_>) -> bool| {
        ctx.session.get().is_some_and(|s| can(s.user.roles()))
    };
    let tab = move |page: Page, key: &'static str| {
        let p2 = page.clone();
        view! {
            <button id=format!("tab-{key}") class=move || if std::mem::discriminant(&ctx.page.get()) == std::mem::discriminant(&p2) { "on" } else { "" }
                on:click=move |_| ctx.page.set(page.clone())>{ctx.text(key)}</button>
        }
    };
    view! {
        <nav class="tabs">
            {move || may(|r| r.inspects()).then(|| tab(Page::Rooms, "rooms"))}
            {tab(Page::Hazards, "hazards")}
            {move || may(|r| r.reads_reports()).then(|| tab(Page::Dashboard, "dashboard"))}
            {tab(Page::Ledger, "desk")}
            {move || may(|r| r.reads_reports()).then(|| tab(Page::Lists, "measures_list"))}
            {move || may(|r| r.reads_reports()).then(|| tab(Page::Rounds, "rounds"))}
            {move || may(|r| r.reads_reports()).then(|| tab(Page::Registers, "registers"))}
            {move || may(|r| r.administers()).then(|| tab(Page::Admin, "admin"))}
        </nav>
    }
}

#[component]
fn UpdateBanner() -> impl IntoView {
    let ctx = ctx();
    let apply = move |_| {
        if let Some(w) = web_sys::window()
            && let Ok(f) = js_sys::Reflect::get(&w, &JsValue::from_str("__srApplyUpdate"))
            && let Some(f) = f.dyn_ref::<js_sys::Function>()
        {
            let _ = f.call0(&JsValue::NULL);
        }
    };
    view! {
        <Show when=move || ctx.update_ready.get()>
            <div class="notice" id="update">{ctx.text("update_ready")}" "<button class="secondary" on:click=apply>{ctx.text("reload")}</button></div>
        </Show>
    }
}

/// Operations the server refused, in plain words.
#[component]
fn Rejected() -> impl IntoView {
    let ctx = ctx();
    let dismiss = move |_| {
        leptos::task::spawn_local(async move {
            let _ = store::dismiss_rejected().await;
            ctx.rejected.set(Vec::new());
        })
    };
    view! {
        <Show when=move || !ctx.rejected.get().is_empty()>
            <div class="error" id="rejected">
                <b>{ctx.text("rejected")}</b>
                <ul>
                    {move || ctx.rejected.get().into_iter().map(|r| {
                        // Which record it was about, where the phone has it.
                        let what = ctx.view.with(|v| {
                            v.get(&r.op.entity_id)
                                .and_then(|e| e.as_hazard())
                                .map(|h| format!("「{}」", h.description.chars().take(40).collect::<String>()))
                        });
                        view! { <li>{what}{r.error.message(ctx.lang.get()).to_owned()}</li> }
                    }).collect_view()}
                </ul>
                <button class="secondary" on:click=dismiss>{ctx.text("dismiss")}</button>
            </div>
        </Show>
    }
}
