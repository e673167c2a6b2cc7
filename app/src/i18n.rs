//! Interface strings: zh-CN first, English as a switch. Domain labels (statuses, categories…)
//! come from `saferounds_shared::i18n::Label`.

use saferounds_shared::Lang;

/// The string for `key` in `lang`; the key itself if missing (visible in review, never blank).
pub fn tr(lang: Lang, key: &'static str) -> &'static str {
    let (zh, en) = phone(key).or_else(|| desk(key)).unwrap_or((key, key));
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The strings of the phone's screens (the shell, login, rooms, the walk-through, hazards).
fn phone(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "app" => ("安巡", "SafeRounds"),
        "login" => ("登录", "Log in"),
        "logout" => ("退出", "Log out"),
        "username" => ("用户名", "User name"),
        "password" => ("密码", "Password"),
        "login_hint" => (
            "首次登录需联网；之后无信号也可使用。",
            "The first login needs a connection; after that the app works without signal.",
        ),
        "pending" => ("待上传", "Unsent"),
        "all_sent" => ("已全部上传", "All sent"),
        "last_sync" => ("上次同步", "Last sync"),
        "never" => ("从未", "never"),
        "sync" => ("同步", "Sync"),
        "syncing" => ("同步中…", "Syncing…"),
        "answer_one" => ("请至少回答一项。", "Answer at least one item."),
        "qr_not_ours" => (
            "二维码不属于本站点的房间",
            "This QR label is not a room of your site",
        ),
        "choose_deadline" => ("请选择新的整改时限。", "Choose the new deadline."),
        "uploading_photos" => ("上传照片", "Uploading photos"),
        "reading_records" => ("正在读取本机记录…", "Reading the records on this device…"),
        "offline" => ("离线", "Offline"),
        "rooms" => ("巡查房间", "Rooms"),
        "hazards" => ("隐患", "Hazards"),
        "desk" => ("台账", "Ledger"),
        "dashboard" => ("总览", "Dashboard"),
        "desk_needs_network" => (
            "台账、总览等桌面页面需联网加载一次，之后可离线打开。",
            "Desk pages (ledger, dashboard…) need the network once to load; after that they open offline.",
        ),
        "reminders" => ("催办", "Reminders"),
        "none" => ("无", "None"),
        "inspect" => ("检查", "Inspect"),
        "show_more" => ("显示更多", "Show more"),
        "admin" => ("系统管理", "Administration"),
        "room" => ("房间", "Room"),
        "open_hazard" => ("查看隐患", "Open hazard"),
        "registers" => ("专项整治与培训", "Campaign and registers"),
        "rounds" => ("巡查记录", "Rounds"),
        "open_here" => ("本房间未销号隐患", "Open hazards in this room"),
        "found_again" => (
            "此项已有未销号隐患：保存后记为再次发现，不新增隐患",
            "This item already has an open hazard: saved as found again, not as a new one",
        ),
        "inspection_type" => ("检查类型", "Inspection type"),
        "done_today" => ("今日已查", "Done today"),
        "snap_report" => ("随手拍", "Report a hazard"),
        "snap_hint" => (
            "发现隐患随时上报：选房间、说明问题、拍照，安全管理员登记后跟踪整改。",
            "Report what you come across: the room, what is wrong, a photo; the safety office registers it and follows it up.",
        ),
        "choose_room" => ("请选择房间", "Choose the room"),
        "what_is_wrong" => ("存在什么问题", "What is wrong"),
        "take_photo" => ("拍照", "Take a photo"),
        "send_report" => ("上报", "Report"),
        "risk" => ("风险", "Risk"),
        "category" => ("类别", "Category"),
        "all_pass" => ("本类全部合格", "All pass"),
        "repeat_last" => ("沿用上次结果", "Repeat the last answers"),
        "rounds_due" => ("待完成的巡查任务", "Rounds due"),
        "rooms_left" => ("未查", "left"),
        "key_location" => ("重点部位", "Key location"),
        "progress" => ("进度", "Progress"),
        "scan" => ("扫码", "Scan QR"),
        "scan_unsupported" => (
            "扫码功能未能加载：请联网后重试，或从列表中选择房间。",
            "The scanner could not be loaded: connect and retry, or pick the room from the list.",
        ),
        "mark_up" => ("标注照片", "Mark up the photo"),
        "pass" => ("合格", "Pass"),
        "fail" => ("不合格", "Fail"),
        "na" => ("不适用", "N/A"),
        "note" => ("说明", "Note"),
        "photo" => ("拍照", "Photo"),
        "fixed_on_spot" => ("当场整改", "Fixed on the spot"),
        "what_was_done" => ("整改情况", "What was done"),
        "after_photo" => ("整改后照片", "After photo"),
        "before_photo" => ("隐患照片", "Photo of the hazard"),
        "save_visit" => ("保存本房间", "Save this room"),
        "saved" => ("已保存，待上传", "Saved; waiting to upload"),
        "back" => ("返回", "Back"),
        "signatures" => ("签名", "Signatures"),
        "sign_inspector" => ("检查人签名", "Inspector's signature"),
        "sign_head" => ("被检查部门负责人签名", "Department head's signature"),
        "head_name" => ("部门负责人姓名", "Department head's name"),
        "clear" => ("清除", "Clear"),
        "photo_unreadable" => (
            "这张照片无法读取。请用相机重新拍摄，或换一张 JPEG/PNG 照片。",
            "This photo could not be read. Take it again with the camera, or choose a JPEG or PNG.",
        ),
        "sign_both" => (
            "请检查人和被检查部门负责人分别在签名框内签名。",
            "The inspector and the department head must each sign in their box.",
        ),
        "signature_unreadable" => (
            "签名无法保存，请清除后重新签名。",
            "The signature could not be saved; clear it and sign again.",
        ),
        "rejected" => ("未被完全接受的修改", "Changes not (fully) accepted"),
        "dismiss" => ("知道了", "Dismiss"),
        "unsent_logout" => (
            "还有未上传的数据。退出后这些数据保留在本机，你下次登录时会自动上传；在此之前，其他人无法在本机登录。确定退出？",
            "Some data is not sent yet. It stays on this phone and is sent when you next log in; until then no one else can log in on it. Log out anyway?",
        ),
        "update_ready" => ("新版本可用", "New version available"),
        "reload" => ("刷新", "Reload"),
        "storage" => ("本机存储", "Stored on device"),
        "start" => ("开始整改", "Start rectification"),
        "submit" => ("提交复查", "Submit for re-check"),
        "recheck_pass" => ("复查通过", "Re-check passed"),
        "recheck_fail" => ("复查不通过", "Re-check failed"),
        "reason" => ("原因", "Reason"),
        "no_hazards" => ("暂无隐患", "No hazards"),
        "deadline" => ("整改时限", "Deadline"),
        "overdue" => ("逾期", "Overdue"),
        "status" => ("状态", "Status"),
        "grade" => ("等级", "Grade"),
        "found_on" => ("排查日期", "Found"),
        "owner" => ("责任人", "Owner"),
        "need_online" => ("此页面需要联网。", "This page needs a connection."),
        "register" => ("登记", "Register"),
        "measures" => ("整改措施", "Measures"),
        "funds" => ("整改资金（元）", "Funds (yuan)"),
        "interim" => ("期间防范措施", "Interim precautions"),
        "void" => ("作废", "Void"),
        "reopen" => ("重新打开", "Reopen"),
        "timeline" => ("处理记录", "Timeline"),
        "conflict" => ("字段冲突", "Field conflict"),
        "keep_server" => ("保留当前值", "Keep current"),
        "take_other" => ("采用另一值", "Take the other"),
        "measures_list" => ("制度措施清单", "Measures list"),
        "request_extension" => ("申请延期", "Request an extension"),
        "approve" => ("批准", "Approve"),
        "refuse" => ("驳回", "Refuse"),
        "notes" => ("备注与督办", "Notes"),
        "add_note" => ("添加备注", "Add a note"),
        "edit_fields" => ("修改登记信息", "Change the record"),
        "save_changes" => ("保存修改", "Save changes"),
        "no_changes" => ("没有修改", "Nothing was changed"),
        _ => return None,
    })
}

/// The strings only the desk pages use: in the desk module only.
#[cfg(feature = "desk")]
fn desk(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "more_in_ledger" => ("另有 {n} 条，见台账", "{n} more in the ledger"),
        "started" => ("开始时间", "Started"),
        "inspector" => ("巡查人", "Inspector"),
        "failed_items" => ("不合格项", "Failed items"),
        "print_record" => ("打印记录", "Print record"),
        "plan" => ("巡查计划", "Inspection plan"),
        "risk_points" => ("风险分级管控（风险点）", "Risk points"),
        "new_risk" => ("登记风险点", "Add a risk point"),
        "level" => ("风险等级", "Level"),
        "risk_hazard" => ("危险源", "Hazard"),
        "controls" => ("管控措施", "Controls"),
        "responsible" => ("管控责任人", "Responsible"),
        "risk_items" => (
            "对应检查项编号（逗号分隔）",
            "Checklist items that check the controls (comma-separated)",
        ),
        "new_plan" => ("分配巡查任务", "Assign a round"),
        "frequency" => ("频次", "Frequency"),
        "assignee" => ("负责人", "Assigned to"),
        "starts_on" => ("开始日期", "Starts on"),
        "all_rooms" => ("该检查应覆盖的全部房间", "Every room the inspection covers"),
        "plan_rooms_hint" => (
            "不勾选房间即为该站点应覆盖的全部房间。",
            "Tick no room for every room of the site the inspection covers.",
        ),
        "retire" => ("停用", "Retire"),
        "missed_rounds" => ("漏巡", "Missed rounds"),
        "period" => ("周期", "Period"),
        "rooms_missed" => ("未查房间", "Rooms not inspected"),
        "summary_report" => ("总结报告", "Summary report"),
        "trend" => ("整改趋势（按发现月份）", "Trend by month found"),
        "coverage" => ("巡查覆盖", "Inspection coverage"),
        "last_inspected" => ("上次检查", "last inspected"),
        "training" => ("培训与演练", "Training and drills"),
        "drills_recent" => ("近六个月演练", "Drills in the last six months"),
        "sites_due_drill" => ("需组织演练的站点", "Sites due for a drill"),
        "equipment" => ("消防器材", "Fire equipment"),
        "expired" => ("超期", "Past service life"),
        "expiring" => ("即将到期", "Expiring"),
        "check_due" => ("月检逾期", "Check overdue"),
        "service_due" => ("维保逾期", "Service overdue"),
        "conflicts" => ("待裁决的冲突", "Conflicts waiting for a decision"),
        "site" => ("站点", "Site"),
        "phase" => ("阶段", "Phase"),
        "sort" => ("排序", "Sort"),
        "save" => ("保存", "Save"),
        "item_needs_code_and_text" => (
            "新检查项需要编号和内容。",
            "A new item needs a code and a text.",
        ),
        "own_rule" => ("本中心规定", "Center rule"),
        "keep_item" => ("保留检查项", "Keep item"),
        "item_text" => ("检查内容", "Item text"),
        "item_code" => ("检查项编号", "Item code"),
        "add_item" => ("添加检查项", "Add item"),
        "deactivate" => ("停用", "Deactivate"),
        "activate" => ("启用", "Activate"),
        "organisation" => ("站点、楼宇与科室", "Sites, buildings and departments"),
        "new_site" => ("新增站点", "New site"),
        "new_building" => ("新增楼宇", "New building"),
        "new_department" => ("新增科室", "New department"),
        "address" => ("地址", "Address"),
        "floors" => (
            "楼层（用逗号分隔，如 B1,1F,2F）",
            "Floors, comma-separated (B1,1F,2F)",
        ),
        "qr_labels" => ("打印房间二维码", "Print room QR labels"),
        "users" => ("用户与角色", "Users and roles"),
        "templates" => ("检查表", "Checklists"),
        "new_room" => ("新增房间", "New room"),
        "choose_building" => ("请选择楼宇", "Choose a building"),
        "choose_department" => ("请选择责任科室", "Choose the responsible department"),
        "building" => ("楼宇", "Building"),
        "floor" => ("楼层", "Floor"),
        "room_name" => ("房间名称", "Room name"),
        "new_user" => ("新增用户", "New user"),
        "extra_roles" => ("兼任角色", "Also acts as"),
        "name" => ("姓名", "Name"),
        "role" => ("角色", "Role"),
        "active" => ("启用", "Active"),
        "first_password" => (
            "初始密码（至少 12 位，勿用常见密码）",
            "First password (12+ characters, not a common one)",
        ),
        "items" => ("项", "items"),
        "save_new_version" => ("保存为新版本", "Save as a new version"),
        "new_person" => ("登记人员", "Add a person to the roster"),
        "hired_on" => ("入职日期", "Hired on"),
        "record_drill" => ("登记一次演练（今天）", "Record a drill held today"),
        "new_equipment" => ("登记器材", "Register equipment"),
        "produced_on" => ("生产日期", "Produced on"),
        "campaign" => ("专项整治阶段", "Campaign phases"),
        "dates" => ("起止日期", "Dates"),
        "coverage_rate" => ("培训覆盖率", "Training coverage"),
        "classes" => ("培训记录", "Training classes"),
        "drills" => ("演练记录", "Drills"),
        "people" => ("人", "people"),
        "serial" => ("编号", "Serial"),
        "kind" => ("类型", "Kind"),
        "warnings" => ("提示", "Warnings"),
        "record_class" => ("登记一次培训（今天）", "Record a class held today"),
        "topic" => ("培训主题", "Topic"),
        "sort_found_desc" => ("按发现日期（新→旧）", "Found, newest first"),
        "sort_found_asc" => ("按发现日期（旧→新）", "Found, oldest first"),
        "sort_deadline_asc" => ("按整改期限（近→远）", "Deadline, soonest first"),
        "sort_deadline_desc" => ("按整改期限（远→近）", "Deadline, latest first"),
        "unanswered" => ("未答", "unanswered"),
        "location" => ("部位", "Location"),
        "description" => ("隐患描述", "Description"),
        "department" => ("科室/站点", "Department"),
        "search" => ("搜索", "Search"),
        "any" => ("全部", "Any"),
        "total" => ("共", "Total"),
        "prev" => ("上一页", "Previous"),
        "next" => ("下一页", "Next"),
        "found" => ("发现", "Found"),
        "closed" => ("已销号", "Closed"),
        "open" => ("未销号", "Open"),
        "closure_rate" => ("整改率", "Closure rate"),
        "plan_approved_by" => ("整改方案审批人", "Plan approved by"),
        "export" => ("导出 Excel", "Export to Excel"),
        "measure" => ("制度措施", "Measure"),
        "no_measures" => ("暂无制度措施", "No measures yet"),
        "new_measure" => ("新增制度措施", "New measure"),
        "measure_title" => ("制度名称", "Title"),
        "measure_content" => ("内容", "What it sets out"),
        "due_by" => ("完成时限", "Due by"),
        "revealed_by" => (
            "关联隐患（可多选）",
            "Hazards that revealed the need (choose any)",
        ),
        "choose_due_by" => ("请选择完成时限", "Choose the date it is due"),
        "done_on" => ("完成于", "Done on"),
        "bulletin" => ("逾期通报（打印）", "Overdue bulletin (print)"),
        _ => return None,
    })
}

#[cfg(not(feature = "desk"))]
fn desk(_: &str) -> Option<(&'static str, &'static str)> {
    None
}

#[cfg(all(test, feature = "desk"))]
mod tests {
    use super::{desk, phone};

    /// Every key the phone's screens name is in the phone's table (the desk's is not in the
    /// phone module): each string literal of their source that is a desk key is a phone key.
    #[test]
    fn the_phone_module_has_every_string_its_screens_use() {
        let sources = [
            include_str!("lib.rs"),
            include_str!("state.rs"),
            include_str!("sync.rs"),
            include_str!("store.rs"),
            include_str!("api.rs"),
            include_str!("photo.rs"),
            include_str!("pages/mod.rs"),
            include_str!("pages/login.rs"),
            include_str!("pages/rooms.rs"),
            include_str!("pages/report.rs"),
            include_str!("pages/visit/mod.rs"),
            include_str!("pages/visit/item.rs"),
            include_str!("pages/visit/signature.rs"),
            include_str!("pages/hazards/mod.rs"),
            include_str!("pages/hazards/list.rs"),
            include_str!("pages/hazards/edit.rs"),
            include_str!("pages/hazards/timeline.rs"),
        ];
        let mut checked = 0;
        for src in sources {
            for literal in src.split('"').skip(1).step_by(2) {
                if desk(literal).is_some() {
                    assert!(
                        phone(literal).is_some(),
                        "\"{literal}\" is only in the desk's table"
                    );
                }
                checked += usize::from(phone(literal).is_some());
            }
        }
        assert!(checked > 50, "the phone's screens name {checked} keys");
    }
}
