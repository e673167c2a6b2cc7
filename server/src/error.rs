//! The server's error type: every failure becomes JSON `{code, message_zh, message_en}` with the
//! right status. Nothing a client sends can produce a 500 except a real server fault.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saferounds_shared::{ApiError, DomainError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("payload too large")]
    TooLarge,
    #[error("unsupported media type")]
    UnsupportedMedia,
    #[error("too many attempts")]
    RateLimited { retry_after_secs: i64 },
    #[error("request timed out")]
    Timeout,
    #[error("wrong credentials")]
    BadCredentials,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Unexpected(e.into())
    }
}
impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::Unexpected(e.into())
    }
}

impl AppError {
    pub fn body(&self) -> (StatusCode, ApiError) {
        use AppError::*;
        match self {
            Domain(e) => {
                let status = match e {
                    DomainError::Forbidden { .. } | DomainError::OutOfScope => {
                        StatusCode::FORBIDDEN
                    }
                    DomainError::NotFound => StatusCode::NOT_FOUND,
                    DomainError::AlreadyExists | DomainError::StaleTransition { .. } => {
                        StatusCode::CONFLICT
                    }
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                (status, e.to_api())
            }
            Unauthorized => (
                StatusCode::UNAUTHORIZED,
                ApiError::new(
                    "unauthorized",
                    "登录已失效，请重新登录。未上传的数据会保留在本机。",
                    "Your session has ended. Log in again; unsent data stays on this device.",
                ),
            ),
            Forbidden => (
                StatusCode::FORBIDDEN,
                ApiError::new(
                    "forbidden",
                    "您的角色无权访问此内容。如需访问，请联系系统管理员。",
                    "Your role may not access this. Ask an administrator if you need it.",
                ),
            ),
            NotFound => (
                StatusCode::NOT_FOUND,
                ApiError::new(
                    "not_found",
                    "找不到该内容。请检查地址或刷新后重试。",
                    "Not found. Check the address or refresh and try again.",
                ),
            ),
            BadRequest(detail) => (
                StatusCode::BAD_REQUEST,
                ApiError::new(
                    "bad_request",
                    format!("请求格式不正确：{detail}。请检查后重试。"),
                    format!("The request is malformed: {detail}. Check it and try again."),
                ),
            ),
            TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ApiError::new(
                    "too_large",
                    "内容太大，无法上传。照片会在手机上自动压缩；请重新选择照片后再试。",
                    "Too large to upload. Photos are shrunk on the phone; choose the photo again and retry.",
                ),
            ),
            UnsupportedMedia => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ApiError::new(
                    "unsupported_media",
                    "只接受 JPEG 或 PNG 照片。请重新拍摄。",
                    "Only JPEG or PNG photos are accepted. Take the photo again.",
                ),
            ),
            RateLimited { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                ApiError::new(
                    "rate_limited",
                    format!(
                        "登录失败次数过多，请 {} 后再试，或联系管理员重置密码。",
                        wait_zh(*retry_after_secs)
                    ),
                    format!(
                        "Too many failed logins. Try again in {}, or ask an administrator to reset your password.",
                        wait_en(*retry_after_secs)
                    ),
                ),
            ),
            Timeout => (
                StatusCode::REQUEST_TIMEOUT,
                ApiError::new(
                    "timeout",
                    "请求超时（网络太慢或中断）。未上传的数据仍在本机，请稍后重试。",
                    "The request timed out (the connection is slow or broke off). Unsent data stays on this device; try again later.",
                ),
            ),
            BadCredentials => (
                StatusCode::UNAUTHORIZED,
                ApiError::new(
                    "bad_credentials",
                    "用户名或密码不正确。请重新输入。",
                    "Wrong user name or password. Try again.",
                ),
            ),
            Conflict(detail) => (
                StatusCode::CONFLICT,
                ApiError::new(
                    "conflict",
                    format!("与现有数据冲突：{detail}。"),
                    format!("Conflicts with existing data: {detail}."),
                ),
            ),
            Unexpected(e) => {
                tracing::error!(error = ?e, "unexpected error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ApiError::new(
                        "internal",
                        "服务器内部错误，您的数据未丢失。请稍后重试；如持续出现，请联系管理员。",
                        "Internal server error; your data is not lost. Retry later, and tell an administrator if it persists.",
                    ),
                )
            }
        }
    }
}

fn wait_zh(secs: i64) -> String {
    if secs < 60 {
        format!("{} 秒", secs.max(1))
    } else {
        format!("{} 分钟", (secs + 59) / 60)
    }
}

fn wait_en(secs: i64) -> String {
    if secs < 60 {
        format!("{} s", secs.max(1))
    } else {
        format!("{} min", (secs + 59) / 60)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body) = self.body();
        // Refusals are logged inside the request's span, which names the client's address and,
        // once the token was read, the user; never a password or a token.
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS => {
                tracing::warn!(status = status.as_u16(), code = %body.code, "refused");
            }
            _ => {}
        }
        let mut response = (status, Json(body)).into_response();
        if let AppError::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs.max(1)),
            );
        }
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
