//! A client of the SafeRounds API over HTTP, as a phone talks to it: log in, then push
//! operations numbered by the device (`shared::sync::client::DeviceOps`, as the app numbers
//! its own), upload photos, read and write the REST endpoints — their paths from
//! `shared::endpoints`. The API tests, the browser tests' set-ups and the benchmark all use it.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};
use reqwest::{Response, StatusCode};
use saferounds_shared::api::{LoginRequest, LoginResponse};
use saferounds_shared::endpoints::{self as ep, Call, Method};
use saferounds_shared::ids::{DeviceId, OpId, PhotoHash};
use saferounds_shared::org::User;
use saferounds_shared::sync::client::DeviceOps;
use saferounds_shared::sync::{OpBody, Operation, PushRequest, PushResponse};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "demo1234";

/// A server's API at `base` (`http://127.0.0.1:PORT`).
#[derive(Clone, Debug)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

/// A logged-in user on one device: the token, who they are, and the device's operation numbers.
#[derive(Debug)]
pub struct Device {
    pub api: Client,
    pub token: String,
    pub user: User,
    pub device: DeviceId,
    /// The next operation's `device_seq` (shared by clones of the operations a test makes).
    pub seq: AtomicU64,
}

impl Client {
    pub fn new(base: impl Into<String>) -> Client {
        Client::with(reqwest::Client::new(), base)
    }

    /// With a `reqwest` client of the caller's settings (pool, timeouts).
    pub fn with(http: reqwest::Client, base: impl Into<String>) -> Client {
        Client {
            http,
            base: base.into().trim_end_matches('/').to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Logs in as a demo user.
    pub async fn login(&self, username: &str) -> Result<Device> {
        self.login_with(username, DEMO_PASSWORD).await
    }

    /// Logs in on a new device.
    pub async fn login_with(&self, username: &str, password: &str) -> Result<Device> {
        let r = self
            .http
            .post(self.url(ep::LOGIN.path()))
            .json(&LoginRequest {
                username: username.to_owned(),
                password: password.to_owned(),
            })
            .send()
            .await?;
        if r.status() != StatusCode::OK {
            bail!("login {username}: {} {}", r.status(), r.text().await?);
        }
        let l: LoginResponse = r.json().await?;
        Ok(Device {
            api: self.clone(),
            token: l.token,
            user: l.user,
            device: DeviceId::from_uuid(uuid::Uuid::now_v7()),
            seq: AtomicU64::new(1),
        })
    }
}

impl Device {
    /// This device's next operation.
    pub fn op(&self, entity_id: uuid::Uuid, base_version: u64, body: OpBody) -> Operation {
        let mut numbering = DeviceOps {
            device_id: self.device,
            next_seq: self.seq.fetch_add(1, Ordering::SeqCst),
        };
        numbering.next(
            OpId::from_uuid(uuid::Uuid::now_v7()),
            entity_id,
            base_version,
            body,
            chrono::Utc::now(),
        )
    }

    pub async fn get(&self, path: &str) -> Result<Response> {
        Ok(self
            .api
            .http
            .get(self.api.url(path))
            .bearer_auth(&self.token)
            .send()
            .await?)
    }

    /// `GET` answered 200 with JSON of type `T`.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let r = self.get(path).await?;
        if r.status() != StatusCode::OK {
            bail!("GET {path}: {} {}", r.status(), r.text().await?);
        }
        r.json().await.with_context(|| format!("GET {path}"))
    }

    pub async fn post<B: Serialize>(&self, path: &str, body: &B) -> Result<Response> {
        Ok(self
            .api
            .http
            .post(self.api.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?)
    }

    pub async fn put<B: Serialize>(&self, path: &str, body: &B) -> Result<Response> {
        Ok(self
            .api
            .http
            .put(self.api.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?)
    }

    /// Calls an entry of the table that takes no body: its answer, of the entry's type, when
    /// it succeeds.
    pub async fn fetch<R: DeserializeOwned>(&self, call: Call<(), R>) -> Result<R> {
        let r = self.request(&call).send().await?;
        answer(&call, r).await
    }

    /// Calls an entry of the table with its body: its answer, of the entry's type, when it
    /// succeeds.
    pub async fn send<B: Serialize, R: DeserializeOwned>(
        &self,
        call: Call<B, R>,
        body: &B,
    ) -> Result<R> {
        let r = self.request(&call).json(body).send().await?;
        answer(&call, r).await
    }

    fn request<B, R>(&self, call: &Call<B, R>) -> reqwest::RequestBuilder {
        let method = match call.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
        };
        self.api
            .http
            .request(method, self.api.url(&call.path))
            .bearer_auth(&self.token)
    }

    /// Pushes operations of this device; the server's answer to each.
    pub async fn push(&self, ops: Vec<Operation>) -> Result<PushResponse> {
        let request = PushRequest {
            device_id: self.device,
            ops,
        };
        self.send(ep::PUSH.call(), &request).await
    }

    /// Pushes one new operation of this device.
    pub async fn push_one(
        &self,
        entity_id: uuid::Uuid,
        base_version: u64,
        body: OpBody,
    ) -> Result<PushResponse> {
        self.push(vec![self.op(entity_id, base_version, body)])
            .await
    }

    /// Uploads photo bytes under their SHA-256: the server's status (201 stored, 200 there
    /// already) and the hash.
    pub async fn upload(&self, bytes: &[u8]) -> Result<(StatusCode, PhotoHash)> {
        let h = photo_hash(bytes);
        let r = self
            .api
            .http
            .put(self.api.url(&ep::PUT_BLOB.at(&h).path))
            .bearer_auth(&self.token)
            .body(bytes.to_vec())
            .send()
            .await?;
        Ok((r.status(), h))
    }
}

/// A call's answer: its body as the entry's type on success, else an error that says what came
/// back.
async fn answer<B, R: DeserializeOwned>(call: &Call<B, R>, r: Response) -> Result<R> {
    let (method, path) = (call.method.as_str(), &call.path);
    if !r.status().is_success() {
        bail!("{method} {path}: {} {}", r.status(), r.text().await?);
    }
    r.json().await.with_context(|| format!("{method} {path}"))
}

/// The address of photo bytes: their SHA-256.
pub fn photo_hash(bytes: &[u8]) -> PhotoHash {
    PhotoHash::parse(&hex::encode(Sha256::digest(bytes))).expect("a SHA-256 in hex")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_numbered_without_gaps() {
        let d = Device {
            api: Client::new("http://127.0.0.1:1/"),
            token: String::new(),
            user: serde_json::from_value(serde_json::json!({
                "id": uuid::Uuid::nil(), "username": "u", "display_name": "U",
                "role": "inspector", "site_id": null, "department_id": null, "active": true
            }))
            .expect("a user"),
            device: DeviceId::from_uuid(uuid::Uuid::now_v7()),
            seq: AtomicU64::new(1),
        };
        let body = || OpBody::Comment { text: "x".into() };
        let (a, b) = (
            d.op(uuid::Uuid::nil(), 0, body()),
            d.op(uuid::Uuid::nil(), 0, body()),
        );
        assert_eq!((a.device_seq, b.device_seq), (1, 2));
        assert_ne!(a.op_id, b.op_id);
        assert_eq!(d.api.url("/api/health"), "http://127.0.0.1:1/api/health");
        assert_eq!(
            photo_hash(b"abc").to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
