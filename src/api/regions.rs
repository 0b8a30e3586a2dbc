//! `/api/v1/regions`: the administrative division table, for region pickers and for naming the
//! regions that filters, scopes and reports use.
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{Authorized, IfNoneMatch, NoQuery, QueryParams, region_filter};
use super::respond::representation;
use crate::domain::divisions::{Division, Divisions, Level};
use crate::error::ApiError;
use crate::state::AppState;

const TAG: &str = "regions";
/// Lookups change only when the table does; clients may keep them for an hour.
const CACHE_CONTROL: &str = "private, max-age=3600";
const DEFAULT_SEARCH_LIMIT: usize = 20;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "110105", "name": "朝阳区", "level": "county", "parent_code": "110100", "has_children": true}))]
pub struct Region {
    /// GB/T 2260 code (6 digits), or a 9-digit township code.
    pub code: String,
    pub name: String,
    pub level: Level,
    /// `null` for a province.
    pub parent_code: Option<String>,
    /// Whether a picker can go one level further down.
    pub has_children: bool,
}

impl Region {
    fn new(d: &Division, divisions: &Divisions) -> Self {
        Region {
            code: d.code.clone(),
            name: d.name.clone(),
            level: d.level,
            parent_code: d.parent_code.clone(),
            has_children: divisions.has_children(&d.code),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "110105", "name": "朝阳区", "level": "county", "parent_code": "110100", "has_children": true,
    "full_name": "北京市 / 市辖区 / 朝阳区",
    "ancestors": [{"code": "110000", "name": "北京市", "level": "province", "parent_code": null, "has_children": true},
                  {"code": "110100", "name": "市辖区", "level": "city", "parent_code": "110000", "has_children": true}]}))]
pub struct RegionDetail {
    #[serde(flatten)]
    pub region: Region,
    /// The names from the province down, joined by ` / `.
    pub full_name: String,
    /// The divisions above this one, the province first.
    pub ancestors: Vec<Region>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionList {
    pub items: Vec<Region>,
}

/// Which regions to list.
#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegionListParams {
    /// List the divisions directly under this code; without it (and without `q`), the provinces.
    /// With `q`, search only within this region.
    #[param(
        pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$",
        example = "110100"
    )]
    pub parent_code: Option<String>,
    /// Search by part of the name, at any level (higher levels first).
    #[param(min_length = 1, max_length = 50, example = "朝阳")]
    #[validate(length(min = 1, max = 50))]
    pub q: Option<String>,
    /// At most this many search results.
    #[param(minimum = 1, maximum = 100, default = 20)]
    #[validate(range(min = 1, max = 100))]
    pub limit: Option<usize>,
}

fn cached(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(CACHE_CONTROL),
    );
    response
}

fn table_etag(divisions: &Divisions) -> String {
    format!("\"{}\"", divisions.version())
}

/// List or search regions
///
/// Children of a division (`parent_code`), the provinces (no parameter), or a bounded name
/// search (`q`). Answers carry `Cache-Control` and an `ETag` that changes only with the table.
#[utoipa::path(
    operation_id = "listRegions",
    tag = TAG,
    security(("oauth2" = ["regions:read"])),
    params(RegionListParams, IfNoneMatch),
    responses(
        (status = 200, description = "The regions.", body = RegionList,
         headers(("ETag" = String, description = "The version of the division table."), ("Cache-Control" = String, description = "How long the answer may be kept."))),
        (status = 304, description = "Not modified: the table is the one named in If-None-Match."),
        (status = 422, description = "`parent_code` is not in the division table.", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/regions")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: Authorized,
    query: QueryParams<RegionListParams>,
) -> Result<HttpResponse, ApiError> {
    let divisions = &state.divisions;
    let params = query.0;
    let parent = match &params.parent_code {
        None => None,
        Some(code) => {
            region_filter(divisions, "parent_code", code)?;
            Some(divisions.resolve(code).map_err(|_| ApiError::NotFound)?)
        }
    };
    let limit = params.limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
    let found = match &params.q {
        Some(q) => {
            let within = parent.map(|p| divisions.region_prefix(&p.code).unwrap_or_default());
            divisions.search(q, within.as_deref(), limit)
        }
        None => divisions.children(parent.map(|p| p.code.as_str())),
    };
    let items = found
        .into_iter()
        .map(|d| Region::new(d, divisions))
        .collect();
    Ok(cached(representation(
        &req,
        &table_etag(divisions),
        &RegionList { items },
    )))
}

/// Get a region
///
/// One division with its full name and the divisions above it.
#[utoipa::path(
    operation_id = "getRegion",
    tag = TAG,
    security(("oauth2" = ["regions:read"])),
    params(("code" = String, Path, description = "A division code (6 or 9 digits).", pattern = "^([0-9]{6}|[0-9]{9})$"), IfNoneMatch),
    responses(
        (status = 200, description = "The region.", body = RegionDetail,
         headers(("ETag" = String, description = "The version of the division table."), ("Cache-Control" = String, description = "How long the answer may be kept."))),
        (status = 304, description = "Not modified: the table is the one named in If-None-Match."),
    ),
)]
#[get("/regions/{code}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: Authorized,
    code: web::Path<String>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let divisions = &state.divisions;
    let division = divisions.get(&code).ok_or(ApiError::NotFound)?;
    let lineage = divisions.lineage(&division.code);
    let detail = RegionDetail {
        region: Region::new(division, divisions),
        full_name: divisions.full_name(&division.code).unwrap_or_default(),
        ancestors: lineage[..lineage.len() - 1]
            .iter()
            .map(|d| Region::new(d, divisions))
            .collect(),
    };
    Ok(cached(representation(
        &req,
        &table_etag(divisions),
        &detail,
    )))
}
