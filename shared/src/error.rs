//! Errors with a stable code and a message in Chinese and English that says what happened and
//! what to do. The JSON body the server sends is [`ApiError`]; the app decodes exactly it.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::hazard::{Event, Status};

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("invalid {what}: {value}")]
    InvalidId { what: &'static str, value: String },
    #[error("invalid photo hash")]
    InvalidPhotoHash,
    #[error("empty text")]
    EmptyText,
    #[error("text longer than {max} characters")]
    TextTooLong { max: usize },
    #[error("{field} longer than {max} characters")]
    FieldTooLong { field: &'static str, max: usize },
    #[error("password too weak")]
    WeakPassword,
    #[error("invalid amount")]
    InvalidAmount,
    #[error("event {event:?} does not apply in state {from:?}")]
    TransitionNotAllowed { from: Status, event: &'static str },
    #[error("stale transition: expected {expected:?}, hazard is {actual:?}")]
    StaleTransition { expected: Status, actual: Status },
    #[error("role may not do this")]
    Forbidden { action: &'static str },
    #[error("outside the user's departments or sites")]
    OutOfScope,
    #[error("the verifier rectified this hazard")]
    VerifierIsRectifier,
    #[error("a major hazard is closed only by a safety supervisor")]
    MajorNeedsSupervisor,
    #[error("only a safety supervisor judges a hazard major")]
    MajorIsSupervisorsCall,
    #[error("after-photos are required")]
    AfterPhotosRequired,
    #[error("a photo is required for a failed item")]
    PhotoRequired,
    #[error("missing field {field}")]
    MissingField { field: &'static str },
    #[error("deadline before the finding date")]
    DeadlineBeforeFound,
    #[error("no extension pending")]
    NoExtensionPending,
    #[error("an extension is already pending")]
    ExtensionPending,
    #[error("entity not found")]
    NotFound,
    #[error("entity already exists")]
    AlreadyExists,
    #[error("unsupported schema version {got}")]
    SchemaTooNew { got: u32 },
    #[error("unsupported schema version {got}")]
    SchemaTooOld { got: u32 },
    #[error("operation does not match its entity")]
    WrongEntity,
    #[error("invalid value: {detail}")]
    Invalid { detail: String },
    #[error("no conflict recorded for this field")]
    NoSuchConflict,
}

impl DomainError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        use DomainError::*;
        match self {
            InvalidId { .. } => "invalid_id",
            InvalidPhotoHash => "invalid_photo_hash",
            EmptyText => "empty_text",
            TextTooLong { .. } | FieldTooLong { .. } => "text_too_long",
            WeakPassword => "weak_password",
            InvalidAmount => "invalid_amount",
            TransitionNotAllowed { .. } => "transition_not_allowed",
            StaleTransition { .. } => "stale_transition",
            Forbidden { .. } => "forbidden",
            OutOfScope => "out_of_scope",
            VerifierIsRectifier => "verifier_is_rectifier",
            MajorNeedsSupervisor => "major_needs_supervisor",
            MajorIsSupervisorsCall => "major_is_supervisors_call",
            AfterPhotosRequired => "after_photos_required",
            PhotoRequired => "photo_required",
            MissingField { .. } => "missing_field",
            DeadlineBeforeFound => "deadline_before_found",
            NoExtensionPending => "no_extension_pending",
            ExtensionPending => "extension_pending",
            NotFound => "not_found",
            AlreadyExists => "already_exists",
            SchemaTooNew { .. } => "schema_too_new",
            SchemaTooOld { .. } => "please_update",
            WrongEntity => "wrong_entity",
            Invalid { .. } => "invalid",
            NoSuchConflict => "no_such_conflict",
        }
    }

    /// What happened and what to do, in Chinese.
    pub fn message_zh(&self) -> String {
        use DomainError::*;
        match self {
            InvalidId { value, .. } => format!("编号“{value}”格式不正确。请从列表中重新选择。"),
            InvalidPhotoHash => "照片标识不正确。请重新拍摄或选择照片。".into(),
            EmptyText => "内容不能为空。请填写后再提交。".into(),
            TextTooLong { max } => format!("内容过长（最多 {max} 字）。请精简后再提交。"),
            FieldTooLong { field, max } => {
                format!("“{field}”过长（最多 {max} 字）。请精简后再提交。")
            }
            WeakPassword => format!(
                "密码太弱：至少 {} 个字符（不计空格），不能是常见密码、键盘或数字序列、重复的几个字符，也不能包含用户名或姓名。请换一个。",
                crate::limits::PASSWORD_MIN
            ),
            InvalidAmount => "金额不正确。请填写 0 或正数（单位：元）。".into(),
            TransitionNotAllowed { from, event } => format!(
                "隐患当前为“{}”，不能执行“{}”。请刷新后按当前状态操作。",
                crate::i18n::Label::zh(from),
                Event::name_zh(event)
            ),
            StaleTransition { expected, actual } => format!(
                "操作时隐患为“{}”，但现在已是“{}”（他人已处理）。您的操作未生效，请查看最新状态。",
                crate::i18n::Label::zh(expected),
                crate::i18n::Label::zh(actual)
            ),
            Forbidden { .. } => "您的角色无权执行此操作。如需办理，请联系安全管理员。".into(),
            OutOfScope => "该记录不属于您负责的科室或站点。如有疑问，请联系安全管理员。".into(),
            VerifierIsRectifier => "复查人不能是整改人本人。请由其他人员复查。".into(),
            MajorNeedsSupervisor => "重大隐患只能由安全管理员销号。请提交安全管理员复查。".into(),
            MajorIsSupervisorsCall => "是否属于重大隐患由安全管理部门认定（GB 35181）。请按一般隐患上报并在描述中说明，安全管理员登记时会认定等级。".into(),
            AfterPhotosRequired => "请先上传整改后照片，再提交。".into(),
            PhotoRequired => "不合格项需要拍照。请拍摄照片后再保存。".into(),
            MissingField { field } => format!("缺少必填项：{field}。请补充后再提交。"),
            DeadlineBeforeFound => "整改时限不能早于排查日期。请重新选择日期。".into(),
            NoExtensionPending => "没有待审批的延期申请。".into(),
            ExtensionPending => "已有延期申请待审批，请等待审批结果。".into(),
            NotFound => "记录不存在或已被作废。请刷新后重试。".into(),
            AlreadyExists => "记录已存在，无需重复提交。".into(),
            SchemaTooNew { .. } => {
                "服务器版本较旧，无法识别此数据。请联系管理员升级服务器；您的数据已保留在手机上。"
                    .into()
            }
            SchemaTooOld { .. } => "应用版本过旧。请刷新页面更新应用；未上传的数据会保留。".into(),
            WrongEntity => "操作与记录不匹配。请刷新后重试。".into(),
            Invalid { detail } => format!("数据不正确：{detail}。请检查后重新提交。"),
            NoSuchConflict => "该字段没有待处理的冲突。".into(),
        }
    }

    /// What happened and what to do, in English.
    pub fn message_en(&self) -> String {
        use DomainError::*;
        match self {
            InvalidId { what, value } => format!("“{value}” is not a valid {what}. Pick the item again from the list."),
            InvalidPhotoHash => "The photo reference is invalid. Take or choose the photo again.".into(),
            EmptyText => "This must not be empty. Fill it in and submit again.".into(),
            TextTooLong { max } => format!("Too long (at most {max} characters). Shorten it and submit again."),
            FieldTooLong { field, max } => format!("“{field}” is too long (at most {max} characters). Shorten it and submit again."),
            WeakPassword => format!("Password too weak: at least {} characters besides spaces, not a common password, a keyboard or number run, a few characters repeated, nor containing the user name or name. Choose another.", crate::limits::PASSWORD_MIN),
            InvalidAmount => "Invalid amount. Enter zero or a positive number of yuan.".into(),
            TransitionNotAllowed { from, event } => format!(
                "The hazard is “{}”; “{}” does not apply now. Refresh and act on its current state.",
                crate::i18n::Label::en(from),
                Event::name_en(event)
            ),
            StaleTransition { expected, actual } => format!(
                "When you acted the hazard was “{}”, but it is now “{}” (someone else handled it). Your action was not applied; check the latest state.",
                crate::i18n::Label::en(expected),
                crate::i18n::Label::en(actual)
            ),
            Forbidden { .. } => "Your role may not do this. Ask a safety supervisor if it needs doing.".into(),
            OutOfScope => "This record belongs to a department or site you do not cover. Ask a safety supervisor.".into(),
            VerifierIsRectifier => "The re-checker cannot be the person who rectified. Ask someone else to re-check.".into(),
            MajorNeedsSupervisor => "Only a safety supervisor closes a major hazard. Send it to a supervisor for re-check.".into(),
            MajorIsSupervisorsCall => "Whether a hazard is major is the safety office's judgement (GB 35181). Report it as general and say why in the description; the supervisor raises it when registering.".into(),
            AfterPhotosRequired => "Add photos of the fixed state before submitting.".into(),
            PhotoRequired => "A failed item needs a photo. Take one, then save.".into(),
            MissingField { field } => format!("Missing required field: {field}. Fill it in and submit again."),
            DeadlineBeforeFound => "The deadline cannot be before the date found. Choose another date.".into(),
            NoExtensionPending => "There is no extension request waiting for a decision.".into(),
            ExtensionPending => "An extension request is already waiting for a decision.".into(),
            NotFound => "The record does not exist or was voided. Refresh and try again.".into(),
            AlreadyExists => "The record already exists; nothing to resend.".into(),
            SchemaTooNew { .. } => "The server is older than this app and cannot read its data. Ask the administrator to upgrade; your data stays on the phone.".into(),
            SchemaTooOld { .. } => "This app is out of date. Reload the page to update; unsent data is kept.".into(),
            WrongEntity => "The operation does not match its record. Refresh and try again.".into(),
            Invalid { detail } => format!("Invalid data: {detail}. Check it and submit again."),
            NoSuchConflict => "There is no pending conflict on this field.".into(),
        }
    }

    pub fn to_api(&self) -> ApiError {
        ApiError {
            code: self.code().to_owned(),
            message_zh: self.message_zh(),
            message_en: self.message_en(),
        }
    }
}

/// The JSON error body of every failed request: `{code, message_zh, message_en}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

impl ApiError {
    pub fn new(code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        ApiError {
            code: code.to_owned(),
            message_zh: zh.into(),
            message_en: en.into(),
        }
    }
    pub fn message(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::Zh => &self.message_zh,
            crate::Lang::En => &self.message_en,
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        e.to_api()
    }
}
