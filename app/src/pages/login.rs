//! Login: once online; after that the app works offline for the life of the token.

use leptos::prelude::*;
use saferounds_shared::api::LoginRequest;
use saferounds_shared::endpoints as ep;
use saferounds_shared::ids::DeviceId;

use crate::state::{Page, Session, bind, ctx, refresh_view};
use crate::store::{self, DeviceState};
use crate::{api, sync};

#[component]
pub fn Login() -> impl IntoView {
    let ctx = ctx();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<saferounds_shared::ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let req = LoginRequest {
                username: username.get_untracked().trim().to_owned(),
                password: password.get_untracked(),
            };
            match login(req).await {
                Ok(session) => {
                    ctx.page.set(Page::home(session.user.role));
                    ctx.boot
                        .set(store::kv_get("bootstrap").await.ok().flatten());
                    ctx.session.set(Some(session));
                    let _ = refresh_view(ctx).await;
                    sync::sync_now(ctx).await;
                }
                Err(e) => error.set(Some(*e)),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="login card">
            <h2>"安巡 SafeRounds"</h2>
            <form on:submit=submit>
                <label for="username">{ctx.text("username")}</label>
                <input id="username" type="text" autocomplete="username" prop:value=move || username.get() on:input=bind(username)/>
                <label for="password">{ctx.text("password")}</label>
                <input id="password" type="password" autocomplete="current-password" prop:value=move || password.get() on:input=bind(password)/>
                <button class="primary" id="login" type="submit" disabled=move || busy.get()>{ctx.text("login")}</button>
            </form>
            {move || error.get().map(|e| view! { <div class="error" id="login-error">{e.message(ctx.lang.get()).to_owned()}</div> })}
            <p class="room-meta">{ctx.text("login_hint")}</p>
        </div>
    }
}

async fn login(req: LoginRequest) -> Result<Session, crate::Failure> {
    let resp = api::call(ep::LOGIN.call(), None, &req).await?;
    let boot = api::get(ep::BOOTSTRAP.call(), &resp.token).await?;
    let session = Session {
        token: resp.token,
        user: resp.user,
        expires_at: resp.expires_at,
    };
    // A device id and what the phone stores belong to one user: someone else gets a new device
    // and an empty store, once the previous user's records are all sent.
    let user_id = session.user.id.to_string();
    let device: Option<DeviceState> = store::kv_get("device").await?;
    if device.as_ref().is_none_or(|d| d.user_id != user_id) {
        let next = DeviceState {
            device_id: DeviceId::from_uuid(uuid::Uuid::now_v7()),
            user_id,
            next_seq: 1,
            user_name: session.user.display_name.clone(),
        };
        if let Err(e) = store::hand_over(&next).await {
            // The session just opened is not used: close it on the server.
            api::logout(&session.token).await;
            return Err(e);
        }
    }
    store::kv_put("bootstrap", &boot).await?;
    store::kv_put("session", &session).await?;
    request_persistence();
    Ok(session)
}

/// Asks the browser to keep our storage (Safari evicts script storage after 7 days unused).
fn request_persistence() {
    if let Some(w) = web_sys::window()
        && let Ok(p) = w.navigator().storage().persist()
    {
        leptos::task::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
        });
    }
}
