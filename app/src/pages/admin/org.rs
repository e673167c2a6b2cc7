//! Sites, buildings and departments.

use super::*;
use saferounds_shared::endpoints as ep;

#[component]
pub(super) fn NewSite() -> impl IntoView {
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
        save_org(ep::PUT_SITE.at(&site.id), site, name.get_untracked(), msg);
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
pub(super) fn NewBuilding() -> impl IntoView {
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
        save_org(ep::PUT_BUILDING.at(&b.id), b, name.get_untracked(), msg);
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
pub(super) fn NewDepartment() -> impl IntoView {
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
        save_org(ep::PUT_DEPARTMENT.at(&d.id), d, name.get_untracked(), msg);
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
