//! Decoding the tagged wire types without serde's buffering.
//!
//! serde's derived decoder for a tagged union (`{"type": …, "data": …}`) and for a struct with a
//! `flatten`ed field first copies the whole value into an untyped buffer, then decodes each
//! variant from that buffer: every type inside is compiled twice, and the phone's WASM module
//! carries both copies. These hand-written decoders read the tag, then decode the content
//! straight from the input. This product always writes the tag first (serde's encoder does);
//! content that arrives before its tag (a document whose keys something else reordered) is
//! kept as JSON text and read once the tag is known, so any order is accepted. The encoders
//! stay derived: the wire format is the one the derives define, and the tests below check that
//! both directions agree.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

/// Decodes a tagged union's content once its tag is known.
trait Tagged: Sized {
    /// The tag's values.
    type Kind: for<'de> Deserialize<'de> + Copy;
    /// Decodes the content of the variant `kind`.
    fn content<'de, D: Deserializer<'de>>(kind: Self::Kind, d: D) -> Result<Self, D::Error>;
    /// The variant `kind` when the content is absent: a unit variant, else `None`.
    fn without_content(kind: Self::Kind) -> Option<Self> {
        let _ = kind;
        None
    }
}

/// `Tagged::content` as a seed for `MapAccess::next_value_seed`.
struct ContentSeed<T: Tagged>(T::Kind);

impl<'de, T: Tagged> DeserializeSeed<'de> for ContentSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::content(self.0, d)
    }
}

/// The content of a tagged union, read as its keys arrive: decoded at once when the tag came
/// first, kept as JSON text when it did not.
struct Content<T: Tagged> {
    kind: Option<T::Kind>,
    early: Option<String>,
    value: Option<T>,
    tag: &'static str,
    content: &'static str,
}

impl<T: Tagged> Content<T> {
    fn new(tag: &'static str, content: &'static str) -> Self {
        Content {
            kind: None,
            early: None,
            value: None,
            tag,
            content,
        }
    }

    /// Reads the value of the tag key.
    fn tag<'de, A: MapAccess<'de>>(&mut self, map: &mut A) -> Result<(), A::Error> {
        if self.kind.is_some() {
            return Err(de::Error::duplicate_field(self.tag));
        }
        let kind: T::Kind = map.next_value()?;
        self.kind = Some(kind);
        if let Some(text) = self.early.take() {
            self.value = Some(Self::reread(kind, &text)?);
        }
        Ok(())
    }

    /// Reads the value of the content key.
    fn content<'de, A: MapAccess<'de>>(&mut self, map: &mut A) -> Result<(), A::Error> {
        if self.value.is_some() || self.early.is_some() {
            return Err(de::Error::duplicate_field(self.content));
        }
        match self.kind {
            Some(kind) => self.value = Some(map.next_value_seed(ContentSeed::<T>(kind))?),
            None => {
                let raw: serde_json::Value = map.next_value()?;
                self.early = Some(raw.to_string());
            }
        }
        Ok(())
    }

    /// Content that came before its tag, decoded from its text (the same decoder the phone
    /// uses for everything, so nothing is compiled twice).
    fn reread<E: de::Error>(kind: T::Kind, text: &str) -> Result<T, E> {
        let mut d = serde_json::Deserializer::from_str(text);
        T::content(kind, &mut d).map_err(E::custom)
    }

    /// The decoded value, once the map has ended.
    fn finish<E: de::Error>(self) -> Result<T, E> {
        match (self.value, self.kind) {
            (Some(v), _) => Ok(v),
            (None, None) => Err(E::missing_field(self.tag)),
            (None, Some(kind)) => {
                T::without_content(kind).ok_or_else(|| E::missing_field(self.content))
            }
        }
    }
}

/// Which of a map's keys this is, read without allocating.
enum Key {
    Tag,
    Content,
    Other,
}

/// Reads a key as [`Key`], given the tag's and the content's names.
struct KeySeed {
    tag: &'static str,
    content: &'static str,
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(if v == self.tag {
            Key::Tag
        } else if v == self.content {
            Key::Content
        } else {
            Key::Other
        })
    }
}

/// A map whose keys are the tag, the content, and anything else (ignored).
fn tag_and_content<'de, D, T>(
    d: D,
    tag: &'static str,
    content: &'static str,
    expecting: &'static str,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Tagged,
{
    struct V<T> {
        tag: &'static str,
        content: &'static str,
        expecting: &'static str,
        marker: PhantomData<T>,
    }
    impl<'de, T: Tagged> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let mut c = Content::<T>::new(self.tag, self.content);
            let keys = || KeySeed {
                tag: self.tag,
                content: self.content,
            };
            while let Some(key) = map.next_key_seed(keys())? {
                match key {
                    Key::Tag => c.tag(&mut map)?,
                    Key::Content => c.content(&mut map)?,
                    Key::Other => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            c.finish()
        }
    }
    d.deserialize_map(V {
        tag,
        content,
        expecting,
        marker: PhantomData,
    })
}

/// A map whose first key is the tag and whose other keys are the variant's own (serde's
/// internally tagged form): the variant reads the rest of the map itself. A map whose tag is not
/// first is gathered, written again with the tag first, and read the same way.
fn tag_first<'de, D, T>(d: D, tag: &'static str, expecting: &'static str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Tagged,
{
    d.deserialize_map(TagFirst::<T> {
        tag,
        expecting,
        marker: PhantomData,
    })
}

struct TagFirst<T> {
    tag: &'static str,
    expecting: &'static str,
    marker: PhantomData<T>,
}

impl<'de, T: Tagged> Visitor<'de> for TagFirst<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Err(de::Error::missing_field(self.tag));
        };
        if first == self.tag {
            let kind: T::Kind = map.next_value()?;
            return T::content(kind, de::value::MapAccessDeserializer::new(map));
        }
        let mut rest = vec![(first, map.next_value::<serde_json::Value>()?)];
        while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
            rest.push(entry);
        }
        let Some(at) = rest.iter().position(|(k, _)| k == self.tag) else {
            return Err(de::Error::missing_field(self.tag));
        };
        rest.swap(0, at);
        let mut text = String::from("{");
        for (i, (k, v)) in rest.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&serde_json::Value::from(k.as_str()).to_string());
            text.push(':');
            text.push_str(&v.to_string());
        }
        text.push('}');
        let mut d = serde_json::Deserializer::from_str(&text);
        d.deserialize_map(self).map_err(de::Error::custom)
    }
}

/// Stores a field's value, refusing a second one as serde's derives do.
fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, name: &'static str) -> Result<(), E> {
    match slot.replace(value) {
        Some(_) => Err(E::duplicate_field(name)),
        None => Ok(()),
    }
}

fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

// ---------------------------------------------------------------- operations

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::checklist::AnswerKind;
use crate::error::ApiError;
use crate::hazard::Hazard;
use crate::hazard::{Event, EventKind, Field, FieldValue, HazardReport, Registration, Status};
use crate::ids::{DepartmentId, Fen, Reason, UserId};
use crate::ids::{DeviceId, OpId, PhotoHash};
use crate::inspection::AnswerValue;
use crate::inspection::{Round, Visit};
use crate::lists::Measure;
use crate::sync::{Entity, OpBody, OpResult, Operation, Outcome};

/// [`Entity`]'s `type`.
#[derive(Clone, Copy, Deserialize, crate::Json)]
#[serde(rename_all = "snake_case")]
enum EntityKind {
    Round,
    Visit,
    Hazard,
    Measure,
}

impl Tagged for Entity {
    type Kind = EntityKind;
    fn content<'de, D: Deserializer<'de>>(kind: EntityKind, d: D) -> Result<Self, D::Error> {
        Ok(match kind {
            EntityKind::Round => Entity::Round(Round::deserialize(d)?),
            EntityKind::Visit => Entity::Visit(Visit::deserialize(d)?),
            EntityKind::Hazard => Entity::Hazard(Hazard::deserialize(d)?),
            EntityKind::Measure => Entity::Measure(Measure::deserialize(d)?),
        })
    }
}

impl<'de> Deserialize<'de> for Entity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        tag_and_content(d, "type", "data", "an entity: {\"type\": …, \"data\": …}")
    }
}

/// [`OpBody`]'s `kind`.
#[derive(Clone, Copy, Deserialize, crate::Json)]
#[serde(rename_all = "snake_case")]
enum OpKind {
    StartRound,
    FinishRound,
    RecordVisit,
    ReportHazard,
    Transition,
    EditHazard,
    ResolveConflict,
    Comment,
    AddPhotos,
    SaveMeasure,
}

// The payloads of `OpBody`'s struct variants, as the derived encoder writes them.
#[derive(Deserialize, crate::Json)]
struct FinishRound {
    finished_at: DateTime<Utc>,
}
#[derive(Deserialize, crate::Json)]
struct Transition {
    from: Status,
    event: Event,
}
#[derive(Deserialize, crate::Json)]
struct EditHazard {
    changes: Vec<FieldValue>,
}
#[derive(Deserialize, crate::Json)]
struct ResolveConflict {
    field: Field,
    take_losing: bool,
}
#[derive(Deserialize, crate::Json)]
struct Comment {
    text: String,
}
#[derive(Deserialize, crate::Json)]
struct AddPhotos {
    after: bool,
    photos: Vec<PhotoHash>,
}

impl Tagged for OpBody {
    type Kind = OpKind;
    fn content<'de, D: Deserializer<'de>>(kind: OpKind, d: D) -> Result<Self, D::Error> {
        Ok(match kind {
            OpKind::StartRound => OpBody::StartRound(Round::deserialize(d)?),
            OpKind::FinishRound => {
                let p = FinishRound::deserialize(d)?;
                OpBody::FinishRound {
                    finished_at: p.finished_at,
                }
            }
            OpKind::RecordVisit => OpBody::RecordVisit(Visit::deserialize(d)?),
            OpKind::ReportHazard => OpBody::ReportHazard(HazardReport::deserialize(d)?),
            OpKind::Transition => {
                let p = Transition::deserialize(d)?;
                OpBody::Transition {
                    from: p.from,
                    event: p.event,
                }
            }
            OpKind::EditHazard => OpBody::EditHazard {
                changes: EditHazard::deserialize(d)?.changes,
            },
            OpKind::ResolveConflict => {
                let p = ResolveConflict::deserialize(d)?;
                OpBody::ResolveConflict {
                    field: p.field,
                    take_losing: p.take_losing,
                }
            }
            OpKind::Comment => OpBody::Comment {
                text: Comment::deserialize(d)?.text,
            },
            OpKind::AddPhotos => {
                let p = AddPhotos::deserialize(d)?;
                OpBody::AddPhotos {
                    after: p.after,
                    photos: p.photos,
                }
            }
            OpKind::SaveMeasure => OpBody::SaveMeasure(Measure::deserialize(d)?),
        })
    }
}

impl<'de> Deserialize<'de> for OpBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        tag_and_content(
            d,
            "kind",
            "payload",
            "an operation's body: {\"kind\": …, \"payload\": …}",
        )
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum OpField {
    OpId,
    DeviceId,
    DeviceSeq,
    SchemaVersion,
    EntityId,
    BaseVersion,
    Kind,
    Payload,
    RecordedAt,
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Operation;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an operation")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Operation, A::Error> {
                let mut op_id: Option<OpId> = None;
                let mut device_id: Option<DeviceId> = None;
                let mut device_seq: Option<u64> = None;
                let mut schema_version: Option<u32> = None;
                let mut entity_id: Option<Uuid> = None;
                let mut base_version: Option<u64> = None;
                let mut recorded_at: Option<DateTime<Utc>> = None;
                let mut body = Content::<OpBody>::new("kind", "payload");
                while let Some(key) = map.next_key::<OpField>()? {
                    match key {
                        OpField::OpId => once(&mut op_id, map.next_value()?, "op_id")?,
                        OpField::DeviceId => once(&mut device_id, map.next_value()?, "device_id")?,
                        OpField::DeviceSeq => {
                            once(&mut device_seq, map.next_value()?, "device_seq")?
                        }
                        OpField::SchemaVersion => {
                            once(&mut schema_version, map.next_value()?, "schema_version")?
                        }
                        OpField::EntityId => once(&mut entity_id, map.next_value()?, "entity_id")?,
                        OpField::BaseVersion => {
                            once(&mut base_version, map.next_value()?, "base_version")?
                        }
                        OpField::RecordedAt => {
                            once(&mut recorded_at, map.next_value()?, "recorded_at")?
                        }
                        OpField::Kind => body.tag(&mut map)?,
                        OpField::Payload => body.content(&mut map)?,
                        OpField::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Operation {
                    op_id: required(op_id, "op_id")?,
                    device_id: required(device_id, "device_id")?,
                    device_seq: required(device_seq, "device_seq")?,
                    schema_version: required(schema_version, "schema_version")?,
                    entity_id: required(entity_id, "entity_id")?,
                    base_version: required(base_version, "base_version")?,
                    body: body.finish()?,
                    recorded_at: required(recorded_at, "recorded_at")?,
                })
            }
        }
        d.deserialize_map(V)
    }
}

/// [`Outcome`]'s `outcome`.
#[derive(Clone, Copy, Deserialize, crate::Json)]
#[serde(rename_all = "snake_case")]
enum OutcomeKind {
    Applied,
    AlreadyApplied,
    Rejected,
    Conflict,
    Pending,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum ResultField {
    OpId,
    DeviceSeq,
    Outcome,
    Error,
    Fields,
    Missing,
    Entity,
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for OpResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OpResult;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an operation's result")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OpResult, A::Error> {
                let mut op_id: Option<OpId> = None;
                let mut device_seq: Option<u64> = None;
                let mut kind: Option<OutcomeKind> = None;
                let mut error: Option<ApiError> = None;
                let mut fields: Option<Vec<Field>> = None;
                let mut missing: Option<Vec<PhotoHash>> = None;
                let mut entity: Option<Option<Entity>> = None;
                while let Some(key) = map.next_key::<ResultField>()? {
                    match key {
                        ResultField::OpId => once(&mut op_id, map.next_value()?, "op_id")?,
                        ResultField::DeviceSeq => {
                            once(&mut device_seq, map.next_value()?, "device_seq")?
                        }
                        ResultField::Outcome => once(&mut kind, map.next_value()?, "outcome")?,
                        ResultField::Error => once(&mut error, map.next_value()?, "error")?,
                        ResultField::Fields => once(&mut fields, map.next_value()?, "fields")?,
                        ResultField::Missing => once(&mut missing, map.next_value()?, "missing")?,
                        ResultField::Entity => once(&mut entity, map.next_value()?, "entity")?,
                        ResultField::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let outcome = match required(kind, "outcome")? {
                    OutcomeKind::Applied => Outcome::Applied,
                    OutcomeKind::AlreadyApplied => Outcome::AlreadyApplied,
                    OutcomeKind::Rejected => Outcome::Rejected {
                        error: required(error, "error")?,
                    },
                    OutcomeKind::Conflict => Outcome::Conflict {
                        fields: required(fields, "fields")?,
                    },
                    OutcomeKind::Pending => Outcome::Pending {
                        missing: required(missing, "missing")?,
                    },
                };
                Ok(OpResult {
                    op_id: required(op_id, "op_id")?,
                    device_seq: required(device_seq, "device_seq")?,
                    outcome,
                    entity: entity.flatten(),
                })
            }
        }
        d.deserialize_map(V)
    }
}

// ---------------------------------------------------------------- hazards and checklists

impl Tagged for FieldValue {
    type Kind = Field;
    fn content<'de, D: Deserializer<'de>>(kind: Field, d: D) -> Result<Self, D::Error> {
        Ok(match kind {
            Field::Description => FieldValue::Description(String::deserialize(d)?),
            Field::Grade => FieldValue::Grade(crate::hazard::Grade::deserialize(d)?),
            Field::Measures => FieldValue::Measures(Option::<String>::deserialize(d)?),
            Field::Department => FieldValue::Department(Option::<DepartmentId>::deserialize(d)?),
            Field::Owner => FieldValue::Owner(Option::<UserId>::deserialize(d)?),
            Field::Deadline => FieldValue::Deadline(Option::<NaiveDate>::deserialize(d)?),
            Field::InterimPrecautions => {
                FieldValue::InterimPrecautions(Option::<String>::deserialize(d)?)
            }
            Field::Funds => FieldValue::Funds(Fen::deserialize(d)?),
            Field::Remark => FieldValue::Remark(Option::<String>::deserialize(d)?),
        })
    }
}

impl<'de> Deserialize<'de> for FieldValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        tag_and_content(
            d,
            "field",
            "value",
            "a field's new value: {\"field\": …, \"value\": …}",
        )
    }
}

/// [`AnswerValue`]'s `kind`.
#[derive(Clone, Copy, Deserialize, crate::Json)]
#[serde(rename_all = "snake_case")]
enum AnswerValueKind {
    Pass,
    Fail,
    NotApplicable,
    Number,
    Text,
}

impl Tagged for AnswerValue {
    type Kind = AnswerValueKind;
    fn content<'de, D: Deserializer<'de>>(kind: AnswerValueKind, d: D) -> Result<Self, D::Error> {
        Ok(match kind {
            AnswerValueKind::Number => AnswerValue::Number(f64::deserialize(d)?),
            AnswerValueKind::Text => AnswerValue::Text(String::deserialize(d)?),
            unit => {
                IgnoredAny::deserialize(d)?;
                Self::without_content(unit).expect("a unit variant")
            }
        })
    }
    fn without_content(kind: AnswerValueKind) -> Option<Self> {
        match kind {
            AnswerValueKind::Pass => Some(AnswerValue::Pass),
            AnswerValueKind::Fail => Some(AnswerValue::Fail),
            AnswerValueKind::NotApplicable => Some(AnswerValue::NotApplicable),
            AnswerValueKind::Number | AnswerValueKind::Text => None,
        }
    }
}

impl<'de> Deserialize<'de> for AnswerValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        tag_and_content(d, "kind", "value", "an answer: {\"kind\": …, \"value\": …}")
    }
}

/// [`AnswerKind`]'s `kind`.
#[derive(Clone, Copy, Deserialize, crate::Json)]
#[serde(rename_all = "snake_case")]
enum AnswerKindTag {
    PassFailNa,
    Number,
    Text,
}

#[derive(Deserialize, crate::Json)]
struct NumberAnswer {
    unit: String,
    min: f64,
    max: f64,
}

impl Tagged for AnswerKind {
    type Kind = AnswerKindTag;
    fn content<'de, D: Deserializer<'de>>(kind: AnswerKindTag, d: D) -> Result<Self, D::Error> {
        Ok(match kind {
            AnswerKindTag::Number => {
                let n = NumberAnswer::deserialize(d)?;
                AnswerKind::Number {
                    unit: n.unit,
                    min: n.min,
                    max: n.max,
                }
            }
            AnswerKindTag::PassFailNa => {
                IgnoredAny::deserialize(d)?;
                AnswerKind::PassFailNa
            }
            AnswerKindTag::Text => {
                IgnoredAny::deserialize(d)?;
                AnswerKind::Text
            }
        })
    }
}

impl<'de> Deserialize<'de> for AnswerKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        tag_first(d, "kind", "a checklist answer's kind: {\"kind\": …}")
    }
}

// The fields of `Event`'s struct variants, as the derived encoder writes them.
#[derive(Deserialize, crate::Json)]
struct Submitted {
    what_was_done: Reason,
    photos_after: Vec<PhotoHash>,
}
#[derive(Deserialize, crate::Json)]
struct Passed {
    note: Option<String>,
    photos: Vec<PhotoHash>,
}
#[derive(Deserialize, crate::Json)]
struct WithReason {
    reason: Reason,
}
#[derive(Deserialize, crate::Json)]
struct Extension {
    new_deadline: NaiveDate,
    reason: Reason,
}

impl Tagged for Event {
    type Kind = EventKind;
    fn content<'de, D: Deserializer<'de>>(kind: EventKind, d: D) -> Result<Self, D::Error> {
        let reason = |d: D| WithReason::deserialize(d).map(|r| r.reason);
        Ok(match kind {
            EventKind::Register => Event::Register(Registration::deserialize(d)?),
            EventKind::StartRectification => {
                IgnoredAny::deserialize(d)?;
                Event::StartRectification
            }
            EventKind::SubmitRectification => {
                let s = Submitted::deserialize(d)?;
                Event::SubmitRectification {
                    what_was_done: s.what_was_done,
                    photos_after: s.photos_after,
                }
            }
            EventKind::RecheckPass => {
                let p = Passed::deserialize(d)?;
                Event::RecheckPass {
                    note: p.note,
                    photos: p.photos,
                }
            }
            EventKind::RecheckFail => Event::RecheckFail { reason: reason(d)? },
            EventKind::Void => Event::Void { reason: reason(d)? },
            EventKind::Reopen => Event::Reopen { reason: reason(d)? },
            EventKind::RequestExtension => {
                let e = Extension::deserialize(d)?;
                Event::RequestExtension {
                    new_deadline: e.new_deadline,
                    reason: e.reason,
                }
            }
            EventKind::ApproveExtension => {
                IgnoredAny::deserialize(d)?;
                Event::ApproveExtension
            }
            EventKind::RefuseExtension => Event::RefuseExtension { reason: reason(d)? },
        })
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        tag_first(d, "event", "a hazard event: {\"event\": …}")
    }
}

// ---------------------------------------------------------------- the phone's decoder
//
// The same types read by `json::Reader` (the phone decodes everything with it; the server
// with the serde decoders above). The tests below read every encoding with both.

use crate::json::{self, Decode, Reader, adjacent, internal, unit};
use crate::reminders::Due;
use crate::training::DueReason;

impl Entity {
    fn read(kind: EntityKind, r: &mut Reader<'_>) -> json::Result<Self> {
        Ok(match kind {
            EntityKind::Round => Entity::Round(Decode::decode(r)?),
            EntityKind::Visit => Entity::Visit(Decode::decode(r)?),
            EntityKind::Hazard => Entity::Hazard(Decode::decode(r)?),
            EntityKind::Measure => Entity::Measure(Decode::decode(r)?),
        })
    }
}

impl Decode for Entity {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        adjacent(r, "type", "data", Entity::read, |_| None)
    }
}

impl OpBody {
    fn read(kind: OpKind, r: &mut Reader<'_>) -> json::Result<Self> {
        Ok(match kind {
            OpKind::StartRound => OpBody::StartRound(Decode::decode(r)?),
            OpKind::FinishRound => OpBody::FinishRound {
                finished_at: FinishRound::decode(r)?.finished_at,
            },
            OpKind::RecordVisit => OpBody::RecordVisit(Decode::decode(r)?),
            OpKind::ReportHazard => OpBody::ReportHazard(Decode::decode(r)?),
            OpKind::Transition => {
                let p = Transition::decode(r)?;
                OpBody::Transition {
                    from: p.from,
                    event: p.event,
                }
            }
            OpKind::EditHazard => OpBody::EditHazard {
                changes: EditHazard::decode(r)?.changes,
            },
            OpKind::ResolveConflict => {
                let p = ResolveConflict::decode(r)?;
                OpBody::ResolveConflict {
                    field: p.field,
                    take_losing: p.take_losing,
                }
            }
            OpKind::Comment => OpBody::Comment {
                text: Comment::decode(r)?.text,
            },
            OpKind::AddPhotos => {
                let p = AddPhotos::decode(r)?;
                OpBody::AddPhotos {
                    after: p.after,
                    photos: p.photos,
                }
            }
            OpKind::SaveMeasure => OpBody::SaveMeasure(Decode::decode(r)?),
        })
    }
}

impl Decode for OpBody {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        adjacent(r, "kind", "payload", OpBody::read, |_| None)
    }
}

impl Decode for Operation {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        let mut op_id = None;
        let mut device_id = None;
        let mut device_seq = None;
        let mut schema_version = None;
        let mut entity_id = None;
        let mut base_version = None;
        let mut recorded_at = None;
        let mut body = json::Adjacent::new();
        let mut o = r.object()?;
        while let Some(key) = o.next_key(r)? {
            match &*key {
                "op_id" => op_id = Some(Decode::decode(r)?),
                "device_id" => device_id = Some(Decode::decode(r)?),
                "device_seq" => device_seq = Some(Decode::decode(r)?),
                "schema_version" => schema_version = Some(Decode::decode(r)?),
                "entity_id" => entity_id = Some(Decode::decode(r)?),
                "base_version" => base_version = Some(Decode::decode(r)?),
                "recorded_at" => recorded_at = Some(Decode::decode(r)?),
                "kind" => body.tag(r)?,
                "payload" => body.content(r, OpBody::read)?,
                _ => r.skip()?,
            }
        }
        Ok(Operation {
            op_id: op_id.ok_or_else(|| r.missing("op_id"))?,
            device_id: device_id.ok_or_else(|| r.missing("device_id"))?,
            device_seq: device_seq.ok_or_else(|| r.missing("device_seq"))?,
            schema_version: schema_version.ok_or_else(|| r.missing("schema_version"))?,
            entity_id: entity_id.ok_or_else(|| r.missing("entity_id"))?,
            base_version: base_version.ok_or_else(|| r.missing("base_version"))?,
            body: body.finish(r, "kind", OpBody::read, |_| None)?,
            recorded_at: recorded_at.ok_or_else(|| r.missing("recorded_at"))?,
        })
    }
}

impl Decode for OpResult {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        let mut op_id = None;
        let mut device_seq = None;
        let mut kind = None;
        let mut error = None;
        let mut fields = None;
        let mut missing = None;
        let mut entity = None;
        let mut o = r.object()?;
        while let Some(key) = o.next_key(r)? {
            match &*key {
                "op_id" => op_id = Some(Decode::decode(r)?),
                "device_seq" => device_seq = Some(Decode::decode(r)?),
                "outcome" => kind = Some(OutcomeKind::decode(r)?),
                "error" => error = Some(Decode::decode(r)?),
                "fields" => fields = Some(Decode::decode(r)?),
                "missing" => missing = Some(Decode::decode(r)?),
                "entity" => entity = Option::<Entity>::decode(r)?,
                _ => r.skip()?,
            }
        }
        let absent = |name: &str| r.missing(name);
        let outcome = match kind.ok_or_else(|| absent("outcome"))? {
            OutcomeKind::Applied => Outcome::Applied,
            OutcomeKind::AlreadyApplied => Outcome::AlreadyApplied,
            OutcomeKind::Rejected => Outcome::Rejected {
                error: error.ok_or_else(|| absent("error"))?,
            },
            OutcomeKind::Conflict => Outcome::Conflict {
                fields: fields.ok_or_else(|| absent("fields"))?,
            },
            OutcomeKind::Pending => Outcome::Pending {
                missing: missing.ok_or_else(|| absent("missing"))?,
            },
        };
        Ok(OpResult {
            op_id: op_id.ok_or_else(|| absent("op_id"))?,
            device_seq: device_seq.ok_or_else(|| absent("device_seq"))?,
            outcome,
            entity,
        })
    }
}

impl FieldValue {
    fn read(kind: Field, r: &mut Reader<'_>) -> json::Result<Self> {
        Ok(match kind {
            Field::Description => FieldValue::Description(Decode::decode(r)?),
            Field::Grade => FieldValue::Grade(Decode::decode(r)?),
            Field::Measures => FieldValue::Measures(Decode::decode(r)?),
            Field::Department => FieldValue::Department(Decode::decode(r)?),
            Field::Owner => FieldValue::Owner(Decode::decode(r)?),
            Field::Deadline => FieldValue::Deadline(Decode::decode(r)?),
            Field::InterimPrecautions => FieldValue::InterimPrecautions(Decode::decode(r)?),
            Field::Funds => FieldValue::Funds(Decode::decode(r)?),
            Field::Remark => FieldValue::Remark(Decode::decode(r)?),
        })
    }
}

impl Decode for FieldValue {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        adjacent(r, "field", "value", FieldValue::read, |_| None)
    }
}

impl AnswerValue {
    fn read(kind: AnswerValueKind, r: &mut Reader<'_>) -> json::Result<Self> {
        match kind {
            AnswerValueKind::Number => Ok(AnswerValue::Number(Decode::decode(r)?)),
            AnswerValueKind::Text => Ok(AnswerValue::Text(Decode::decode(r)?)),
            unit_kind => unit(
                r,
                AnswerValue::without_content(unit_kind).expect("a unit variant"),
            ),
        }
    }
}

impl Decode for AnswerValue {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        adjacent(
            r,
            "kind",
            "value",
            AnswerValue::read,
            AnswerValue::without_content,
        )
    }
}

impl Decode for AnswerKind {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        internal(r, "kind", |kind, r| match kind {
            AnswerKindTag::Number => {
                let n = NumberAnswer::decode(r)?;
                Ok(AnswerKind::Number {
                    unit: n.unit,
                    min: n.min,
                    max: n.max,
                })
            }
            AnswerKindTag::PassFailNa => unit(r, AnswerKind::PassFailNa),
            AnswerKindTag::Text => unit(r, AnswerKind::Text),
        })
    }
}

impl Decode for Event {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        internal(r, "event", |kind, r| {
            let reason = |r: &mut Reader<'_>| WithReason::decode(r).map(|w| w.reason);
            Ok(match kind {
                EventKind::Register => Event::Register(Decode::decode(r)?),
                EventKind::StartRectification => unit(r, Event::StartRectification)?,
                EventKind::SubmitRectification => {
                    let s = Submitted::decode(r)?;
                    Event::SubmitRectification {
                        what_was_done: s.what_was_done,
                        photos_after: s.photos_after,
                    }
                }
                EventKind::RecheckPass => {
                    let p = Passed::decode(r)?;
                    Event::RecheckPass {
                        note: p.note,
                        photos: p.photos,
                    }
                }
                EventKind::RecheckFail => Event::RecheckFail { reason: reason(r)? },
                EventKind::Void => Event::Void { reason: reason(r)? },
                EventKind::Reopen => Event::Reopen { reason: reason(r)? },
                EventKind::RequestExtension => {
                    let e = Extension::decode(r)?;
                    Event::RequestExtension {
                        new_deadline: e.new_deadline,
                        reason: e.reason,
                    }
                }
                EventKind::ApproveExtension => unit(r, Event::ApproveExtension)?,
                EventKind::RefuseExtension => Event::RefuseExtension { reason: reason(r)? },
            })
        })
    }
}

/// The fields of `Due`'s and `DueReason`'s struct variants.
#[derive(crate::Json)]
struct Days {
    days: i64,
}
#[derive(crate::Json)]
struct DaysLeft {
    days_left: i64,
}
#[derive(crate::Json)]
struct Last {
    last: NaiveDate,
}
#[derive(Clone, Copy, crate::Json)]
#[serde(rename_all = "snake_case")]
enum DueKind {
    Overdue,
    DueToday,
    DueSoon,
}
#[derive(Clone, Copy, crate::Json)]
#[serde(rename_all = "snake_case")]
enum DueReasonKind {
    NewHire,
    Rotation,
    Yearly,
}

impl Decode for Due {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        internal(r, "when", |kind, r| match kind {
            DueKind::Overdue => Ok(Due::Overdue {
                days: Days::decode(r)?.days,
            }),
            DueKind::DueToday => unit(r, Due::DueToday),
            DueKind::DueSoon => Ok(Due::DueSoon {
                days_left: DaysLeft::decode(r)?.days_left,
            }),
        })
    }
}

impl Decode for DueReason {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        internal(r, "reason", |kind, r| match kind {
            DueReasonKind::NewHire => unit(r, DueReason::NewHire),
            DueReasonKind::Rotation => unit(r, DueReason::Rotation),
            DueReasonKind::Yearly => Ok(DueReason::Yearly {
                last: Last::decode(r)?.last,
            }),
        })
    }
}

// The phone's encoder of the same types (`json::Encode`): what serde's derives write, byte for
// byte (`assert_round_trips` compares the two).

use crate::json::{Encode, EncodeFields, EncodeKey, Writer};

/// The content key of an adjacently tagged value and what writes its value.
type ContentWriter<'a> = Option<(&'a str, &'a dyn Fn(&mut Writer))>;

/// `{tag: name, content: …}`, or `{tag: name}` for a unit variant (`content` `None`).
fn write_adjacent(w: &mut Writer, tag: &str, name: &str, content: ContentWriter<'_>) {
    let mut first = true;
    w.raw("{");
    w.key(&mut first, tag);
    w.string(name);
    if let Some((key, write)) = content {
        w.key(&mut first, key);
        write(w);
    }
    w.raw("}");
}

impl Encode for Entity {
    fn encode(&self, w: &mut Writer) {
        let data = |w: &mut Writer| match self {
            Entity::Round(v) => v.encode(w),
            Entity::Visit(v) => v.encode(w),
            Entity::Hazard(v) => v.encode(w),
            Entity::Measure(v) => v.encode(w),
        };
        write_adjacent(w, "type", self.kind(), Some(("data", &data)));
    }
}

impl OpBody {
    /// The payload: the variant's value, or an object of its fields.
    fn encode_payload(&self, w: &mut Writer) {
        let mut first = true;
        let mut field = |w: &mut Writer, name: &str, v: &dyn Fn(&mut Writer)| {
            w.key(&mut first, name);
            v(w);
        };
        match self {
            OpBody::StartRound(v) => return v.encode(w),
            OpBody::RecordVisit(v) => return v.encode(w),
            OpBody::ReportHazard(v) => return v.encode(w),
            OpBody::SaveMeasure(v) => return v.encode(w),
            _ => {}
        }
        w.raw("{");
        match self {
            OpBody::FinishRound { finished_at } => {
                field(w, "finished_at", &|w| finished_at.encode(w))
            }
            OpBody::Transition { from, event } => {
                field(w, "from", &|w| from.encode(w));
                field(w, "event", &|w| event.encode(w));
            }
            OpBody::EditHazard { changes } => field(w, "changes", &|w| changes.encode(w)),
            OpBody::ResolveConflict {
                field: f,
                take_losing,
            } => {
                field(w, "field", &|w| f.encode(w));
                field(w, "take_losing", &|w| take_losing.encode(w));
            }
            OpBody::Comment { text } => field(w, "text", &|w| text.encode(w)),
            OpBody::AddPhotos { after, photos } => {
                field(w, "after", &|w| after.encode(w));
                field(w, "photos", &|w| photos.encode(w));
            }
            OpBody::StartRound(_)
            | OpBody::RecordVisit(_)
            | OpBody::ReportHazard(_)
            | OpBody::SaveMeasure(_) => {}
        }
        w.raw("}");
    }
}

impl Encode for OpBody {
    fn encode(&self, w: &mut Writer) {
        write_adjacent(
            w,
            "kind",
            self.kind(),
            Some(("payload", &|w| self.encode_payload(w))),
        );
    }
}

impl Encode for Operation {
    fn encode(&self, w: &mut Writer) {
        let mut first = true;
        w.raw("{");
        w.key(&mut first, "op_id");
        self.op_id.encode(w);
        w.key(&mut first, "device_id");
        self.device_id.encode(w);
        w.key(&mut first, "device_seq");
        self.device_seq.encode(w);
        w.key(&mut first, "schema_version");
        self.schema_version.encode(w);
        w.key(&mut first, "entity_id");
        self.entity_id.encode(w);
        w.key(&mut first, "base_version");
        self.base_version.encode(w);
        w.key(&mut first, "kind");
        w.string(self.body.kind());
        w.key(&mut first, "payload");
        self.body.encode_payload(w);
        w.key(&mut first, "recorded_at");
        self.recorded_at.encode(w);
        w.raw("}");
    }
}

impl Encode for OpResult {
    fn encode(&self, w: &mut Writer) {
        let mut first = true;
        w.raw("{");
        w.key(&mut first, "op_id");
        self.op_id.encode(w);
        w.key(&mut first, "device_seq");
        self.device_seq.encode(w);
        w.key(&mut first, "outcome");
        match &self.outcome {
            Outcome::Applied => w.string("applied"),
            Outcome::AlreadyApplied => w.string("already_applied"),
            Outcome::Rejected { error } => {
                w.string("rejected");
                w.key(&mut first, "error");
                error.encode(w);
            }
            Outcome::Conflict { fields } => {
                w.string("conflict");
                w.key(&mut first, "fields");
                fields.encode(w);
            }
            Outcome::Pending { missing } => {
                w.string("pending");
                w.key(&mut first, "missing");
                missing.encode(w);
            }
        }
        w.key(&mut first, "entity");
        self.entity.encode(w);
        w.raw("}");
    }
}

impl Encode for FieldValue {
    fn encode(&self, w: &mut Writer) {
        let value = |w: &mut Writer| match self {
            FieldValue::Description(v) => v.encode(w),
            FieldValue::Grade(v) => v.encode(w),
            FieldValue::Measures(v) | FieldValue::InterimPrecautions(v) | FieldValue::Remark(v) => {
                v.encode(w)
            }
            FieldValue::Department(v) => v.encode(w),
            FieldValue::Owner(v) => v.encode(w),
            FieldValue::Deadline(v) => v.encode(w),
            FieldValue::Funds(v) => v.encode(w),
        };
        write_adjacent(w, "field", self.field().key(), Some(("value", &value)));
    }
}

impl Encode for AnswerValue {
    fn encode(&self, w: &mut Writer) {
        match self {
            AnswerValue::Pass => write_adjacent(w, "kind", "pass", None),
            AnswerValue::Fail => write_adjacent(w, "kind", "fail", None),
            AnswerValue::NotApplicable => write_adjacent(w, "kind", "not_applicable", None),
            AnswerValue::Number(n) => {
                write_adjacent(w, "kind", "number", Some(("value", &|w| n.encode(w))))
            }
            AnswerValue::Text(t) => {
                write_adjacent(w, "kind", "text", Some(("value", &|w| t.encode(w))))
            }
        }
    }
}

/// `{tag: name, …fields}` (serde's internally tagged form); `fields` writes the rest.
fn write_internal(w: &mut Writer, tag: &str, name: &str, fields: &dyn Fn(&mut Writer, &mut bool)) {
    let mut first = true;
    w.raw("{");
    w.key(&mut first, tag);
    w.string(name);
    fields(w, &mut first);
    w.raw("}");
}

impl Encode for AnswerKind {
    fn encode(&self, w: &mut Writer) {
        match self {
            AnswerKind::PassFailNa => write_internal(w, "kind", "pass_fail_na", &|_, _| {}),
            AnswerKind::Text => write_internal(w, "kind", "text", &|_, _| {}),
            AnswerKind::Number { unit, min, max } => {
                write_internal(w, "kind", "number", &|w, first| {
                    w.key(first, "unit");
                    unit.encode(w);
                    w.key(first, "min");
                    min.encode(w);
                    w.key(first, "max");
                    max.encode(w);
                })
            }
        }
    }
}

impl Encode for Event {
    fn encode(&self, w: &mut Writer) {
        write_internal(w, "event", self.name(), &|w, first| match self {
            Event::Register(r) => r.encode_fields(w, first),
            Event::StartRectification | Event::ApproveExtension => {}
            Event::SubmitRectification {
                what_was_done,
                photos_after,
            } => {
                w.key(first, "what_was_done");
                what_was_done.encode(w);
                w.key(first, "photos_after");
                photos_after.encode(w);
            }
            Event::RecheckPass { note, photos } => {
                w.key(first, "note");
                note.encode(w);
                w.key(first, "photos");
                photos.encode(w);
            }
            Event::RecheckFail { reason }
            | Event::Void { reason }
            | Event::Reopen { reason }
            | Event::RefuseExtension { reason } => {
                w.key(first, "reason");
                reason.encode(w);
            }
            Event::RequestExtension {
                new_deadline,
                reason,
            } => {
                w.key(first, "new_deadline");
                new_deadline.encode(w);
                w.key(first, "reason");
                reason.encode(w);
            }
        });
    }
}

impl Encode for Due {
    fn encode(&self, w: &mut Writer) {
        match self {
            Due::Overdue { days } => write_internal(w, "when", "overdue", &|w, first| {
                w.key(first, "days");
                days.encode(w);
            }),
            Due::DueToday => write_internal(w, "when", "due_today", &|_, _| {}),
            Due::DueSoon { days_left } => write_internal(w, "when", "due_soon", &|w, first| {
                w.key(first, "days_left");
                days_left.encode(w);
            }),
        }
    }
}

impl Encode for DueReason {
    fn encode(&self, w: &mut Writer) {
        match self {
            DueReason::NewHire => write_internal(w, "reason", "new_hire", &|_, _| {}),
            DueReason::Rotation => write_internal(w, "reason", "rotation", &|_, _| {}),
            DueReason::Yearly { last } => write_internal(w, "reason", "yearly", &|w, first| {
                w.key(first, "last");
                last.encode(w);
            }),
        }
    }
}

/// Checks that the hand-written decoder reads what the derived encoder writes, in the order
/// it writes the keys, in sorted order (what `serde_json::Value` and databases that sort a
/// document's keys give back) and in reverse (content before tag everywhere).
/// Then [`assert_absent_keys_read_alike`].
#[cfg(test)]
pub(crate) fn assert_round_trips<T>(v: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + Decode + Encode + PartialEq + fmt::Debug,
{
    let value = assert_reads_back(v);
    assert_absent_keys_read_alike::<T>(&value);
}

/// [`assert_round_trips`] without the absent keys (for every case of a property test); the
/// value as serde writes it.
#[cfg(test)]
pub(crate) fn assert_reads_back<T>(v: &T) -> serde_json::Value
where
    T: serde::Serialize + serde::de::DeserializeOwned + Decode + Encode + PartialEq + fmt::Debug,
{
    fn reversed(v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::Object(m) => {
                let items: Vec<String> = m
                    .iter()
                    .rev()
                    .map(|(k, v)| {
                        format!("{}:{}", serde_json::Value::from(k.as_str()), reversed(v))
                    })
                    .collect();
                format!("{{{}}}", items.join(","))
            }
            serde_json::Value::Array(a) => {
                let items: Vec<String> = a.iter().map(reversed).collect();
                format!("[{}]", items.join(","))
            }
            other => other.to_string(),
        }
    }
    let written = serde_json::to_string(v).unwrap();
    let value = serde_json::to_value(v).unwrap();
    assert_eq!(json::to_string(v), written, "the phone's encoder");
    for text in [written, value.to_string(), reversed(&value)] {
        let back: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(&back, v, "{text}");
        let back: T = json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(&back, v, "the phone's decoder: {text}");
    }
    value
}

/// Each key left out in turn, at every depth (48 spread over the value): both decoders refuse
/// the text or read the same value — what serde fills in for an absent key (`#[serde(default)]`,
/// `None`), the phone's decoder fills in too. (Not run on every case of the property tests: it
/// reads the value 48 more times.)
#[cfg(test)]
fn assert_absent_keys_read_alike<T>(value: &serde_json::Value)
where
    T: serde::de::DeserializeOwned + Decode + PartialEq + fmt::Debug,
{
    fn objects(
        v: &serde_json::Value,
        path: &mut Vec<String>,
        out: &mut Vec<(Vec<String>, String)>,
    ) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, inner) in m {
                    out.push((path.clone(), k.clone()));
                    path.push(k.clone());
                    objects(inner, path, out);
                    path.pop();
                }
            }
            serde_json::Value::Array(a) => {
                for (i, inner) in a.iter().enumerate() {
                    path.push(i.to_string());
                    objects(inner, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut keys = Vec::new();
    objects(value, &mut Vec::new(), &mut keys);
    let step = keys.len().div_ceil(48).max(1);
    for (path, key) in keys.into_iter().step_by(step) {
        let mut doc = value.clone();
        let mut at = &mut doc;
        for step in &path {
            at = match at {
                serde_json::Value::Array(a) => &mut a[step.parse::<usize>().unwrap()],
                other => &mut other[step.as_str()],
            };
        }
        at.as_object_mut().unwrap().remove(&key);
        let text = doc.to_string();
        let server = serde_json::from_str::<T>(&text).ok();
        let phone = json::from_str::<T>(&text).ok();
        assert_eq!(phone, server, "without {path:?}.{key}: {text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hazard::tests_support::sample;
    use crate::sync::{Change, PullResponse, PushResponse, SCHEMA_VERSION};

    // Each union's variants mapped to its tag, exhaustively: a variant added to a wire type
    // does not compile here until its tag exists, and then the decoder's `match` on the tag
    // does not compile until it decodes the new variant.
    fn entity_kind(e: &Entity) -> EntityKind {
        match e {
            Entity::Round(_) => EntityKind::Round,
            Entity::Visit(_) => EntityKind::Visit,
            Entity::Hazard(_) => EntityKind::Hazard,
            Entity::Measure(_) => EntityKind::Measure,
        }
    }
    fn op_kind(b: &OpBody) -> OpKind {
        match b {
            OpBody::StartRound(_) => OpKind::StartRound,
            OpBody::FinishRound { .. } => OpKind::FinishRound,
            OpBody::RecordVisit(_) => OpKind::RecordVisit,
            OpBody::ReportHazard(_) => OpKind::ReportHazard,
            OpBody::Transition { .. } => OpKind::Transition,
            OpBody::EditHazard { .. } => OpKind::EditHazard,
            OpBody::ResolveConflict { .. } => OpKind::ResolveConflict,
            OpBody::Comment { .. } => OpKind::Comment,
            OpBody::AddPhotos { .. } => OpKind::AddPhotos,
            OpBody::SaveMeasure(_) => OpKind::SaveMeasure,
        }
    }
    fn outcome_kind(o: &Outcome) -> OutcomeKind {
        match o {
            Outcome::Applied => OutcomeKind::Applied,
            Outcome::AlreadyApplied => OutcomeKind::AlreadyApplied,
            Outcome::Rejected { .. } => OutcomeKind::Rejected,
            Outcome::Conflict { .. } => OutcomeKind::Conflict,
            Outcome::Pending { .. } => OutcomeKind::Pending,
        }
    }
    fn answer_value_kind(v: &AnswerValue) -> AnswerValueKind {
        match v {
            AnswerValue::Pass => AnswerValueKind::Pass,
            AnswerValue::Fail => AnswerValueKind::Fail,
            AnswerValue::NotApplicable => AnswerValueKind::NotApplicable,
            AnswerValue::Number(_) => AnswerValueKind::Number,
            AnswerValue::Text(_) => AnswerValueKind::Text,
        }
    }
    fn answer_kind_tag(k: &AnswerKind) -> AnswerKindTag {
        match k {
            AnswerKind::PassFailNa => AnswerKindTag::PassFailNa,
            AnswerKind::Number { .. } => AnswerKindTag::Number,
            AnswerKind::Text => AnswerKindTag::Text,
        }
    }

    /// The tag the derived encoder writes for `v` under `key`, read back as the tag type: the
    /// tag names of the hand-written decoders are the encoder's.
    fn written_tag<T: serde::Serialize, K: serde::de::DeserializeOwned>(v: &T, key: &str) -> K {
        let json = serde_json::to_value(v).unwrap();
        serde_json::from_value(json[key].clone()).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    #[test]
    fn every_variant_has_its_tag() {
        use std::mem::discriminant as d;
        let h = hazard();
        let e = Entity::Hazard(h.clone());
        assert_eq!(
            d(&written_tag::<_, EntityKind>(&e, "type")),
            d(&entity_kind(&e))
        );
        for event in every_event() {
            assert_eq!(
                d(&written_tag::<_, EventKind>(&event, "event")),
                d(&event.kind())
            );
            let body = OpBody::Transition {
                from: Status::Registered,
                event,
            };
            assert_eq!(
                d(&written_tag::<_, OpKind>(&body, "kind")),
                d(&op_kind(&body))
            );
        }
        for o in [
            Outcome::Applied,
            Outcome::AlreadyApplied,
            Outcome::Rejected {
                error: ApiError::new("x", "x", "x"),
            },
            Outcome::Conflict { fields: vec![] },
            Outcome::Pending { missing: vec![] },
        ] {
            assert_eq!(
                d(&written_tag::<_, OutcomeKind>(&o, "outcome")),
                d(&outcome_kind(&o))
            );
        }
        for v in [
            AnswerValue::Pass,
            AnswerValue::Fail,
            AnswerValue::NotApplicable,
            AnswerValue::Number(1.0),
            AnswerValue::Text("t".into()),
        ] {
            assert_eq!(
                d(&written_tag::<_, AnswerValueKind>(&v, "kind")),
                d(&answer_value_kind(&v))
            );
        }
        for k in [
            AnswerKind::PassFailNa,
            AnswerKind::Text,
            AnswerKind::Number {
                unit: "m".into(),
                min: 0.0,
                max: 1.0,
            },
        ] {
            assert_eq!(
                d(&written_tag::<_, AnswerKindTag>(&k, "kind")),
                d(&answer_kind_tag(&k))
            );
        }
    }

    fn op(body: OpBody) -> Operation {
        Operation {
            op_id: OpId::from_uuid(crate::ids::stable_uuid("op", "1")),
            device_id: DeviceId::from_uuid(crate::ids::stable_uuid("device", "1")),
            device_seq: 7,
            schema_version: SCHEMA_VERSION,
            entity_id: crate::ids::stable_uuid("hazard", "1"),
            base_version: 2,
            body,
            recorded_at: "2026-11-30T08:00:00Z".parse().unwrap(),
        }
    }

    fn hazard() -> crate::hazard::Hazard {
        sample("2026-11-30".parse().unwrap())
    }

    fn photo(c: char) -> PhotoHash {
        PhotoHash::parse(&c.to_string().repeat(64)).unwrap()
    }

    fn reason(s: &str) -> Reason {
        Reason::parse(s).unwrap()
    }

    fn every_event() -> Vec<Event> {
        let h = hazard();
        vec![
            Event::Register(Registration {
                grade: crate::hazard::Grade::Major,
                measures: reason("先断电，再更换线路"),
                department_id: DepartmentId::from_uuid(crate::ids::stable_uuid("dept", "1")),
                owner_id: h.reported_by,
                deadline: h.found_on,
                interim_precautions: Some(reason("设警示牌")),
                funds: Fen::parse(12_000).unwrap(),
                plan_approved_by: None,
            }),
            Event::StartRectification,
            Event::SubmitRectification {
                what_was_done: reason("已更换"),
                photos_after: vec![photo('a'), photo('b')],
            },
            Event::RecheckPass {
                note: None,
                photos: vec![],
            },
            Event::RecheckPass {
                note: Some("合格".into()),
                photos: vec![photo('c')],
            },
            Event::RecheckFail {
                reason: reason("仍有老化"),
            },
            Event::Void {
                reason: reason("误报"),
            },
            Event::Reopen {
                reason: reason("复发"),
            },
            Event::RequestExtension {
                new_deadline: h.found_on,
                reason: reason("等配件"),
            },
            Event::ApproveExtension,
            Event::RefuseExtension {
                reason: reason("不批准"),
            },
        ]
    }

    #[test]
    fn every_operation_kind_and_event_round_trips_in_any_key_order() {
        let h = hazard();
        let mut bodies = vec![
            OpBody::FinishRound {
                finished_at: "2026-11-30T09:00:00Z".parse().unwrap(),
            },
            OpBody::EditHazard {
                changes: vec![
                    FieldValue::Description("插线板串接".into()),
                    FieldValue::Grade(crate::hazard::Grade::General),
                    FieldValue::Measures(None),
                    FieldValue::Measures(Some("更换".into())),
                    FieldValue::Department(None),
                    FieldValue::Owner(Some(h.reported_by)),
                    FieldValue::Deadline(Some(h.found_on)),
                    FieldValue::InterimPrecautions(None),
                    FieldValue::Funds(Fen::parse(100).unwrap()),
                    FieldValue::Remark(Some("备注".into())),
                ],
            },
            OpBody::ResolveConflict {
                field: Field::Deadline,
                take_losing: true,
            },
            OpBody::Comment {
                text: "先断电".into(),
            },
            OpBody::AddPhotos {
                after: true,
                photos: vec![photo('d')],
            },
        ];
        for event in every_event() {
            assert_round_trips(&event);
            bodies.push(OpBody::Transition {
                from: Status::Registered,
                event,
            });
        }
        for body in bodies {
            assert_round_trips(&body);
            assert_round_trips(&op(body));
        }
        assert_round_trips(&Entity::Hazard(h));
    }

    #[test]
    fn every_outcome_round_trips_with_its_entity() {
        let entity = Some(Entity::Hazard(hazard()));
        for (outcome, entity) in [
            (Outcome::Applied, entity.clone()),
            (Outcome::AlreadyApplied, None),
            (
                Outcome::Rejected {
                    error: ApiError::new("forbidden", "无权", "Forbidden"),
                },
                None,
            ),
            (
                Outcome::Conflict {
                    fields: vec![Field::Deadline, Field::Owner],
                },
                entity.clone(),
            ),
            (
                Outcome::Pending {
                    missing: vec![photo('e')],
                },
                None,
            ),
        ] {
            let r = OpResult {
                op_id: OpId::from_uuid(crate::ids::stable_uuid("op", "2")),
                device_seq: 3,
                outcome,
                entity,
            };
            assert_round_trips(&r);
        }
        let resp = PushResponse {
            results: vec![],
            resend_from: Some(4),
            last_seq: 3,
        };
        assert_round_trips(&resp);
        assert_round_trips(&PullResponse {
            changes: vec![Change {
                change_seq: 9,
                entity: Entity::Hazard(hazard()),
            }],
            cursor: 9,
            more: false,
        });
    }

    #[test]
    fn answers_round_trip_in_any_key_order() {
        for v in [
            AnswerValue::Pass,
            AnswerValue::Fail,
            AnswerValue::NotApplicable,
            AnswerValue::Number(3.5),
            AnswerValue::Text("正常".into()),
        ] {
            assert_round_trips(&v);
        }
        for k in [
            AnswerKind::PassFailNa,
            AnswerKind::Text,
            AnswerKind::Number {
                unit: "MPa".into(),
                min: 0.8,
                max: 1.2,
            },
        ] {
            assert_round_trips(&k);
        }
        // A unit variant may also carry an explicit null, as serde's derive accepted.
        let v: AnswerValue = serde_json::from_str(r#"{"kind":"pass","value":null}"#).unwrap();
        assert_eq!(v, AnswerValue::Pass);
    }

    /// Every object and array in a document, by path, for the mutations below.
    fn containers(v: &serde_json::Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        match v {
            serde_json::Value::Object(m) => {
                out.push(path.clone());
                for (k, v) in m {
                    let mut p = path.clone();
                    p.push(k.clone());
                    containers(v, p, out);
                }
            }
            serde_json::Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    let mut p = path.clone();
                    p.push(i.to_string());
                    containers(v, p, out);
                }
            }
            _ => {}
        }
    }

    fn at<'a>(v: &'a mut serde_json::Value, path: &[String]) -> &'a mut serde_json::Value {
        path.iter().fold(v, |v, k| match v {
            serde_json::Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
            other => &mut other[k.as_str()],
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]
        /// A push body damaged anywhere (a key dropped, a value replaced, the text cut) is
        /// refused or decoded, never a panic, by both decoders alike; whatever decodes encodes
        /// and decodes to itself.
        #[test]
        fn damaged_push_bodies_decode_or_fail_cleanly(
            which in 0usize..1000,
            key in 0usize..1000,
            how in 0u8..4,
            cut in 0usize..10_000,
        ) {
            let h = hazard();
            let mut ops = vec![
                op(OpBody::Comment { text: "先断电".into() }),
                op(OpBody::Transition { from: Status::Registered, event: every_event().remove(0) }),
            ];
            ops.push(op(OpBody::EditHazard { changes: vec![FieldValue::Owner(Some(h.reported_by))] }));
            let req = crate::sync::PushRequest { device_id: ops[0].device_id, ops };
            let mut doc = serde_json::to_value(&req).unwrap();
            let mut paths = Vec::new();
            containers(&doc, Vec::new(), &mut paths);
            let path = paths[which % paths.len()].clone();
            let target = at(&mut doc, &path);
            let replacements = [
                serde_json::Value::Null,
                serde_json::json!(7),
                serde_json::json!("x"),
                serde_json::json!({"kind": "comment"}),
            ];
            let text = match (how, target) {
                (0, serde_json::Value::Object(m)) if !m.is_empty() => {
                    let k = m.keys().nth(key % m.len()).unwrap().clone();
                    m.remove(&k);
                    doc.to_string()
                }
                (1, serde_json::Value::Object(m)) if !m.is_empty() => {
                    let k = m.keys().nth(key % m.len()).unwrap().clone();
                    m.insert(k, replacements[key % replacements.len()].clone());
                    doc.to_string()
                }
                (2, _) => {
                    let t = doc.to_string();
                    let mut end = cut % (t.len() + 1);
                    while !t.is_char_boundary(end) {
                        end -= 1;
                    }
                    t[..end].to_owned()
                }
                _ => doc.to_string(),
            };
            let server = serde_json::from_str::<crate::sync::PushRequest>(&text);
            let phone = json::from_str::<crate::sync::PushRequest>(&text);
            // The phone's decoder refuses what the server's refuses and reads the rest alike.
            proptest::prop_assert_eq!(phone.as_ref().ok(), server.as_ref().ok(), "{}", text);
            if let Ok(back) = server {
                assert_round_trips(&back);
            }
        }
    }

    #[test]
    fn bad_input_is_refused_with_the_field_named() {
        let err = |text: &str| {
            serde_json::from_str::<Operation>(text)
                .unwrap_err()
                .to_string()
        };
        let good = serde_json::to_value(op(OpBody::Comment { text: "x".into() })).unwrap();
        let without = |key: &str| {
            let mut v = good.clone();
            v.as_object_mut().unwrap().remove(key);
            v.to_string()
        };
        for key in ["op_id", "device_seq", "kind", "payload", "recorded_at"] {
            assert!(
                err(&without(key)).contains(&format!("missing field `{key}`")),
                "{key}"
            );
        }
        let unknown = good.to_string().replace("\"comment\"", "\"explode\"");
        assert!(
            err(&unknown).contains("unknown variant `explode`"),
            "{}",
            err(&unknown)
        );
        let wrong = good.to_string().replace("\"text\":\"x\"", "\"text\":5");
        assert!(err(&wrong).contains("invalid type"), "{}", err(&wrong));
        let twice = good.to_string().replacen("{", "{\"kind\":\"comment\",", 1);
        assert!(
            err(&twice).contains("duplicate field `kind`"),
            "{}",
            err(&twice)
        );
        assert!(serde_json::from_str::<Operation>("[]").is_err());
        assert!(
            serde_json::from_str::<Event>(r#"{"reason":"x"}"#)
                .unwrap_err()
                .to_string()
                .contains("missing field `event`")
        );
        assert!(
            serde_json::from_str::<Entity>(r#"{"type":"hazard"}"#)
                .unwrap_err()
                .to_string()
                .contains("missing field `data`")
        );
        // Keys this build does not know are skipped, as the derives did.
        let mut extra = good.clone();
        extra
            .as_object_mut()
            .unwrap()
            .insert("later".into(), serde_json::json!({"a": [1, 2]}));
        assert_eq!(
            serde_json::from_value::<Operation>(extra).unwrap(),
            op(OpBody::Comment { text: "x".into() })
        );
    }
}
