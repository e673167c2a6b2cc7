//! Checklist templates: each edit saved as the next version.

use super::*;
use saferounds_shared::api::NewVersion;
use saferounds_shared::endpoints as ep;

/// Each template's latest version; unticking items and saving makes the next version.
#[component]
pub(super) fn Templates() -> impl IntoView {
    let ctx = ctx();
    let reload = RwSignal::new(0u32);
    let templates = LocalResource::new(move || {
        reload.track();
        let token = ctx.token();
        async move { api::get(ep::TEMPLATES.call(), &token).await }
    });
    view! {
        <Transition fallback=|| view! { <div class="loading">"…"</div> }>
            {move || templates.get().map(|r| match r {
                Err(e) => view! { <div class="error">{e.message(ctx.lang.get()).to_owned()}</div> }.into_any(),
                Ok(all) => {
                    let mut latest: Vec<Template> = Vec::new();
                    for t in all {
                        match latest.iter_mut().find(|x| x.code == t.code) {
                            Some(x) if x.version < t.version => *x = t,
                            Some(_) => {}
                            None => latest.push(t),
                        }
                    }
                    latest.into_iter().map(|t| view! { <TemplateEditor template=t reload=reload/> }).collect_view().into_any()
                }
            })}
        </Transition>
    }
}

#[component]
pub(super) fn TemplateEditor(template: Template, reload: RwSignal<u32>) -> impl IntoView {
    let ctx = ctx();
    // The working copy: untick to drop an item, edit its wording, or add one; saving makes the
    // next version (inspections keep the version they used).
    let items = RwSignal::new(template.items.clone());
    let dropped = RwSignal::new(Vec::<String>::new());
    let new_code = RwSignal::new(String::new());
    let new_text = RwSignal::new(String::new());
    let new_category = RwSignal::new(Category::Management);
    let msg = RwSignal::new(None::<(bool, String)>);
    let code = template.code.clone();
    let itype = template.inspection_type;
    let add = move |_| {
        let c = new_code.get_untracked().trim().to_owned();
        let t = new_text.get_untracked().trim().to_owned();
        if c.is_empty() || t.is_empty() {
            msg.set(Some((false, ctx.t("item_needs_code_and_text").to_owned())));
            return;
        }
        items.update(|v| {
            v.push(ChecklistItem {
                code: c,
                category: new_category.get_untracked(),
                text: Text::new(t.clone(), t),
                answer: AnswerKind::PassFailNa,
                photo_on_fail: true,
                default_grade: Grade::General,
                fix_days: saferounds_shared::checklist::DEFAULT_FIX_DAYS,
                defect: None,
                source: ctx.t("own_rule").to_owned(),
                room_kinds: vec![],
                types: vec![itype],
            })
        });
        msg.set(None);
    };
    let save = move |_| {
        let lang = ctx.lang.get_untracked();
        let gone = dropped.get_untracked();
        let chosen: Vec<ChecklistItem> = items
            .get_untracked()
            .into_iter()
            .filter(|i| !gone.contains(&i.code))
            .collect();
        let token = ctx.token_now();
        let path = ep::NEW_TEMPLATE_VERSION.at(&code);
        leptos::task::spawn_local(async move {
            match api::call(path, Some(&token), &NewVersion { items: chosen }).await {
                Ok(t) => {
                    msg.set(Some((true, format!("{} v{}", ctx.t("saved"), t.version))));
                    reload.update(|n| *n += 1);
                }
                Err(e) => msg.set(Some((false, e.message(lang).to_owned()))),
            }
        });
    };
    let lang = ctx.lang.get_untracked();
    view! {
        <details class="template" data-code=template.code.clone()>
            <summary>{format!("{} · v{} · {} {}", template.name.get(lang), template.version, template.items.len(), ctx.t("items"))}</summary>
            <ul class="plain small">{move || items.get().into_iter().enumerate().map(|(n, i)| {
                let c = i.code.clone();
                view! { <li class="item-row">
                    <input type="checkbox" checked=!dropped.get_untracked().contains(&i.code) data-item=i.code.clone() aria-label=format!("{} {}", ctx.t("keep_item"), i.code) on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        let c = c.clone();
                        dropped.update(|d| { d.retain(|x| *x != c); if !on { d.push(c); } });
                    }/>
                    <span class="code">{i.code.clone()}</span>
                    <input type="text" class="item-text" data-item-text=i.code.clone() aria-label=format!("{} {}", ctx.t("item_text"), i.code) prop:value=i.text.zh.clone() on:change=move |ev| {
                        let v = event_target_value(&ev);
                        items.update(|all| if let Some(it) = all.get_mut(n) { it.text.zh = v; });
                    }/>
                </li> }
            }).collect_view()}</ul>
            <div class="add-item">
                <input type="text" class="new-item-code" aria-label=ctx.text("item_code") placeholder=ctx.text("item_code") on:input=bind(new_code)/>
                <input type="text" class="new-item-text" aria-label=ctx.text("item_text") placeholder=ctx.text("item_text") on:input=bind(new_text)/>
                <select class="new-item-category" aria-label=ctx.text("category") on:change=move |ev| { if let Some(c) = from_wire(&event_target_value(&ev)) { new_category.set(c); } }>
                    {Category::ALL.into_iter().map(|c| view! { <option value=wire_name(c) selected=c == Category::Management>{move || c.label(ctx.lang.get())}</option> }).collect_view()}
                </select>
                <button class="secondary add-item-button" on:click=add>{ctx.text("add_item")}</button>
            </div>
            {move || msg.get().map(|(ok, m)| view! { <div class=if ok { "notice" } else { "error" }>{m}</div> })}
            <button class="primary save-template" on:click=save>{ctx.text("save_new_version")}</button>
        </details>
    }
}
