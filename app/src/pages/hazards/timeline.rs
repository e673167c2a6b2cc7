//! The hazard's timeline from the server's audit trail, and its photos.

use super::*;
use saferounds_shared::endpoints as ep;

/// The hazard's timeline from the server's audit trail, and its photos (fetched with the token
/// into object URLs). Needs a connection; offline it says so and the rest of the page works.
#[component]
pub fn Timeline(id: HazardId) -> impl IntoView {
    let ctx = ctx();
    // Fetched into a signal (None while it loads) rather than through a resource and
    // `<Transition>`: the page needs no more, and the phone's module no async-resource machinery.
    let detail = RwSignal::new(None);
    Effect::new(move |_| {
        let token = ctx.token();
        leptos::task::spawn_local(async move {
            let d = crate::api::get(ep::HAZARD.at(&id), &token).await;
            detail.set(Some(d));
        });
    });
    let photos = RwSignal::new(Vec::<(bool, String)>::new());
    Effect::new(move |_| {
        if let Some(Ok(d)) = detail.get() {
            let token = ctx.token_now();
            let list: Vec<(bool, String)> = d
                .hazard
                .photos_before
                .iter()
                .map(|p| (false, p.to_string()))
                .chain(d.hazard.photos_after.iter().map(|p| (true, p.to_string())))
                .collect();
            leptos::task::spawn_local(async move {
                let mut urls = Vec::new();
                for (after, sha) in list {
                    if let Ok(url) = crate::api::object_url(ep::BLOB.at(&sha), &token).await {
                        urls.push((after, url));
                    }
                }
                photos.set(urls);
            });
        }
    });
    view! {
        <div class="card" id="timeline">
            <h2>{ctx.text("timeline")}</h2>
            <div class="thumbs">
                {move || photos.get().into_iter().map(|(after, url)| view! { <img src=url alt=move || ctx.t(if after { "after_photo" } else { "before_photo" }) class=if after { "after" } else { "before" }/> }).collect_view()}
            </div>
            {move || match detail.get() {
                None => view! { <div class="loading">"…"</div> }.into_any(),
                Some(r) => match r {
                    Err(_) => view! { <div class="room-meta">{ctx.t("need_online")}</div> }.into_any(),
                    Ok(d) => {
                        let lang = ctx.lang.get();
                        view! {
                            <ol class="timeline">
                                {d.audit.into_iter().map(|a| {
                                    let who = ctx.person_name(a.user_id);
                                    let what = match lang { saferounds_shared::Lang::Zh => Event::name_zh(&a.action), saferounds_shared::Lang::En => Event::name_en(&a.action) };
                                    let moved = match (a.from, a.to) { (Some(f), Some(t)) if f != t => format!(" {} → {}", f.label(lang), t.label(lang)), (None, Some(t)) => format!(" → {}", t.label(lang)), _ => String::new() };
                                    view! {
                                        <li>
                                            <b>{what}</b>{moved}
                                            <div class="room-meta">{format!("{who} · {} · {}", a.applied_on, crate::state::center_time(a.recorded_at))}{a.detail.map(|d| format!(" · {d}"))}</div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    }
                },
            }}
        </div>
    }
}
