//! The sync engine: upload photos, push the outbox, pull changes. Runs on start, when the
//! browser goes online, when the page becomes visible, on a timer with backoff, and on demand.

use saferounds_shared::endpoints as ep;
use std::collections::BTreeSet;

use leptos::prelude::*;
use saferounds_shared::api::PullQuery;
use saferounds_shared::sync::PushRequest;
use saferounds_shared::sync::client::{acknowledge, resend_batch};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;

use crate::state::{AppCtx, refresh_view};
use crate::{api, store};

const BATCH: usize = 200;

pub async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(p).await;
}

/// Records one change with its operation (and the photos it uses) on the device, refreshes the
/// view and starts a sync; the error in the user's words otherwise.
pub async fn record(
    ctx: AppCtx,
    entity_id: uuid::Uuid,
    base_version: u64,
    body: saferounds_shared::sync::OpBody,
    photos: Vec<(saferounds_shared::ids::PhotoHash, Vec<u8>)>,
) -> Result<(), String> {
    store::record(vec![(entity_id, base_version, body)], photos)
        .await
        .map_err(|e| e.message(ctx.lang.get_untracked()).to_owned())?;
    let _ = refresh_view(ctx).await;
    leptos::task::spawn_local(sync_now(ctx));
    Ok(())
}

thread_local! {
    /// A sync was asked for while one ran: what was recorded meanwhile goes up in another.
    static AGAIN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// One sync; a call while one runs returns at once and has that one run again when it ends.
pub async fn sync_now(ctx: AppCtx) {
    if ctx.session.get_untracked().is_none() {
        return;
    }
    if ctx.syncing.get_untracked() {
        AGAIN.with(|a| a.set(true));
        return;
    }
    ctx.syncing.set(true);
    loop {
        AGAIN.with(|a| a.set(false));
        let result = sync_inner(ctx).await;
        let ok = result.is_ok();
        match result {
            Ok(()) => {
                let now = js_sys::Date::now();
                ctx.last_sync.set(Some(now));
                let _ = store::kv_put("last_sync", &now).await;
                ctx.sync_error.set(None);
            }
            Err(e) => {
                if e.code == "unauthorized" {
                    // Keep every unsent record; only the session goes.
                    let _ = store::clear_session().await;
                    ctx.session.set(None);
                }
                ctx.sync_error.set(Some(*e));
            }
        }
        ctx.progress.set(None);
        let _ = refresh_view(ctx).await;
        if !(ok && AGAIN.with(|a| a.get())) {
            break;
        }
    }
    ctx.syncing.set(false);
}

async fn sync_inner(ctx: AppCtx) -> Result<(), crate::Failure> {
    let Some(session) = ctx.session.get_untracked() else {
        return Ok(());
    };
    let token = session.token.as_str();
    let device: store::DeviceState = store::kv_get("device")
        .await?
        .ok_or_else(|| store::err("no device"))?;

    // 1. Photos first: an operation that names a photo the server lacks would be held.
    let outbox = store::outbox().await?;
    // Sets filled by `extend` (one insert each): `collect` would compile a stable sort.
    let mut needed = BTreeSet::new();
    needed.extend(
        outbox
            .iter()
            .flat_map(|o| o.photo_refs())
            .map(|h| h.to_string()),
    );
    let mut have = BTreeSet::new();
    have.extend(store::photo_keys().await?);
    let mut uploaded = BTreeSet::new();
    uploaded.extend(
        store::kv_get::<Vec<String>>("uploaded")
            .await?
            .unwrap_or_default(),
    );
    let todo: Vec<&String> = needed
        .iter()
        .filter(|h| have.contains(*h) && !uploaded.contains(*h))
        .collect();
    for (i, h) in todo.iter().enumerate() {
        ctx.progress.set(Some((i + 1, todo.len())));
        if let Some(bytes) = store::photo(h).await? {
            api::put_photo(h, &bytes, token).await?;
            uploaded.insert((*h).clone());
            store::kv_put("uploaded", &uploaded.iter().collect::<Vec<_>>()).await?;
        }
    }
    ctx.progress.set(None);

    // 2. Push, in order, in batches; resend from where the server asks.
    let mut resend_from: Option<u64> = None;
    for _ in 0..100 {
        let outbox = store::outbox().await?;
        let batch = match resend_from {
            Some(from) => resend_batch(&store::sent().await?, &outbox, from, BATCH),
            None => outbox.into_iter().take(BATCH).collect(),
        };
        if batch.is_empty() {
            break;
        }
        let req = PushRequest {
            device_id: device.device_id,
            ops: batch.clone(),
        };
        let resp = api::call(ep::PUSH.call(), Some(token), &req).await?;
        let ack = acknowledge(&resp);
        store::apply_ack(&ack, &batch).await?;
        let progress = !ack.done.is_empty();
        let next = resp.resend_from;
        if !progress && next == resend_from {
            break; // held (a photo is missing): try again on the next sync
        }
        resend_from = next;
    }

    // 3. Free photos that are uploaded and no longer needed by an unsent operation.
    let still: Vec<String> = store::outbox()
        .await?
        .iter()
        .flat_map(|o| o.photo_refs())
        .map(|h| h.to_string())
        .collect();
    let up: Vec<String> = uploaded.iter().cloned().collect();
    store::free_photos(&up, &still).await?;
    let remaining: Vec<&String> = uploaded.iter().filter(|h| still.contains(*h)).collect();
    store::kv_put("uploaded", &remaining).await?;

    // 4. Pull; the cursor moves only with the page it belongs to.
    for _ in 0..1000 {
        let cursor: u64 = store::kv_get("cursor").await?.unwrap_or(0);
        let page = api::get(ep::PULL.query(&PullQuery { cursor, limit: 500 }), token).await?;
        store::save_pull(&page).await?;
        if !page.more {
            break;
        }
    }

    // 5. Organisation data may have changed (new rooms, templates).
    if let Ok(boot) = api::get(ep::BOOTSTRAP.call(), token).await {
        store::kv_put("bootstrap", &boot).await?;
        crate::state::set_boot(ctx, Some(boot));
    }
    Ok(())
}

/// Starts the triggers: online, visible, timer with backoff.
pub fn start(ctx: AppCtx) {
    let _ =
        window_event_listener_untyped("online", move |_| leptos::task::spawn_local(sync_now(ctx)));
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        let cb = Closure::<dyn Fn()>::new(move || {
            let visible = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
            if visible {
                leptos::task::spawn_local(sync_now(ctx));
            }
        });
        let _ =
            doc.add_event_listener_with_callback("visibilitychange", cb.as_ref().unchecked_ref());
        cb.forget();
    }
    leptos::task::spawn_local(async move {
        let mut delay = 30_000;
        loop {
            sleep(delay).await;
            ctx.now.set(js_sys::Date::now());
            sync_now(ctx).await;
            delay = if ctx.sync_error.get_untracked().is_some() {
                (delay * 2).min(300_000)
            } else {
                30_000
            };
        }
    });
}
