//! Users and their roles, scopes and passwords.

use super::*;
use saferounds_shared::api::SaveUser;
use saferounds_shared::endpoints as ep;

#[component]
pub(super) fn Users() -> impl IntoView {
    let ctx = ctx();
    let reload = RwSignal::new(0u32);
    let users = LocalResource::new(move || {
        reload.track();
        let token = ctx.token();
        async move { api::get(ep::USERS.call(), &token).await }
    });
    let username = RwSignal::new(String::new());
    let display = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Inspector);
    // Further roles of the same person (a station head inspects and answers for rectifications).
    let extra = RwSignal::new(Vec::<Role>::new());
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
            extra_roles: extra
                .get_untracked()
                .into_iter()
                .filter(|r| *r != role.get_untracked())
                .collect(),
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
        let body = SaveUser {
            user: user.clone(),
            password: Some(password.get_untracked()),
        };
        let token = ctx.token_now();
        leptos::task::spawn_local(async move {
            match api::call(ep::PUT_USER.at(&user.id), Some(&token), &body).await {
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
                        let (display, active) = (u.display_name.clone(), u.active);
                        let roles = {
                            let lang = ctx.lang.get();
                            u.roles().iter().map(|r| r.label(lang)).collect::<Vec<_>>().join("、")
                        };
                        let toggle = move |_| {
                            let mut changed = u.clone();
                            changed.active = !changed.active;
                            let body = SaveUser { user: changed.clone(), password: None };
                            let token = ctx.token_now();
                            leptos::task::spawn_local(async move {
                                match api::call(ep::PUT_USER.at(&changed.id), Some(&token), &body).await {
                                    Ok(_) => reload.update(|n| *n += 1),
                                    Err(e) => msg.set(Some((false, e.message(ctx.lang.get_untracked()).to_owned()))),
                                }
                            });
                        };
                        view! {
                            <tr data-user=name.clone()><td>{name.clone()}</td><td>{display}</td><td class="roles">{roles}</td>
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
            <div class="checks" id="user-extra-roles" role="group" aria-label=ctx.text("extra_roles")>
                <span>{ctx.text("extra_roles")}</span>
                {Role::ALL.into_iter().map(|r| view! {
                    <label><input type="checkbox" value=wire_name(r) on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        extra.update(|v| { v.retain(|x| *x != r); if on { v.push(r); } });
                    }/>{move || r.label(ctx.lang.get())}</label>
                }).collect_view()}
            </div>
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
