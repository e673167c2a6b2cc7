//! Documents the center hands to its superiors: the ledger as an XLSX workbook (Chinese headers,
//! photos as links), the monthly overdue bulletin (通报) and room QR label sheets as print-ready
//! HTML. The columns and rows come from `saferounds_shared::lists`.

use saferounds_shared::i18n::percent;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Url, Workbook};
use saferounds_shared::Lang;
use saferounds_shared::api::Person;
use saferounds_shared::checklist::InspectionType;
use saferounds_shared::hazard::Hazard;
use saferounds_shared::i18n::Label;
use saferounds_shared::ids::{DepartmentId, PhotoHash, RoomId, RoundId, UserId};
use saferounds_shared::lists::{Cell, LEDGER_COLUMNS, Names, ledger_row};
use saferounds_shared::org::{Building, Department, Room, Site};

/// Names for ids, from the organisation tables.
#[derive(Default)]
pub struct Directory {
    pub people: BTreeMap<UserId, String>,
    pub departments: BTreeMap<DepartmentId, String>,
    /// Each room's place (站点 · 楼 · 层 · 房间) and department.
    pub rooms: BTreeMap<RoomId, (String, DepartmentId)>,
    /// What kind of round each round was (隐患来源); filled where a document shows it.
    pub round_types: BTreeMap<RoundId, InspectionType>,
}

impl Directory {
    pub fn new(
        people: &[Person],
        departments: &[Department],
        rooms: &[Room],
        buildings: &[Building],
        sites: &[Site],
    ) -> Directory {
        let place = |r: &Room| {
            let building = buildings
                .iter()
                .find(|b| b.id == r.building_id)
                .map_or("", |b| b.name.zh.as_str());
            let site = sites
                .iter()
                .find(|s| s.id == r.site_id)
                .map_or("", |s| s.name.zh.as_str());
            r.place(site, building, Lang::Zh)
        };
        Directory {
            round_types: BTreeMap::new(),
            people: people
                .iter()
                .map(|p| (p.id, p.display_name.clone()))
                .collect(),
            departments: departments
                .iter()
                .map(|d| (d.id, d.name.zh.clone()))
                .collect(),
            rooms: rooms
                .iter()
                .map(|r| (r.id, (place(r), r.department_id)))
                .collect(),
        }
    }
}

impl Names for Directory {
    fn person(&self, id: UserId) -> String {
        self.people.get(&id).cloned().unwrap_or_default()
    }
    fn department(&self, id: DepartmentId) -> String {
        self.departments.get(&id).cloned().unwrap_or_default()
    }
    fn location(&self, id: RoomId) -> String {
        self.rooms.get(&id).map(|r| r.0.clone()).unwrap_or_default()
    }
    fn room_department(&self, id: RoomId) -> Option<DepartmentId> {
        self.rooms.get(&id).map(|r| r.1)
    }
    fn round_type(&self, id: RoundId) -> Option<InspectionType> {
        self.round_types.get(&id).copied()
    }
}

/// The most characters an Excel cell holds.
pub const XLSX_CELL_CHARS: usize = 32_767;

/// A text cut to what an Excel cell holds, marked where cut: an export never fails on a long
/// value.
pub fn fit_cell(s: &str) -> std::borrow::Cow<'_, str> {
    const MARK: &str = "…（已截断 / cut）";
    if s.chars().count() <= XLSX_CELL_CHARS {
        return s.into();
    }
    let keep = XLSX_CELL_CHARS - MARK.chars().count();
    let mut t: String = s.chars().take(keep).collect();
    t.push_str(MARK);
    t.into()
}

/// The longer side of a photo's thumbnail in a workbook, in pixels.
pub const THUMBNAIL_PX: u32 = 120;

/// A small JPEG of a photo for a workbook cell; `None` for bytes that are no picture.
pub fn thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
    let picture = image::load_from_memory(bytes).ok()?;
    let small = picture.thumbnail(THUMBNAIL_PX, THUMBNAIL_PX).to_rgb8();
    let mut out = std::io::Cursor::new(Vec::new());
    small.write_to(&mut out, image::ImageFormat::Jpeg).ok()?;
    Some(out.into_inner())
}

/// The ledger workbook, one row a hazard with its 序号. A hazard's first photo (before, and
/// after) is shown in its cell as a thumbnail (`thumbnails`, by photo), with the number of
/// photos; with the server's public address (`--public-url`) the cell also links to the photo
/// (an address taken from the request's `Host` header could point anywhere). Numbers — funds,
/// days overdue, extensions — are numbers, so a sheet can add them up.
pub fn ledger_xlsx(
    rows: &[Hazard],
    names: &Directory,
    thumbnails: &BTreeMap<PhotoHash, Vec<u8>>,
    public_url: Option<&str>,
    title: &str,
    today: NaiveDate,
) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("隐患台账")?;
    let head = Format::new()
        .set_bold()
        .set_background_color("#F2F2F2")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    ws.write_string_with_format(0, 0, title, &Format::new().set_bold().set_font_size(14))?;
    let money = Format::new()
        .set_num_format("0.00")
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    for (c, (zh, _)) in LEDGER_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *zh, &head)?;
        let width = match *zh {
            "隐患描述" | "依据" | "整改措施" | "期间防范措施" | "整改完成情况" | "备注" => {
                30.0
            }
            "部位（站点·楼·层·房间）" => 26.0,
            "照片" | "整改后照片" => 18.0,
            "序号" | "延期次数" | "逾期天数" => 6.0,
            _ => 12.0,
        };
        ws.set_column_width(c as u16, width)?;
    }
    for (i, h) in rows.iter().enumerate() {
        let r = (i + 2) as u32;
        for (c, cell) in ledger_row(h, i + 1, names, Lang::Zh, today)
            .into_iter()
            .enumerate()
        {
            let c = c as u16;
            match cell {
                Cell::Text(t) => {
                    ws.write_string_with_format(r, c, fit_cell(&t), &wrap)?;
                }
                Cell::Number(n) => {
                    ws.write_number_with_format(r, c, n, &money)?;
                }
                Cell::Photos(ps) => {
                    let Some(first) = ps.first() else { continue };
                    let url = public_url
                        .map(|base| format!("{}/api/v1/blobs/{first}", base.trim_end_matches('/')));
                    let count = format!("照片 {} 张", ps.len());
                    match (thumbnails.get(first), &url) {
                        (Some(thumb), _) => {
                            let mut picture = rust_xlsxwriter::Image::new_from_buffer(thumb)?
                                .set_alt_text(&count);
                            if let Some(u) = &url {
                                picture = picture.set_url(u.as_str())?;
                            }
                            ws.set_row_height(r, 70)?;
                            ws.insert_image_fit_to_cell(r, c, &picture, true)?;
                        }
                        (None, Some(u)) => {
                            ws.write_url_with_text(r, c, Url::new(u.as_str()), count)?;
                        }
                        (None, None) => {
                            ws.write_string(r, c, count)?;
                        }
                    }
                }
            }
        }
    }
    ws.set_freeze_panes(2, 0)?;
    Ok(wb.save_to_buffer()?)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const PRINT_CSS: &str = "@page{size:A4;margin:16mm}body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;font-size:11pt;color:#000}\
h1{font-size:16pt;text-align:center;margin:0 0 4mm}.meta{text-align:center;margin-bottom:6mm}table{width:100%;border-collapse:collapse}\
th,td{border:1px solid #000;padding:2mm;vertical-align:top;font-size:10pt}th{background:#eee}h2{font-size:12pt;margin:6mm 0 2mm}\
.sign{display:flex;justify-content:space-between;margin-top:14mm}.labels{display:grid;grid-template-columns:repeat(3,1fr);gap:6mm}\
.label{border:1px dashed #999;padding:3mm;text-align:center;page-break-inside:avoid}.label svg{width:40mm;height:40mm}";

/// The monthly bulletin of overdue items by department (通报), ready to print.
pub fn bulletin_html(
    center: &str,
    month: &str,
    today: NaiveDate,
    overdue: &[Hazard],
    names: &Directory,
) -> String {
    let mut by_dept: BTreeMap<String, Vec<&Hazard>> = BTreeMap::new();
    for h in overdue {
        let d = h
            .department_id
            .map(|d| names.department(d))
            .unwrap_or_else(|| "未指定科室".into());
        by_dept.entry(d).or_default().push(h);
    }
    let mut body = String::new();
    if by_dept.is_empty() {
        body.push_str("<p>本月无逾期未整改隐患。</p>");
    }
    for (dept, list) in &by_dept {
        body.push_str(&format!("<h2>{}（逾期 {} 项）</h2><table><tr><th>编号</th><th>部位</th><th>隐患描述</th><th>等级</th><th>责任人</th><th>整改时限</th><th>逾期天数</th></tr>", esc(dept), list.len()));
        for h in list {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                h.number(),
                esc(&h.room_id.map(|r| names.location(r)).unwrap_or_default()),
                esc(&h.description),
                h.grade.zh(),
                esc(&h.owner_id.map(|u| names.person(u)).unwrap_or_default()),
                h.deadline.map(|d| d.to_string()).unwrap_or_default(),
                h.days_overdue(today)
            ));
        }
        body.push_str("</table>");
    }
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{c}逾期隐患通报 {m}</title><style>{PRINT_CSS}</style></head><body>\
         <h1>{c}<br>关于 {m} 逾期未整改隐患的通报</h1><div class=\"meta\">统计截至 {today}，共 {n} 项</div>{body}\
         <p>请各责任科室、站点于收到通报后立即督促整改，整改完成后及时提交复查。</p>\
         <div class=\"sign\"><span>安全生产专项工作组（盖章）</span><span>签发人：__________</span><span>日期：__________</span></div></body></html>",
        c = esc(center),
        m = esc(month),
        n = overdue.len()
    )
}

/// What a round's record draws on.
pub struct RoundRecord<'a> {
    pub center: &'a str,
    pub site: &'a str,
    pub round: &'a saferounds_shared::inspection::Round,
    /// In the order walked.
    pub visits: &'a [saferounds_shared::inspection::Visit],
    pub template: Option<&'a saferounds_shared::checklist::Template>,
    pub names: &'a Directory,
    pub offset: chrono::FixedOffset,
    /// Signature pictures by photo, as `data:` URLs (the record opens from a blob address, so
    /// it cannot fetch them with the user's token).
    pub signatures: &'a BTreeMap<PhotoHash, String>,
}

/// The round's record (防火巡查记录 / 防火检查记录), A4 and ready to print: when and by whom, every
/// room in the order walked with each answer, what failed and what was put right on the spot,
/// and the signatures — drawn on the phone for a periodic check, lines for the patroller and
/// the person in charge for a patrol (61号令 §25: both sign the patrol record; §26: the check
/// record is signed by the inspector and the inspected department's head).
pub fn round_record_html(r: &RoundRecord<'_>) -> String {
    use saferounds_shared::checklist::InspectionType;
    use saferounds_shared::inspection::AnswerValue;
    let kind = r.round.inspection_type;
    let title = match kind {
        InspectionType::DailyPatrol => "防火巡查记录",
        InspectionType::PeriodicCheck => "防火检查记录",
        InspectionType::ExtinguisherMonthly => "灭火器月检记录",
    };
    let time = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&r.offset)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let finished = r
        .round
        .finished_at
        .or(r.visits.iter().map(|v| v.finished_at).max())
        .map(time)
        .unwrap_or_else(|| "（未结束）".into());
    let inspector = r.names.person(r.round.inspector_id);
    let mut body = format!(
        "<table class=\"head\"><tr><th>单位</th><td>{}</td><th>检查类型</th><td>{}</td></tr>\
         <tr><th>开始时间</th><td>{}</td><th>结束时间</th><td>{}</td></tr>\
         <tr><th>巡查（检查）人</th><td>{}</td><th>房间数</th><td>{}</td></tr></table>",
        esc(r.site),
        kind.zh(),
        time(r.round.started_at),
        finished,
        esc(&inspector),
        r.visits.len()
    );
    let mut defects = 0;
    let mut fixed = 0;
    for (n, v) in r.visits.iter().enumerate() {
        body.push_str(&format!(
            "<h2>{}、{}（{}{}）</h2><table><tr><th>检查项</th><th>结果</th><th>情况说明</th></tr>",
            n + 1,
            esc(&r.names.location(v.room_id)),
            v.finished_at.with_timezone(&r.offset).format("%H:%M"),
            if v.via_qr { "，扫码" } else { "" }
        ));
        for a in &v.answers {
            let item = r.template.and_then(|t| t.item(&a.item_code));
            let text = item.map_or(a.item_code.clone(), |i| format!("{} {}", i.code, i.text.zh));
            let result = match &a.value {
                AnswerValue::Pass => "合格".to_owned(),
                AnswerValue::Fail => {
                    defects += 1;
                    "<b>不合格</b>".to_owned()
                }
                AnswerValue::NotApplicable => "不适用".to_owned(),
                AnswerValue::Number(x) => saferounds_shared::i18n::number(*x),
                AnswerValue::Text(t) => esc(t),
            };
            let mut said = Vec::new();
            if a.value == AnswerValue::Fail {
                let defect = a
                    .note
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .or_else(|| item.map(|i| i.defect_zh()))
                    .unwrap_or_default();
                said.push(esc(&defect));
                if !a.photos.is_empty() {
                    said.push(format!("照片 {} 张", a.photos.len()));
                }
            } else if let Some(n) = a.note.as_deref().filter(|n| !n.trim().is_empty()) {
                said.push(esc(n));
            }
            if let Some(f) = &a.fixed_on_spot {
                fixed += 1;
                said.push(format!("当场整改：{}", esc(f.what_was_done.as_str())));
            }
            body.push_str(&format!(
                "<tr><td>{}</td><td>{result}</td><td>{}</td></tr>",
                esc(&text),
                said.join("；")
            ));
        }
        body.push_str("</table>");
        if let Some(note) = v.note.as_deref().filter(|n| !n.trim().is_empty()) {
            body.push_str(&format!("<p>备注：{}</p>", esc(note)));
        }
        if let Some(s) = &v.signatures {
            let img = |h: &PhotoHash| {
                r.signatures
                    .get(h)
                    .map(|src| format!("<img class=\"signature\" alt=\"签名\" src=\"{src}\">"))
                    .unwrap_or_else(|| "（签名照片未上传）".into())
            };
            body.push_str(&format!(
                "<div class=\"sign\"><span>检查人：{} {}</span><span>被检查部门负责人：{} {}</span></div>",
                esc(&inspector),
                img(&s.inspector),
                esc(&s.department_head_name),
                img(&s.department_head)
            ));
        }
    }
    body.push_str(&format!(
        "<h2>小结</h2><p>本次{}共 {} 个房间，发现不合格 {defects} 项，其中当场整改 {fixed} 项；其余已录入隐患台账，按期整改、复查、销号。</p>",
        kind.zh(),
        r.visits.len()
    ));
    let (who, head) = match kind {
        InspectionType::PeriodicCheck => ("检查人", "被检查部门负责人"),
        _ => ("巡查人", "消防安全管理人"),
    };
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title} {day}</title>\
         <style>{PRINT_CSS}img.signature{{height:14mm;vertical-align:middle}}.head th{{width:18%}}</style></head><body>\
         <h1>{c}<br>{title}</h1><div class=\"meta\">{day}</div>{body}\
         <div class=\"sign\" id=\"record-signatures\"><span>{who}（签名）：__________</span><span>{head}（签名）：__________</span><span>日期：__________</span></div>\
         </body></html>",
        c = esc(r.center),
        day = r.round.started_at.with_timezone(&r.offset).date_naive(),
    )
}

/// Printable QR labels, one per room: scanning proves the inspector was there.
pub fn qr_labels_html(center: &str, sites: &[Site], rooms: &[Room]) -> anyhow::Result<String> {
    let mut body = String::new();
    for site in sites {
        let list: Vec<&Room> = rooms.iter().filter(|r| r.site_id == site.id).collect();
        if list.is_empty() {
            continue;
        }
        body.push_str(&format!(
            "<h2>{}</h2><div class=\"labels\">",
            esc(&site.name.zh)
        ));
        for r in list {
            let code = qrcode::QrCode::new(r.qr_payload().as_bytes())?;
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(160, 160)
                .build();
            body.push_str(&format!(
                "<div class=\"label\" data-qr=\"{}\">{svg}<div><b>{}</b></div><div>{} · {}</div></div>",
                esc(&r.qr_payload()),
                esc(&r.name.zh),
                esc(&r.floor),
                r.kind.zh()
            ));
        }
        body.push_str("</div>");
    }
    Ok(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{c} 房间二维码</title><style>{PRINT_CSS}</style></head><body><h1>{c} 房间巡查二维码</h1>{body}</body></html>",
        c = esc(center)
    ))
}

/// The institutional-measures list (制度措施清单) as a workbook, with the hazards that revealed
/// each need.
pub fn measures_xlsx(
    measures: &[saferounds_shared::lists::Measure],
    hazards: &[Hazard],
    names: &Directory,
    title: &str,
) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("制度措施清单")?;
    let head = Format::new()
        .set_bold()
        .set_background_color("#F2F2F2")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    ws.write_string_with_format(0, 0, title, &Format::new().set_bold().set_font_size(14))?;
    let cols = [
        "序号",
        "制度措施",
        "类型",
        "内容",
        "责任科室",
        "责任人",
        "完成时限",
        "状态",
        "完成日期",
        "关联隐患",
    ];
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &head)?;
        ws.set_column_width(
            c as u16,
            if c == 1 || c == 3 || c == 9 {
                30.0
            } else {
                12.0
            },
        )?;
    }
    for (i, m) in measures.iter().enumerate() {
        let r = (i + 2) as u32;
        let linked: Vec<String> = m
            .hazard_ids
            .iter()
            .filter_map(|id| hazards.iter().find(|h| h.id == *id))
            .map(|h| h.number())
            .collect();
        let cells = [
            (i + 1).to_string(),
            m.title.clone(),
            m.kind.zh().to_owned(),
            m.description.clone(),
            names.department(m.department_id),
            m.owner_id.map(|u| names.person(u)).unwrap_or_default(),
            m.deadline.to_string(),
            m.status.zh().to_owned(),
            m.done_on.map(|d| d.to_string()).unwrap_or_default(),
            linked.join("、"),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, fit_cell(v))?;
        }
    }
    Ok(wb.save_to_buffer()?)
}

/// What the campaign summary report draws on.
pub struct SummaryInput<'a> {
    pub center: &'a str,
    pub campaign: &'a saferounds_shared::campaign::Campaign,
    pub today: NaiveDate,
    /// The ledger's columns of the hazards in scope (statistics need no more).
    pub hazards: &'a [saferounds_shared::hazard::HazardFacts],
    pub stats: &'a saferounds_shared::api::Stats,
    pub coverage: saferounds_shared::training::Coverage,
    pub drills: &'a [saferounds_shared::training::Drill],
    pub equipment: &'a [saferounds_shared::equipment::Equipment],
    pub measures: &'a [saferounds_shared::lists::Measure],
    pub risks: &'a [saferounds_shared::risk::RiskPoint],
    pub names: &'a Directory,
}

fn stat_cells(r: &saferounds_shared::campaign::StatRow) -> String {
    format!(
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        r.found,
        r.closed,
        r.open,
        r.overdue,
        percent(r.closure_rate(), 1),
        r.funds.yuan()
    )
}

const STAT_HEAD: &str = "<th>发现</th><th>已销号</th><th>未销号</th><th>逾期</th><th>整改率</th><th>投入资金（元）</th>";

/// The four-colour summary of the risk points, and the red and orange ones listed with their
/// controls and the person who answers for them.
fn risk_section(risks: &[saferounds_shared::risk::RiskPoint], names: &Directory) -> String {
    use saferounds_shared::risk::{RiskLevel, count_by_level};
    if risks.is_empty() {
        return "<p>尚未登记风险点。</p>".into();
    }
    let counts = count_by_level(risks)
        .iter()
        .map(|(l, n)| format!("{} {n} 处", l.zh()))
        .collect::<Vec<_>>()
        .join("，");
    let mut out = format!(
        "<p>辨识风险点 {} 处：{counts}。</p><table><tr><th>等级</th><th>位置</th><th>危险源</th><th>管控措施</th><th>责任人</th></tr>",
        risks.len()
    );
    let mut severe: Vec<_> = risks
        .iter()
        .filter(|r| r.level <= RiskLevel::Orange)
        .collect();
    severe.sort_by_key(|r| (r.level, names.location(r.room_id)));
    for r in severe {
        out.push_str(&format!(
            "<tr class=\"risk-{:?}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.level,
            r.level.colour(saferounds_shared::Lang::Zh),
            esc(&names.location(r.room_id)),
            esc(&r.hazard),
            esc(&r.controls),
            esc(&names.person(r.responsible)),
        ));
    }
    out.push_str("</table>");
    out
}

/// The campaign summary report (总结报告), A4 and ready to print: totals, each phase, each
/// department and category, the two lists, training, drills and equipment, with signature lines.
pub fn summary_html(i: &SummaryInput<'_>) -> String {
    use saferounds_shared::campaign::stats_by;
    use saferounds_shared::equipment::Warning;
    use saferounds_shared::lists::MeasureStatus;

    let c = i.campaign;
    let period = match (c.starts_on(), c.ends_on()) {
        (Some(s), Some(e)) => format!("{s} 至 {e}"),
        _ => "未设阶段".into(),
    };
    let t = &i.stats.total;
    let mut body = format!(
        "<h2>一、总体情况</h2><p>专项整治期间（{period}）共排查发现隐患 {} 项，其中重大隐患 {} 项、当场整改 {} 项；已整改销号 {} 项，\
         整改率 {}；尚未销号 {} 项，其中逾期 {} 项。累计投入整改资金 {} 元{}。</p>",
        t.found,
        t.major,
        t.fixed_on_spot,
        t.closed,
        percent(t.closure_rate(), 1),
        t.open,
        t.overdue,
        t.funds.yuan(),
        t.median_days_to_close
            .map(|d| format!("，隐患从发现到销号的中位用时 {d:.0} 天"))
            .unwrap_or_default()
    );
    let by_phase = stats_by(i.hazards, i.today, |h| {
        c.phase_on(h.found_on).map(|p| (p.starts_on, p.id))
    });
    body.push_str(&format!(
        "<h2>二、各阶段情况</h2><table><tr><th>阶段</th><th>起止日期</th>{STAT_HEAD}</tr>"
    ));
    let mut phases: Vec<_> = c.phases.iter().collect();
    phases.sort_by_key(|p| p.starts_on);
    for p in phases {
        let row = by_phase
            .get(&(p.starts_on, p.id))
            .cloned()
            .unwrap_or_default();
        body.push_str(&format!(
            "<tr><td>{}</td><td>{} 至 {}</td>{}</tr>",
            esc(&p.name.zh),
            p.starts_on,
            p.ends_on,
            stat_cells(&row)
        ));
    }
    body.push_str("</table>");
    for (title, lines) in [
        ("三、各科室情况", &i.stats.by_department),
        ("四、各站点情况", &i.stats.by_site),
        ("五、隐患类别", &i.stats.by_category),
    ] {
        body.push_str(&format!(
            "<h2>{title}</h2><table><tr><th>名称</th>{STAT_HEAD}</tr>"
        ));
        for l in lines.iter() {
            body.push_str(&format!(
                "<tr><td>{}</td>{}</tr>",
                esc(&l.label_zh),
                stat_cells(&l.row)
            ));
        }
        body.push_str("</table>");
    }
    let done = i
        .measures
        .iter()
        .filter(|m| m.status == MeasureStatus::Done)
        .count();
    let late = i.measures.iter().filter(|m| m.is_overdue(i.today)).count();
    let in_period =
        |d: NaiveDate| c.starts_on().is_none_or(|s| d >= s) && c.ends_on().is_none_or(|e| d <= e);
    let drills = i.drills.iter().filter(|d| in_period(d.held_on)).count();
    let expired = i
        .equipment
        .iter()
        .filter(|e| {
            e.warnings(i.today)
                .iter()
                .any(|w| matches!(w, Warning::Expired { .. }))
        })
        .count();
    let check_due = i
        .equipment
        .iter()
        .filter(|e| {
            e.warnings(i.today)
                .iter()
                .any(|w| matches!(w, Warning::CheckDue { .. }))
        })
        .count();
    body.push_str(&format!(
        "<h2>六、制度措施清单</h2><p>建立制度措施 {} 项，已完成 {} 项，逾期未完成 {} 项。</p>\
         <h2>七、培训与演练</h2><p>在职人员 {} 人，培训覆盖 {} 人，覆盖率 {}{}；期间组织灭火和应急疏散演练 {} 次。</p>\
         <h2>八、消防设施器材</h2><p>登记器材 {} 件，超过使用年限 {} 件，月检逾期 {} 件。</p>\
         <h2>九、风险分级管控</h2>{}\
         <h2>十、存在问题和下一步打算</h2><div class=\"lines\"></div>",
        i.measures.len(),
        done,
        late,
        i.coverage.total,
        i.coverage.trained,
        percent(i.coverage.rate(), 1),
        match (i.coverage.total, i.coverage.meets_target()) {
            (0, _) => "（花名册尚无在职人员）",
            (_, true) => "，达到 100% 目标",
            (_, false) => "，未达到 100% 目标",
        },
        drills,
        i.equipment.len(),
        expired,
        check_due,
        risk_section(i.risks, i.names),
    ));
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{ctr}{name}总结报告</title><style>{PRINT_CSS}\
         .lines{{height:40mm;border-bottom:1px solid #000;background:repeating-linear-gradient(transparent,transparent 9mm,#999 9mm,#999 10mm)}}</style></head><body>\
         <h1>{ctr}<br>{name}工作总结报告</h1><div class=\"meta\">统计期间 {period}；统计截至 {today}</div>{body}\
         <div class=\"sign\"><span>编制人：__________</span><span>审核人：__________</span><span>单位负责人：__________</span></div>\
         <div class=\"sign\"><span>{ctr}（盖章）</span><span>日期：____年__月__日</span></div></body></html>",
        ctr = esc(i.center),
        name = esc(&c.name.zh),
        today = i.today
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut_to_what_excel_holds() {
        let short = "灭火器压力不足";
        assert_eq!(fit_cell(short), short);
        let exact = "满".repeat(XLSX_CELL_CHARS);
        assert_eq!(fit_cell(&exact).chars().count(), XLSX_CELL_CHARS);
        let long = "长".repeat(XLSX_CELL_CHARS * 3);
        let cut = fit_cell(&long);
        assert_eq!(cut.chars().count(), XLSX_CELL_CHARS);
        assert!(cut.ends_with("（已截断 / cut）"));
        // rust_xlsxwriter refuses a longer string: the cut one is written.
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        assert!(ws.write_string(0, 0, long.as_str()).is_err());
        assert!(ws.write_string(0, 0, cut.as_ref()).is_ok());
    }
}
