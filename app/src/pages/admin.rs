//! Administration at the desk: rooms (and their printable QR labels), users and roles, and
//! checklist templates (saving an edit makes a new version). Sites, buildings and departments
//! come from the same API; every form saves one record whole by id and shows the server's
//! error in plain words.

use leptos::prelude::*;
use saferounds_shared::checklist::{AnswerKind, Category, ChecklistItem, Template};
use saferounds_shared::hazard::Grade;
use saferounds_shared::i18n::{Label, Text};
use saferounds_shared::ids::{BuildingId, DepartmentId, RoomId, SiteId, UserId};
use saferounds_shared::org::{Building, Department, Role, Room, RoomKind, Site, SiteKind, User};

use crate::api;
use crate::state::{bind, ctx, from_wire, wire_name};

#[component]
pub fn AdminPage() -> impl IntoView {
    let ctx = ctx();
    let error = RwSignal::new(None::<String>);
    let labels = move |_| api::open_in_background("/api/v1/rooms/labels".into(), None, error);
    view! {
        {move || error.get().map(|e| view! { <div class="error" role="alert">{e}</div> })}
        <section class="card" id="admin-org">
            <h2>{ctx.text("organisation")}</h2>
            <NewSite/>
            <NewBuilding/>
            <NewDepartment/>
        </section>
        <section class="card" id="admin-rooms">
            <h2>{ctx.text("rooms")}</h2>
            <button class="secondary" id="print-labels" on:click=labels>{ctx.text("qr_labels")}</button>
            <NewRoom/>
        </section>
        <section class="card" id="admin-users"><h2>{ctx.text("users")}</h2><Users/></section>
        <section class="card" id="admin-templates"><h2>{ctx.text("templates")}</h2><Templates/></section>
    }
}

#[component]
fn NewRoom() -> impl IntoView {
    let ctx = ctx();
    let building = RwSignal::new(String::new());
    let floor = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(RoomKind::Office);
    let key = RwSignal::new(false);
    let department = RwSignal::new(String::new());
    let msg = RwSignal::new(None::<(bool, String)>);
    let save = move |_| {
        let Some(b) = ctx.boot.get_untracked() else {
            return;
        };
        let lang = ctx.lang.get_untracked();
        let Some(bld) = b
            .buildings
            .iter()
            .find(|x| x.id.to_string() == building.get_untracked())
        else {
            msg.set(Some((false, ctx.t("choose_building").to_owned())));
            return;
        };
        let Some(dept) = b
            .departments
            .iter()
            .find(|d| d.id.to_string() == department.get_untracked())
        else {
            msg.set(Some((false, ctx.t("choose_department").to_owned())));
            return;
        };
        let id = RoomId::from_uuid(uuid::Uuid::now_v7());
        let room = Room {
            id,
            site_id: bld.site_id,
            building_id: bld.id,
            floor: floor.get_untracked(),
            name: Text::new(name.get_untracked(), name.get_untracked()),
            kind: kind.get_untracked(),
            key_location: key.get_untracked(),
            department_id: dept.id,
            qr_code: id.0.simple().to_string()[20..].to_owned(),
        };
        let token = ctx.token_now();
        leptos::task::spawn_local(async move {
            match api::put::<_, Room>(&format!("/api/v1/admin/rooms/{id}"), &token, &room).await {
                Ok(r) => {
                    msg.set(Some((
                        true,
                        format!(
                            "{} {}",
                            ctx.t("saved"),
                            r.name.get(ctx.lang.get_untracked())
                        ),
                    )));
                    // Phones and this desk pick the new room up with the organisation data.
                    crate::sync::sync_now(ctx).await;
                }
                Err(e) => msg.set(Some((false, e.message(lang).to_owned()))),
            }
        });
    };
    view! {
        <fieldset class="form">
            <legend>{ctx.text("new_room")}</legend>
            <select id="room-building" aria-label=ctx.text("building") on:change=bind(building)>
                <option value="">{ctx.text("building")}</option>
                {move || ctx.boot.get().map(|b| b.buildings.iter().map(|x| {
                    let lang = ctx.lang.get(); let site = b.sites.iter().find(|s| s.id == x.site_id).map(|s| s.name.get(lang).to_owned()).unwrap_or_default();
                    view! { <option value=x.id.to_string()>{format!("{site} · {}", x.name.get(lang))}</option> }
                }).collect_view())}
            </select>
            <input type="text" id="room-floor" aria-label=ctx.text("floor") placeholder=ctx.text("floor") on:input=bind(floor)/>
            <input type="text" id="room-name" aria-label=ctx.text("room_name") placeholder=ctx.text("room_name") on:input=bind(name)/>
            <select id="room-kind" aria-label=ctx.text("kind") on:change=move |ev| { if let Some(k) = from_wire(&event_target_value(&ev)) { kind.set(k); } }>
                {RoomKind::ALL.into_iter().map(|k| view! { <option value=wire_name(k) selected=k == RoomKind::Office>{move || k.label(ctx.lang.get())}</option> }).collect_view()}
            </select>
            <select id="room-department" aria-label=ctx.text("department") on:change=bind(department)>
                <option value="">{ctx.text("department")}</option>
                {move || ctx.boot.get().map(|b| b.departments.iter().map(|d| view! { <option value=d.id.to_string()>{d.name.get(ctx.lang.get()).to_owned()}</option> }).collect_view())}
            </select>
            <label><input type="checkbox" id="room-key" on:change=move |ev| key.set(event_target_checked(&ev))/>{ctx.text("key_location")}</label>
            {move || msg.get().map(|(ok, m)| view! { <div class=if ok { "notice" } else { "error" } id="room-msg">{m}</div> })}
            <button class="primary" id="save-room" on:click=save>{ctx.text("save")}</button>
        </fieldset>
    }
}

#[component]
fn Users() -> impl IntoView {
    let ctx = ctx();
    let reload = RwSignal::new(0u32);
    let users = LocalResource::new(move || {
        reload.track();
        let token = ctx.token();
        async move { api::get::<Vec<User>>("/api/v1/admin/users", &token).await }
    });
    let username = RwSignal::new(String::new());
    let display = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Inspector);
    let site = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let msg = RwSignal::new(None::<(bool, String)>);
    let save = move |_| {
        let lang = ctx.lang.get_untracked();
        let b = ctx.boot.get_untracked();
        let user = User {
            id: UserId::from_uuid(uuid::Uuid::now_v7()),
            username: username.get_untracked().trim().to_owned(),
            display_name: display.get_untracked(),
            role: role.get_untracked(),
            department_id: b.as_ref().and_then(|b| {
                b.departments
                    .iter()
                    .find(|d| d.id.to_string() == department.get_untracked())
                    .map(|d| d.id)
            }),
            site_id: b.as_ref().and_then(|b| {
                b.sites
                    .iter()
                    .find(|s| s.id.to_string() == site.get_untracked())
                    .map(|s| s.id)
            }),
            active: true,
        };
        let body = serde_json::json!({ "user": user, "password": password.get_untracked() });
        let token = ctx.token_now();
        leptos::task::spawn_local(async move {
            match api::put::<_, saferounds_shared::json::Ignored>(
                &format!("/api/v1/admin/users/{}", user.id),
                &token,
                &body,
            )
            .await
            {
                Ok(_) => {
                    msg.set(Some((
                        true,
                        format!("{} {}", ctx.t("saved"), user.username),
                    )));
                    reload.update(|n| *n += 1);
                }
                Err(e) => msg.set(Some((false, e.message(lang).to_owned()))),
            }
        });
    };
    view! {
        <Transition fallback=|| view! { <div class="loading">"…"</div> }>
            {move || users.get().map(|r| match r {
                Err(e) => view! { <div class="error">{e.message(ctx.lang.get()).to_owned()}</div> }.into_any(),
                Ok(list) => view! {
                    <table class="ledger" id="user-table"><thead><tr><th>{ctx.t("username")}</th><th>{ctx.t("name")}</th><th>{ctx.t("role")}</th><th>{ctx.t("active")}</th></tr></thead>
                    <tbody>{list.into_iter().map(|u| {
                        let me = ctx.session.get().is_some_and(|s| s.user.id == u.id);
                        let label = if u.active { ctx.t("deactivate") } else { ctx.t("activate") };
                        let name = u.username.clone();
                        let (display, role, active) = (u.display_name.clone(), u.role, u.active);
                        let toggle = move |_| {
                            let mut changed = u.clone();
                            changed.active = !changed.active;
                            let body = serde_json::json!({ "user": changed });
                            let token = ctx.token_now();
                            leptos::task::spawn_local(async move {
                                match api::put::<_, saferounds_shared::json::Ignored>(&format!("/api/v1/admin/users/{}", changed.id), &token, &body).await {
                                    Ok(_) => reload.update(|n| *n += 1),
                                    Err(e) => msg.set(Some((false, e.message(ctx.lang.get_untracked()).to_owned()))),
                                }
                            });
                        };
                        view! {
                            <tr data-user=name.clone()><td>{name.clone()}</td><td>{display}</td><td>{role.label(ctx.lang.get())}</td>
                            <td>{if active { "✓" } else { "—" }}" "{(!me).then(|| view! { <button class="secondary toggle-active" aria-label=format!("{label} {name}") on:click=toggle>{label}</button> })}</td></tr>
                        }
                    }).collect_view()}</tbody></table>
                }.into_any(),
            })}
        </Transition>
        <fieldset class="form">
            <legend>{ctx.text("new_user")}</legend>
            <input type="text" id="user-username" autocomplete="off" aria-label=ctx.text("username") placeholder=ctx.text("username") on:input=bind(username)/>
            <input type="text" id="user-name" aria-label=ctx.text("name") placeholder=ctx.text("name") on:input=bind(display)/>
            <select id="user-role" aria-label=ctx.text("role") on:change=move |ev| { if let Some(r) = from_wire(&event_target_value(&ev)) { role.set(r); } }>
                {Role::ALL.into_iter().map(|r| view! { <option value=wire_name(r)>{move || r.label(ctx.lang.get())}</option> }).collect_view()}
            </select>
            <select id="user-site" aria-label=ctx.text("site") on:change=bind(site)>
                <option value="">{ctx.text("site")}</option>
                {move || ctx.boot.get().map(|b| b.sites.iter().map(|s| view! { <option value=s.id.to_string()>{s.name.get(ctx.lang.get()).to_owned()}</option> }).collect_view())}
            </select>
            <select id="user-department" aria-label=ctx.text("department") on:change=bind(department)>
                <option value="">{ctx.text("department")}</option>
                {move || ctx.boot.get().map(|b| b.departments.iter().map(|d| view! { <option value=d.id.to_string()>{d.name.get(ctx.lang.get()).to_owned()}</option> }).collect_view())}
            </select>
            <input type="password" id="user-password" autocomplete="new-password" aria-label=ctx.text("first_password") placeholder=ctx.text("first_password") on:input=bind(password)/>
            {move || msg.get().map(|(ok, m)| view! { <div class=if ok { "notice" } else { "error" } id="user-msg">{m}</div> })}
            <button class="primary" id="save-user" on:click=save>{ctx.text("save")}</button>
        </fieldset>
    }
}

/// Each template's latest version; unticking items and saving makes the next version.
#[component]
fn Templates() -> impl IntoView {
    let ctx = ctx();
    let reload = RwSignal::new(0u32);
    let templates = LocalResource::new(move || {
        reload.track();
        let token = ctx.token();
        async move { api::get::<Vec<Template>>("/api/v1/templates", &token).await }
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
fn TemplateEditor(template: Template, reload: RwSignal<u32>) -> impl IntoView {
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
        let path = format!("/api/v1/templates/{code}/versions");
        leptos::task::spawn_local(async move {
            match api::post::<_, Template>(
                &path,
                Some(&token),
                &serde_json::json!({ "items": chosen }),
            )
            .await
            {
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

/// Saves one organisation record by id; on success the organisation data is synced again so
/// the new record shows in every list.
fn save_org<T: saferounds_shared::json::Encode + saferounds_shared::json::Decode + 'static>(
    path: String,
    record: T,
    what: String,
    msg: RwSignal<Option<(bool, String)>>,
) {
    let ctx = ctx();
    let token = ctx.token_now();
    leptos::task::spawn_local(async move {
        match api::put::<_, T>(&path, &token, &record).await {
            Ok(_) => {
                msg.set(Some((true, format!("{} {what}", ctx.t("saved")))));
                crate::sync::sync_now(ctx).await;
            }
            Err(e) => msg.set(Some((
                false,
                e.message(ctx.lang.get_untracked()).to_owned(),
            ))),
        }
    });
}

#[component]
fn Msg(msg: RwSignal<Option<(bool, String)>>, id: &'static str) -> impl IntoView {
    move || {
        msg.get()
            .map(|(ok, m)| view! { <div class=if ok { "notice" } else { "error" } id=id>{m}</div> })
    }
}

#[component]
fn NewSite() -> impl IntoView {
    let ctx = ctx();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(SiteKind::Station);
    let address = RwSignal::new(String::new());
    let msg = RwSignal::new(None::<(bool, String)>);
    let save = move |_| {
        let site = Site {
            id: SiteId::from_uuid(uuid::Uuid::now_v7()),
            name: Text::new(name.get_untracked(), name.get_untracked()),
            kind: kind.get_untracked(),
            address: address.get_untracked(),
        };
        save_org(
            format!("/api/v1/admin/sites/{}", site.id),
            site,
            name.get_untracked(),
            msg,
        );
    };
    view! {
        <fieldset class="form">
            <legend>{ctx.text("new_site")}</legend>
            <input type="text" id="site-name" aria-label=ctx.text("name") placeholder=ctx.text("name") on:input=bind(name)/>
            <select id="site-kind" aria-label=ctx.text("kind") on:change=move |ev| { if let Some(k) = from_wire(&event_target_value(&ev)) { kind.set(k); } }>
                {[SiteKind::Station, SiteKind::Headquarters].into_iter().map(|k| view! { <option value=wire_name(k)>{move || k.label(ctx.lang.get())}</option> }).collect_view()}
            </select>
            <input type="text" id="site-address" aria-label=ctx.text("address") placeholder=ctx.text("address") on:input=bind(address)/>
            <Msg msg=msg id="site-msg"/>
            <button class="primary" id="save-site" on:click=save>{ctx.text("save")}</button>
        </fieldset>
    }
}

#[component]
fn NewBuilding() -> impl IntoView {
    let ctx = ctx();
    let site = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let floors = RwSignal::new(String::new());
    let msg = RwSignal::new(None::<(bool, String)>);
    let save = move |_| {
        let Some(site_id) = ctx.boot.get_untracked().and_then(|b| {
            b.sites
                .iter()
                .find(|s| s.id.to_string() == site.get_untracked())
                .map(|s| s.id)
        }) else {
            msg.set(Some((false, ctx.t("site").to_owned())));
            return;
        };
        let b = Building {
            id: BuildingId::from_uuid(uuid::Uuid::now_v7()),
            site_id,
            name: Text::new(name.get_untracked(), name.get_untracked()),
            floors: floors
                .get_untracked()
                .split([',', '，', ' '])
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        save_org(
            format!("/api/v1/admin/buildings/{}", b.id),
            b,
            name.get_untracked(),
            msg,
        );
    };
    view! {
        <fieldset class="form">
            <legend>{ctx.text("new_building")}</legend>
            <select id="building-site" aria-label=ctx.text("site") on:change=bind(site)>
                <option value="">{ctx.text("site")}</option>
                {move || ctx.boot.get().map(|b| b.sites.iter().map(|s| view! { <option value=s.id.to_string()>{s.name.get(ctx.lang.get()).to_owned()}</option> }).collect_view())}
            </select>
            <input type="text" id="building-name" aria-label=ctx.text("name") placeholder=ctx.text("name") on:input=bind(name)/>
            <input type="text" id="building-floors" aria-label=ctx.text("floors") placeholder=ctx.text("floors") on:input=bind(floors)/>
            <Msg msg=msg id="building-msg"/>
            <button class="primary" id="save-building" on:click=save>{ctx.text("save")}</button>
        </fieldset>
    }
}

#[component]
fn NewDepartment() -> impl IntoView {
    let ctx = ctx();
    let name = RwSignal::new(String::new());
    let site = RwSignal::new(String::new());
    let msg = RwSignal::new(None::<(bool, String)>);
    let save = move |_| {
        let d = Department {
            id: DepartmentId::from_uuid(uuid::Uuid::now_v7()),
            name: Text::new(name.get_untracked(), name.get_untracked()),
            site_id: ctx.boot.get_untracked().and_then(|b| {
                b.sites
                    .iter()
                    .find(|s| s.id.to_string() == site.get_untracked())
                    .map(|s| s.id)
            }),
        };
        save_org(
            format!("/api/v1/admin/departments/{}", d.id),
            d,
            name.get_untracked(),
            msg,
        );
    };
    view! {
        <fieldset class="form">
            <legend>{ctx.text("new_department")}</legend>
            <input type="text" id="department-name" aria-label=ctx.text("name") placeholder=ctx.text("name") on:input=bind(name)/>
            <select id="department-site" aria-label=ctx.text("site") on:change=bind(site)>
                <option value="">{ctx.text("site")}</option>
                {move || ctx.boot.get().map(|b| b.sites.iter().map(|s| view! { <option value=s.id.to_string()>{s.name.get(ctx.lang.get()).to_owned()}</option> }).collect_view())}
            </select>
            <Msg msg=msg id="department-msg"/>
            <button class="primary" id="save-department" on:click=save>{ctx.text("save")}</button>
        </fieldset>
    }
}
