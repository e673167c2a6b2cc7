//! The campaign and the registers at the desk: phases with their statistics and the summary
//! report; training coverage, who is due and why, classes (a supervisor records one with its
//! attendance here), drills, the risk points (风险分级管控), and the equipment register with its
//! warnings.

use leptos::prelude::*;
use saferounds_shared::api::Stats;
use saferounds_shared::endpoints::{self as ep, Call};
use saferounds_shared::equipment::{Equipment, EquipmentKind};
use saferounds_shared::i18n::{Label, percent};
use saferounds_shared::ids::{ClassId, DrillId, EquipmentId, UserId};
use saferounds_shared::training::{self, ClassKind, Drill, DrillKind, StaffMember, TrainingClass};

use crate::api;
use crate::state::{bind, ctx, from_wire, today, wire_name};

#[derive(Clone)]
struct Registers {
    stats: Stats,
    staff: Vec<StaffMember>,
    classes: Vec<TrainingClass>,
    drills: Vec<Drill>,
    equipment: Vec<Equipment>,
}

async fn load(token: String) -> Result<Registers, crate::Failure> {
    Ok(Registers {
        stats: api::get(ep::STATS.call(), &token).await?,
        staff: api::get(ep::STAFF.call(), &token).await?,
        classes: api::get(ep::CLASSES.call(), &token).await?,
        drills: api::get(ep::DRILLS.call(), &token).await?,
        equipment: api::get(ep::EQUIPMENT.call(), &token).await?,
    })
}

#[component]
pub fn RegistersPage() -> impl IntoView {
    let ctx = ctx();
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        reload.track();
        let token = ctx.token();
        load(token)
    });
    let error = RwSignal::new(None::<String>);
    let summary = move |_| api::open_in_background(ep::SUMMARY.call(), None, error);
    view! {
        {move || error.get().map(|e| view! { <div class="error" role="alert">{e}</div> })}
        <Transition fallback=|| view! { <div class="loading">"…"</div> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <div class="error">{e.message(ctx.lang.get()).to_owned()}</div> }.into_any(),
                Ok(d) => {
                    let lang = ctx.lang.get();
                    let day = today();
                    let boot = ctx.boot.get();
                    let campaigns = boot.as_ref().map(|b| b.campaigns.clone()).unwrap_or_default();
                    let coverage = training::coverage(&d.staff, &d.classes, day);
                    let due: Vec<_> = d.staff.iter().filter_map(|s| training::due(s, &d.classes, day).map(|r| (s.name.clone(), r))).collect();
                    let name_of = {
                        let staff = d.staff.clone();
                        move |id: UserId| staff.iter().find(|s| s.id == id).map(|s| s.name.clone()).unwrap_or_default()
                    };
                    let room_of = {
                        let boot = boot.clone();
                        move |e: &Equipment| boot.as_ref().and_then(|b| b.rooms.iter().find(|r| r.id == e.room_id)).map(|r| format!("{} {}", r.floor, r.name.get(lang))).unwrap_or_default()
                    };
                    view! {
                        <section class="card" id="campaign">
                            <h2>{ctx.t("campaign")}</h2>
                            {campaigns.into_iter().map(|c| view! {
                                <h3>{c.name.get(lang).to_owned()}</h3>
                                <table class="ledger"><thead><tr><th>{ctx.t("phase")}</th><th>{ctx.t("dates")}</th><th>{ctx.t("found")}</th><th>{ctx.t("closed")}</th><th>{ctx.t("overdue")}</th><th>{ctx.t("closure_rate")}</th></tr></thead>
                                <tbody>{c.phases.iter().map(|p| {
                                    let row = d.stats.by_phase.iter().find(|l| l.key == p.id.to_string()).map(|l| l.row.clone()).unwrap_or_default();
                                    let current = p.starts_on <= day && day <= p.ends_on;
                                    view! { <tr class=if current { "current" } else { "" }><td>{p.name.get(lang).to_owned()}</td><td>{format!("{} – {}", p.starts_on, p.ends_on)}</td><td>{row.found}</td><td>{row.closed}</td><td>{row.overdue}</td><td>{percent(row.closure_rate(), 0)}</td></tr> }
                                }).collect_view()}</tbody></table>
                            }).collect_view()}
                            <button class="secondary" id="campaign-summary" on:click=summary>{ctx.t("summary_report")}</button>
                        </section>
                        <section class="card" id="training-register">
                            <h2>{ctx.t("training")}</h2>
                            <p>{ctx.t("coverage_rate")}" "<b id="training-coverage">{percent(coverage.rate(), 0)}</b>{format!(" ({}/{})", coverage.trained, coverage.total)}</p>
                            <ul class="plain small" id="training-due">{due.into_iter().map(|(n, why)| view! { <li>{n}" — "{why.label(lang)}</li> }).collect_view()}</ul>
                            <h3>{ctx.t("classes")}</h3>
                            <ul class="plain small" id="classes">{d.classes.iter().map(|c| view! {
                                <li>{c.held_on.to_string()}" "{c.kind.label(lang)}" · "{c.topic.clone()}" · "{c.attendees.iter().map(|a| name_of(*a)).collect::<Vec<_>>().join("、")}</li>
                            }).collect_view()}</ul>
                            {ctx.session.get().is_some_and(|s| s.user.roles().supervises()).then(|| view! {
                                <NewClass staff=d.staff.clone() reload=reload/>
                                <NewPerson reload=reload/>
                            })}
                            <h3>{ctx.t("drills")}</h3>
                            <ul class="plain small" id="drills">{d.drills.iter().map(|dr| view! {
                                <li>{dr.held_on.to_string()}" "{dr.kind.label(lang)}" · "{dr.participants.len()}" "{ctx.t("people")}</li>
                            }).collect_view()}</ul>
                            {ctx.session.get().is_some_and(|s| s.user.roles().supervises()).then(|| view! { <NewDrill staff=d.staff.clone() reload=reload/> })}
                        </section>
                        <super::risks::RisksCard/>
                        <section class="card" id="equipment-register">
                            <h2>{ctx.t("equipment")}</h2>
                            <table class="ledger"><thead><tr><th>{ctx.t("serial")}</th><th>{ctx.t("kind")}</th><th>{ctx.t("location")}</th><th>{ctx.t("warnings")}</th></tr></thead>
                            <tbody>{d.equipment.iter().map(|e| view! {
                                <tr><td>{e.serial.clone()}</td><td>{e.kind.label(lang)}</td><td>{room_of(e)}</td>
                                <td class="overdue">{e.warnings(day).iter().map(|w| w.label(lang)).collect::<Vec<_>>().join("、")}</td></tr>
                            }).collect_view()}</tbody></table>
                            {ctx.session.get().is_some_and(|s| s.user.roles().supervises()).then(|| view! { <NewEquipment reload=reload/> })}
                        </section>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// Record a training class with its attendance (saved by id, so a retry never doubles it).
#[component]
fn NewClass(staff: Vec<StaffMember>, reload: RwSignal<u32>) -> impl IntoView {
    let ctx = ctx();
    let topic = RwSignal::new(String::new());
    let kind = RwSignal::new(ClassKind::Periodic);
    let present = RwSignal::new(Vec::<UserId>::new());
    let error = RwSignal::new(None::<String>);
    let id = StoredValue::new(ClassId::from_uuid(uuid::Uuid::now_v7()));
    let save = move |_| {
        let class = TrainingClass {
            id: id.get_value(),
            kind: kind.get_untracked(),
            topic: topic.get_untracked(),
            held_on: today(),
            attendees: present.get_untracked(),
        };
        let token = ctx.token_now();
        leptos::task::spawn_local(async move {
            let path = ep::PUT_CLASS.at(&class.id);
            match api::call(path, Some(&token), &class).await {
                Ok(_) => {
                    id.set_value(ClassId::from_uuid(uuid::Uuid::now_v7()));
                    error.set(None);
                    reload.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e.message(ctx.lang.get_untracked()).to_owned())),
            }
        });
    };
    view! {
        <fieldset class="new-class">
            <legend>{ctx.t("record_class")}</legend>
            <input type="text" id="class-topic" aria-label=ctx.text("topic") placeholder=ctx.text("topic") on:input=bind(topic)/>
            <select id="class-kind" aria-label=ctx.text("kind") on:change=move |ev| {
                if let Some(k) = from_wire(&event_target_value(&ev)) { kind.set(k); }
            }>
                {[ClassKind::Periodic, ClassKind::Onboarding, ClassKind::Rotation, ClassKind::Topic].into_iter().map(|k| view! {
                    <option value=wire_name(k)>{move || k.label(ctx.lang.get())}</option>
                }).collect_view()}
            </select>
            <div class="attendance">{staff.into_iter().map(|s| {
                let sid = s.id;
                view! { <label><input type="checkbox" data-staff=s.id.to_string() on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    present.update(|p| { p.retain(|x| *x != sid); if on { p.push(sid); } });
                }/>{s.name.clone()}</label> }
            }).collect_view()}</div>
            {move || error.get().map(|e| view! { <div class="error" id="class-error">{e}</div> })}
            <button class="primary" id="save-class" on:click=save>{ctx.text("save")}</button>
        </fieldset>
    }
}

/// Saves one register entry by id and reloads the page's data; shows the server's words on error.
pub(super) fn save_entry<
    T: saferounds_shared::json::Encode + saferounds_shared::json::Decode + 'static,
>(
    call: Call<T, T>,
    entry: T,
    reload: RwSignal<u32>,
    error: RwSignal<Option<String>>,
) {
    let ctx = ctx();
    let token = ctx.token_now();
    leptos::task::spawn_local(async move {
        match api::call(call, Some(&token), &entry).await {
            Ok(_) => {
                error.set(None);
                reload.update(|n| *n += 1);
            }
            Err(e) => error.set(Some(e.message(ctx.lang.get_untracked()).to_owned())),
        }
    });
}

fn parse_day(s: &str) -> chrono::NaiveDate {
    saferounds_shared::api::parse_day(s).unwrap_or_else(today)
}

/// Add a person to the roster (花名册).
#[component]
fn NewPerson(reload: RwSignal<u32>) -> impl IntoView {
    let ctx = ctx();
    let name = RwSignal::new(String::new());
    let hired = RwSignal::new(String::new());
    let site = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let save = move |_| {
        let b = ctx.boot.get_untracked();
        let person = StaffMember {
            id: UserId::from_uuid(uuid::Uuid::now_v7()),
            name: name.get_untracked(),
            department_id: None,
            site_id: b.and_then(|b| {
                b.sites
                    .iter()
                    .find(|s| s.id.to_string() == site.get_untracked())
                    .map(|s| s.id)
            }),
            hired_on: parse_day(&hired.get_untracked()),
            post_changed_on: None,
            active: true,
        };
        save_entry(ep::PUT_STAFF.at(&person.id), person, reload, error);
    };
    view! {
        <fieldset class="form">
            <legend>{ctx.text("new_person")}</legend>
            <input type="text" id="person-name" aria-label=ctx.text("name") placeholder=ctx.text("name") on:input=bind(name)/>
            <label for="person-hired">{ctx.text("hired_on")}</label>
            <input type="date" id="person-hired" on:input=bind(hired)/>
            <select id="person-site" aria-label=ctx.text("site") on:change=bind(site)>
                <option value="">{ctx.text("site")}</option>
                {move || ctx.boot.get().map(|b| b.sites.iter().map(|s| view! { <option value=s.id.to_string()>{s.name.get(ctx.lang.get()).to_owned()}</option> }).collect_view())}
            </select>
            {move || error.get().map(|e| view! { <div class="error">{e}</div> })}
            <button class="primary" id="save-person" on:click=save>{ctx.text("save")}</button>
        </fieldset>
    }
}

/// Record a drill held today at a site, with who took part.
#[component]
fn NewDrill(staff: Vec<StaffMember>, reload: RwSignal<u32>) -> impl IntoView {
    let ctx = ctx();
    let kind = RwSignal::new(DrillKind::Evacuation);
    let site = RwSignal::new(String::new());
    let present = RwSignal::new(Vec::<UserId>::new());
    let error = RwSignal::new(None::<String>);
    let save = move |_| {
        let Some(site_id) = ctx.boot.get_untracked().and_then(|b| {
            b.sites
                .iter()
                .find(|s| s.id.to_string() == site.get_untracked())
                .map(|s| s.id)
        }) else {
            error.set(Some(ctx.t("site").to_owned()));
            return;
        };
        let drill = Drill {
            id: DrillId::from_uuid(uuid::Uuid::now_v7()),
            kind: kind.get_untracked(),
            site_id,
            held_on: today(),
            participants: present.get_untracked(),
            note: None,
        };
        save_entry(ep::PUT_DRILL.at(&drill.id), drill, reload, error);
    };
    view! {
        <fieldset class="form">
            <legend>{ctx.text("record_drill")}</legend>
            <select id="drill-kind" aria-label=ctx.text("kind") on:change=move |ev| {
                if let Some(k) = from_wire(&event_target_value(&ev)) { kind.set(k); }
            }>
                {[DrillKind::Evacuation, DrillKind::FireFighting].into_iter().map(|k| view! { <option value=wire_name(k)>{move || k.label(ctx.lang.get())}</option> }).collect_view()}
            </select>
            <select id="drill-site" aria-label=ctx.text("site") on:change=bind(site)>
                <option value="">{ctx.text("site")}</option>
                {move || ctx.boot.get().map(|b| b.sites.iter().map(|s| view! { <option value=s.id.to_string()>{s.name.get(ctx.lang.get()).to_owned()}</option> }).collect_view())}
            </select>
            <div class="attendance">{staff.into_iter().map(|s| {
                let sid = s.id;
                view! { <label><input type="checkbox" data-drill-staff=s.id.to_string() on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    present.update(|p| { p.retain(|x| *x != sid); if on { p.push(sid); } });
                }/>{s.name.clone()}</label> }
            }).collect_view()}</div>
            {move || error.get().map(|e| view! { <div class="error">{e}</div> })}
            <button class="primary" id="save-drill" on:click=save>{ctx.text("save")}</button>
        </fieldset>
    }
}

/// Register a piece of fire equipment in a room.
#[component]
fn NewEquipment(reload: RwSignal<u32>) -> impl IntoView {
    let ctx = ctx();
    let room = RwSignal::new(String::new());
    let kind = RwSignal::new(EquipmentKind::DryPowderExtinguisher);
    let serial = RwSignal::new(String::new());
    let produced = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let save = move |_| {
        let Some(r) = ctx.boot.get_untracked().and_then(|b| {
            b.rooms
                .into_iter()
                .find(|r| r.id.to_string() == room.get_untracked())
        }) else {
            error.set(Some(ctx.t("room").to_owned()));
            return;
        };
        let k = kind.get_untracked();
        let e = Equipment {
            id: EquipmentId::from_uuid(uuid::Uuid::now_v7()),
            site_id: r.site_id,
            room_id: r.id,
            kind: k,
            serial: serial.get_untracked(),
            produced_on: parse_day(&produced.get_untracked()),
            service_life_years: k.default_service_life_years(),
            last_checked_on: None,
            last_serviced_on: None,
        };
        save_entry(ep::PUT_EQUIPMENT.at(&e.id), e, reload, error);
    };
    view! {
        <fieldset class="form">
            <legend>{ctx.text("new_equipment")}</legend>
            <select id="eq-room" aria-label=ctx.text("room") on:change=bind(room)>
                <option value="">{ctx.text("room")}</option>
                {move || ctx.boot.get().map(|b| b.rooms.iter().map(|r| view! { <option value=r.id.to_string()>{format!("{} {}", r.floor, r.name.get(ctx.lang.get()))}</option> }).collect_view())}
            </select>
            <select id="eq-kind" aria-label=ctx.text("kind") on:change=move |ev| {
                if let Some(k) = from_wire(&event_target_value(&ev)) { kind.set(k); }
            }>
                {EquipmentKind::ALL.into_iter().map(|k| view! { <option value=wire_name(k)>{move || k.label(ctx.lang.get())}</option> }).collect_view()}
            </select>
            <input type="text" id="eq-serial" aria-label=ctx.text("serial") placeholder=ctx.text("serial") on:input=bind(serial)/>
            <label for="eq-produced">{ctx.text("produced_on")}</label>
            <input type="date" id="eq-produced" on:input=bind(produced)/>
            {move || error.get().map(|e| view! { <div class="error">{e}</div> })}
            <button class="primary" id="save-equipment" on:click=save>{ctx.text("save")}</button>
        </fieldset>
    }
}
