//! One checklist item: pass, fail or not applicable in a tap; a failure's photo, note and fix on the spot.

use super::*;

#[component]
pub(super) fn ItemRow(
    item: ChecklistItem,
    drafts: RwSignal<BTreeMap<String, Draft>>,
    photo_bytes: StoredValue<BTreeMap<PhotoHash, Vec<u8>>>,
    /// The room's open hazard this item's failure would find again.
    again: Option<HazardId>,
    /// The room, for the evidence stamp on its photos.
    room: RoomId,
) -> impl IntoView {
    let ctx = ctx();
    let code = StoredValue::new(item.code.clone());
    let get = move || drafts.with(|d| d.get(&code.get_value()).cloned().unwrap_or_default());
    let set =
        move |f: &dyn Fn(&mut Draft)| drafts.update(|d| f(d.entry(code.get_value()).or_default()));
    let choose = move |v: AnswerValue| {
        set(&|d: &mut Draft| {
            if v == AnswerValue::Fail && d.hazard_id.is_none() {
                d.hazard_id =
                    Some(again.unwrap_or_else(|| HazardId::from_uuid(uuid::Uuid::now_v7())));
            }
            d.value = Some(v.clone());
        })
    };
    // A file the browser cannot decode as an image (some phones' HEIC, a document) is said so.
    let photo_error = RwSignal::new(false);
    let add_photo = move |ev: leptos::ev::Event, after: bool| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        // The files, then an empty input: choosing more photos adds to these, not to a list the
        // input kept.
        let files: Vec<web_sys::File> = input
            .files()
            .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
            .unwrap_or_default();
        input.set_value("");
        leptos::task::spawn_local(async move {
            photo_error.set(false);
            for f in files {
                let Ok((hash, bytes, url)) =
                    photo::capture(f, &photo::stamp(ctx, Some(room))).await
                else {
                    photo_error.set(true);
                    continue;
                };
                photo_bytes.update_value(|m| {
                    m.insert(hash.clone(), bytes);
                });
                let entry = (hash, url);
                // The same picture chosen twice is one photo.
                set(&|d: &mut Draft| {
                    let list = if after { &mut d.after } else { &mut d.photos };
                    if !list.iter().any(|(h, _)| *h == entry.0) {
                        list.push(entry.clone());
                    }
                });
            }
        });
    };
    // A photo's thumbnail opens it to mark up (a ring, an arrow); the marked-up photo takes its
    // place, and `record` drops the one it replaced.
    let mark = move |hash: PhotoHash, url: String, after: bool| {
        leptos::task::spawn_local(async move {
            let bytes = photo_bytes
                .with_value(|m| m.get(&hash).cloned())
                .unwrap_or_default();
            if let Ok(Some((h, b, u))) =
                photo::mark_up(&bytes, &url, ctx.lang.get_untracked()).await
            {
                photo_bytes.update_value(|m| {
                    m.insert(h.clone(), b);
                });
                set(&|d: &mut Draft| {
                    let list = if after { &mut d.after } else { &mut d.photos };
                    if let Some(e) = list.iter_mut().find(|(k, _)| *k == hash) {
                        *e = (h.clone(), u.clone());
                    }
                });
            }
        });
    };
    let thumbs = move |after: bool| {
        let list = get();
        let list = if after { list.after } else { list.photos };
        list.into_iter()
            .map(|(h, url)| {
                let u = url.clone();
                view! { <button class="thumb" aria-label=ctx.text("mark_up") on:click=move |_| mark(h.clone(), u.clone(), after)><img src=url alt=""/></button> }
            })
            .collect_view()
    };
    let is = move |v: AnswerValue| get().value == Some(v);
    let item_code = item.code.clone();
    let answers = match item.answer {
        AnswerKind::PassFailNa => view! {
            <div class="answers">
                <button class=move || if is(AnswerValue::Pass) { "pass on" } else { "pass" } data-answer="pass" on:click=move |_| choose(AnswerValue::Pass)>{ctx.text("pass")}</button>
                <button class=move || if is(AnswerValue::Fail) { "fail on" } else { "fail" } data-answer="fail" on:click=move |_| choose(AnswerValue::Fail)>{ctx.text("fail")}</button>
                <button class=move || if is(AnswerValue::NotApplicable) { "na on" } else { "na" } data-answer="na" on:click=move |_| choose(AnswerValue::NotApplicable)>{ctx.text("na")}</button>
            </div>
        }
        .into_any(),
        AnswerKind::Number { unit, .. } => view! {
            <input type="number" inputmode="numeric" aria-label=unit.clone() placeholder=unit on:input=move |ev| {
                let v = event_target_value(&ev);
                set(&|d: &mut Draft| d.value = v.parse::<f64>().ok().map(AnswerValue::Number));
            }/>
        }
        .into_any(),
        AnswerKind::Text => view! {
            <textarea aria-label=ctx.text("note") on:input=move |ev| { let v = event_target_value(&ev); set(&|d: &mut Draft| d.value = (!v.trim().is_empty()).then(|| AnswerValue::Text(v.clone()))); }></textarea>
        }
        .into_any(),
    };
    view! {
        <div class="item" data-item=item_code>
            <div class="q">{move || item.text.get(ctx.lang.get()).to_owned()}<div class="src">{item.source.clone()}</div></div>
            {answers}
            <Show when=move || is(AnswerValue::Fail)>
                <div class="failbox">
                    {again.map(|_| view! { <div class="notice found-again">{ctx.text("found_again")}</div> })}
                    <label>{ctx.text("note")}</label>
                    <textarea class="fail-note" aria-label=ctx.text("note") prop:value=move || get().note on:input=move |ev| { let v = event_target_value(&ev); set(&|d: &mut Draft| d.note = v.clone()); }></textarea>
                    <label>{ctx.text("photo")}</label>
                    <input class="fail-photo" aria-label=ctx.text("photo") type="file" accept="image/*" capture="environment" multiple on:change=move |ev| add_photo(ev, false)/>
                    <div class="thumbs">{move || thumbs(false)}</div>
                    <Show when=move || photo_error.get()><div class="error photo-error" role="alert">{ctx.text("photo_unreadable")}</div></Show>
                    <label><input class="fixed" type="checkbox" prop:checked=move || get().fixed on:change=move |ev| { let on = event_target_checked(&ev); set(&|d: &mut Draft| d.fixed = on); }/>{ctx.text("fixed_on_spot")}</label>
                    <Show when=move || get().fixed>
                        <label>{ctx.text("what_was_done")}</label>
                        <input type="text" class="fixed-text" aria-label=ctx.text("what_was_done") on:input=move |ev| { let v = event_target_value(&ev); set(&|d: &mut Draft| d.fixed_text = v.clone()); }/>
                        <label>{ctx.text("after_photo")}</label>
                        <input class="after-photo" aria-label=ctx.text("after_photo") type="file" accept="image/*" capture="environment" on:change=move |ev| add_photo(ev, true)/>
                        <div class="thumbs">{move || thumbs(true)}</div>
                    </Show>
                </div>
            </Show>
        </div>
    }
}
