//! Users who log in with a password.
use entity::user::{self, Entity as User};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::auth::{Role, password};
use crate::db::Db;
use crate::error::ApiError;

pub async fn count(db: &Db) -> Result<u64, ApiError> {
    Ok(User::find().count(&db.read).await?)
}

pub async fn create(
    db: &Db,
    username: &str,
    plain_password: &str,
    role: Role,
) -> Result<user::Model, ApiError> {
    let hash = password::hash(plain_password).map_err(ApiError::Internal)?;
    let now = chrono::Utc::now();
    let model = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(username.to_owned()),
        password_hash: Set(hash),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        disabled_at: Set(None),
    };
    Ok(model.insert(&db.write).await?)
}

/// The enabled user with these credentials, or `None`. Takes the same time for an unknown
/// username as for a wrong password.
pub async fn authenticate(
    db: &Db,
    username: &str,
    plain_password: &str,
) -> Result<Option<(user::Model, Vec<Role>)>, ApiError> {
    let found = User::find()
        .filter(user::Column::Username.eq(username))
        .one(&db.read)
        .await?;
    let Some(found) = found else {
        password::verify(plain_password, password::decoy_hash());
        return Ok(None);
    };
    let hash = found.password_hash.clone();
    let candidate = plain_password.to_owned();
    let matches = tokio::task::spawn_blocking(move || password::verify(&candidate, &hash))
        .await
        .map_err(|e| ApiError::Internal(format!("password check: {e}")))?;
    if !matches || found.disabled_at.is_some() {
        return Ok(None);
    }
    let roles = Role::parse(&found.role).into_iter().collect();
    Ok(Some((found, roles)))
}
