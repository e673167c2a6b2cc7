//! A new room of a building, with its kind, key-location flag and QR code.

use super::*;
use saferounds_shared::endpoints as ep;

#[component]
pub(super) fn NewRoom() -> impl IntoView {
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
            match api::call(ep::PUT_ROOM.at(&id), Some(&token), &room).await {
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
