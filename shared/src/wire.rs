//! The wire types' two codecs, serde's (the server) and `json`'s (the phone), both derived
//! from the same `#[serde(...)]` attributes, held to each other: every type's encoding read
//! back by both, in any key order, with keys left out, damaged (a property test), and refused
//! with the field named.

use crate::json::{self, Decode, Encode};

/// A wire type: both codecs, and comparable in tests.
pub(crate) trait Wire:
    serde::Serialize + serde::de::DeserializeOwned + Decode + Encode + PartialEq + std::fmt::Debug
{
}

impl<T> Wire for T where
    T: serde::Serialize
        + serde::de::DeserializeOwned
        + Decode
        + Encode
        + PartialEq
        + std::fmt::Debug
{
}

pub(crate) fn assert_round_trips<T: Wire>(v: &T) {
    let value = assert_reads_back(v);
    assert_absent_keys_read_alike::<T>(&value);
}

/// [`assert_round_trips`] without the absent keys (for every case of a property test); the
/// value as serde writes it.
pub(crate) fn assert_reads_back<T: Wire>(v: &T) -> serde_json::Value {
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
fn assert_absent_keys_read_alike<T>(value: &serde_json::Value)
where
    T: serde::de::DeserializeOwned + Decode + PartialEq + std::fmt::Debug,
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
    use crate::checklist::AnswerKind;
    use crate::error::ApiError;
    use crate::hazard::tests_support::sample;
    use crate::hazard::{Event, EventKind, Field, FieldValue, Registration, Status};
    use crate::ids::{DepartmentId, DeviceId, Fen, OpId, PhotoHash, Reason};
    use crate::inspection::AnswerValue;
    use crate::sync::{Change, Entity, OpBody, OpResult, Operation, Outcome};
    use crate::sync::{PullResponse, PushResponse, SCHEMA_VERSION};

    /// The tag the derived encoder writes for `v` under `key`, read back as the tag type.
    fn written_tag<T: serde::Serialize, K: serde::de::DeserializeOwned>(v: &T, key: &str) -> K {
        let json = serde_json::to_value(v).unwrap();
        serde_json::from_value(json[key].clone()).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    /// The screens' [`EventKind`] names each event as it is tagged on the wire.
    #[test]
    fn every_event_is_tagged_with_its_kind() {
        for event in every_event() {
            assert_eq!(written_tag::<_, EventKind>(&event, "event"), event.kind());
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
