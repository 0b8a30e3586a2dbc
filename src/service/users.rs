//! Users who log in with a password, and the roles they hold.
use entity::user::{ActiveModel, Column, Entity as User, Model};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use super::audit::{self, Actor};
use super::resource::{self, Page, PageRequest};
use crate::auth::{Principal, RoleGrant, password};
use crate::db::Db;
use crate::error::ApiError;

resource::impl_resource!(user);

/// The roles stored with a user.
pub fn grants_of(user: &Model) -> Result<Vec<RoleGrant>, ApiError> {
    serde_json::from_str(&user.roles)
        .map_err(|e| ApiError::Internal(format!("user {} has unreadable roles: {e}", user.id)))
}

fn roles_text(grants: &[RoleGrant]) -> String {
    serde_json::to_string(grants).expect("grants serialize")
}

/// Hashes a new password (argon2id), within the bounded password-check slots.
pub async fn hash_password(plain_password: &str) -> Result<String, ApiError> {
    let plain = plain_password.to_owned();
    password::bounded(password::HASH_WAIT, move || password::hash(&plain))
        .await?
        .map_err(ApiError::Internal)
}

pub async fn count(db: &Db) -> Result<u64, ApiError> {
    Ok(User::find().count(&db.read).await?)
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub display_name: Option<String>,
    pub grants: Vec<RoleGrant>,
}

/// Creates a user in a transaction of its own (start-up and the command line).
pub async fn create(db: &Db, actor: &Actor, new: NewUser<'_>) -> Result<Model, ApiError> {
    let password_hash = hash_password(new.password).await?;
    let txn = super::begin_write(&db.write).await?;
    let created = insert(&txn, actor, new, password_hash).await?;
    txn.commit().await?;
    Ok(created)
}

/// Creates a user in `txn`, with a password hashed beforehand by [`hash_password`] (so that no
/// transaction waits for argon2).
pub async fn insert(
    txn: &DatabaseTransaction,
    actor: &Actor,
    new: NewUser<'_>,
    password_hash: String,
) -> Result<Model, ApiError> {
    let now = chrono::Utc::now();
    let model = ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(new.username.to_owned()),
        password_hash: Set(password_hash),
        display_name: Set(new.display_name),
        roles: Set(roles_text(&new.grants)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        disabled_at: Set(None),
    };
    let created = model.insert(txn).await?;
    let fields = audit::set_fields(&created)
        .into_iter()
        .filter(|f| f != "password_hash")
        .collect();
    audit::record(txn, actor, change("create", created.id, fields)).await?;
    Ok(created)
}

fn change(action: &'static str, id: Uuid, changed_fields: Vec<String>) -> audit::Change {
    audit::Change {
        action,
        resource_type: "user",
        resource_id: id,
        changed_fields,
        region_code: None,
        feed: Default::default(),
    }
}

pub async fn get(db: &Db, id: Uuid) -> Result<Model, ApiError> {
    resource::get::<User>(&db.read, id, Condition::all()).await
}

/// The enabled user with this id as a principal with their roles (and the paths of their
/// party organizations), as if they had just signed in; `None` when disabled or gone.
pub async fn principal_of(db: &Db, id: Uuid) -> Result<Option<Principal>, ApiError> {
    let Some(user) = User::find_by_id(id).one(&db.read).await? else {
        return Ok(None);
    };
    if user.disabled_at.is_some() {
        return Ok(None);
    }
    let grants = grants_of(&user)?;
    let roots: Vec<Uuid> = grants
        .iter()
        .filter_map(|g| g.party_organization_id)
        .collect();
    let party_paths = match roots.is_empty() {
        true => Vec::new(),
        false => super::party_organizations::paths_of(db, &roots).await?,
    };
    Ok(Some(Principal {
        subject: user.id.to_string(),
        grants,
        client: None,
        party_paths,
    }))
}

pub async fn list(
    db: &Db,
    username_contains: Option<&str>,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    let mut condition = Condition::all();
    if let Some(q) = username_contains {
        condition = condition.add(resource::contains_literally(Column::Username, q));
    }
    resource::list::<User>(&db.read, condition, page).await
}

/// What an administrator may change on a user.
pub struct UserChanges {
    pub display_name: Option<String>,
    pub grants: Vec<RoleGrant>,
    pub disabled: bool,
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    expected_version: i32,
    changes: UserChanges,
) -> Result<Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let current = resource::get::<User>(&txn, id, Condition::all()).await?;
    let disabled_at = match (changes.disabled, current.disabled_at) {
        (true, Some(at)) => Some(at),
        (true, None) => Some(chrono::Utc::now()),
        (false, _) => None,
    };
    let update = ActiveModel {
        display_name: Set(changes.display_name),
        roles: Set(roles_text(&changes.grants)),
        disabled_at: Set(disabled_at),
        ..Default::default()
    };
    let updated = resource::update_versioned::<User, _>(&txn, id, expected_version, update).await?;
    if updated.disabled_at.is_some() {
        super::refresh_tokens::revoke_user(&txn, id).await?;
    }
    audit::record(
        &txn,
        actor,
        change("update", id, audit::changed_fields(&current, &updated)),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn set_password(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    plain_password: &str,
) -> Result<Model, ApiError> {
    let password_hash = hash_password(plain_password).await?;
    let txn = super::begin_write(&db.write).await?;
    let current = resource::get::<User>(&txn, id, Condition::all()).await?;
    let update = ActiveModel {
        password_hash: Set(password_hash),
        ..Default::default()
    };
    let updated = resource::update_versioned::<User, _>(&txn, id, current.version, update).await?;
    // A new password ends the sessions the old one began.
    super::refresh_tokens::revoke_user(&txn, id).await?;
    audit::record(
        &txn,
        actor,
        change("reset_password", id, vec!["password".into()]),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// The enabled user with this username (for tokens of the external identity provider).
pub async fn find_enabled(db: &Db, username: &str) -> Result<Option<Model>, ApiError> {
    let found = User::find()
        .filter(Column::Username.eq(username))
        .one(&db.read)
        .await?;
    Ok(found.filter(|u| u.disabled_at.is_none()))
}

/// The enabled user with these credentials, and their roles; `None` otherwise. Takes the same
/// time for an unknown username as for a wrong password.
pub async fn authenticate(
    db: &Db,
    username: &str,
    plain_password: &str,
    wait: std::time::Duration,
) -> Result<Option<(Model, Vec<RoleGrant>)>, ApiError> {
    let found = User::find()
        .filter(Column::Username.eq(username))
        .one(&db.read)
        .await?;
    let stored = found
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_owned());
    let candidate = plain_password.to_owned();
    let matches = password::bounded(wait, move || password::verify(&candidate, &stored)).await?;
    match found {
        Some(user) if matches && user.disabled_at.is_none() => {
            let grants = grants_of(&user)?;
            Ok(Some((user, grants)))
        }
        _ => Ok(None),
    }
}
