//! HTTP to the server. Errors are the server's JSON `ApiError`, or a local one when the network
//! is down, so the interface shows every failure the same way.

use saferounds_shared::ApiError;
use saferounds_shared::endpoints::{self as ep, Call, HtmlPage, Method, Photo, Xlsx};
use saferounds_shared::json::{self, Decode, Encode, Ignored};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

pub fn offline_error() -> crate::Failure {
    Box::new(ApiError::new(
        "offline",
        "无法连接服务器。数据已保存在本机，联网后会自动上传。",
        "Cannot reach the server. Your data is saved on this device and will upload when online.",
    ))
}

fn js_err(_: JsValue) -> crate::Failure {
    offline_error()
}

/// Sends a request and returns the browser's response; a network failure is `offline`.
async fn fetch_response(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<JsValue>,
    content_type: Option<&str>,
) -> Result<Response, crate::Failure> {
    let opts = RequestInit::new();
    opts.set_method(method);
    let headers = Headers::new().map_err(js_err)?;
    if let Some(ct) = content_type {
        headers.set("Content-Type", ct).map_err(js_err)?;
    }
    if let Some(t) = token {
        headers
            .set("Authorization", &format!("Bearer {t}"))
            .map_err(js_err)?;
    }
    opts.set_headers(&headers);
    if let Some(b) = body {
        opts.set_body(&b);
    }
    let req = Request::new_with_str_and_init(path, &opts).map_err(js_err)?;
    let window = web_sys::window().ok_or_else(offline_error)?;
    JsFuture::from(window.fetch_with_request(&req))
        .await
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)
}

async fn text_of(resp: &Response) -> Result<String, crate::Failure> {
    Ok(JsFuture::from(resp.text().map_err(js_err)?)
        .await
        .map_err(js_err)?
        .as_string()
        .unwrap_or_default())
}

async fn blob_of(path: &str, token: &str) -> Result<web_sys::Blob, crate::Failure> {
    let resp = fetch_response("GET", path, Some(token), None, None).await?;
    if !resp.ok() {
        let text = text_of(&resp).await?;
        return Err(decode::<Ignored>(resp.status(), &text)
            .err()
            .unwrap_or_else(offline_error));
    }
    JsFuture::from(resp.blob().map_err(js_err)?)
        .await
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)
}

async fn send(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<JsValue>,
    content_type: &str,
) -> Result<(u16, String), crate::Failure> {
    let resp = fetch_response(method, path, token, body, Some(content_type)).await?;
    let text = text_of(&resp).await?;
    Ok((resp.status(), text))
}

fn decode<T: Decode>(status: u16, text: &str) -> Result<T, crate::Failure> {
    if (200..300).contains(&status) {
        json::from_str(text).map_err(|e| {
            ApiError::new(
                "decode",
                format!("服务器返回的数据无法识别：{e}"),
                format!("Unreadable server answer: {e}"),
            )
            .into()
        })
    } else {
        Err(json::from_str::<ApiError>(text)
            .unwrap_or_else(|_| {
                ApiError::new(
                    "http",
                    format!("服务器错误（{status}），请稍后重试。"),
                    format!("Server error ({status}); try again later."),
                )
            })
            .into())
    }
}

/// Calls an entry of the API's table that takes no body; its answer, of the entry's type.
pub async fn get<R: Decode>(call: Call<(), R>, token: &str) -> Result<R, crate::Failure> {
    let (status, text) = send("GET", &call.path, Some(token), None, "application/json").await?;
    decode(status, &text)
}

/// Calls an entry of the API's table with its JSON body (`POST`, or `PUT`: registers are saved
/// whole by id); its answer, of the entry's type.
pub async fn call<B: Encode, R: Decode>(
    call: Call<B, R>,
    token: Option<&str>,
    body: &B,
) -> Result<R, crate::Failure> {
    let json = json::to_string(body);
    let method = match call.method {
        Method::Put => "PUT",
        _ => "POST",
    };
    let (status, text) = send(
        method,
        &call.path,
        token,
        Some(JsValue::from_str(&json)),
        "application/json",
    )
    .await?;
    decode(status, &text)
}

/// Ends a session on the server. What it answers does not matter: the phone forgets the
/// session either way.
pub async fn logout(token: &str) {
    let body = JsValue::from_str("{}");
    let _ = send(
        "POST",
        ep::LOGOUT.path(),
        Some(token),
        Some(body),
        "application/json",
    )
    .await;
}

/// Uploads photo bytes to `PUT /api/v1/blobs/{sha256}`.
pub async fn put_photo(sha: &str, bytes: &[u8], token: &str) -> Result<(), crate::Failure> {
    let arr = js_sys::Uint8Array::from(bytes);
    let (status, text) = send(
        "PUT",
        &ep::PUT_BLOB.at(&sha).path,
        Some(token),
        Some(arr.into()),
        "image/jpeg",
    )
    .await?;
    decode::<Ignored>(status, &text).map(|_| ())
}

/// Opens a document (see [`open_document`]) in the background; what went wrong, in the user's
/// words, goes to `error` (offline, say: the button must not just do nothing).
pub fn open_in_background<R: Document>(
    call: Call<(), R>,
    filename: Option<String>,
    error: leptos::prelude::RwSignal<Option<String>>,
) {
    open_path_in_background(call.path.into_owned(), filename, error)
}

/// What the browser can be handed as a document: the answers of the table's print-ready pages
/// and workbooks.
pub trait Document {}
impl Document for HtmlPage {}
impl Document for Xlsx {}

fn open_path_in_background(
    path: String,
    filename: Option<String>,
    error: leptos::prelude::RwSignal<Option<String>>,
) {
    use leptos::prelude::*;
    let ctx = crate::state::ctx();
    let token = ctx.token_now();
    leptos::task::spawn_local(async move {
        match open_document(&path, &token, filename.as_deref()).await {
            Ok(()) => error.set(None),
            Err(e) => error.set(Some(e.message(ctx.lang.get_untracked()).to_owned())),
        }
    });
}

/// Fetches an authenticated document and hands it to the browser: a download (`filename`) or a
/// new window (for print-ready HTML).
async fn open_document(
    path: &str,
    token: &str,
    filename: Option<&str>,
) -> Result<(), crate::Failure> {
    let blob = blob_of(path, token).await?;
    let window = web_sys::window().ok_or_else(offline_error)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_err)?;
    match filename {
        Some(name) => {
            let doc = window.document().ok_or_else(offline_error)?;
            let a: web_sys::HtmlElement = doc
                .create_element("a")
                .map_err(js_err)?
                .dyn_into()
                .map_err(|_| offline_error())?;
            a.set_attribute("href", &url).map_err(js_err)?;
            a.set_attribute("download", name).map_err(js_err)?;
            a.click();
        }
        None => {
            let _ = window.open_with_url_and_target(&url, "_blank");
        }
    }
    Ok(())
}

/// Fetches an authenticated photo into an object URL for `<img src>`.
pub async fn object_url(call: Call<(), Photo>, token: &str) -> Result<String, crate::Failure> {
    let blob = blob_of(&call.path, token).await?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(js_err)
}
