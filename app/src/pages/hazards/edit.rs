//! Changing a hazard's ledger fields and adding notes, as operations like every other change.

use super::*;

/// A field's current value as a form shows it (`yyyy-mm-dd`, yuan, ids; empty for none).
pub(super) fn draft_of(h: &Hazard, field: Field) -> String {
    match h.value_of(field) {
        FieldValue::Description(t) => t,
        FieldValue::Grade(g) => crate::state::wire_name(g),
        FieldValue::Measures(t) | FieldValue::InterimPrecautions(t) | FieldValue::Remark(t) => {
            t.unwrap_or_default()
        }
        FieldValue::Department(d) => d.map(|d| d.to_string()).unwrap_or_default(),
        FieldValue::Owner(o) => o.map(|o| o.to_string()).unwrap_or_default(),
        FieldValue::Deadline(d) => d.map(|d| d.to_string()).unwrap_or_default(),
        FieldValue::Funds(f) => f.yuan(),
    }
}

/// What a form's text means for a field; `shared` then checks the value.
pub(super) fn parse_draft(field: Field, text: &str) -> Result<FieldValue, DomainError> {
    let t = text.trim();
    let opt = || (!t.is_empty()).then(|| t.to_owned());
    let id = |what| DomainError::InvalidId {
        what,
        value: t.to_owned(),
    };
    let v = match field {
        Field::Description => FieldValue::Description(t.to_owned()),
        Field::Grade => FieldValue::Grade(crate::state::from_wire(t).ok_or_else(|| id("grade"))?),
        Field::Measures => FieldValue::Measures(opt()),
        Field::InterimPrecautions => FieldValue::InterimPrecautions(opt()),
        Field::Remark => FieldValue::Remark(opt()),
        Field::Department => FieldValue::Department(match t {
            "" => None,
            _ => Some(DepartmentId::parse(t)?),
        }),
        Field::Owner => FieldValue::Owner(match t {
            "" => None,
            _ => Some(UserId::parse(t)?),
        }),
        Field::Deadline => FieldValue::Deadline(match t {
            "" => None,
            _ => Some(saferounds_shared::api::parse_day(t).ok_or_else(|| id("date"))?),
        }),
        Field::Funds => FieldValue::Funds(Fen::from_yuan(t)?),
    };
    v.validate()?;
    Ok(v)
}

/// Changing a hazard's ledger fields (each offered only where `shared`'s `editable_by` lets this
/// person change it), and notes on the record (备注; how a supervisor or leader chases an item,
/// 督办). Both are operations like every other change: saved on the device, then synced.
#[component]
pub(super) fn EditBox(id: HazardId) -> impl IntoView {
    let ctx = ctx();
    let hazard = move || {
        ctx.view.with(|m| match m.get(&id.0) {
            Some(Entity::Hazard(h)) => Some(h.clone()),
            _ => None,
        })
    };
    let drafts = RwSignal::new(Vec::<(Field, String)>::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let record = move |h: Hazard, body: OpBody, done: Box<dyn FnOnce()>| {
        leptos::task::spawn_local(async move {
            match act(ctx, &h, body, vec![]).await {
                Ok(()) => {
                    error.set(None);
                    saved.set(true);
                    done();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let save = move |_| {
        let (Some(h), lang) = (hazard(), ctx.lang.get_untracked()) else {
            return;
        };
        let mut changes = Vec::new();
        for (field, text) in drafts.get_untracked() {
            match parse_draft(field, &text) {
                Ok(v) if v != h.value_of(field) => changes.push(v),
                Ok(_) => {}
                Err(e) => {
                    error.set(Some(format!(
                        "{}: {}",
                        field.label(lang),
                        e.to_api().message(lang)
                    )));
                    return;
                }
            }
        }
        if changes.is_empty() {
            error.set(Some(ctx.t("no_changes").to_owned()));
            return;
        }
        record(
            h,
            OpBody::EditHazard { changes },
            Box::new(move || drafts.set(Vec::new())),
        );
    };
    let add_note = move |_| {
        let (Some(h), lang) = (hazard(), ctx.lang.get_untracked()) else {
            return;
        };
        match Reason::parse(&note.get_untracked()) {
            Ok(text) => record(
                h,
                OpBody::Comment {
                    text: text.to_string(),
                },
                Box::new(move || note.set(String::new())),
            ),
            Err(e) => error.set(Some(e.to_api().message(lang).to_owned())),
        }
    };
    move || {
        let (Some(h), Some(s)) = (hazard(), ctx.session.get()) else {
            return ().into_any();
        };
        let lang = ctx.lang.get();
        let actor = Actor::from(&s.user);
        let boot = ctx.boot.get();
        let fields: Vec<Field> = Field::ALL
            .into_iter()
            .filter(|f| h.editable_by(&actor, *f))
            .collect();
        let inputs = fields.into_iter().map(|f| {
            let current = draft_of(&h, f);
            let input_id = format!("edit-{}", crate::state::wire_name(f));
            let set = move |v: String| drafts.update(|d| { d.retain(|(k, _)| *k != f); d.push((f, v)); });
            // Two kinds of control (a list to choose from, or a text or date box): each view
            // shape costs the phone module code.
            let none = || (String::new(), ctx.t("none").to_owned());
            let options: Option<Vec<(String, String)>> = match (f, boot.as_ref()) {
                (Field::Grade, _) => Some([Grade::General, Grade::Major].into_iter().map(|g| (crate::state::wire_name(g), g.label(lang).to_owned())).collect()),
                (Field::Department, Some(b)) => Some(std::iter::once(none()).chain(b.departments.iter().map(|d| (d.id.to_string(), d.name.get(lang).to_owned()))).collect()),
                (Field::Owner, Some(b)) => Some(std::iter::once(none()).chain(b.people.iter().map(|p| (p.id.to_string(), p.display_name.clone()))).collect()),
                _ => None,
            };
            let kind = if f == Field::Deadline { "date" } else { "text" };
            let control = match options {
                Some(options) => view! {
                    <select id=input_id.clone() on:change=move |ev| set(event_target_value(&ev))>
                        {options.into_iter().map(|(v, name)| { let on = v == current; view! { <option value=v selected=on>{name}</option> } }).collect_view()}
                    </select>
                }.into_any(),
                None => view! { <input type=kind id=input_id.clone() value=current on:input=move |ev| set(event_target_value(&ev))/> }.into_any(),
            };
            view! { <label for=input_id>{f.label(lang)}</label>{control} }
        }).collect_view();
        let can_edit = Field::ALL.into_iter().any(|f| h.editable_by(&actor, f));
        view! {
            <div class="card" id="edit-box">
                <h2>{ctx.t("notes")}</h2>
                <ul class="notes">
                    {h.comments.iter().map(|c| view! { <li>{c.text.clone()}<div class="room-meta">{format!("{} · {}", ctx.person_name(c.by), crate::state::center_time(c.at))}</div></li> }).collect_view()}
                </ul>
                <label for="note-text">{ctx.t("add_note")}</label>
                <input type="text" id="note-text" prop:value=move || note.get() on:input=bind(note)/>
                <button class="secondary" id="add-note" on:click=add_note>{ctx.t("add_note")}</button>
                {can_edit.then(|| view! {
                    <details id="edit-fields">
                        <summary>{ctx.t("edit_fields")}</summary>
                        {inputs}
                        <button class="primary" id="save-edit" on:click=save>{ctx.t("save_changes")}</button>
                    </details>
                })}
                {move || error.get().map(|e| view! { <div class="error" id="edit-error" role="alert">{e}</div> })}
                {move || (saved.get() && error.get().is_none()).then(|| view! { <div class="room-meta" id="edit-saved">{ctx.t("saved")}</div> })}
            </div>
        }.into_any()
    }
}
