//! The campaign and the registers at the desk: phases with their statistics and the summary
//! report; training coverage, who is due and why, classes (a supervisor records one with its
//! attendance here), drills, and the equipment register with its warnings.

use leptos::prelude::*;
use saferounds_shared::api::Stats;
use saferounds_shared::equipment::Equipment;
use saferounds_shared::i18n::Label;
use saferounds_shared::ids::{ClassId, UserId};
use saferounds_shared::training::{self, ClassKind, Drill, StaffMember, TrainingClass};

use crate::api;
use crate::state::{ctx, today};

#[derive(Clone)]
struct Registers {
    stats: Stats,
    staff: Vec<StaffMember>,
    classes: Vec<TrainingClass>,
    drills: Vec<Drill>,
    equipment: Vec<Equipment>,
}

async fn load(token: String) -> Result<Registers, saferounds_shared::ApiError> {
    Ok(Registers {
        stats: api::get("/api/v1/stats", &token).await?,
        staff: api::get("/api/v1/staff", &token).await?,
        classes: api::get("/api/v1/training/classes", &token).await?,
        drills: api::get("/api/v1/drills", &token).await?,
        equipment: api::get("/api/v1/equipment", &token).await?,
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
    let summary = move |_| {
        let token = ctx.token_now();
        leptos::task::spawn_local(async move {
            let _ = api::open_document("/api/v1/reports/summary", &token, None).await;
        });
    };
    view! {
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
                                    view! { <tr class=if current { "current" } else { "" }><td>{p.name.get(lang).to_owned()}</td><td>{format!("{} – {}", p.starts_on, p.ends_on)}</td><td>{row.found}</td><td>{row.closed}</td><td>{row.overdue}</td><td>{format!("{:.0}%", row.closure_rate() * 100.0)}</td></tr> }
                                }).collect_view()}</tbody></table>
                            }).collect_view()}
                            <button class="secondary" id="campaign-summary" on:click=summary>{ctx.t("summary_report")}</button>
                        </section>
                        <section class="card" id="training-register">
                            <h2>{ctx.t("training")}</h2>
                            <p>{ctx.t("coverage_rate")}" "<b id="training-coverage">{format!("{:.0}%", coverage.rate() * 100.0)}</b>{format!(" ({}/{})", coverage.trained, coverage.total)}</p>
                            <ul class="plain small" id="training-due">{due.into_iter().map(|(n, why)| view! { <li>{n}" — "{why.label(lang)}</li> }).collect_view()}</ul>
                            <h3>{ctx.t("classes")}</h3>
                            <ul class="plain small" id="classes">{d.classes.iter().map(|c| view! {
                                <li>{c.held_on.to_string()}" "{c.kind.label(lang)}" · "{c.topic.clone()}" · "{c.attendees.iter().map(|a| name_of(*a)).collect::<Vec<_>>().join("、")}</li>
                            }).collect_view()}</ul>
                            {ctx.session.get().is_some_and(|s| s.user.role.supervises()).then(|| view! { <NewClass staff=d.staff.clone() reload=reload/> })}
                            <h3>{ctx.t("drills")}</h3>
                            <ul class="plain small" id="drills">{d.drills.iter().map(|dr| view! {
                                <li>{dr.held_on.to_string()}" "{dr.kind.label(lang)}" · "{dr.participants.len()}" "{ctx.t("people")}</li>
                            }).collect_view()}</ul>
                        </section>
                        <section class="card" id="equipment-register">
                            <h2>{ctx.t("equipment")}</h2>
                            <table class="ledger"><thead><tr><th>{ctx.t("serial")}</th><th>{ctx.t("kind")}</th><th>{ctx.t("location")}</th><th>{ctx.t("warnings")}</th></tr></thead>
                            <tbody>{d.equipment.iter().map(|e| view! {
                                <tr><td>{e.serial.clone()}</td><td>{e.kind.label(lang)}</td><td>{room_of(e)}</td>
                                <td class="overdue">{e.warnings(day).iter().map(|w| w.label(lang)).collect::<Vec<_>>().join("、")}</td></tr>
                            }).collect_view()}</tbody></table>
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
            let path = format!("/api/v1/training/classes/{}", class.id);
            match api::put::<_, TrainingClass>(&path, &token, &class).await {
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
            <input type="text" id="class-topic" aria-label=move || ctx.t("topic") placeholder=move || ctx.t("topic") on:input=move |ev| topic.set(event_target_value(&ev))/>
            <select id="class-kind" aria-label=move || ctx.t("kind") on:change=move |ev| {
                if let Ok(k) = serde_json::from_value(serde_json::Value::String(event_target_value(&ev))) { kind.set(k); }
            }>
                {[ClassKind::Periodic, ClassKind::Onboarding, ClassKind::Rotation, ClassKind::Topic].into_iter().map(|k| view! {
                    <option value=serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()>{move || k.label(ctx.lang.get())}</option>
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
            <button class="primary" id="save-class" on:click=save>{move || ctx.t("save")}</button>
        </fieldset>
    }
}
