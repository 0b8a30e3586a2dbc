//! Refresh tokens: opaque, stored hashed, single use. Redeeming one issues its successor in the
//! same family; presenting a used one again means it was copied, so the whole family is revoked.
use chrono::{Duration, Utc};
use entity::refresh_token::{ActiveModel, Column, Entity as RefreshToken};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::random_secret;
use crate::db::Db;
use crate::error::ApiError;

fn hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

fn invalid_grant(why: &str) -> ApiError {
    ApiError::bad_request("refresh_token", "invalid_grant", why)
}

async fn insert(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    family_id: Uuid,
    ttl: Duration,
) -> Result<String, ApiError> {
    let token = random_secret(32);
    let now = Utc::now();
    let row = ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        user_id: Set(user_id),
        token_hash: Set(hash(&token)),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        used_at: Set(None),
        revoked_at: Set(None),
    };
    row.insert(conn).await?;
    Ok(token)
}

/// A new family, at login.
pub async fn issue(db: &Db, user_id: Uuid, ttl: Duration) -> Result<String, ApiError> {
    insert(&db.write, user_id, Uuid::now_v7(), ttl).await
}

/// Redeems a refresh token: returns its user and the successor token. A disabled user's
/// family is revoked instead.
pub async fn redeem(db: &Db, token: &str, ttl: Duration) -> Result<(Uuid, String), ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let Some(row) = RefreshToken::find()
        .filter(Column::TokenHash.eq(hash(token)))
        .one(&txn)
        .await?
    else {
        return Err(invalid_grant("the refresh token is unknown"));
    };
    let now = Utc::now();
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(invalid_grant(
            "the refresh token has expired or was revoked",
        ));
    }
    let marked = RefreshToken::update_many()
        .col_expr(Column::UsedAt, Expr::value(now))
        .filter(Column::Id.eq(row.id))
        .filter(Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected == 0 {
        revoke_family(&txn, row.family_id).await?;
        txn.commit().await?;
        tracing::warn!(family = %row.family_id, "a used refresh token was presented again; its family is revoked");
        return Err(invalid_grant("the refresh token was already used"));
    }
    let user = entity::user::Entity::find_by_id(row.user_id)
        .one(&txn)
        .await?;
    if user.is_none_or(|u| u.disabled_at.is_some()) {
        revoke_family(&txn, row.family_id).await?;
        txn.commit().await?;
        return Err(invalid_grant("the account is disabled"));
    }
    let successor = insert(&txn, row.user_id, row.family_id, ttl).await?;
    txn.commit().await?;
    Ok((row.user_id, successor))
}

async fn revoke_family(conn: &impl ConnectionTrait, family_id: Uuid) -> Result<(), ApiError> {
    RefreshToken::update_many()
        .col_expr(Column::RevokedAt, Expr::value(Utc::now()))
        .filter(Column::FamilyId.eq(family_id))
        .filter(Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// RFC 7009: revokes the token's family; an unknown token is not an error.
pub async fn revoke(db: &Db, token: &str) -> Result<(), ApiError> {
    let txn = super::begin_write(&db.write).await?;
    if let Some(row) = RefreshToken::find()
        .filter(Column::TokenHash.eq(hash(token)))
        .one(&txn)
        .await?
    {
        revoke_family(&txn, row.family_id).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Every refresh token of a user, at once (when the user is disabled).
pub async fn revoke_user(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<(), ApiError> {
    RefreshToken::update_many()
        .col_expr(Column::RevokedAt, Expr::value(Utc::now()))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
