//! The API's endpoints in one typed table: each entry says how it is called, what it is for, who
//! may call it, and the types of its query, its body and its answer. The server's router is
//! built from it (a handler per entry, whose answer must be the entry's type: checked when the
//! server compiles), the OpenAPI document describes each entry from its types, and clients — the
//! app, the tests, the benchmark — call through it (`Api::call`, `at`, `query` give a [`Call`]
//! that knows what it sends and what comes back). Pure data: no IO.

use std::borrow::Cow;
use std::fmt::Display;
use std::marker::PhantomData;

use crate::api::{
    Bootstrap, ChangePassword, Dashboard, Done, HazardDetail, Health, InspectionFilter,
    InspectionPage, LedgerPage, LoginRequest, LoginResponse, MonthQuery, NewVersion, PageQuery,
    Person, PullQuery, SaveUser, Sent, Stats, Stored, SummaryQuery,
};
use crate::campaign::Campaign;
use crate::checklist::Template;
use crate::equipment::Equipment;
use crate::lists::{LedgerQuery, Measure};
use crate::org::{Building, Department, Room, Site, User};
use crate::plan::PatrolPlan;
use crate::reminders::ReminderPage;
use crate::risk::RiskPoint;
use crate::sync::{PullResponse, PushRequest, PushResponse};
use crate::training::{Drill, StaffMember, TrainingClass};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    /// As OpenAPI writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
        }
    }
}

/// One endpoint: how it is called, what it is for, who may call it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub method: Method,
    /// The whole path, `{name}` for its one parameter.
    pub path: &'static str,
    /// Its group in the OpenAPI document.
    pub tag: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Who may call it, in words (the rule itself is the handler's, through `org::Roles`);
    /// `"anyone"` needs no token.
    pub who: &'static str,
}

impl Endpoint {
    /// Whether it answers without a token.
    pub fn is_public(&self) -> bool {
        self.who == "anyone"
    }
}

/// An entry of the table: the [`Endpoint`] with the types of its query string `Q`, its JSON
/// body `B` and its answer `R` (`()` where there is none; [`HtmlPage`], [`Xlsx`], [`Photo`] for
/// answers that are not JSON).
pub struct Api<Q, B, R> {
    pub endpoint: Endpoint,
    types: PhantomData<fn(Q, B) -> R>,
}

impl<Q, B, R> Clone for Api<Q, B, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<Q, B, R> Copy for Api<Q, B, R> {}

// The methods take the entry by value and are inlined, so a caller that names a constant
// (`HAZARD.at(..)`) keeps only its path, not the whole entry with its summaries (the phone
// module pays for every byte).
impl<Q, B, R> Api<Q, B, R> {
    const fn new(endpoint: Endpoint) -> Self {
        Api {
            endpoint,
            types: PhantomData,
        }
    }

    #[inline(always)]
    pub fn path(self) -> &'static str {
        self.endpoint.path
    }

    /// A call of an endpoint without a parameter.
    #[inline(always)]
    pub fn call(self) -> Call<B, R> {
        self.to(Cow::Borrowed(self.endpoint.path))
    }

    /// A call with the path's parameter filled in: `HAZARD.at(&id)` is `/api/v1/hazards/<id>`.
    #[inline(always)]
    pub fn at(self, value: &dyn Display) -> Call<B, R> {
        self.to(Cow::Owned(fill(self.endpoint.path, value)))
    }

    /// A call with a query string: `LEDGER.query(&"limit=50")`.
    #[inline(always)]
    pub fn query(self, query: &dyn Display) -> Call<B, R> {
        let path = self.endpoint.path;
        self.to(Cow::Owned(format!("{path}?{query}")))
    }

    #[inline(always)]
    fn to(self, path: Cow<'static, str>) -> Call<B, R> {
        Call {
            method: self.endpoint.method,
            path,
            types: PhantomData,
        }
    }
}

/// One call of an entry: its method, its path (parameter and query filled in), and the types
/// of the body it sends and of the answer it gets.
pub struct Call<B, R> {
    pub method: Method,
    pub path: Cow<'static, str>,
    types: PhantomData<fn(B) -> R>,
}

/// An answer that is an HTML page (print-ready documents).
pub enum HtmlPage {}
/// An answer that is an XLSX workbook.
pub enum Xlsx {}
/// A photo's bytes (JPEG or PNG), taken or given.
pub enum Photo {}

/// `path` with its `{name}` replaced by `value`.
fn fill(path: &str, value: &dyn Display) -> String {
    match path.split_once('{').zip(path.split_once('}')) {
        Some(((head, _), (_, tail))) => format!("{head}{value}{tail}"),
        None => path.to_owned(),
    }
}

/// What the OpenAPI document says an entry takes or answers.
#[cfg(feature = "openapi")]
pub enum Content {
    /// Nothing (an answer: a status alone).
    Nothing,
    /// JSON of this schema (200).
    Json(serde_json::Value),
    /// A new record, JSON of this schema (201).
    Created(serde_json::Value),
    /// A document of this media type.
    Media(&'static str),
    /// A photo.
    Photo,
}

/// What writes the OpenAPI document: it is given each entry with its types' schemas.
#[cfg(feature = "openapi")]
pub trait Describe {
    /// Adds `T` (and what it refers to) to the document's schemas; returns a reference to it.
    fn schema<T: utoipa::ToSchema>(&mut self) -> serde_json::Value;
    /// The query parameters of `T`.
    fn params<T: utoipa::IntoParams>(&mut self) -> Vec<serde_json::Value>;
    fn endpoint(
        &mut self,
        e: Endpoint,
        query: Vec<serde_json::Value>,
        body: Content,
        answer: Content,
    );
}

/// The type an entry writes as `()`, `T`, `[T]`, `(201 T)`, `html`, `xlsx`, `photo` or
/// `document`.
macro_rules! type_of {
    (()) => { () };
    (html) => { HtmlPage };
    (xlsx) => { Xlsx };
    (photo) => { Photo };
    (document) => { serde_json::Value };
    ([$t:ident]) => { Vec<$t> };
    ((201 $t:ident)) => { $t };
    ($t:ident) => { $t };
}

/// How the OpenAPI document describes a body or an answer written as [`type_of`] reads it.
#[cfg(feature = "openapi")]
macro_rules! body_doc {
    ($d:ident, ()) => {
        Content::Nothing
    };
    ($d:ident, photo) => {
        Content::Photo
    };
    ($d:ident, $t:ident) => {
        Content::Json($d.schema::<$t>())
    };
}

#[cfg(feature = "openapi")]
macro_rules! answer_doc {
    ($d:ident, ()) => { Content::Nothing };
    ($d:ident, html) => { Content::Media("text/html") };
    ($d:ident, xlsx) => {
        Content::Media("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    };
    ($d:ident, photo) => { Content::Photo };
    ($d:ident, document) => { Content::Json(serde_json::json!({"type": "object"})) };
    ($d:ident, [$t:ident]) => {
        Content::Json(serde_json::json!({"type": "array", "items": $d.schema::<$t>()}))
    };
    ($d:ident, (201 $t:ident)) => { Content::Created($d.schema::<$t>()) };
    ($d:ident, $t:ident) => { Content::Json($d.schema::<$t>()) };
}

macro_rules! endpoints {
    ($($name:ident: $method:ident $path:literal, $tag:literal, $zh:literal, $en:literal, $who:literal,
       ($($q:ident),*) $req:tt => $res:tt;)*) => {
        $(
            #[doc = $en]
            pub const $name: Api<($($q,)*), type_of!($req), type_of!($res)> = Api::new(Endpoint {
                method: Method::$method,
                path: $path,
                tag: $tag,
                zh: $zh,
                en: $en,
                who: $who,
            });
        )*
        /// Every endpoint, in the order the OpenAPI document lists them.
        pub const ALL: &[Endpoint] = &[$($name.endpoint),*];

        /// Gives `d` every entry with its types' schemas, in the table's order.
        #[cfg(feature = "openapi")]
        pub fn describe(d: &mut impl Describe) {
            $(
                let query: Vec<Vec<serde_json::Value>> = vec![$(d.params::<$q>()),*];
                let body = body_doc!(d, $req);
                let answer = answer_doc!(d, $res);
                d.endpoint($name.endpoint, query.concat(), body, answer);
            )*
        }
    };
}

endpoints! {
    HEALTH: Get "/api/health", "ops",
        "健康检查（含数据库）",
        "Health, including the database",
        "anyone",
        () () => Health;
    OPENAPI: Get "/api/v1/openapi.json", "ops",
        "本文档",
        "This document",
        "anyone",
        () () => document;
    LOGIN: Post "/api/v1/auth/login", "account",
        "登录，返回令牌",
        "Log in; returns a bearer token",
        "anyone",
        () LoginRequest => LoginResponse;
    LOGOUT: Post "/api/v1/auth/logout", "account",
        "退出，吊销令牌",
        "Log out; revokes the token",
        "any user",
        () () => Done;
    ME: Get "/api/v1/me", "account",
        "当前用户",
        "The current user",
        "any user",
        () () => User;
    CHANGE_PASSWORD: Post "/api/v1/me/password", "account",
        "修改本人密码（其他会话随之退出）",
        "Change one's own password; other sessions end",
        "any user",
        () ChangePassword => Done;
    BOOTSTRAP: Get "/api/v1/bootstrap", "org",
        "离线所需数据（按权限范围）",
        "What a device needs offline, scoped",
        "any user",
        () () => Bootstrap;
    PUSH: Post "/api/v1/sync/push", "sync",
        "上传操作（幂等）",
        "Push operations (idempotent)",
        "any user, by role rules",
        () PushRequest => PushResponse;
    PULL: Get "/api/v1/sync/pull", "sync",
        "按游标拉取变更",
        "Pull changes by cursor",
        "any user, scoped",
        (PullQuery) () => PullResponse;
    PUT_BLOB: Put "/api/v1/blobs/{sha256}", "photos",
        "上传照片（按哈希校验）",
        "Upload a photo, checked against its hash",
        "any user but leadership",
        () photo => (201 Stored);
    BLOB: Get "/api/v1/blobs/{sha256}", "photos",
        "下载照片",
        "Download a photo",
        "users who may see its record",
        () () => photo;
    REMINDERS: Get "/api/v1/reminders", "chasing",
        "今日催办（与本人相关）",
        "Today's reminders that concern the caller",
        "any user",
        (PageQuery) () => ReminderPage;
    SEND_REMINDERS: Post "/api/v1/reminders/send", "chasing",
        "立即推送催办到群机器人",
        "Post today's reminders to the group robot now",
        "supervisor, admin",
        () () => Sent;
    INSPECTIONS: Get "/api/v1/inspections", "inspections",
        "巡查记录（按站点、类型、日期）",
        "Inspection rounds with their visits, by site, type, date",
        "any user, scoped",
        (InspectionFilter, PageQuery) () => InspectionPage;
    ROUND_RECORD: Get "/api/v1/inspections/{id}/record", "inspections",
        "一次巡查或检查的记录（可打印，含签名）",
        "A round's record, print-ready HTML with its signatures",
        "users who may see it",
        () () => html;
    LEDGER: Get "/api/v1/hazards", "ledger",
        "隐患台账（筛选、排序、分页）",
        "The hazard ledger: filter, sort, page",
        "any user, scoped",
        (LedgerQuery) () => LedgerPage;
    HAZARD: Get "/api/v1/hazards/{id}", "ledger",
        "隐患详情及处理记录",
        "A hazard with its audit trail",
        "users who may see it",
        () () => HazardDetail;
    STATS: Get "/api/v1/stats", "reports",
        "统计（科室、站点、类别、等级、阶段）",
        "Statistics by department, site, category, grade, phase",
        "supervisor, leadership, admin",
        () () => Stats;
    DASHBOARD: Get "/api/v1/dashboard", "reports",
        "首页看板（趋势、巡查覆盖、培训、演练、器材、冲突、催办）",
        "Dashboard: trend, inspection coverage, training, drills, equipment, conflicts, reminders",
        "supervisor, leadership, admin",
        () () => Dashboard;
    LEDGER_XLSX: Get "/api/v1/export/ledger.xlsx", "reports",
        "导出台账 Excel（按筛选）",
        "The filtered ledger as XLSX",
        "supervisor, leadership, admin",
        (LedgerQuery) () => xlsx;
    BULLETIN: Get "/api/v1/reports/bulletin", "reports",
        "逾期隐患通报（可打印）",
        "Overdue bulletin, print-ready HTML",
        "supervisor, leadership, admin",
        (MonthQuery) () => html;
    ROOM_LABELS: Get "/api/v1/rooms/labels", "org",
        "房间二维码标签（可打印）",
        "Room QR labels, print-ready HTML",
        "supervisor, admin",
        () () => html;
    SUMMARY: Get "/api/v1/reports/summary", "reports",
        "专项整治总结报告（可打印）",
        "Campaign summary report, print-ready HTML",
        "supervisor, leadership, admin",
        (SummaryQuery) () => html;
    MEASURES: Get "/api/v1/measures", "lists",
        "制度措施清单",
        "The institutional-measures list",
        "any user, scoped",
        () () => [Measure];
    MEASURES_XLSX: Get "/api/v1/export/measures.xlsx", "lists",
        "导出制度措施清单 Excel",
        "The measures list as XLSX",
        "supervisor, leadership, admin",
        () () => xlsx;
    PUT_SITE: Put "/api/v1/admin/sites/{id}", "admin",
        "保存站点",
        "Save a site",
        "admin",
        () Site => Site;
    PUT_DEPARTMENT: Put "/api/v1/admin/departments/{id}", "admin",
        "保存科室",
        "Save a department",
        "admin",
        () Department => Department;
    PUT_BUILDING: Put "/api/v1/admin/buildings/{id}", "admin",
        "保存楼宇",
        "Save a building",
        "admin",
        () Building => Building;
    PUT_ROOM: Put "/api/v1/admin/rooms/{id}", "admin",
        "保存房间",
        "Save a room",
        "admin",
        () Room => Room;
    PUT_USER: Put "/api/v1/admin/users/{id}", "admin",
        "保存用户（含初始密码）",
        "Save a user (with a first password)",
        "admin",
        () SaveUser => Person;
    USERS: Get "/api/v1/admin/users", "admin",
        "用户列表",
        "All users",
        "admin",
        () () => [User];
    TEMPLATES: Get "/api/v1/templates", "checklists",
        "检查表（全部版本）",
        "Checklist templates, every version",
        "any user",
        () () => [Template];
    NEW_TEMPLATE_VERSION: Post "/api/v1/templates/{code}/versions", "checklists",
        "修改检查表（生成新版本）",
        "Edit a template: makes a new version",
        "admin",
        () NewVersion => (201 Template);
    CAMPAIGNS: Get "/api/v1/campaigns", "campaign",
        "专项整治及阶段",
        "Campaigns and their phases",
        "any user",
        () () => [Campaign];
    PUT_CAMPAIGN: Put "/api/v1/campaigns/{id}", "campaign",
        "保存专项整治及阶段",
        "Save a campaign and its phases",
        "supervisor, admin",
        () Campaign => Campaign;
    STAFF: Get "/api/v1/staff", "training",
        "人员花名册",
        "The staff roster",
        "any user, scoped",
        () () => [StaffMember];
    PUT_STAFF: Put "/api/v1/staff/{id}", "training",
        "保存人员",
        "Save a person on the roster",
        "supervisor, admin",
        () StaffMember => StaffMember;
    CLASSES: Get "/api/v1/training/classes", "training",
        "培训记录",
        "Training classes",
        "any user: center-wide roles all, others those they attended",
        () () => [TrainingClass];
    PUT_CLASS: Put "/api/v1/training/classes/{id}", "training",
        "保存培训记录（含签到）",
        "Save a training class with attendance",
        "supervisor, admin",
        () TrainingClass => TrainingClass;
    DRILLS: Get "/api/v1/drills", "training",
        "演练记录",
        "Drills",
        "any user, scoped",
        () () => [Drill];
    PUT_DRILL: Put "/api/v1/drills/{id}", "training",
        "保存演练记录",
        "Save a drill",
        "supervisor, admin",
        () Drill => Drill;
    EQUIPMENT: Get "/api/v1/equipment", "equipment",
        "消防设施器材台账",
        "The equipment register",
        "any user, scoped",
        () () => [Equipment];
    PUT_EQUIPMENT: Put "/api/v1/equipment/{id}", "equipment",
        "保存器材",
        "Save a piece of equipment",
        "supervisor, admin",
        () Equipment => Equipment;
    PLANS: Get "/api/v1/plans", "plans",
        "巡查计划（谁、哪些房间、何种检查、频次）",
        "The inspection plan: who walks which rooms, with which inspection, how often",
        "any user, scoped",
        () () => [PatrolPlan];
    PUT_PLAN: Put "/api/v1/plans/{id}", "plans",
        "保存巡查计划",
        "Save an assignment of the inspection plan",
        "supervisor, admin",
        () PatrolPlan => PatrolPlan;
    RISKS: Get "/api/v1/risks", "risks",
        "风险点（风险分级管控）",
        "Risk points: where, what could go wrong, the level, the controls, who answers for them",
        "any user, scoped",
        () () => [RiskPoint];
    PUT_RISK: Put "/api/v1/risks/{id}", "risks",
        "保存风险点",
        "Save a risk point",
        "supervisor, admin",
        () RiskPoint => RiskPoint;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_method_and_path() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert!(
                    (a.method, a.path) != (b.method, b.path),
                    "{} {} twice",
                    a.method.as_str(),
                    a.path
                );
            }
            assert!(a.path.starts_with("/api/"), "{}", a.path);
            assert!(
                a.path.matches('{').count() <= 1,
                "{}: one parameter at most",
                a.path
            );
        }
        assert!(ALL.len() >= 45);
    }

    #[test]
    fn a_parameter_is_filled_in() {
        assert_eq!(HAZARD.at(&"h-1").path, "/api/v1/hazards/h-1");
        assert_eq!(ROUND_RECORD.at(&7).path, "/api/v1/inspections/7/record");
        assert_eq!(LEDGER.at(&"x").path, "/api/v1/hazards");
        assert_eq!(PULL.query(&"cursor=3").path, "/api/v1/sync/pull?cursor=3");
        assert_eq!(TEMPLATES.call().path, "/api/v1/templates");
        assert!(
            HEALTH.endpoint.is_public()
                && LOGIN.endpoint.is_public()
                && !LEDGER.endpoint.is_public()
        );
    }
}
