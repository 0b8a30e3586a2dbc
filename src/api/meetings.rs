//! `/api/v1/meetings`: planned, held and cancelled meetings of party organizations, with
//! attendance and the votes of general meetings.
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfMatch, IfNoneMatch, JsonBody, ListQuery, NoQuery,
    PageParams, apply_merge_patch, refuse_read_only, split_version,
};
use super::respond::{
    Acted, Created, ListPage, Listed, act_idempotently, create_idempotently, list_page,
    representation,
};
use super::{BASE_PATH, etag};
use crate::auth::Principal;
use crate::domain::meeting::{AttendanceStatus, MeetingKind, MeetingStatus, VoteSubject};
use crate::error::{ApiError, Problem};
use crate::service::meetings::{
    self as service, AttendanceEntry, Holding, MeetingFields, MeetingFilter, MeetingView,
    VoteFields,
};
use crate::state::AppState;

const TAG: &str = "meetings";

/// What describes a meeting; a merge patch changes any of it.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
pub struct MeetingDetails {
    /// Only for a group meeting: the party group holding it.
    #[serde(default)]
    pub party_group_id: Option<Uuid>,
    pub kind: MeetingKind,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub starts_at: DateTime<Utc>,
    /// After `starts_at`.
    pub ends_at: DateTime<Utc>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    #[serde(default)]
    pub location: Option<String>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub agenda: Option<String>,
    #[validate(length(max = 50000))]
    #[schema(max_length = 50000)]
    #[serde(default)]
    pub minutes: Option<String>,
    /// For a party lecture (required once held).
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    #[serde(default)]
    pub lecturer: Option<String>,
    /// For a party lecture (required once held).
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    #[serde(default)]
    pub topic: Option<String>,
    /// For a theme party day (required once held).
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    #[serde(default)]
    pub theme: Option<String>,
    /// References (URLs or document ids) of attached material; no files are stored.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    #[serde(default)]
    pub attachments: Vec<String>,
}

impl BodyRules for MeetingDetails {}

impl From<MeetingDetails> for MeetingFields {
    fn from(d: MeetingDetails) -> Self {
        MeetingFields {
            party_group_id: d.party_group_id,
            kind: d.kind,
            title: d.title,
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            location: d.location,
            agenda: d.agenda,
            minutes: d.minutes,
            lecturer: d.lecturer,
            topic: d.topic,
            theme: d.theme,
            attachments: d.attachments,
        }
    }
}

/// A meeting to plan.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({
    "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
    "kind": "general_meeting",
    "title": "2026年第四季度支部党员大会",
    "starts_at": "2026-11-20T19:00:00+08:00",
    "ends_at": "2026-11-20T21:00:00+08:00",
    "location": "公司三楼会议室",
    "agenda": "讨论接收预备党员"
}))]
pub struct MeetingInput {
    pub party_organization_id: Uuid,
    #[serde(flatten)]
    #[validate(nested)]
    pub details: MeetingDetails,
}

impl BodyRules for MeetingInput {}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceRecord {
    pub member_id: Uuid,
    pub status: AttendanceStatus,
    pub reason: Option<String>,
    /// Full members vote; probationary members attend without a vote.
    pub voting: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VoteRecord {
    pub id: Uuid,
    pub subject: VoteSubject,
    pub member_id: Option<Uuid>,
    pub description: Option<String>,
    pub yes_votes: i32,
    pub no_votes: i32,
    pub abstentions: i32,
    /// Full members expected at the meeting.
    pub entitled_voters: i32,
    /// Full members present.
    pub voters_present: i32,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<entity::meeting_vote::Model> for VoteRecord {
    fn from(v: entity::meeting_vote::Model) -> Self {
        VoteRecord {
            id: v.id,
            subject: v.subject,
            member_id: v.member_id,
            description: v.description,
            yes_votes: v.yes_votes,
            no_votes: v.no_votes,
            abstentions: v.abstentions,
            entitled_voters: v.entitled_voters,
            voters_present: v.voters_present,
            recorded_by: v.recorded_by,
            recorded_at: v.created_at,
        }
    }
}

/// A meeting as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Meeting {
    pub id: Uuid,
    pub party_organization_id: Uuid,
    pub party_group_id: Option<Uuid>,
    /// The schedule that planned it (`null` for a meeting planned by hand).
    pub schedule_id: Option<Uuid>,
    pub kind: MeetingKind,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    /// Changes only through `/hold` and `/cancel`.
    pub status: MeetingStatus,
    pub agenda: Option<String>,
    pub minutes: Option<String>,
    pub lecturer: Option<String>,
    pub topic: Option<String>,
    pub theme: Option<String>,
    pub attachments: Vec<String>,
    pub cancel_reason: Option<String>,
    /// Who was expected and came. Only on a single read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance: Option<Vec<AttendanceRecord>>,
    /// Votes of a general meeting. Only on a single read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub votes: Option<Vec<VoteRecord>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl Meeting {
    fn from_model(m: entity::meeting::Model) -> Result<Self, ApiError> {
        let corrupt = |f: &str| ApiError::Internal(format!("meeting {} has an unknown {f}", m.id));
        Ok(Meeting {
            kind: m.kind,
            status: m.status,
            attachments: serde_json::from_str(&m.attachments)
                .map_err(|_| corrupt("attachments"))?,
            id: m.id,
            party_organization_id: m.party_organization_id,
            party_group_id: m.party_group_id,
            schedule_id: m.schedule_id,
            title: m.title,
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            location: m.location,
            agenda: m.agenda,
            minutes: m.minutes,
            lecturer: m.lecturer,
            topic: m.topic,
            theme: m.theme,
            cancel_reason: m.cancel_reason,
            attendance: None,
            votes: None,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        })
    }

    fn from_view(view: MeetingView) -> Result<Self, ApiError> {
        let mut meeting = Meeting::from_model(view.meeting)?;
        meeting.attendance = Some(
            view.attendance
                .into_iter()
                .map(|a| AttendanceRecord {
                    member_id: a.member_id,
                    status: a.status,
                    reason: a.reason,
                    voting: a.voting,
                })
                .collect(),
        );
        meeting.votes = Some(view.votes.into_iter().map(Into::into).collect());
        Ok(meeting)
    }

    fn details(&self) -> MeetingDetails {
        MeetingDetails {
            party_group_id: self.party_group_id,
            kind: self.kind,
            title: self.title.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            location: self.location.clone(),
            agenda: self.agenda.clone(),
            minutes: self.minutes.clone(),
            lecturer: self.lecturer.clone(),
            topic: self.topic.clone(),
            theme: self.theme.clone(),
            attachments: self.attachments.clone(),
        }
    }
}

pub type MeetingPage = ListPage<Meeting>;
impl Listed for Meeting {}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MeetingListFilter {
    pub party_organization_id: Option<Uuid>,
    /// With `party_organization_id`: also the meetings of the organizations below it.
    #[param(default = false)]
    pub include_descendants: Option<bool>,
    pub kind: Option<MeetingKind>,
    pub status: Option<MeetingStatus>,
    /// Meetings starting at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Meetings starting before this time.
    pub to: Option<DateTime<Utc>>,
    /// Meetings the member was expected at (held), or is expected at (planned).
    pub member_id: Option<Uuid>,
    /// Meetings planned by this schedule.
    pub schedule_id: Option<Uuid>,
}

fn location(id: Uuid) -> String {
    format!("{BASE_PATH}/meetings/{id}")
}

/// List meetings
///
/// Meetings within your scope, filtered by party organization, kind, status or dates, a page at a
/// time.
#[utoipa::path(
    operation_id = "listMeetings",
    tag = TAG,
    security(("oauth2" = ["meetings:read"])),
    params(PageParams, MeetingListFilter),
    responses((status = 200, description = "A page of meetings, in the order planned.", body = MeetingPage)),
)]
#[get("/meetings")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: ListQuery<MeetingListFilter>,
) -> Result<HttpResponse, ApiError> {
    let f = query.filter;
    let filter = MeetingFilter {
        party_organization_id: f.party_organization_id,
        include_descendants: f.include_descendants.unwrap_or(false),
        kind: f.kind,
        status: f.status,
        from: f.from,
        to: f.to,
        member_id: f.member_id,
        schedule_id: f.schedule_id,
    };
    let page = service::list(&state.db, &access, &filter, &query.page).await?;
    Ok(list_page(page.try_map(Meeting::from_model)?))
}

/// Plan a meeting
///
/// A group meeting names its party group; other kinds do not.
#[utoipa::path(
    operation_id = "createMeeting",
    tag = TAG,
    security(("oauth2" = ["meetings:write"])),
    params(IdempotencyKey),
    request_body(content = MeetingInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Planned.", body = Meeting,
         headers(("Location" = String, description = "The new meeting's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "Conflicts with what is registered; the problem's `code` says how.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/meetings")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: MeetingInput = body.parse(state.rules())?;
    super::extract::refuse_unknown_fields(&body.0, &input)?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let model = service::create(
            txn,
            &caller,
            input.party_organization_id,
            input.details.into(),
        )
        .await?;
        let meeting = Meeting::from_model(model)?;
        Created::new(location(meeting.id), &meeting)
    })
    .await
}

/// Get a meeting
///
/// With its attendance and votes.
#[utoipa::path(
    operation_id = "getMeeting",
    tag = TAG,
    security(("oauth2" = ["meetings:read"])),
    params(("id" = Uuid, Path, description = "The meeting's id."), IfNoneMatch),
    responses(
        (status = 200, description = "The meeting.", body = Meeting, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match."),
    ),
)]
#[get("/meetings/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let meeting = Meeting::from_view(service::get(&state.db, &access, *id).await?)?;
    Ok(representation(&req, &etag(meeting.version), &meeting))
}

/// This meeting as `GET /meetings/{id}` shows it: the event feed's representation.
pub fn render<'a>(
    state: &'a AppState,
    _: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        super::rendered(&Meeting::from_view(
            service::get(&state.db, access, id).await?,
        )?)
    })
}

/// A merge patch of a meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types; the patch is merged as JSON
#[schema(example = json!({"minutes": "会议讨论并一致通过……", "version": 2}))]
pub struct MeetingPatch {
    party_group_id: Option<Uuid>,
    #[schema(nullable = false)]
    kind: Option<MeetingKind>,
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    title: Option<String>,
    #[schema(nullable = false)]
    starts_at: Option<DateTime<Utc>>,
    #[schema(nullable = false)]
    ends_at: Option<DateTime<Utc>>,
    #[schema(max_length = 200)]
    location: Option<String>,
    #[schema(max_length = 5000)]
    agenda: Option<String>,
    #[schema(max_length = 50000)]
    minutes: Option<String>,
    #[schema(max_length = 100)]
    lecturer: Option<String>,
    #[schema(max_length = 200)]
    topic: Option<String>,
    #[schema(max_length = 200)]
    theme: Option<String>,
    #[schema(nullable = false, max_items = 20)]
    attachments: Option<Vec<String>>,
    #[schema(nullable = false, minimum = 1)]
    version: Option<i32>,
}

const NOT_PATCHABLE: &[(&str, &str)] = &[
    (
        "status",
        "POST /meetings/{id}/hold or /meetings/{id}/cancel",
    ),
    ("party_organization_id", "planning a new meeting"),
    ("attendance", "PUT /meetings/{id}/attendance"),
    ("votes", "POST /meetings/{id}/votes"),
];

/// Change or correct a meeting
///
/// A JSON merge patch of its details. A held meeting can be corrected (with `If-Match`), never
/// un-held; a cancelled one cannot change (409). Every change is audited.
#[utoipa::path(
    operation_id = "updateMeeting",
    tag = TAG,
    security(("oauth2" = ["meetings:write"])),
    params(("id" = Uuid, Path, description = "The meeting's id."), IfMatch),
    request_body(content = MeetingPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed.", body = Meeting, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "The meeting was cancelled.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/meetings/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let current = Meeting::from_view(service::get(&state.db, &caller.access, *id).await?)?;
    let (patch, body_version) = split_version(body.0)?;
    refuse_read_only(&patch, &current, NOT_PATCHABLE)?;
    let expected = if_match.0.or(body_version).unwrap_or(current.version);
    let details: MeetingDetails = apply_merge_patch::<MeetingPatch, _>(
        &current,
        &current.details(),
        expected,
        patch,
        state.rules(),
    )?;
    let model = service::update(&state.db, &caller, *id, expected, details.into()).await?;
    let meeting = Meeting::from_model(model)?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(meeting.version)))
        .json(meeting))
}

/// One expected member's attendance.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AttendanceInput {
    pub member_id: Uuid,
    pub status: AttendanceStatus,
    /// Required for `excused`.
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub reason: Option<String>,
}

impl From<AttendanceInput> for AttendanceEntry {
    fn from(a: AttendanceInput) -> Self {
        AttendanceEntry {
            member_id: a.member_id,
            status: a.status,
            reason: a.reason,
        }
    }
}

/// The record of a held meeting.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "minutes": "会议由支部书记主持……",
    "attendance": [
        {"member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31", "status": "present"},
        {"member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e32", "status": "excused", "reason": "出差"}
    ]
}))]
pub struct HoldInput {
    #[validate(length(min = 1, max = 50000))]
    #[schema(min_length = 1, max_length = 50000)]
    pub minutes: String,
    /// One entry per expected member: every active full and probationary member of the
    /// organization (or group), and the mobile members it hosts.
    #[validate(nested, length(max = 2000))]
    #[schema(max_items = 2000)]
    pub attendance: Vec<AttendanceInput>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    #[serde(default)]
    pub lecturer: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    #[serde(default)]
    pub topic: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    #[serde(default)]
    pub theme: Option<String>,
}

impl BodyRules for HoldInput {}

/// Record that a meeting was held
///
/// With its minutes and the attendance of every expected member (`excused` needs a reason). A
/// lecture records its lecturer and topic, a theme party day its theme. Only a planned meeting
/// that has started is held (409 `not_planned` / `not_yet`).
#[utoipa::path(
    operation_id = "holdMeeting",
    tag = TAG,
    security(("oauth2" = ["meetings:write"])),
    params(("id" = Uuid, Path, description = "The meeting's id."), IdempotencyKey),
    request_body(content = HoldInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Held.", body = Meeting, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "The meeting is not planned, or has not started yet.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/meetings/{id}/hold")]
pub async fn hold(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: HoldInput = body.parse(state.rules())?;
    let holding = Holding {
        minutes: input.minutes,
        lecturer: input.lecturer,
        topic: input.topic,
        theme: input.theme,
        attendance: input.attendance.into_iter().map(Into::into).collect(),
    };
    act_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        service::hold(txn, &caller, *id, holding, Utc::now()).await?;
        Acted::new(&Meeting::from_view(
            service::get_in(txn, &caller.access, *id).await?,
        )?)
    })
    .await
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "台风停工"}))]
pub struct CancelInput {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

impl BodyRules for CancelInput {}

/// Cancel a planned meeting
///
/// Cancels a planned meeting with a reason; a held meeting cannot be cancelled (409).
#[utoipa::path(
    operation_id = "cancelMeeting",
    tag = TAG,
    security(("oauth2" = ["meetings:write"])),
    params(("id" = Uuid, Path, description = "The meeting's id."), IdempotencyKey),
    request_body(content = CancelInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelled.", body = Meeting, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "The meeting is not planned.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/meetings/{id}/cancel")]
pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: CancelInput = body.parse(state.rules())?;
    act_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let cancelled = service::cancel(txn, &caller, *id, input.reason).await?;
        Acted::new(&Meeting::from_model(cancelled)?)
    })
    .await
}

/// The attendance of a held meeting, corrected.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AttendanceList {
    #[validate(nested, length(max = 2000))]
    #[schema(max_items = 2000)]
    pub attendance: Vec<AttendanceInput>,
}

impl BodyRules for AttendanceList {}

/// Correct the attendance of a held meeting
///
/// Replaces it whole: one entry per member expected when it was held. Send the meeting's `ETag`
/// as `If-Match`: two clerks correcting the same list do not overwrite each other.
#[utoipa::path(
    operation_id = "setMeetingAttendance",
    tag = TAG,
    security(("oauth2" = ["meetings:write"])),
    params(("id" = Uuid, Path, description = "The meeting's id."), IfMatch),
    request_body(content = AttendanceList, content_type = "application/json"),
    responses(
        (status = 200, description = "Recorded.", body = Meeting, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "The meeting has not been held.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[put("/meetings/{id}/attendance")]
pub async fn set_attendance(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: AttendanceList = body.parse(state.rules())?;
    let entries = input.attendance.into_iter().map(Into::into).collect();
    service::set_attendance(&state.db, &caller, *id, if_match.0, entries).await?;
    let meeting = Meeting::from_view(service::get(&state.db, &caller.access, *id).await?)?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(meeting.version)))
        .json(meeting))
}

/// A vote of a general meeting.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"subject": "admission", "member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e33", "yes_votes": 7, "no_votes": 0, "abstentions": 1}))]
pub struct VoteInput {
    pub subject: VoteSubject,
    /// For an admission or conversion: the member voted on.
    #[serde(default)]
    pub member_id: Option<Uuid>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub description: Option<String>,
    #[validate(range(max = 100000))]
    #[schema(maximum = 100000)]
    pub yes_votes: u32,
    #[validate(range(max = 100000))]
    #[schema(maximum = 100000)]
    #[serde(default)]
    pub no_votes: u32,
    #[validate(range(max = 100000))]
    #[schema(maximum = 100000)]
    #[serde(default)]
    pub abstentions: u32,
}

impl BodyRules for VoteInput {}

/// Record a vote
///
/// Only a held general meeting votes. More than half of its entitled full members must be
/// present (more than four fifths for an election: `quorum` / `election_quorum`), and an
/// admission or conversion needs yes votes from more than half of them (`vote_majority`).
/// The development pipeline's `admission_vote` can then name this meeting.
#[utoipa::path(
    operation_id = "recordMeetingVote",
    tag = TAG,
    security(("oauth2" = ["meetings:write"])),
    params(("id" = Uuid, Path, description = "The meeting's id."), IdempotencyKey),
    request_body(content = VoteInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded.", body = VoteRecord,
         headers(("Location" = String, description = "The meeting."))),
        (status = 409, description = "The meeting cannot vote, or the vote breaks a rule; `code` names it.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/meetings/{id}/votes")]
pub async fn vote(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: VoteInput = body.parse(state.rules())?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let fields = VoteFields {
            subject: input.subject,
            member_id: input.member_id,
            description: input.description,
            yes: input.yes_votes,
            no: input.no_votes,
            abstentions: input.abstentions,
        };
        let record = VoteRecord::from(service::add_vote(txn, &caller, *id, fields).await?);
        Created::new(location(*id), &record)
    })
    .await
}
