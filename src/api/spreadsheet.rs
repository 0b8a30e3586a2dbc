//! The xlsx form of every export, for offices that open it in Excel or WPS: a header row in
//! Chinese, text that stays text (18-digit USCCs and ID numbers keep every digit, a leading `=`
//! is never run), numbers as numbers, dates as dates. Rows go to a temporary file as they are
//! written (constant memory); past Excel's 1,048,576 rows a sheet, they go on in the next sheet.
use chrono::{DateTime, NaiveDate, Utc};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::error::ApiError;

/// The media type of an xlsx workbook.
pub const MEDIA_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Rows a sheet holds, its header included.
const ROWS_PER_SHEET: u32 = 1_048_576;

/// One cell of a sheet.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
}

/// A column that holds identifiers or codes: text, however much it looks like a number.
fn is_identifier(column: &str) -> bool {
    column == "id"
        || column == "group"
        || column == "uscc"
        || column.ends_with("_id")
        || column.ends_with("id_number")
        || column.ends_with("phone")
        || column.ends_with("code")
}

fn is_date(column: &str) -> bool {
    column.ends_with("_on") || column.ends_with("_date") || column == "as_of"
}

fn is_datetime(column: &str) -> bool {
    column.ends_with("_at")
}

/// A field of a JSON representation as a cell: JSON's own types, dates in date columns, lists
/// joined with `;`.
pub fn from_json(column: &str, value: &serde_json::Value) -> Cell {
    use serde_json::Value;
    match value {
        Value::Null => Cell::Empty,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(Cell::Text(n.to_string()), Cell::Number),
        Value::String(s) => dated(column, s).unwrap_or_else(|| Cell::Text(s.clone())),
        Value::Array(items) => Cell::Text(
            items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(";"),
        ),
        Value::Object(_) => Cell::Text(value.to_string()),
    }
}

/// A cell of a CSV report as a cell: numbers in columns that are not identifiers, dates in date
/// columns, text otherwise (with the CSV's formula quote taken off: a sheet's text is never run).
pub fn from_text(column: &str, text: &str) -> Cell {
    if text.is_empty() {
        return Cell::Empty;
    }
    if let Some(date) = dated(column, text) {
        return date;
    }
    if !is_identifier(column)
        && let Ok(n) = text.parse::<f64>()
        && n.is_finite()
    {
        return Cell::Number(n);
    }
    match text {
        "true" => Cell::Bool(true),
        "false" => Cell::Bool(false),
        _ => Cell::Text(crate::domain::text::restore_formula(text).to_owned()),
    }
}

fn dated(column: &str, text: &str) -> Option<Cell> {
    if is_date(column) {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(Cell::Date);
    }
    if is_datetime(column) {
        return DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| Cell::DateTime(t.with_timezone(&Utc)));
    }
    None
}

/// The Chinese heading of a column of an export (the column's own name when it has none).
pub fn heading(column: &str) -> &str {
    match column {
        "id" => "编号",
        "name" => "名称",
        "kind" => "类型",
        "type" => "组织类型",
        "category" => "类别",
        "uscc" => "统一社会信用代码",
        "region_code" => "行政区划代码",
        "region_name" => "行政区划",
        "address" => "地址",
        "industry" => "行业",
        "employee_count" => "职工人数",
        "legal_representative" => "法定代表人",
        "contact_name" => "联系人",
        "contact_phone" => "联系电话",
        "in_survey_scope" => "纳入统计范围",
        "operating_status" => "经营状态",
        "created_at" => "创建时间",
        "updated_at" => "更新时间",
        "version" => "版本",
        "archived_at" => "归档时间",
        "gender" => "性别",
        "birth_date" => "出生日期",
        "ethnicity" => "民族",
        "education" => "学历",
        "phone" => "手机号码",
        "id_number" => "公民身份号码",
        "organization_id" => "所在单位编号",
        "party_organization_id" => "党组织编号",
        "party_group_id" => "党小组编号",
        "stage" => "发展阶段",
        "status" => "状态",
        "is_mobile" => "流动党员",
        "host_party_organization_id" => "流入地党组织编号",
        "joined_on" => "入党日期",
        "probation_ends_on" => "预备期满日期",
        "full_member_on" => "转正日期",
        "parent_id" => "上级党组织编号",
        "covers" => "覆盖单位",
        "established_on" => "成立日期",
        "secretary_member_id" => "书记党员编号",
        "term_starts_on" => "任期开始",
        "term_ends_on" => "任期届满",
        "group" => "分组",
        "organizations" => "单位数",
        "with_own_party_organization" => "单独建立党组织",
        "covered_by_joint_party_organization" => "联合党组织覆盖",
        "with_active_instructor" => "有党建指导员",
        "work_covered" => "党的工作覆盖",
        "organization_coverage_rate" => "党的组织覆盖率",
        "own_organization_rate" => "单独建立党组织率",
        "work_coverage_rate" => "党的工作覆盖率",
        "applicants" => "入党申请人",
        "activists" => "入党积极分子",
        "candidates" => "发展对象",
        "probationary" => "预备党员",
        "full" => "正式党员",
        "mobile" => "流动党员",
        "decorative" => "无活动无岗位",
        "activities" => "活动数",
        "member_participants" => "党员参与人次",
        "employee_participants" => "职工参与人次",
        "posts_held" => "党员责任岗位数",
        "concerns_raised" => "职工诉求数",
        "concerns_resolved" => "已解决诉求",
        "concerns_overdue" => "逾期诉求",
        "idle_members" => "未参加活动党员",
        "compliance_rate" => "按期开展率",
        "required" => "应开展",
        "satisfied" => "已开展",
        "missed_units" => "未按期周期数",
        "missing" => "缺少",
        "party_organization" => "党组织",
        "member_id" => "党员编号",
        "member" => "党员",
        "hours" => "学时",
        "required_hours" => "应完成学时",
        "item" => "项目",
        "detail" => "明细",
        "amount_fen" => "金额（分）",
        "amount_yuan" => "金额（元）",
        "in_force" => "已建立制度",
        "review_overdue" => "逾期未复核",
        other => other,
    }
}

/// A workbook being written, one row after another.
pub struct Sheets {
    workbook: Workbook,
    columns: Vec<String>,
    /// The sheet being written (0-based) and its next row.
    sheet: usize,
    row: u32,
    date: Format,
    datetime: Format,
}

fn failed(e: XlsxError) -> ApiError {
    ApiError::Internal(format!("xlsx: {e}"))
}

impl Sheets {
    /// A workbook whose first sheet starts with the Chinese headings of `columns`.
    pub fn new(columns: &[&str]) -> Result<Self, ApiError> {
        let mut sheets = Sheets {
            workbook: Workbook::new(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            sheet: 0,
            row: 0,
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        };
        sheets.start_sheet()?;
        Ok(sheets)
    }

    fn start_sheet(&mut self) -> Result<(), ApiError> {
        let header = Format::new().set_bold();
        let sheet = self
            .workbook
            .add_worksheet_with_constant_memory()
            .map_err(failed)?;
        for (n, column) in self.columns.iter().enumerate() {
            let n = n as u16;
            sheet
                .write_string_with_format(0, n, heading(column), &header)
                .map_err(failed)?;
            sheet
                .set_column_width(n, column_width(column))
                .map_err(failed)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(failed)?;
        self.row = 1;
        Ok(())
    }

    /// Writes the next row, a cell per column.
    pub fn push(&mut self, cells: impl IntoIterator<Item = Cell>) -> Result<(), ApiError> {
        if self.row == ROWS_PER_SHEET {
            self.sheet += 1;
            self.start_sheet()?;
        }
        let row = self.row;
        let sheet = self
            .workbook
            .worksheet_from_index(self.sheet)
            .map_err(failed)?;
        for (n, cell) in cells.into_iter().enumerate() {
            let n = n as u16;
            let written = match cell {
                Cell::Empty => continue,
                Cell::Text(text) => sheet.write_string(row, n, text),
                Cell::Number(number) => sheet.write_number(row, n, number),
                Cell::Bool(b) => sheet.write_boolean(row, n, b),
                Cell::Date(date) => sheet.write_date_with_format(row, n, date, &self.date),
                // Beijing time: what an office in China reads a timestamp as.
                Cell::DateTime(at) => sheet.write_datetime_with_format(
                    row,
                    n,
                    (at + chrono::Duration::hours(8)).naive_utc(),
                    &self.datetime,
                ),
            };
            written.map_err(failed)?;
        }
        self.row += 1;
        Ok(())
    }

    /// The finished file.
    pub fn finish(mut self) -> Result<Vec<u8>, ApiError> {
        self.workbook.save_to_buffer().map_err(failed)
    }
}

/// A width that fits the column's usual content (Excel's units: characters of the default font).
fn column_width(column: &str) -> f64 {
    match column {
        "id" | "uscc" | "id_number" => 22.0,
        c if c.ends_with("_id") => 22.0,
        c if c.ends_with("_at") => 20.0,
        "name" | "address" | "party_organization" | "covers" => 30.0,
        _ => 14.0,
    }
}

/// Why a workbook could not be read: a 400 naming the body.
fn unreadable(why: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(
        "body",
        "xlsx",
        format!("not a readable xlsx workbook: {why}"),
    )
}

/// Refuses, before any of it is unpacked, a workbook whose parts would unpack to more than
/// `max_unpacked` bytes, or whose shared-string table announces more strings than it can hold
/// (the reader sizes its table by that count: a few bytes could ask for terabytes).
fn check_unpacked_size(path: &std::path::Path, max_unpacked: u64) -> Result<(), ApiError> {
    let file = std::fs::File::open(path).map_err(|e| ApiError::Internal(format!("xlsx: {e}")))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(unreadable)?;
    let mut total = 0u64;
    let mut shared_strings = None;
    for n in 0..zip.len() {
        let part = zip.by_index_raw(n).map_err(unreadable)?;
        total = total.saturating_add(part.size());
        let name = part.name().map_err(unreadable)?.to_ascii_lowercase();
        if name.ends_with("sharedstrings.xml") {
            shared_strings = Some((n, part.size()));
        }
    }
    if total > max_unpacked {
        return Err(ApiError::bad_request(
            "body",
            "xlsx_too_large",
            format!("the workbook unpacks to {total} bytes; at most {max_unpacked} are read"),
        ));
    }
    if let Some((_, size)) = shared_strings
        && size > MAX_SHARED_STRINGS
    {
        return Err(ApiError::bad_request(
            "body",
            "xlsx_too_large",
            format!(
                "the workbook's shared strings unpack to {size} bytes; at most {MAX_SHARED_STRINGS} are read"
            ),
        ));
    }
    if let Some((n, size)) = shared_strings {
        let mut head = Vec::with_capacity(4096);
        let part = zip.by_index(n).map_err(unreadable)?;
        std::io::Read::take(part, 4096)
            .read_to_end(&mut head)
            .map_err(unreadable)?;
        let head = String::from_utf8_lossy(&head);
        // Each string takes at least `<si><t/></si>`, 13 bytes.
        let announced = head
            .split_once("uniqueCount=\"")
            .and_then(|(_, rest)| rest.split('"').next())
            .map(|count| count.parse::<u64>().unwrap_or(u64::MAX));
        if announced.is_some_and(|count| count > size / 13 + 1) {
            return Err(unreadable(
                "its shared-string table announces more strings than it holds",
            ));
        }
    }
    Ok(())
}

use std::io::Read as _;

/// A cell read from a workbook as the text a CSV cell would hold: whole numbers without `.0`,
/// dates as `YYYY-MM-DD` (with the time when there is one), booleans as `true`/`false`.
fn text_of(value: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(at) => match at.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => at.as_f64().to_string(),
        },
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

/// Reads the first sheet of the workbook at `path` row by row: `row` gets each row that has a
/// cell, with its number in the sheet (the first row is 1) and its cells as text, in column
/// order, until it returns false. At most `max_unpacked` bytes of parts are read.
pub fn each_row(
    path: &std::path::Path,
    max_unpacked: u64,
    mut row: impl FnMut(u32, Vec<String>) -> bool,
) -> Result<(), ApiError> {
    use calamine::Reader;
    check_unpacked_size(path, max_unpacked)?;
    let file = std::fs::File::open(path).map_err(|e| ApiError::Internal(format!("xlsx: {e}")))?;
    let mut workbook = calamine::Xlsx::new(std::io::BufReader::new(file)).map_err(unreadable)?;
    let Some(first) = workbook.sheet_names().into_iter().next() else {
        return Err(unreadable("it has no sheet"));
    };
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(unreadable)?;
    let mut current: Option<(u32, Vec<String>)> = None;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        if current.as_ref().is_some_and(|(at, _)| *at != r) {
            let (at, texts) = current.take().unwrap_or_default();
            if !row(at + 1, texts) {
                return Ok(());
            }
        }
        let (_, texts) = current.get_or_insert_with(|| (r, Vec::new()));
        let c = c as usize;
        if c >= MAX_COLUMNS {
            return Err(unreadable(format!("a cell lies past column {MAX_COLUMNS}")));
        }
        if texts.len() <= c {
            texts.resize(c + 1, String::new());
        }
        texts[c] = text_of(cell.get_value());
    }
    if let Some((at, texts)) = current {
        row(at + 1, texts);
    }
    Ok(())
}

/// The most a workbook's shared-string table may unpack to: it is held in memory while the
/// sheet is read (the sheet itself is read as a stream).
const MAX_SHARED_STRINGS: u64 = 256 * 1024 * 1024;

/// The widest row an import reads.
const MAX_COLUMNS: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_stay_text_and_numbers_become_numbers() {
        assert_eq!(
            from_text("uscc", "91350100M000100Y43"),
            Cell::Text("91350100M000100Y43".into())
        );
        assert_eq!(
            from_text("id_number", "350102199001011234"),
            Cell::Text("350102199001011234".into())
        );
        assert_eq!(
            from_text("region_code", "350102"),
            Cell::Text("350102".into())
        );
        assert_eq!(from_text("group", "35"), Cell::Text("35".into()));
        assert_eq!(from_text("organizations", "12"), Cell::Number(12.0));
        assert_eq!(from_text("compliance_rate", "0.75"), Cell::Number(0.75));
        assert_eq!(from_text("missing", ""), Cell::Empty);
        assert_eq!(
            from_text("joined_on", "2026-07-01"),
            Cell::Date(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap())
        );
        assert_eq!(from_text("name", "'=1+1"), Cell::Text("=1+1".into()));
        assert_eq!(
            from_json("phone", &serde_json::json!("13800000000")),
            Cell::Text("13800000000".into())
        );
        assert_eq!(
            from_json("covers", &serde_json::json!(["a", "b"])),
            Cell::Text("a;b".into())
        );
    }

    #[test]
    fn every_heading_of_an_export_is_chinese() {
        for column in [
            "id",
            "uscc",
            "id_number",
            "region_name",
            "missed_units",
            "amount_yuan",
        ] {
            assert!(!heading(column).is_ascii(), "{column}");
        }
    }
}
