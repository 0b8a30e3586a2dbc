//! API clients: OAuth client credentials for integrating systems. Secrets are random (256 bits),
//! so a SHA-256 hash stores them safely; a rotation keeps the previous secret valid for a while.
use chrono::{Duration, Utc};
use entity::api_client::{ActiveModel, Column, Entity as ApiClient, Model};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::audit::{self, Actor};
use super::resource::{self, Page, PageRequest};
use crate::auth::random_secret;
use crate::db::Db;
use crate::error::ApiError;

/// How long the previous secret keeps working after a rotation.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;

resource::impl_resource!(api_client);

fn hash(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn scopes_of(client: &Model) -> Vec<String> {
    serde_json::from_str(&client.scopes).unwrap_or_default()
}

fn change(action: &'static str, client: &Model, changed_fields: Vec<String>) -> audit::Change {
    audit::Change {
        action,
        resource_type: "api_client",
        resource_id: client.id,
        changed_fields,
        region_code: None,
        feed: Default::default(),
    }
}

pub struct ClientFields {
    pub name: String,
    pub scopes: Vec<String>,
    pub region_code: Option<String>,
}

/// Registers a client; returns it with its secret, which is shown only this once.
pub async fn create(
    db: &Db,
    actor: &Actor,
    fields: ClientFields,
) -> Result<(Model, String), ApiError> {
    let secret = random_secret(32);
    let now = Utc::now();
    let model = ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(format!("lx_{}", random_secret(12))),
        name: Set(fields.name),
        secret_hash: Set(hash(&secret)),
        previous_secret_hash: Set(None),
        previous_secret_expires_at: Set(None),
        scopes: Set(serde_json::to_string(&fields.scopes).expect("scopes serialize")),
        region_code: Set(fields.region_code),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        disabled_at: Set(None),
    };
    let txn = super::begin_write(&db.write).await?;
    let created = model.insert(&txn).await?;
    audit::record(
        &txn,
        actor,
        change("create", &created, audit::set_fields(&created)),
    )
    .await?;
    txn.commit().await?;
    Ok((created, secret))
}

pub async fn get(db: &Db, id: Uuid) -> Result<Model, ApiError> {
    resource::get::<ApiClient>(&db.read, id, Condition::all()).await
}

pub async fn list(db: &Db, page: &PageRequest) -> Result<Page<Model>, ApiError> {
    resource::list::<ApiClient>(&db.read, Condition::all(), page).await
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    expected_version: i32,
    fields: ClientFields,
    disabled: bool,
) -> Result<Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let current = resource::get::<ApiClient>(&txn, id, Condition::all()).await?;
    let disabled_at = match (disabled, current.disabled_at) {
        (true, at @ Some(_)) => at,
        (true, None) => Some(Utc::now()),
        (false, _) => None,
    };
    let changes = ActiveModel {
        name: Set(fields.name),
        scopes: Set(serde_json::to_string(&fields.scopes).expect("scopes serialize")),
        region_code: Set(fields.region_code),
        disabled_at: Set(disabled_at),
        ..Default::default()
    };
    let updated =
        resource::update_versioned::<ApiClient, _>(&txn, id, expected_version, changes).await?;
    audit::record(
        &txn,
        actor,
        change(
            "update",
            &updated,
            audit::changed_fields(&current, &updated),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A new secret; the current one keeps working for [`ROTATION_OVERLAP_HOURS`].
pub async fn rotate_secret(db: &Db, actor: &Actor, id: Uuid) -> Result<(Model, String), ApiError> {
    let secret = random_secret(32);
    let txn = super::begin_write(&db.write).await?;
    let current = resource::get::<ApiClient>(&txn, id, Condition::all()).await?;
    let changes = ActiveModel {
        secret_hash: Set(hash(&secret)),
        previous_secret_hash: Set(Some(current.secret_hash.clone())),
        previous_secret_expires_at: Set(Some(Utc::now() + Duration::hours(ROTATION_OVERLAP_HOURS))),
        ..Default::default()
    };
    let updated =
        resource::update_versioned::<ApiClient, _>(&txn, id, current.version, changes).await?;
    audit::record(
        &txn,
        actor,
        change("rotate_secret", &updated, vec!["secret".into()]),
    )
    .await?;
    txn.commit().await?;
    Ok((updated, secret))
}

/// The enabled client with this id and secret (current, or previous within the overlap).
pub async fn authenticate(
    db: &Db,
    client_id: &str,
    secret: &str,
) -> Result<Option<Model>, ApiError> {
    let Some(client) = ApiClient::find()
        .filter(Column::ClientId.eq(client_id))
        .one(&db.read)
        .await?
    else {
        return Ok(None);
    };
    let presented = hash(secret);
    let current = same(&presented, &client.secret_hash);
    let previous = client
        .previous_secret_hash
        .as_deref()
        .is_some_and(|h| same(&presented, h))
        && client
            .previous_secret_expires_at
            .is_some_and(|until| until > Utc::now());
    Ok(((current || previous) && client.disabled_at.is_none()).then_some(client))
}
