//! IndexedDB through rexie. Values are JSON strings of `saferounds-shared` types, photos raw
//! bytes. A change and the operation that describes it are written in one transaction.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use rexie::{ObjectStore, Rexie, TransactionMode};
use saferounds_shared::ApiError;
use saferounds_shared::ids::{DeviceId, OpId, PhotoHash};
use saferounds_shared::json::{self, Decode, Encode};
use saferounds_shared::sync::client::DeviceOps;
use saferounds_shared::sync::{Entity, OpBody, Operation};
use uuid::Uuid;
use wasm_bindgen::JsValue;

const DB: &str = "saferounds";
pub const KV: &str = "kv";
pub const ENTITIES: &str = "entities";
pub const OUTBOX: &str = "outbox";
pub const SENT: &str = "sent";
pub const PHOTOS: &str = "photos";
pub const REJECTED: &str = "rejected";
/// How many acknowledged operations the sent journal keeps.
const SENT_KEEP: usize = 5000;

thread_local! {
    static HANDLE: RefCell<Option<Rc<Rexie>>> = const { RefCell::new(None) };
}

pub fn err(e: impl std::fmt::Display) -> crate::Failure {
    let e = e.to_string();
    // A full device (photos pile up in a basement with no signal) says so, with what helps:
    // reloading does not.
    if e.contains("QuotaExceeded") {
        return ApiError::new(
            "storage_full",
            "手机存储空间已满，这一条没有保存（之前保存的都还在）。请联网同步（已上传的照片会从本机删除），或清理手机存储空间，然后再保存。",
            "The phone's storage is full: this was not saved (everything saved before is still there). Sync when online (uploaded photos are then removed from the phone) or free space on the phone, then save again.",
        )
        .into();
    }
    ApiError::new(
        "storage",
        format!("本机存储出错：{e}。请刷新页面；已保存的数据不会丢失。"),
        format!("Device storage failed: {e}. Reload the page; saved data is not lost."),
    )
    .into()
}

async fn open() -> Result<Rc<Rexie>, crate::Failure> {
    if let Some(db) = HANDLE.with(|h| h.borrow().clone()) {
        return Ok(db);
    }
    let db = Rexie::builder(DB)
        .version(1)
        .add_object_store(ObjectStore::new(KV))
        .add_object_store(ObjectStore::new(ENTITIES))
        .add_object_store(ObjectStore::new(OUTBOX))
        .add_object_store(ObjectStore::new(SENT))
        .add_object_store(ObjectStore::new(PHOTOS))
        .add_object_store(ObjectStore::new(REJECTED))
        .build()
        .await
        .map_err(err)?;
    let db = Rc::new(db);
    HANDLE.with(|h| *h.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// A transaction, reopening the database once if the browser closed it (it may, under memory
/// pressure).
pub async fn tx(
    stores: &[&str],
    mode: TransactionMode,
) -> Result<rexie::Transaction, crate::Failure> {
    let db = open().await?;
    match db.transaction(stores, mode) {
        Ok(t) => Ok(t),
        Err(_) => {
            HANDLE.with(|h| *h.borrow_mut() = None);
            open().await?.transaction(stores, mode).map_err(err)
        }
    }
}

fn js(s: &str) -> JsValue {
    JsValue::from_str(s)
}
fn to_json<T: Encode + ?Sized>(v: &T) -> Result<JsValue, crate::Failure> {
    Ok(js(&json::to_string(v)))
}
fn from_json<T: Decode>(v: &JsValue) -> Option<T> {
    v.as_string().and_then(|s| json::from_str(&s).ok())
}
fn seq_key(seq: u64) -> JsValue {
    JsValue::from_f64(seq as f64)
}

// The generic functions only encode and decode; the IndexedDB work is compiled once (an async
// function's whole state machine is copied for every type it is generic over).
pub async fn kv_get<T: Decode>(key: &str) -> Result<Option<T>, crate::Failure> {
    Ok(kv_get_value(key).await?.and_then(|v| from_json(&v)))
}

async fn kv_get_value(key: &str) -> Result<Option<JsValue>, crate::Failure> {
    let t = tx(&[KV], TransactionMode::ReadOnly).await?;
    t.store(KV).map_err(err)?.get(js(key)).await.map_err(err)
}

pub async fn kv_put<T: Encode + ?Sized>(key: &str, value: &T) -> Result<(), crate::Failure> {
    kv_put_value(key, to_json(value)?).await
}

async fn kv_put_value(key: &str, value: JsValue) -> Result<(), crate::Failure> {
    let t = tx(&[KV], TransactionMode::ReadWrite).await?;
    t.store(KV)
        .map_err(err)?
        .put(&value, Some(&js(key)))
        .await
        .map_err(err)?;
    t.done().await.map_err(err)?;
    Ok(())
}

pub async fn kv_delete(key: &str) -> Result<(), crate::Failure> {
    let t = tx(&[KV], TransactionMode::ReadWrite).await?;
    t.store(KV)
        .map_err(err)?
        .delete(js(key))
        .await
        .map_err(err)?;
    t.done().await.map_err(err)?;
    Ok(())
}

/// This device: its id, the next sequence number, and whose it is.
#[derive(Clone, Debug, saferounds_shared::Json)]
pub struct DeviceState {
    pub device_id: DeviceId,
    pub user_id: String,
    pub next_seq: u64,
    /// The user's name, to tell the next person on a shared phone whose records wait here
    /// (absent from what older versions stored).
    #[serde(default)]
    pub user_name: String,
}

/// Whether someone other than the device's user may take the phone over, with `pending`
/// operations unsent. Only their author can send them (the server refuses a device that is
/// another user's, and a record must stay its author's), so they block the hand-over; nothing
/// is ever dropped to make room.
pub fn may_hand_over(previous: Option<&DeviceState>, pending: u32) -> Result<(), crate::Failure> {
    if pending == 0 {
        return Ok(());
    }
    let (zh, en) = match previous.map(|p| p.user_name.trim()) {
        Some(name) if !name.is_empty() => (name.to_owned(), name.to_owned()),
        _ => ("上一位用户".to_owned(), "the previous user".to_owned()),
    };
    Err(ApiError::new(
        "device_in_use",
        format!(
            "本机还有{zh}的 {pending} 条记录未上传。请{zh}先登录并同步，之后才能换人登录；这些记录不会丢失。"
        ),
        format!(
            "This phone still holds {pending} records of {en} that are not uploaded. {en} must log in and sync first; then someone else can log in. Nothing is lost."
        ),
    )
    .into())
}

/// Gives the phone to another user (a shared phone, the next shift): a new device id, and
/// nothing of the previous user's kept — their records, sent journal, rejections, photos and pull
/// cursor — so the new user sees only what the server sends them. Refused, changing nothing,
/// while the previous user has operations unsent (checked in the same transaction).
pub async fn hand_over(next: &DeviceState) -> Result<(), crate::Failure> {
    let t = tx(
        &[KV, ENTITIES, OUTBOX, SENT, PHOTOS, REJECTED],
        TransactionMode::ReadWrite,
    )
    .await?;
    let kv = t.store(KV).map_err(err)?;
    let previous: Option<DeviceState> = kv
        .get(js("device"))
        .await
        .map_err(err)?
        .and_then(|v| from_json(&v));
    let pending = t
        .store(OUTBOX)
        .map_err(err)?
        .count(None)
        .await
        .map_err(err)?;
    may_hand_over(previous.as_ref(), pending)?;
    for name in [ENTITIES, SENT, PHOTOS, REJECTED] {
        t.store(name).map_err(err)?.clear().await.map_err(err)?;
    }
    kv.delete(js("uploaded")).await.map_err(err)?;
    // The previous user's round is theirs: the next user's first visit starts a round of its own.
    kv.delete(js("round")).await.map_err(err)?;
    kv.put(&to_json(&0u64)?, Some(&js("cursor")))
        .await
        .map_err(err)?;
    kv.put(&to_json(next)?, Some(&js("device")))
        .await
        .map_err(err)?;
    t.done().await.map_err(err)?;
    bump_entities_rev().await
}

/// Records operations (and the photos they use) atomically, numbering them for this device.
pub async fn record(
    changes: Vec<(Uuid, u64, OpBody)>,
    photos: Vec<(PhotoHash, Vec<u8>)>,
) -> Result<Vec<Operation>, crate::Failure> {
    let t = tx(&[KV, OUTBOX, PHOTOS], TransactionMode::ReadWrite).await?;
    let kv = t.store(KV).map_err(err)?;
    let mut dev: DeviceState = kv
        .get(js("device"))
        .await
        .map_err(err)?
        .and_then(|v| from_json(&v))
        .ok_or_else(|| err("no device state; log in again"))?;
    let outbox = t.store(OUTBOX).map_err(err)?;
    let now =
        chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default();
    let mut ops = Vec::new();
    let mut numbering = DeviceOps {
        device_id: dev.device_id,
        next_seq: dev.next_seq,
    };
    for (entity_id, base_version, body) in changes {
        let op_id = OpId::from_uuid(Uuid::now_v7());
        let op = numbering.next(op_id, entity_id, base_version, body, now);
        outbox
            .put(&to_json(&op)?, Some(&seq_key(op.device_seq)))
            .await
            .map_err(err)?;
        ops.push(op);
    }
    dev.next_seq = numbering.next_seq;
    let photo_store = t.store(PHOTOS).map_err(err)?;
    for (hash, bytes) in used_photos(&ops, photos) {
        photo_store
            .put(
                &js_sys::Uint8Array::from(bytes.as_slice()).into(),
                Some(&js(hash.as_str())),
            )
            .await
            .map_err(err)?;
    }
    kv.put(&to_json(&dev)?, Some(&js("device")))
        .await
        .map_err(err)?;
    t.done().await.map_err(err)?;
    Ok(ops)
}

/// The photos the operations refer to, each once. A photo no operation uses would never be
/// acknowledged, so it would stay on the phone for good: it is not stored.
fn used_photos(
    ops: &[Operation],
    photos: Vec<(PhotoHash, Vec<u8>)>,
) -> BTreeMap<PhotoHash, Vec<u8>> {
    let used: Vec<PhotoHash> = ops.iter().flat_map(Operation::photo_refs).collect();
    // Inserted one by one: `collect` into a map compiles a stable sort for the element type.
    let mut kept = BTreeMap::new();
    kept.extend(photos.into_iter().filter(|(h, _)| used.contains(h)));
    kept
}

pub async fn outbox() -> Result<Vec<Operation>, crate::Failure> {
    let t = tx(&[OUTBOX], TransactionMode::ReadOnly).await?;
    let all = t
        .store(OUTBOX)
        .map_err(err)?
        .get_all(None, None)
        .await
        .map_err(err)?;
    let mut ops: Vec<Operation> = all.iter().filter_map(from_json).collect();
    saferounds_shared::order::sort_by_key(&mut ops, |o| o.device_seq);
    Ok(ops)
}

pub async fn sent() -> Result<Vec<Operation>, crate::Failure> {
    let t = tx(&[SENT], TransactionMode::ReadOnly).await?;
    let all = t
        .store(SENT)
        .map_err(err)?
        .get_all(None, None)
        .await
        .map_err(err)?;
    Ok(all.iter().filter_map(from_json).collect())
}

thread_local! {
    /// The server-state entities as last read, with the revision they were read at. Reading
    /// thousands of records from IndexedDB is the slow part of refreshing the view; the
    /// revision (in `kv`, shared by every tab) says when another write makes the copy stale.
    static BASE: RefCell<Option<(f64, BTreeMap<Uuid, Entity>)>> = const { RefCell::new(None) };
}

/// Marks the entity store changed, for this tab and every other (after the write committed).
async fn bump_entities_rev() -> Result<(), crate::Failure> {
    BASE.with(|b| b.borrow_mut().take());
    kv_put(
        "entities_rev",
        &(js_sys::Date::now() + js_sys::Math::random()),
    )
    .await
}

pub async fn entities() -> Result<BTreeMap<Uuid, Entity>, crate::Failure> {
    let rev: f64 = kv_get("entities_rev").await?.unwrap_or(0.0);
    if let Some(hit) = BASE.with(|b| {
        b.borrow()
            .as_ref()
            .filter(|(r, _)| *r == rev)
            .map(|(_, m)| m.clone())
    }) {
        return Ok(hit);
    }
    let t = tx(&[ENTITIES], TransactionMode::ReadOnly).await?;
    let all = t
        .store(ENTITIES)
        .map_err(err)?
        .get_all(None, None)
        .await
        .map_err(err)?;
    let mut map = BTreeMap::new();
    map.extend(
        all.iter()
            .filter_map(from_json::<Entity>)
            .map(|e| (e.id(), e)),
    );
    BASE.with(|b| *b.borrow_mut() = Some((rev, map.clone())));
    Ok(map)
}

pub async fn photo(hash: &str) -> Result<Option<Vec<u8>>, crate::Failure> {
    let t = tx(&[PHOTOS], TransactionMode::ReadOnly).await?;
    let v = t
        .store(PHOTOS)
        .map_err(err)?
        .get(js(hash))
        .await
        .map_err(err)?;
    Ok(v.map(|v| js_sys::Uint8Array::new(&v).to_vec()))
}

pub async fn photo_keys() -> Result<Vec<String>, crate::Failure> {
    let t = tx(&[PHOTOS], TransactionMode::ReadOnly).await?;
    let keys = t
        .store(PHOTOS)
        .map_err(err)?
        .get_all_keys(None, None)
        .await
        .map_err(err)?;
    Ok(keys.iter().filter_map(|k| k.as_string()).collect())
}

/// An operation the server refused, or applied across someone else's change, kept to show the
/// user what happened.
#[derive(Clone, Debug, saferounds_shared::Json)]
pub struct RejectedOp {
    pub op: Operation,
    pub error: ApiError,
}

pub async fn rejected() -> Result<Vec<RejectedOp>, crate::Failure> {
    let t = tx(&[REJECTED], TransactionMode::ReadOnly).await?;
    let all = t
        .store(REJECTED)
        .map_err(err)?
        .get_all(None, None)
        .await
        .map_err(err)?;
    Ok(all.iter().filter_map(from_json).collect())
}

pub async fn dismiss_rejected() -> Result<(), crate::Failure> {
    let t = tx(&[REJECTED], TransactionMode::ReadWrite).await?;
    t.store(REJECTED).map_err(err)?.clear().await.map_err(err)?;
    t.done().await.map_err(err)?;
    Ok(())
}

/// Applies a push acknowledgement in one transaction: acknowledged operations move from the
/// outbox to the sent journal, rejected and conflicting ones are kept for the user, the server's
/// entities stored.
pub async fn apply_ack(
    ack: &saferounds_shared::sync::client::Ack,
    ops: &[Operation],
) -> Result<(), crate::Failure> {
    let t = tx(
        &[OUTBOX, SENT, REJECTED, ENTITIES, PHOTOS],
        TransactionMode::ReadWrite,
    )
    .await?;
    let outbox = t.store(OUTBOX).map_err(err)?;
    let sent = t.store(SENT).map_err(err)?;
    let rejected = t.store(REJECTED).map_err(err)?;
    let entities = t.store(ENTITIES).map_err(err)?;
    for op in ops.iter().filter(|o| ack.done.contains(&o.op_id)) {
        outbox.delete(seq_key(op.device_seq)).await.map_err(err)?;
        sent.put(&to_json(op)?, Some(&seq_key(op.device_seq)))
            .await
            .map_err(err)?;
        // Refused, or applied across someone else's change: the user is told either way.
        if let Some((_, e)) = ack
            .rejected
            .iter()
            .chain(&ack.conflicts)
            .find(|(id, _)| *id == op.op_id)
        {
            rejected
                .put(
                    &to_json(&RejectedOp {
                        op: op.clone(),
                        error: e.clone(),
                    })?,
                    Some(&js(&op.op_id.to_string())),
                )
                .await
                .map_err(err)?;
        }
    }
    // The sent journal answers a server restored from an older backup; keep the latest ones.
    let keys = sent.get_all_keys(None, None).await.map_err(err)?;
    if keys.len() > SENT_KEEP {
        for k in &keys[..keys.len() - SENT_KEEP] {
            sent.delete(k.clone()).await.map_err(err)?;
        }
    }
    for e in &ack.entities {
        let key = js(&e.id().to_string());
        let old: Option<Entity> = entities
            .get(key.clone())
            .await
            .map_err(err)?
            .and_then(|v| from_json(&v));
        if saferounds_shared::sync::client::newer(old.as_ref(), e) {
            entities.put(&to_json(e)?, Some(&key)).await.map_err(err)?;
        }
    }
    t.done().await.map_err(err)?;
    bump_entities_rev().await
}

/// Saves one pulled page and its cursor together.
pub async fn save_pull(page: &saferounds_shared::sync::PullResponse) -> Result<(), crate::Failure> {
    let t = tx(&[ENTITIES, KV], TransactionMode::ReadWrite).await?;
    let entities = t.store(ENTITIES).map_err(err)?;
    for c in &page.changes {
        entities
            .put(&to_json(&c.entity)?, Some(&js(&c.entity.id().to_string())))
            .await
            .map_err(err)?;
    }
    t.store(KV)
        .map_err(err)?
        .put(&to_json(&page.cursor)?, Some(&js("cursor")))
        .await
        .map_err(err)?;
    t.done().await.map_err(err)?;
    bump_entities_rev().await
}

/// Frees photos that are uploaded and used by no operation still in the outbox.
pub async fn free_photos(
    uploaded: &[String],
    still_needed: &[String],
) -> Result<(), crate::Failure> {
    let t = tx(&[PHOTOS], TransactionMode::ReadWrite).await?;
    let store = t.store(PHOTOS).map_err(err)?;
    for h in uploaded.iter().filter(|h| !still_needed.contains(h)) {
        store.delete(js(h)).await.map_err(err)?;
    }
    t.done().await.map_err(err)?;
    Ok(())
}

/// Forgets the session (the outbox and photos stay).
pub async fn clear_session() -> Result<(), crate::Failure> {
    kv_delete("session").await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(name: &str) -> DeviceState {
        DeviceState {
            device_id: DeviceId::from_uuid(Uuid::now_v7()),
            user_id: "u1".into(),
            next_seq: 4,
            user_name: name.into(),
        }
    }

    #[test]
    fn a_phone_changes_hands_only_when_nothing_is_unsent() {
        assert!(may_hand_over(Some(&device("李明")), 0).is_ok());
        assert!(may_hand_over(None, 0).is_ok());
        let e = may_hand_over(Some(&device("李明")), 3).unwrap_err();
        assert_eq!(e.code, "device_in_use");
        assert!(
            e.message_zh.contains("李明") && e.message_zh.contains("3 条"),
            "{}",
            e.message_zh
        );
        assert!(
            e.message_en.contains("李明") && e.message_en.contains("3 records"),
            "{}",
            e.message_en
        );
        // Unsent records of someone unknown block too: they are never dropped.
        let e = may_hand_over(None, 1).unwrap_err();
        assert!(e.message_zh.contains("上一位用户"), "{}", e.message_zh);
    }

    #[test]
    fn a_full_device_is_told_what_helps() {
        // What a transaction aborted by the quota reports through rexie.
        let e = err("DOM exception: QuotaExceededError: The quota has been exceeded.");
        assert_eq!(e.code, "storage_full");
        assert!(e.message_zh.contains("同步") && e.message_zh.contains("没有保存"));
        assert!(e.message_en.contains("Sync") && e.message_en.contains("not saved"));
        assert!(!e.message_en.contains("Reload"));
        let other = err("DOM exception: InvalidStateError: The database connection is closing.");
        assert_eq!(other.code, "storage");
        assert!(other.message_en.contains("InvalidStateError"));
    }

    #[test]
    fn only_the_photos_an_operation_uses_are_kept() {
        let hash = |c: char| PhotoHash::parse(&c.to_string().repeat(64)).unwrap();
        let op = |body| Operation {
            op_id: OpId::from_uuid(Uuid::now_v7()),
            device_id: DeviceId::from_uuid(Uuid::now_v7()),
            device_seq: 1,
            schema_version: saferounds_shared::sync::SCHEMA_VERSION,
            entity_id: Uuid::now_v7(),
            base_version: 1,
            body,
            recorded_at: chrono::DateTime::default(),
        };
        let photos = || {
            vec![
                (hash('a'), vec![1]),
                (hash('b'), vec![2]),
                (hash('a'), vec![1]),
            ]
        };
        // A comment uses no photo: the after-photos chosen on the page are not stored with it.
        let comment = op(OpBody::Comment {
            text: "先断电".into(),
        });
        assert!(used_photos(&[comment], photos()).is_empty());
        let add = op(OpBody::AddPhotos {
            after: true,
            photos: vec![hash('a')],
        });
        let kept = used_photos(&[add], photos());
        assert_eq!(
            kept.into_iter().collect::<Vec<_>>(),
            vec![(hash('a'), vec![1])]
        );
    }

    #[test]
    fn a_device_stored_before_names_were_kept_still_reads() {
        let old =
            r#"{"device_id":"0190b4c2-7d3e-7a00-8000-000000000001","user_id":"u1","next_seq":7}"#;
        let d: DeviceState = json::from_str(old).unwrap();
        assert_eq!((d.next_seq, d.user_name.as_str()), (7, ""));
    }
}
