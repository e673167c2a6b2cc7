//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`, built from one table of the API's
//! endpoints (a test checks that every entry is routed and every route is listed).

use serde_json::{Value, json};

/// (method, path, tag, summary in Chinese, summary in English, who may call it)
pub const ENDPOINTS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "get",
        "/api/health",
        "ops",
        "健康检查（含数据库）",
        "Health, including the database",
        "anyone",
    ),
    (
        "get",
        "/api/v1/openapi.json",
        "ops",
        "本文档",
        "This document",
        "anyone",
    ),
    (
        "post",
        "/api/v1/auth/login",
        "account",
        "登录，返回令牌",
        "Log in; returns a bearer token",
        "anyone",
    ),
    (
        "post",
        "/api/v1/auth/logout",
        "account",
        "退出，吊销令牌",
        "Log out; revokes the token",
        "any user",
    ),
    (
        "get",
        "/api/v1/me",
        "account",
        "当前用户",
        "The current user",
        "any user",
    ),
    (
        "get",
        "/api/v1/bootstrap",
        "org",
        "离线所需数据（按权限范围）",
        "What a device needs offline, scoped",
        "any user",
    ),
    (
        "post",
        "/api/v1/sync/push",
        "sync",
        "上传操作（幂等）",
        "Push operations (idempotent)",
        "any user, by role rules",
    ),
    (
        "get",
        "/api/v1/sync/pull",
        "sync",
        "按游标拉取变更",
        "Pull changes by cursor",
        "any user, scoped",
    ),
    (
        "put",
        "/api/v1/blobs/{sha256}",
        "photos",
        "上传照片（按哈希校验）",
        "Upload a photo, checked against its hash",
        "any user but leadership",
    ),
    (
        "get",
        "/api/v1/blobs/{sha256}",
        "photos",
        "下载照片",
        "Download a photo",
        "users who may see its record",
    ),
    (
        "get",
        "/api/v1/hazards",
        "ledger",
        "隐患台账（筛选、排序、分页）",
        "The hazard ledger: filter, sort, page",
        "any user, scoped",
    ),
    (
        "get",
        "/api/v1/hazards/{id}",
        "ledger",
        "隐患详情及处理记录",
        "A hazard with its audit trail",
        "users who may see it",
    ),
    (
        "get",
        "/api/v1/stats",
        "reports",
        "统计（科室、站点、类别、等级、阶段）",
        "Statistics by department, site, category, grade, phase",
        "supervisor, leadership, admin",
    ),
    (
        "get",
        "/api/v1/export/ledger.xlsx",
        "reports",
        "导出台账 Excel（按筛选）",
        "The filtered ledger as XLSX",
        "supervisor, leadership, admin",
    ),
    (
        "get",
        "/api/v1/reports/bulletin",
        "reports",
        "逾期隐患通报（可打印）",
        "Overdue bulletin, print-ready HTML",
        "supervisor, leadership, admin",
    ),
    (
        "get",
        "/api/v1/rooms/labels",
        "org",
        "房间二维码标签（可打印）",
        "Room QR labels, print-ready HTML",
        "supervisor, admin",
    ),
    (
        "get",
        "/api/v1/reports/summary",
        "reports",
        "专项整治总结报告（可打印）",
        "Campaign summary report, print-ready HTML",
        "supervisor, leadership, admin",
    ),
    (
        "get",
        "/api/v1/measures",
        "lists",
        "制度措施清单",
        "The institutional-measures list",
        "any user, scoped",
    ),
    (
        "get",
        "/api/v1/export/measures.xlsx",
        "lists",
        "导出制度措施清单 Excel",
        "The measures list as XLSX",
        "supervisor, leadership, admin",
    ),
    (
        "put",
        "/api/v1/admin/sites/{id}",
        "admin",
        "保存站点",
        "Save a site",
        "admin",
    ),
    (
        "put",
        "/api/v1/admin/departments/{id}",
        "admin",
        "保存科室",
        "Save a department",
        "admin",
    ),
    (
        "put",
        "/api/v1/admin/buildings/{id}",
        "admin",
        "保存楼宇",
        "Save a building",
        "admin",
    ),
    (
        "put",
        "/api/v1/admin/rooms/{id}",
        "admin",
        "保存房间",
        "Save a room",
        "admin",
    ),
    (
        "put",
        "/api/v1/admin/users/{id}",
        "admin",
        "保存用户（含初始密码）",
        "Save a user (with a first password)",
        "admin",
    ),
    (
        "get",
        "/api/v1/admin/users",
        "admin",
        "用户列表",
        "All users",
        "admin",
    ),
    (
        "get",
        "/api/v1/templates",
        "checklists",
        "检查表（全部版本）",
        "Checklist templates, every version",
        "any user",
    ),
    (
        "post",
        "/api/v1/templates/{code}/versions",
        "checklists",
        "修改检查表（生成新版本）",
        "Edit a template: makes a new version",
        "admin",
    ),
    (
        "get",
        "/api/v1/campaigns",
        "campaign",
        "专项整治及阶段",
        "Campaigns and their phases",
        "any user",
    ),
    (
        "put",
        "/api/v1/campaigns/{id}",
        "campaign",
        "保存专项整治及阶段",
        "Save a campaign and its phases",
        "supervisor, admin",
    ),
    (
        "get",
        "/api/v1/staff",
        "training",
        "人员花名册",
        "The staff roster",
        "any user, scoped",
    ),
    (
        "put",
        "/api/v1/staff/{id}",
        "training",
        "保存人员",
        "Save a person on the roster",
        "supervisor, admin",
    ),
    (
        "get",
        "/api/v1/training/classes",
        "training",
        "培训记录",
        "Training classes",
        "any user: center-wide roles all, others those they attended",
    ),
    (
        "put",
        "/api/v1/training/classes/{id}",
        "training",
        "保存培训记录（含签到）",
        "Save a training class with attendance",
        "supervisor, admin",
    ),
    (
        "get",
        "/api/v1/drills",
        "training",
        "演练记录",
        "Drills",
        "any user, scoped",
    ),
    (
        "put",
        "/api/v1/drills/{id}",
        "training",
        "保存演练记录",
        "Save a drill",
        "supervisor, admin",
    ),
    (
        "get",
        "/api/v1/equipment",
        "equipment",
        "消防设施器材台账",
        "The equipment register",
        "any user, scoped",
    ),
    (
        "put",
        "/api/v1/equipment/{id}",
        "equipment",
        "保存器材",
        "Save a piece of equipment",
        "supervisor, admin",
    ),
];

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["code", "message_zh", "message_en"],
        "properties": {
            "code": {"type": "string"},
            "message_zh": {"type": "string"},
            "message_en": {"type": "string"}
        }
    })
}

fn params(path: &str, method: &str) -> Vec<Value> {
    let mut v: Vec<Value> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let q = |name: &str, ty: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}});
    if path == "/api/v1/sync/pull" {
        v.extend([q("cursor", "integer"), q("limit", "integer")]);
    }
    if (path == "/api/v1/hazards" || path == "/api/v1/export/ledger.xlsx") && method == "get" {
        for (n, t) in [
            ("status", "string"),
            ("grade", "string"),
            ("category", "string"),
            ("department_id", "string"),
            ("site_id", "string"),
            ("phase_id", "string"),
            ("found_from", "string"),
            ("found_to", "string"),
            ("overdue", "boolean"),
            ("text", "string"),
            ("sort", "string"),
            ("offset", "integer"),
            ("limit", "integer"),
        ] {
            v.push(q(n, t));
        }
    }
    if path == "/api/v1/reports/bulletin" {
        v.push(q("month", "string"));
    }
    if path == "/api/v1/reports/summary" {
        v.push(q("campaign", "string"));
    }
    v
}

pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, tag, zh, en, who) in ENDPOINTS {
        let public = *who == "anyone";
        let mut responses = serde_json::Map::new();
        responses.insert("200".into(), json!({"description": "OK"}));
        for (code, what) in [
            ("400", "Malformed request"),
            ("401", "Not logged in"),
            ("403", "Not allowed"),
            ("404", "Not found"),
            ("413", "Too large"),
            ("422", "Invalid value"),
            ("429", "Too many attempts"),
        ] {
            if public && (code == "401" || code == "403") {
                continue;
            }
            responses.insert(code.into(), json!({"description": what, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}));
        }
        let mut op = json!({
            "tags": [tag],
            "summary": format!("{zh} / {en}"),
            "description": format!("Who: {who}."),
            "operationId": format!("{method}_{}", path.trim_start_matches('/').replace(['/', '{', '}', '.'], "_")),
            "parameters": params(path, method),
            "responses": responses,
        });
        if !public {
            op["security"] = json!([{"bearer": []}]);
        }
        if matches!(*method, "post" | "put") {
            let ct = if path.starts_with("/api/v1/blobs") {
                "image/jpeg"
            } else {
                "application/json"
            };
            op["requestBody"] = json!({"required": true, "content": {ct: {"schema": {}}}});
        }
        paths
            .entry(path.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("object")
            .insert(method.to_string(), op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "SafeRounds 安巡 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Fire-safety rounds and the hazard closed loop. Every error is JSON {code, message_zh, message_en}."
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": error_schema()},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
        }
    })
}

pub async fn serve() -> axum::Json<Value> {
    axum::Json(document())
}

#[cfg(test)]
mod tests {
    use super::ENDPOINTS;

    /// Every route in the router is in the table (the API tests check the converse: every
    /// entry answers).
    #[test]
    fn every_route_is_documented() {
        let src = include_str!("routes/mod.rs");
        let mut n = 0;
        for chunk in src.split(".route(").skip(1) {
            let path = chunk
                .trim_start()
                .trim_start_matches('"')
                .split('"')
                .next()
                .expect("a quoted path");
            let full = format!("/api{path}");
            assert!(
                ENDPOINTS.iter().any(|e| e.1 == full),
                "{full} is routed but not in openapi::ENDPOINTS"
            );
            n += 1;
        }
        assert!(n >= 30, "found only {n} routes");
    }
}
