//! Imports (`POST /api/v1/imports/members`, `/imports/organizations`; the handlers live with
//! their resources): CSV in (UTF-8; GBK/GB18030 with `charset=gbk`, or found so when the bytes are
//! not UTF-8 and no charset is named, as browsers upload Excel's CSV), or an xlsx workbook's first
//! sheet (read by [`super::spreadsheet::each_row`]), a report out. The body is first
//! received whole into a temporary file (no transaction is open while a slow client uploads;
//! each pause is bounded by `LIANGXIN_BODY_TIMEOUT_SECS`); then a parser thread reads it while
//! this task writes validated rows in batches, in one transaction. Memory stays bounded for an
//! import of any size: one batch, and a report of at most [`REPORTED_ROWS`] rows of each
//! outcome plus counts per error code.
use std::io::Read;

use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{BodyRules, JsonBody};
use crate::domain::{RuleContext, text};
use crate::error::{ApiError, FieldError};
use crate::service::Caller;
use crate::service::idempotency::{self, StoredResponse};
use crate::service::imports::{ANALYZE_AFTER_ROWS, Importer, RowOutcome, refresh_statistics};
use crate::state::AppState;

pub const TAG: &str = "imports";
/// Rows checked against the database and written per statement.
const BATCH: usize = 500;
/// The longest an import's upload may take in all, however steadily it trickles in: a client
/// cannot hold one of the few import slots for longer.
const UPLOAD_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15 * 60);
/// Rows of each outcome (accepted, rejected) the report lists in full; the rest are counted.
pub const REPORTED_ROWS: usize = 1000;
/// How much an xlsx import may unpack to, per byte of `LIANGXIN_IMPORT_MAX_BYTES`: a workbook's
/// XML packs about ten to one, and no further is read.
const XLSX_UNPACKED_PER_BYTE: u64 = 20;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Write nothing if any row is refused (the default).
    #[default]
    AllOrNothing,
    /// Write the rows that pass; report the others.
    ValidRows,
}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check every row and report, but write nothing.
    #[param(default = false)]
    pub dry_run: Option<bool>,
    #[param(inline)]
    pub mode: Option<ImportMode>,
}

/// One row's fate.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowReport {
    /// The row's line in the file; the header is line 1.
    pub row: usize,
    /// `accepted` or `rejected`.
    #[schema(example = "rejected")]
    pub status: &'static str,
    /// The new record (not in a dry run, nor when nothing was written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Why the row was refused: each field and rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// What an import did, row by row.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "mode": "all_or_nothing", "dry_run": false, "rows": 2, "accepted": 1, "rejected": 1, "written": 0,
    "report": [
        {"row": 2, "status": "accepted"},
        {"row": 3, "status": "rejected", "errors": [{"field": "id_number", "code": "check_digit", "message": "the check character should be X"}]}
    ],
    "truncated": false,
    "errors_by_code": {"check_digit": 1}
}))]
pub struct ImportReport {
    pub mode: ImportMode,
    pub dry_run: bool,
    /// Data rows read (the header not counted).
    pub rows: usize,
    pub accepted: usize,
    pub rejected: usize,
    /// Records written.
    pub written: usize,
    /// In file order: the first 1,000 accepted and the first 1,000 rejected rows.
    pub report: Vec<RowReport>,
    /// Whether rows were left out of `report` (more than 1,000 of an outcome).
    pub truncated: bool,
    /// How many times each error code occurred over all rejected rows (`check_digit`: 3, …).
    pub errors_by_code: std::collections::BTreeMap<String, usize>,
}

/// The body of an import, received whole into a temporary file before anything is written;
/// the file is removed when this is dropped.
struct Spool {
    path: std::path::PathBuf,
    /// SHA-256 of the body, hex: the import's fingerprint for `Idempotency-Key`.
    digest: String,
}

impl Spool {
    /// Receives the body: at most `limit` bytes (413 beyond, at once when `Content-Length`
    /// says so), with no pause longer than `idle` and all of it within [`UPLOAD_DEADLINE`] (408).
    /// The file is new (never an existing path) and readable by this user only: it holds
    /// personal data.
    async fn receive(
        req: &HttpRequest,
        payload: &mut web::Payload,
        limit: usize,
        idle: std::time::Duration,
    ) -> Result<Spool, ApiError> {
        let declared = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        let mut spool = Spool {
            path: std::env::temp_dir().join(format!("liangxin-import-{}.csv", Uuid::now_v7())),
            digest: String::new(),
        };
        let mut digest = Sha256::new();
        let io = |e: std::io::Error| ApiError::Internal(format!("import spool: {e}"));
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&spool.path)
            .await
            .map_err(io)?;
        let mut received = 0usize;
        let deadline = tokio::time::Instant::now() + UPLOAD_DEADLINE;
        loop {
            let pause = idle.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
            let next = tokio::time::timeout(pause, payload.next())
                .await
                .map_err(|_| ApiError::RequestTimeout {
                    seconds: pause.as_secs(),
                })?;
            let Some(chunk) = next else { break };
            let chunk = chunk.map_err(|e| ApiError::bad_request("body", "read", e.to_string()))?;
            received += chunk.len();
            if received > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            digest.update(&chunk);
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        spool.digest = format!("{:x}", digest.finalize());
        Ok(spool)
    }

    /// Whether the file starts as a zip archive (an xlsx workbook) does.
    async fn is_zip(&self) -> Result<bool, ApiError> {
        let mut head = [0u8; 4];
        let mut file = self.reopen().await?;
        let mut read = 0;
        while read < head.len() {
            let n = file
                .read(&mut head[read..])
                .await
                .map_err(|e| ApiError::Internal(format!("import spool: {e}")))?;
            if n == 0 {
                break;
            }
            read += n;
        }
        Ok(read == head.len() && head == *b"PK\x03\x04")
    }

    async fn reopen(&self) -> Result<tokio::fs::File, ApiError> {
        tokio::fs::File::open(&self.path)
            .await
            .map_err(|e| ApiError::Internal(format!("import spool: {e}")))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The charsets an import reads, as a refusal names them.
const CHARSETS: &str =
    "utf-8 (the default), or gbk / gb2312 / gb18030 (`Content-Type: text/csv; charset=gbk`)";

/// What the `Content-Type` of an import says its body is.
enum Declared {
    /// CSV, in the charset named (`None`: recognised).
    Csv(Option<&'static encoding_rs::Encoding>),
    /// An xlsx workbook.
    Xlsx,
    /// A file's bytes, as generated clients send them (`application/octet-stream`): a workbook
    /// when it starts as one (a zip archive), CSV otherwise.
    File(Option<&'static encoding_rs::Encoding>),
}

/// What the body's `Content-Type` declares: `text/csv` (with its `charset`), the xlsx media
/// type, or `application/octet-stream`; 415 for anything else.
fn declared(req: &HttpRequest) -> Result<Declared, ApiError> {
    let unsupported = ApiError::UnsupportedMediaType {
        expected: "text/csv (UTF-8, or GBK/GB18030: name it with charset=gbk, or it is recognised), application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, or application/octet-stream",
    };
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut parts = content_type.split(';');
    let media_type = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase());
    let encoding = match charset.as_deref() {
        None => None,
        Some("utf-8" | "utf8") => Some(encoding_rs::UTF_8),
        Some("gbk" | "gb2312" | "gb18030") => Some(encoding_rs::GB18030),
        Some(_) => return Err(unsupported),
    };
    match media_type.as_str() {
        "text/csv" => Ok(Declared::Csv(encoding)),
        "application/octet-stream" => Ok(Declared::File(encoding)),
        super::spreadsheet::MEDIA_TYPE => Ok(Declared::Xlsx),
        _ => Err(unsupported),
    }
}

/// Whether the whole file decodes without error as `encoding`.
async fn decodes_as(
    spool: &Spool,
    encoding: &'static encoding_rs::Encoding,
) -> Result<bool, ApiError> {
    let mut file = spool.reopen().await?;
    let mut decoder = encoding.new_decoder_with_bom_removal();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut text = String::with_capacity(4 * buffer.len() + 16);
    loop {
        let n = file
            .read(&mut buffer)
            .await
            .map_err(|e| ApiError::Internal(format!("import spool: {e}")))?;
        text.clear();
        let (result, _) =
            decoder.decode_to_string_without_replacement(&buffer[..n], &mut text, n == 0);
        if let encoding_rs::DecoderResult::Malformed(_, _) = result {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

/// The encoding of a body that names no charset: UTF-8, else GB18030 (which reads GBK and
/// GB2312: what Excel and WPS save as "CSV" on a Chinese Windows), else a 400 naming both.
async fn sniff(spool: &Spool) -> Result<&'static encoding_rs::Encoding, ApiError> {
    for encoding in [encoding_rs::UTF_8, encoding_rs::GB18030] {
        if decodes_as(spool, encoding).await? {
            return Ok(encoding);
        }
    }
    Err(ApiError::bad_request(
        "body",
        "charset",
        format!(
            "the file is neither UTF-8 nor GBK/GB18030 text; the charsets that work: {CHARSETS}"
        ),
    ))
}

/// The body as decoded text, read on the parser thread from the chunks this task sends. It notes
/// where each line break (CR or LF) it hands out lies, so that rows are numbered by the file's own
/// lines: the CSV reader's line positions are wrong for CRLF files, and the start it reports for
/// a record can lie on the line breaks before it.
struct DecodedBody {
    chunks: mpsc::Receiver<Bytes>,
    decoder: encoding_rs::Decoder,
    text: Vec<u8>,
    at: usize,
    ended: bool,
    /// Bytes of decoded text handed out so far.
    offset: u64,
    /// Offsets of the CRs and LFs handed out but not yet counted (a read-ahead's worth).
    line_feeds: Breaks,
}

type Breaks = std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<(u64, u8)>>>;

/// Line numbers from the line breaks [`DecodedBody`] noted: the line a record that the reader
/// says starts at byte `start` is on (the header is line 1). Line feeds before `start` count, and
/// so do those in an unbroken run of line breaks from `start` on (blank lines before the record).
struct Lines {
    line_feeds: Breaks,
    before: usize,
}

impl Lines {
    fn at(&mut self, start: u64) -> usize {
        let mut feeds = self
            .line_feeds
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut start = start;
        while let Some(&(at, byte)) = feeds.front() {
            if at > start {
                break;
            }
            if at == start {
                start += 1;
            }
            feeds.pop_front();
            if byte == b'\n' {
                self.before += 1;
            }
        }
        self.before + 1
    }
}

impl Read for DecodedBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.text.len() {
            if self.ended {
                return Ok(0);
            }
            let (chunk, last) = match self.chunks.blocking_recv() {
                Some(chunk) => (chunk, false),
                None => (Bytes::new(), true),
            };
            let capacity = self
                .decoder
                .max_utf8_buffer_length_without_replacement(chunk.len())
                .unwrap_or(chunk.len() * 4 + 16);
            let mut text = String::with_capacity(capacity);
            let (result, _) = self
                .decoder
                .decode_to_string_without_replacement(&chunk, &mut text, last);
            if let encoding_rs::DecoderResult::Malformed(_, _) = result {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "the body is not valid {}; the charsets that work: {CHARSETS}",
                        self.decoder.encoding().name()
                    ),
                ));
            }
            self.text = text.into_bytes();
            self.at = 0;
            self.ended = last;
        }
        let n = buf.len().min(self.text.len() - self.at);
        let handed = &self.text[self.at..self.at + n];
        buf[..n].copy_from_slice(handed);
        let mut feeds = self
            .line_feeds
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (i, byte) in handed.iter().enumerate() {
            if matches!(byte, b'\n' | b'\r') {
                feeds.push_back((self.offset + i as u64, *byte));
            }
        }
        self.at += n;
        self.offset += n as u64;
        Ok(n)
    }
}

/// What the parser thread sends: a row as a JSON object of its non-empty cells, or a failure
/// that ends the import.
enum Parsed {
    Row(usize, Result<serde_json::Value, Vec<FieldError>>),
    Fatal(ApiError),
}

/// How a kind of record is read from CSV.
pub struct Columns {
    /// Columns that become JSON fields.
    pub accepted: &'static [&'static str],
    /// Columns of an export that an import leaves alone (server-owned).
    pub ignored: &'static [&'static str],
    pub booleans: &'static [&'static str],
    pub integers: &'static [&'static str],
}

fn typed(columns: &Columns, name: &str, text: &str) -> serde_json::Value {
    let lowered = text.to_ascii_lowercase();
    if columns.booleans.contains(&name) {
        match lowered.as_str() {
            "true" | "1" => return serde_json::Value::Bool(true),
            "false" | "0" => return serde_json::Value::Bool(false),
            _ => {}
        }
    }
    if columns.integers.contains(&name)
        && let Ok(n) = text.parse::<i64>()
    {
        return serde_json::Value::from(n);
    }
    serde_json::Value::String(text.to_owned())
}

/// Runs on a blocking thread: reads the header, then sends each record as JSON.
fn parse(body: DecodedBody, columns: &'static Columns, rows: mpsc::Sender<Parsed>) {
    let mut lines = Lines {
        line_feeds: body.line_feeds.clone(),
        before: 0,
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(body);
    let header = match reader.headers() {
        Ok(h) => header_of(columns, h.iter()),
        Err(e) => Err(fatal_csv(e)),
    };
    let header = match header {
        Ok(header) => header,
        Err(error) => {
            let _ = rows.blocking_send(Parsed::Fatal(error));
            return;
        }
    };
    for record in reader.records() {
        let parsed = match record {
            Err(e) => Parsed::Fatal(fatal_csv(e)),
            Ok(record) => {
                let line = lines.at(record.position().map_or(0, |p| p.byte()));
                let row = if record.len() != header.len() {
                    Err(vec![FieldError::new(
                        "row",
                        "columns",
                        format!(
                            "has {} cells; the header has {}",
                            record.len(),
                            header.len()
                        ),
                    )])
                } else {
                    Ok(row_object(columns, &header, record.iter()))
                };
                Parsed::Row(line, row)
            }
        };
        let stop = matches!(parsed, Parsed::Fatal(_));
        if rows.blocking_send(parsed).is_err() || stop {
            return;
        }
    }
}

fn fatal_csv(e: csv::Error) -> ApiError {
    ApiError::bad_request("body", "csv", format!("unreadable CSV: {e}"))
}

/// The columns a header row names: each a field name, or its heading in an xlsx export
/// ([`super::spreadsheet::heading`]), so that an exported workbook imports again. A column the
/// import does not know is a 422.
fn header_of<'a>(
    columns: &Columns,
    cells: impl Iterator<Item = &'a str>,
) -> Result<Vec<String>, ApiError> {
    let known = || columns.accepted.iter().chain(columns.ignored);
    cells
        .map(|cell| {
            let cell = cell.trim();
            known()
                .find(|c| **c == cell || super::spreadsheet::heading(c) == cell)
                .map(|c| (*c).to_owned())
                .ok_or_else(|| {
                    ApiError::invalid(
                        "header",
                        "unknown_column",
                        format!(
                            "{cell:?} is not a column of this import; the columns are {}",
                            columns.accepted.join(", ")
                        ),
                    )
                })
        })
        .collect()
}

/// A row as a JSON object of its non-empty cells in accepted columns.
fn row_object<'a>(
    columns: &Columns,
    header: &[String],
    cells: impl Iterator<Item = &'a str>,
) -> serde_json::Value {
    let object: serde_json::Map<_, _> = header
        .iter()
        .zip(cells)
        .filter(|(name, cell)| !cell.trim().is_empty() && columns.accepted.contains(&name.as_str()))
        .map(|(name, cell)| {
            let text = text::restore_formula(cell.trim());
            (name.clone(), typed(columns, name, text))
        })
        .collect();
    serde_json::Value::Object(object)
}

/// Runs on a blocking thread: reads the first sheet of the workbook in `spool`, its first row
/// the header, and sends each further row as JSON, numbered as the sheet numbers it.
fn parse_xlsx(
    spool: Spool,
    max_unpacked: u64,
    columns: &'static Columns,
    rows: mpsc::Sender<Parsed>,
) {
    let mut header: Option<Vec<String>> = None;
    let read = super::spreadsheet::each_row(&spool.path, max_unpacked, |number, cells| {
        let Some(header) = &header else {
            match header_of(columns, cells.iter().map(String::as_str)) {
                Ok(names) => {
                    header = Some(names);
                    return true;
                }
                Err(error) => {
                    let _ = rows.blocking_send(Parsed::Fatal(error));
                    return false;
                }
            }
        };
        let row = match cells
            .iter()
            .skip(header.len())
            .any(|c| !c.trim().is_empty())
        {
            true => Err(vec![FieldError::new(
                "row",
                "columns",
                format!("has cells past the header's {} columns", header.len()),
            )]),
            false => Ok(row_object(
                columns,
                header,
                cells.iter().map(String::as_str),
            )),
        };
        rows.blocking_send(Parsed::Row(number as usize, row))
            .is_ok()
    });
    if let Err(error) = read {
        let _ = rows.blocking_send(Parsed::Fatal(error));
    }
}

/// A row's shape and rules, as the JSON create body would be checked.
pub fn check_shape<
    T: serde::de::DeserializeOwned + Validate + BodyRules + utoipa::PartialSchema,
>(
    value: serde_json::Value,
    rules: RuleContext,
) -> Result<T, Vec<FieldError>> {
    JsonBody(value).parse::<T>(rules).map_err(|e| match e {
        ApiError::Validation(errors) | ApiError::BadRequest { errors, .. } => errors,
        other => vec![FieldError::new("row", "invalid", other.to_string())],
    })
}

struct Import<'a, I: Importer> {
    importer: I,
    caller: &'a Caller,
    batch: Vec<(usize, I::Row)>,
    report: Vec<RowReport>,
    accepted: usize,
    rejected: usize,
    errors_by_code: std::collections::BTreeMap<String, usize>,
}

impl<I: Importer> Import<'_, I> {
    fn reject(&mut self, row: usize, errors: Vec<FieldError>) {
        self.rejected += 1;
        for e in &errors {
            *self.errors_by_code.entry(e.code.clone()).or_default() += 1;
        }
        if self.rejected <= REPORTED_ROWS {
            self.report.push(RowReport {
                row,
                status: "rejected",
                id: None,
                errors,
            });
        }
    }

    fn accept(&mut self, row: usize, id: Uuid) {
        self.accepted += 1;
        if self.accepted <= REPORTED_ROWS {
            self.report.push(RowReport {
                row,
                status: "accepted",
                id: Some(id),
                errors: Vec::new(),
            });
        }
    }

    async fn flush(&mut self, txn: &sea_orm::DatabaseTransaction) -> Result<(), ApiError> {
        let batch = std::mem::take(&mut self.batch);
        if batch.is_empty() {
            return Ok(());
        }
        let outcomes: Vec<RowOutcome> = self.importer.write(txn, self.caller, batch).await?;
        for (row, outcome) in outcomes {
            match outcome {
                Ok(id) => self.accept(row, id),
                Err(errors) => self.reject(row, errors),
            }
        }
        Ok(())
    }
}

/// A kind of record to import: its columns, how a row is checked for shape, and its writer.
pub struct Target<I: Importer> {
    pub columns: &'static Columns,
    pub shape: fn(serde_json::Value, RuleContext) -> Result<I::Row, Vec<FieldError>>,
    pub importer: I,
}

/// Feeds the body to the parser and writes what it yields; the report of every row.
/// `key`: the caller's key for idempotency keys and the `Idempotency-Key` sent, if one was: a
/// written import then commits its report with the key, and a retry with the same key and file
/// gets that report again instead of importing twice.
pub async fn run<I: Importer>(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    params: ImportParams,
    key: Option<(String, String)>,
    mut payload: web::Payload,
    target: Target<I>,
) -> Result<HttpResponse, ApiError> {
    let Target {
        columns,
        shape,
        importer,
    } = target;
    let declared = declared(req)?;
    let limit = state.config.import_max_bytes;
    let _slot = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        state.import_slots.acquire(),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .ok_or(ApiError::Busy {
        retry_after_secs: 30,
    })?;
    let spooled = Spool::receive(req, &mut payload, limit, state.config.body_timeout).await?;
    let retry = key.map(|(caller, key)| Retry {
        caller,
        key,
        request_hash: fingerprint(req, &spooled.digest),
    });
    let (row_tx, row_rx) = mpsc::channel::<Parsed>(BATCH * 2);
    let named = match declared {
        Declared::Xlsx => None,
        Declared::Csv(named) => Some(named),
        Declared::File(named) => match spooled.is_zip().await? {
            true => None,
            false => Some(named),
        },
    };
    let Some(named) = named else {
        // A workbook: read from its file by the parser thread; nothing to feed it.
        let max_unpacked = (limit as u64).saturating_mul(XLSX_UNPACKED_PER_BYTE);
        let parser =
            tokio::task::spawn_blocking(move || parse_xlsx(spooled, max_unpacked, columns, row_tx));
        let rows = Rows { rx: row_rx, parser };
        return write_rows(state, caller, params, retry, importer, shape, rows, async {
            Ok(())
        })
        .await;
    };
    let encoding = match named {
        Some(named) => named,
        None => sniff(&spooled).await?,
    };
    let (chunk_tx, chunk_rx) = mpsc::channel::<Bytes>(8);
    let body = DecodedBody {
        chunks: chunk_rx,
        decoder: encoding.new_decoder_with_bom_removal(),
        text: Vec::new(),
        at: 0,
        ended: false,
        offset: 0,
        line_feeds: Default::default(),
    };
    let parser = tokio::task::spawn_blocking(move || parse(body, columns, row_tx));

    let feed = async move {
        let mut file = spooled.reopen().await?;
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = file
                .read(&mut buffer)
                .await
                .map_err(|e| ApiError::Internal(format!("import spool: {e}")))?;
            if n == 0 {
                break;
            }
            if chunk_tx
                .send(Bytes::copy_from_slice(&buffer[..n]))
                .await
                .is_err()
            {
                break; // the parser stopped: it reports why
            }
        }
        drop(spooled);
        Ok::<(), ApiError>(())
    };
    let rows = Rows { rx: row_rx, parser };
    write_rows(state, caller, params, retry, importer, shape, rows, feed).await
}

/// An import's `Idempotency-Key`, whose it is, and the request's fingerprint.
struct Retry {
    caller: String,
    key: String,
    request_hash: String,
}

/// A fingerprint of an import: method, path and query, media type, and the body's digest.
fn fingerprint(req: &HttpRequest, digest: &str) -> String {
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "{} {}?{}\n{content_type}\n{digest}",
        req.method(),
        req.path(),
        req.query_string()
    ));
    format!("{:x}", hasher.finalize())
}

/// The parser's rows, and the parser.
struct Rows {
    rx: mpsc::Receiver<Parsed>,
    parser: tokio::task::JoinHandle<()>,
}

/// Writes the rows the parser sends, while `feed` feeds it, in one transaction; the report.
#[allow(clippy::too_many_arguments)]
async fn write_rows<I: Importer>(
    state: &AppState,
    caller: &Caller,
    params: ImportParams,
    retry: Option<Retry>,
    importer: I,
    shape: fn(serde_json::Value, RuleContext) -> Result<I::Row, Vec<FieldError>>,
    rows: Rows,
    feed: impl std::future::Future<Output = Result<(), ApiError>>,
) -> Result<HttpResponse, ApiError> {
    let Rows { rx: row_rx, parser } = rows;
    let txn = crate::service::begin_write(&state.db.write).await?;
    let key = retry.as_ref().map(|r| idempotency::Key {
        caller: &r.caller,
        key: &r.key,
        request_hash: &r.request_hash,
    });
    if let Some(key) = &key
        && let Some(stored) = idempotency::claim(&txn, key).await?
    {
        // Imported before: its report again. Unfed and unread, the parser stops.
        drop(feed);
        drop(row_rx);
        let _ = parser.await;
        return Ok(super::respond::stored_response(&stored, true));
    }
    let mut import = Import {
        importer,
        caller,
        batch: Vec::new(),
        report: Vec::new(),
        accepted: 0,
        rejected: 0,
        errors_by_code: Default::default(),
    };
    let rules = state.rules();
    let write = async {
        // Owned here, so that an error (a failed batch) drops the receiver: the parser's sends
        // then fail, it stops, and the feed stops with it — nothing waits forever with the
        // transaction open.
        let mut row_rx = row_rx;
        while let Some(parsed) = row_rx.recv().await {
            match parsed {
                Parsed::Fatal(error) => return Err(error),
                Parsed::Row(row, Err(errors)) => import.reject(row, errors),
                Parsed::Row(row, Ok(value)) => match shape(value, rules) {
                    Ok(fields) => {
                        import.batch.push((row, fields));
                        if import.batch.len() >= BATCH {
                            import.flush(&txn).await?;
                        }
                    }
                    Err(errors) => import.reject(row, errors),
                },
            }
        }
        import.flush(&txn).await
    };
    let (fed, written) = tokio::join!(feed, write);
    parser
        .await
        .map_err(|e| ApiError::Internal(format!("import parser: {e}")))?;
    fed?;
    written?;

    let mut report = import.report;
    report.sort_by_key(|r| r.row);
    let (accepted, rejected) = (import.accepted, import.rejected);
    crate::metrics::IMPORTED_ROWS
        .with_label_values(&["accepted"])
        .inc_by(accepted as u64);
    crate::metrics::IMPORTED_ROWS
        .with_label_values(&["rejected"])
        .inc_by(rejected as u64);
    let mode = params.mode.unwrap_or_default();
    let dry_run = params.dry_run.unwrap_or(false);
    let refused = mode == ImportMode::AllOrNothing && rejected > 0;
    let writes = !(dry_run || refused);
    if !writes {
        report.iter_mut().for_each(|r| r.id = None);
    }
    let body = ImportReport {
        mode,
        dry_run,
        rows: accepted + rejected,
        accepted,
        rejected,
        written: if writes { accepted } else { 0 },
        truncated: report.len() < accepted + rejected,
        report,
        errors_by_code: import.errors_by_code,
    };
    if !writes {
        // Nothing is kept, the key included: a retry checks the file again.
        txn.rollback().await?;
        return Ok(match refused {
            true => HttpResponse::UnprocessableEntity().json(body),
            false => HttpResponse::Ok().json(body),
        });
    }
    let stored = StoredResponse {
        status: 200,
        body: serde_json::to_string(&body).map_err(|e| ApiError::Internal(e.to_string()))?,
        location: None,
    };
    if let Some(key) = &key {
        idempotency::complete(&txn, key, &stored).await?;
    }
    txn.commit().await?;
    if accepted >= ANALYZE_AFTER_ROWS {
        refresh_statistics(&state.db, I::TABLE).await?;
    }
    Ok(super::respond::stored_response(&stored, false))
}
