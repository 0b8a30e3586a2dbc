//! `GET /api/v1/events`: every committed change to the register, gap-free in commit order (see
//! `service::events`), with each resource as its GET shows it to the reader, and long polling.
use std::collections::HashMap;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{Authorized, QueryParams};
use crate::error::ApiError;
use crate::service::events::{self as service, FeedRequest, REMOVED_FROM_SCOPE, TYPES};
use crate::state::AppState;

const TAG: &str = "events";

/// One committed change.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "seq": 42, "occurred_at": "2026-12-02T03:30:00Z", "resource_type": "member",
    "resource_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31", "action": "update", "version": 3,
    "representation": {"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31", "version": 3, "name": "李明"}
}))]
pub struct Event {
    /// Strictly increasing and gap-free in commit order (gaps in what one reader sees are
    /// changes outside their scope or filters).
    pub seq: i64,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// `organization`, `party_organization`, `party_group`, `member`, `instructor`,
    /// `instructor_assignment`, `instructor_visit`, `meeting`, `meeting_schedule`,
    /// `fund_entry`, `work_system`, `study_record`, `party_worker`, `responsibility_post`,
    /// `activity` or `concern`.
    pub resource_type: String,
    pub resource_id: Uuid,
    /// `create`, `update`, `archive`, a state change (`hold`, `cancel`, `vote`,
    /// `development_step`, `transfer`, `end`, …), `move` (carried along when its party
    /// organization, or one above, moved to another parent or region), or `removed_from_scope`:
    /// the resource left the part of the register you reach; drop it from a mirror.
    pub action: String,
    /// The resource's version after this change.
    pub version: Option<i32>,
    /// The resource now, exactly as its GET shows it to you (personal data masked without
    /// `pii:read`; archived resources included). Its `version` may be past this event's when
    /// it changed again since: a later event of the same resource follows. `null` for
    /// `removed_from_scope`, for a resource you no longer reach, and for visits (read them
    /// through their assignment's list).
    pub representation: Option<serde_json::Value>,
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<Event>,
    /// Pass as `after` to read on: the last event of this page, or, with no items, the last
    /// event number committed (none of which you may read).
    pub next_after: i64,
}

/// Which events to read.
#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Events after this number (the `next_after` of the page before); 0 for the oldest kept.
    #[param(minimum = 0, example = 41)]
    #[validate(range(min = 0))]
    pub after: Option<i64>,
    /// At most this many events (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<u64>,
    /// Comma-separated resource types, e.g. `member,meeting`.
    #[param(
        max_length = 300,
        example = "member,meeting",
        pattern = "^(organization|party_organization|party_group|member|instructor|instructor_assignment|instructor_visit|meeting|meeting_schedule|fund_entry|work_system|study_record|party_worker|responsibility_post|activity|concern)(,(organization|party_organization|party_group|member|instructor|instructor_assignment|instructor_visit|meeting|meeting_schedule|fund_entry|work_system|study_record|party_worker|responsibility_post|activity|concern))*$"
    )]
    #[validate(length(max = 300))]
    pub types: Option<String>,
    /// Events of this resource only.
    pub resource_id: Option<Uuid>,
    /// Seconds to wait for an event when there is none yet (long polling, ≤ 60).
    #[param(minimum = 0, maximum = 60)]
    #[validate(range(min = 0, max = 60))]
    pub wait: Option<u64>,
}

/// Read the event feed
///
/// Every committed create, update, archive and state change, numbered gap-free in commit
/// order: store the last `seq` you processed and ask `?after=` it; you never miss an event and
/// never see one twice, across restarts and instances. You see the events of what your scope
/// reaches (by where the resource was when it changed), of the types your roles may read.
/// `wait` holds the request until an event arrives. Events are kept
/// `LIANGXIN_EVENT_RETENTION_DAYS`; asking for older ones is a 410 naming the oldest kept:
/// re-read the lists (`updated_since`) and go on from there.
#[utoipa::path(
    operation_id = "listEvents",
    tag = TAG,
    security(("oauth2" = ["events:read"])),
    params(EventQuery),
    responses(
        (status = 200, description = "Events after `after`, oldest first (none when `wait` passed without one).", body = EventPage),
        (status = 410, description = "Events after `after` are no longer kept; the problem's detail names the oldest kept.", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/events")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    renderers: web::Data<super::Renderers>,
    Authorized { principal, access }: Authorized,
    query: QueryParams<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let mut types: Vec<String> = match &query.types {
        None => TYPES.iter().map(|t| (*t).to_owned()).collect(),
        Some(list) => list
            .split(',')
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
    };
    if let Some(unknown) = types.iter().find(|t| !TYPES.contains(&t.as_str())) {
        return Err(ApiError::bad_request(
            "types",
            "unknown_type",
            format!(
                "{unknown:?} is not a resource type of the feed; they are {}",
                TYPES.join(", ")
            ),
        ));
    }
    // Only the types the reader's roles may read.
    types.retain(|t| {
        renderers
            .read_permission(t)
            .is_some_and(|p| principal.holds(p))
    });
    let request = FeedRequest {
        after: query.after.unwrap_or(0),
        limit: query.limit.unwrap_or(100),
        types,
        resource_id: query.resource_id,
    };
    let (mut last, purged) = service::bounds(&state.db).await?;
    if request.after < purged {
        return Err(ApiError::Gone(format!(
            "Events up to {purged} are no longer kept; the oldest kept is {}. Re-read the lists \
             and read on from after={purged}.",
            purged + 1
        )));
    }
    let mut events = if request.types.is_empty() {
        Vec::new()
    } else {
        service::page(&state.db, &access, &request, last).await?
    };
    let wait = Duration::from_secs(query.wait.unwrap_or(0));
    if events.is_empty() && !wait.is_zero() && !request.types.is_empty() {
        let deadline = tokio::time::Instant::now() + wait;
        let mut committed = state.feed.subscribe();
        // Wake on each commit past what was read; re-read (the new events may all be outside
        // this reader's scope or filters) until one is found or the time is up.
        while events.is_empty() {
            let newer = tokio::time::timeout_at(deadline, committed.wait_for(|seq| *seq > last));
            match newer.await {
                Ok(Ok(seq)) => last = *seq,
                _ => break,
            }
            events = service::page(&state.db, &access, &request, last).await?;
        }
    }
    let actor = super::actor(&req, &principal);
    // A resource's representation is its state now: rendered once a page, however many of the
    // page's events it has.
    let mut shown: HashMap<Uuid, Option<serde_json::Value>> = HashMap::new();
    let mut items = Vec::with_capacity(events.len());
    for event in events {
        let representation = if event.action == REMOVED_FROM_SCOPE {
            None
        } else if let Some(known) = shown.get(&event.resource_id) {
            known.clone()
        } else {
            let rendered = renderers
                .render(
                    &state,
                    &principal,
                    &actor,
                    &event.resource_type,
                    event.resource_id,
                )
                .await?;
            shown.insert(event.resource_id, rendered.clone());
            rendered
        };
        items.push(Event {
            seq: event.seq,
            occurred_at: event.occurred_at,
            resource_type: event.resource_type,
            resource_id: event.resource_id,
            action: event.action,
            version: event.version,
            representation,
        });
    }
    let next_after = items.last().map_or(last.max(request.after), |e| e.seq);
    Ok(HttpResponse::Ok().json(EventPage { items, next_after }))
}

/// Keeps `AppState::feed` at the last committed event number while anyone waits on it: one
/// query every 100 ms for all waiting readers of this instance, none while nobody waits.
pub async fn watch_commits(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        if state.feed.receiver_count() == 0 {
            continue;
        }
        if let Ok((last, _)) = service::bounds(&state.db).await {
            state.feed.send_if_modified(|seen| {
                let newer = last > *seen;
                if newer {
                    *seen = last;
                }
                newer
            });
        }
    }
}
