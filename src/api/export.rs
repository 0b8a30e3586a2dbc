//! What an export operation (a path ending in `/export`) answers with: CSV (UTF-8 with a
//! byte-order mark, or GBK on request: see [`csv_export`]) or an xlsx workbook (see
//! [`spreadsheet`]). `format=xlsx` in the query asks for the workbook (a download link cannot
//! set headers), as does an `Accept` naming the spreadsheet media type; `format=csv`, or
//! neither, for CSV.
use std::future::Future;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::csv_export::{self, Charset};
use super::spreadsheet::{self, Sheets};
use crate::error::ApiError;
use crate::service::resource::{Page, decode_cursor};

/// The query parameter an export takes beside its own.
pub const PARAMETER: &str = "format";

/// Whether `req` is an export operation's (which takes [`PARAMETER`]).
pub fn is_export(req: &HttpRequest) -> bool {
    req.match_pattern().is_some_and(|p| p.ends_with("/export"))
}

/// The file an export writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// CSV: UTF-8 with a byte-order mark (or GBK with `Accept: text/csv; charset=gbk`).
    #[default]
    Csv,
    /// An Excel workbook: headings in Chinese, identifiers as text, dates as dates.
    Xlsx,
}

/// The `format` of an export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParam {
    /// `xlsx` for an Excel workbook (as `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`
    /// does), `csv` (the default) for CSV.
    #[param(inline)]
    pub format: Option<FileFormat>,
}

/// What a request for an export asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv(Charset),
    Xlsx,
}

impl ExportFormat {
    /// From `format`, else `Accept`; 400 for a `format` that is neither `csv` nor `xlsx`.
    pub fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let named = form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == PARAMETER)
            .map(|(_, v)| v.into_owned());
        let asked = match named.as_deref() {
            Some("xlsx") => FileFormat::Xlsx,
            Some("csv") => FileFormat::Csv,
            Some(_) => {
                return Err(ApiError::bad_request(PARAMETER, "enum", "`csv` or `xlsx`"));
            }
            None if accepts_xlsx(req) => FileFormat::Xlsx,
            None => FileFormat::Csv,
        };
        Ok(match asked {
            FileFormat::Csv => ExportFormat::Csv(Charset::of(req)),
            FileFormat::Xlsx => ExportFormat::Xlsx,
        })
    }
}

fn accepts_xlsx(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|range| range.split(';').next())
        .any(|m| m.trim().eq_ignore_ascii_case(spreadsheet::MEDIA_TYPE))
}

fn xlsx_attachment(filename: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(spreadsheet::MEDIA_TYPE)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}.xlsx\""),
        ))
        .body(bytes)
}

/// The rows `next_page(after)` yields, page after page from `first` (the `cursor`), with
/// `columns` (fields of the JSON representation) in this order: CSV streamed a page at a time, or
/// a workbook written a page at a time and sent when complete.
pub async fn list<T, F, Fut>(
    req: &HttpRequest,
    filename: &'static str,
    columns: &'static [&'static str],
    first: Option<Uuid>,
    mut next_page: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize + 'static,
    F: FnMut(Option<Uuid>) -> Fut + 'static,
    Fut: Future<Output = Result<Page<T>, ApiError>> + 'static,
{
    let charset = match ExportFormat::of(req)? {
        ExportFormat::Csv(charset) => charset,
        ExportFormat::Xlsx => {
            let mut sheets = Sheets::new(columns)?;
            let mut after = first;
            loop {
                let page = next_page(after).await?;
                for item in &page.items {
                    let value = serde_json::to_value(item)
                        .map_err(|e| ApiError::Internal(e.to_string()))?;
                    sheets.push(
                        columns
                            .iter()
                            .map(|c| spreadsheet::from_json(c, &value[*c])),
                    )?;
                }
                after = page.next_cursor.as_deref().and_then(decode_cursor);
                if after.is_none() {
                    break;
                }
            }
            let bytes = web::block(move || sheets.finish())
                .await
                .map_err(|e| ApiError::Internal(format!("xlsx: {e}")))??;
            return Ok(xlsx_attachment(filename, bytes));
        }
    };
    Ok(csv_export::stream(
        charset, filename, columns, first, next_page,
    ))
}

/// A whole report, written as CSV (`csv`, UTF-8, header row first): the CSV as asked, or a
/// workbook of the same rows with numbers and dates typed by column.
pub async fn report(
    req: &HttpRequest,
    filename: &str,
    csv: Vec<u8>,
) -> Result<HttpResponse, ApiError> {
    match ExportFormat::of(req)? {
        ExportFormat::Csv(_) => Ok(csv_export::attachment(req, filename, csv)),
        ExportFormat::Xlsx => {
            let bytes = web::block(move || {
                let mut reader = csv::ReaderBuilder::new()
                    .flexible(true)
                    .from_reader(&csv[..]);
                let failed = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
                let columns: Vec<String> = reader
                    .headers()
                    .map_err(failed)?
                    .iter()
                    .map(str::to_owned)
                    .collect();
                let names: Vec<&str> = columns.iter().map(String::as_str).collect();
                let mut sheets = Sheets::new(&names)?;
                for record in reader.records() {
                    let record = record.map_err(failed)?;
                    sheets.push(
                        names
                            .iter()
                            .zip(record.iter())
                            .map(|(c, text)| spreadsheet::from_text(c, text)),
                    )?;
                }
                sheets.finish()
            })
            .await
            .map_err(|e| ApiError::Internal(format!("xlsx: {e}")))??;
            Ok(xlsx_attachment(filename, bytes))
        }
    }
}

/// An xlsx workbook (binary), in the contract.
pub struct XlsxFile;

impl utoipa::PartialSchema for XlsxFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("An Excel workbook (xlsx)."))
            .into()
    }
}

impl ToSchema for XlsxFile {}
