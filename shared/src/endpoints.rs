//! The API's endpoints in one table: the server's router is built from it (a handler per
//! entry, checked by a test), the OpenAPI document describes each entry, and clients — the app,
//! the tests, the benchmark — take their paths from it. Pure data: no IO.

use std::fmt::Display;

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

    /// The path with its parameter filled in: `HAZARD.at(id)` is `/api/v1/hazards/<id>`.
    // By value and inlined, so a caller that names a constant (`HAZARD.at(..)`) keeps only its
    // path, not the whole entry with its summaries (the phone module pays for every byte); for
    // the same reason a caller copies `.path` out rather than borrowing it.
    #[inline(always)]
    pub fn at(self, value: &dyn Display) -> String {
        fill(self.path, value)
    }

    /// The path with a query string: `LEDGER.query(&"limit=50")`.
    #[inline(always)]
    pub fn query(self, query: &dyn Display) -> String {
        let path = self.path;
        format!("{path}?{query}")
    }
}

/// `path` with its `{name}` replaced by `value`.
fn fill(path: &str, value: &dyn Display) -> String {
    match path.split_once('{').zip(path.split_once('}')) {
        Some(((head, _), (_, tail))) => format!("{head}{value}{tail}"),
        None => path.to_owned(),
    }
}

macro_rules! endpoints {
    ($($name:ident: $method:ident $path:literal, $tag:literal, $zh:literal, $en:literal, $who:literal;)*) => {
        $(
            #[doc = $en]
            pub const $name: Endpoint = Endpoint {
                method: Method::$method,
                path: $path,
                tag: $tag,
                zh: $zh,
                en: $en,
                who: $who,
            };
        )*
        /// Every endpoint, in the order the OpenAPI document lists them.
        pub const ALL: &[Endpoint] = &[$($name),*];
    };
}

endpoints! {
    HEALTH: Get "/api/health", "ops",
        "健康检查（含数据库）",
        "Health, including the database",
        "anyone";
    OPENAPI: Get "/api/v1/openapi.json", "ops",
        "本文档",
        "This document",
        "anyone";
    LOGIN: Post "/api/v1/auth/login", "account",
        "登录，返回令牌",
        "Log in; returns a bearer token",
        "anyone";
    LOGOUT: Post "/api/v1/auth/logout", "account",
        "退出，吊销令牌",
        "Log out; revokes the token",
        "any user";
    ME: Get "/api/v1/me", "account",
        "当前用户",
        "The current user",
        "any user";
    CHANGE_PASSWORD: Post "/api/v1/me/password", "account",
        "修改本人密码（其他会话随之退出）",
        "Change one's own password; other sessions end",
        "any user";
    BOOTSTRAP: Get "/api/v1/bootstrap", "org",
        "离线所需数据（按权限范围）",
        "What a device needs offline, scoped",
        "any user";
    PUSH: Post "/api/v1/sync/push", "sync",
        "上传操作（幂等）",
        "Push operations (idempotent)",
        "any user, by role rules";
    PULL: Get "/api/v1/sync/pull", "sync",
        "按游标拉取变更",
        "Pull changes by cursor",
        "any user, scoped";
    PUT_BLOB: Put "/api/v1/blobs/{sha256}", "photos",
        "上传照片（按哈希校验）",
        "Upload a photo, checked against its hash",
        "any user but leadership";
    BLOB: Get "/api/v1/blobs/{sha256}", "photos",
        "下载照片",
        "Download a photo",
        "users who may see its record";
    REMINDERS: Get "/api/v1/reminders", "chasing",
        "今日催办（与本人相关）",
        "Today's reminders that concern the caller",
        "any user";
    SEND_REMINDERS: Post "/api/v1/reminders/send", "chasing",
        "立即推送催办到群机器人",
        "Post today's reminders to the group robot now",
        "supervisor, admin";
    INSPECTIONS: Get "/api/v1/inspections", "inspections",
        "巡查记录（按站点、类型、日期）",
        "Inspection rounds with their visits, by site, type, date",
        "any user, scoped";
    ROUND_RECORD: Get "/api/v1/inspections/{id}/record", "inspections",
        "一次巡查或检查的记录（可打印，含签名）",
        "A round's record, print-ready HTML with its signatures",
        "users who may see it";
    LEDGER: Get "/api/v1/hazards", "ledger",
        "隐患台账（筛选、排序、分页）",
        "The hazard ledger: filter, sort, page",
        "any user, scoped";
    HAZARD: Get "/api/v1/hazards/{id}", "ledger",
        "隐患详情及处理记录",
        "A hazard with its audit trail",
        "users who may see it";
    STATS: Get "/api/v1/stats", "reports",
        "统计（科室、站点、类别、等级、阶段）",
        "Statistics by department, site, category, grade, phase",
        "supervisor, leadership, admin";
    DASHBOARD: Get "/api/v1/dashboard", "reports",
        "首页看板（趋势、巡查覆盖、培训、演练、器材、冲突、催办）",
        "Dashboard: trend, inspection coverage, training, drills, equipment, conflicts, reminders",
        "supervisor, leadership, admin";
    LEDGER_XLSX: Get "/api/v1/export/ledger.xlsx", "reports",
        "导出台账 Excel（按筛选）",
        "The filtered ledger as XLSX",
        "supervisor, leadership, admin";
    BULLETIN: Get "/api/v1/reports/bulletin", "reports",
        "逾期隐患通报（可打印）",
        "Overdue bulletin, print-ready HTML",
        "supervisor, leadership, admin";
    ROOM_LABELS: Get "/api/v1/rooms/labels", "org",
        "房间二维码标签（可打印）",
        "Room QR labels, print-ready HTML",
        "supervisor, admin";
    SUMMARY: Get "/api/v1/reports/summary", "reports",
        "专项整治总结报告（可打印）",
        "Campaign summary report, print-ready HTML",
        "supervisor, leadership, admin";
    MEASURES: Get "/api/v1/measures", "lists",
        "制度措施清单",
        "The institutional-measures list",
        "any user, scoped";
    MEASURES_XLSX: Get "/api/v1/export/measures.xlsx", "lists",
        "导出制度措施清单 Excel",
        "The measures list as XLSX",
        "supervisor, leadership, admin";
    PUT_SITE: Put "/api/v1/admin/sites/{id}", "admin",
        "保存站点",
        "Save a site",
        "admin";
    PUT_DEPARTMENT: Put "/api/v1/admin/departments/{id}", "admin",
        "保存科室",
        "Save a department",
        "admin";
    PUT_BUILDING: Put "/api/v1/admin/buildings/{id}", "admin",
        "保存楼宇",
        "Save a building",
        "admin";
    PUT_ROOM: Put "/api/v1/admin/rooms/{id}", "admin",
        "保存房间",
        "Save a room",
        "admin";
    PUT_USER: Put "/api/v1/admin/users/{id}", "admin",
        "保存用户（含初始密码）",
        "Save a user (with a first password)",
        "admin";
    USERS: Get "/api/v1/admin/users", "admin",
        "用户列表",
        "All users",
        "admin";
    TEMPLATES: Get "/api/v1/templates", "checklists",
        "检查表（全部版本）",
        "Checklist templates, every version",
        "any user";
    NEW_TEMPLATE_VERSION: Post "/api/v1/templates/{code}/versions", "checklists",
        "修改检查表（生成新版本）",
        "Edit a template: makes a new version",
        "admin";
    CAMPAIGNS: Get "/api/v1/campaigns", "campaign",
        "专项整治及阶段",
        "Campaigns and their phases",
        "any user";
    PUT_CAMPAIGN: Put "/api/v1/campaigns/{id}", "campaign",
        "保存专项整治及阶段",
        "Save a campaign and its phases",
        "supervisor, admin";
    STAFF: Get "/api/v1/staff", "training",
        "人员花名册",
        "The staff roster",
        "any user, scoped";
    PUT_STAFF: Put "/api/v1/staff/{id}", "training",
        "保存人员",
        "Save a person on the roster",
        "supervisor, admin";
    CLASSES: Get "/api/v1/training/classes", "training",
        "培训记录",
        "Training classes",
        "any user: center-wide roles all, others those they attended";
    PUT_CLASS: Put "/api/v1/training/classes/{id}", "training",
        "保存培训记录（含签到）",
        "Save a training class with attendance",
        "supervisor, admin";
    DRILLS: Get "/api/v1/drills", "training",
        "演练记录",
        "Drills",
        "any user, scoped";
    PUT_DRILL: Put "/api/v1/drills/{id}", "training",
        "保存演练记录",
        "Save a drill",
        "supervisor, admin";
    EQUIPMENT: Get "/api/v1/equipment", "equipment",
        "消防设施器材台账",
        "The equipment register",
        "any user, scoped";
    PUT_EQUIPMENT: Put "/api/v1/equipment/{id}", "equipment",
        "保存器材",
        "Save a piece of equipment",
        "supervisor, admin";
    PLANS: Get "/api/v1/plans", "plans",
        "巡查计划（谁、哪些房间、何种检查、频次）",
        "The inspection plan: who walks which rooms, with which inspection, how often",
        "any user, scoped";
    PUT_PLAN: Put "/api/v1/plans/{id}", "plans",
        "保存巡查计划",
        "Save an assignment of the inspection plan",
        "supervisor, admin";
    RISKS: Get "/api/v1/risks", "risks",
        "风险点（风险分级管控）",
        "Risk points: where, what could go wrong, the level, the controls, who answers for them",
        "any user, scoped";
    PUT_RISK: Put "/api/v1/risks/{id}", "risks",
        "保存风险点",
        "Save a risk point",
        "supervisor, admin";
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
        assert_eq!(HAZARD.at(&"h-1"), "/api/v1/hazards/h-1");
        assert_eq!(ROUND_RECORD.at(&7), "/api/v1/inspections/7/record");
        assert_eq!(LEDGER.at(&"x"), "/api/v1/hazards");
        assert_eq!(PULL.query(&"cursor=3"), "/api/v1/sync/pull?cursor=3");
        assert!(HEALTH.is_public() && LOGIN.is_public() && !LEDGER.is_public());
    }
}
