//! Calendar feed tokens: made by a signed-in user, stored hashed, revocable, and good for
//! nothing but the meeting feeds (they are not bearer tokens).
use entity::calendar_token::{ActiveModel, Column, Entity as CalendarToken, Model};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::audit::{self, Actor};
use crate::auth::Principal;
use crate::auth::random_secret;
use crate::db::Db;
use crate::error::ApiError;

fn hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

fn change(action: &'static str, token: &Model) -> audit::Change {
    audit::Change {
        action,
        resource_type: "calendar_token",
        resource_id: token.id,
        changed_fields: Vec::new(),
        region_code: None,
        feed: Default::default(),
    }
}

/// A new token for `user`; the token itself is returned once and kept only hashed.
pub async fn create(
    db: &Db,
    actor: &Actor,
    user: Uuid,
    label: Option<String>,
) -> Result<(Model, String), ApiError> {
    let token = random_secret(32);
    let txn = super::begin_write(&db.write).await?;
    let created = ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        token_hash: Set(hash(&token)),
        label: Set(label),
        created_at: Set(chrono::Utc::now()),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, actor, change("create", &created)).await?;
    txn.commit().await?;
    Ok((created, token))
}

pub async fn list(db: &Db, user: Uuid) -> Result<Vec<Model>, ApiError> {
    Ok(CalendarToken::find()
        .filter(Column::UserId.eq(user))
        .order_by_asc(Column::Id)
        .all(&db.read)
        .await?)
}

/// Revokes one of the user's tokens; another user's is a 404.
pub async fn revoke(db: &Db, actor: &Actor, user: Uuid, id: Uuid) -> Result<(), ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let token = CalendarToken::find_by_id(id)
        .filter(Column::UserId.eq(user))
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if token.revoked_at.is_none() {
        CalendarToken::update_many()
            .col_expr(Column::RevokedAt, Expr::value(chrono::Utc::now()))
            .filter(Column::Id.eq(id))
            .exec(&txn)
            .await?;
        audit::record(&txn, actor, change("revoke", &token)).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The enabled user a live token belongs to, as a principal with their roles; 401 otherwise.
pub async fn principal(db: &Db, token: &str) -> Result<Principal, ApiError> {
    let refused = || ApiError::Unauthorized("The calendar token is unknown or revoked.".into());
    let found = CalendarToken::find()
        .filter(Column::TokenHash.eq(hash(token)))
        .filter(Column::RevokedAt.is_null())
        .one(&db.read)
        .await?
        .ok_or_else(refused)?;
    super::users::principal_of(db, found.user_id)
        .await?
        .ok_or_else(refused)
}
