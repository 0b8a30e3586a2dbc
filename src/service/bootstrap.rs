//! First-start work: the JWT secret kept in the database, and the bootstrap admin.
use entity::setting::{self, Entity as Setting};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::auth::{Role, RoleGrant, random_secret};
use crate::db::Db;
use crate::error::ApiError;

const JWT_SECRET_KEY: &str = "jwt_secret";

/// The configured secret, or the one generated on first start and kept in the database so
/// that tokens survive a restart.
pub async fn jwt_secret(db: &Db, configured: Option<&str>) -> Result<String, ApiError> {
    if let Some(secret) = configured {
        return Ok(secret.to_owned());
    }
    if let Some(row) = Setting::find_by_id(JWT_SECRET_KEY).one(&db.write).await? {
        return Ok(row.value);
    }
    let row = setting::ActiveModel {
        key: Set(JWT_SECRET_KEY.into()),
        value: Set(random_secret(48)),
    };
    match row.insert(&db.write).await {
        Ok(row) => Ok(row.value),
        // Another instance stored one first: use theirs.
        Err(_) => Setting::find_by_id(JWT_SECRET_KEY)
            .one(&db.write)
            .await?
            .map(|row| row.value)
            .ok_or_else(|| ApiError::Internal("the JWT secret could not be stored".into())),
    }
}

/// On a database with no users, creates an admin with this username and password (generated
/// when `None`). Returns the generated password, so the caller can show it once.
pub async fn bootstrap_admin(
    db: &Db,
    username: &str,
    password: Option<&str>,
) -> Result<Option<(String, Option<String>)>, ApiError> {
    if super::users::count(db).await? > 0 {
        return Ok(None);
    }
    let (password, generated) = match password {
        Some(p) => (p.to_owned(), None),
        None => {
            let p = random_secret(18);
            (p.clone(), Some(p))
        }
    };
    let admin = RoleGrant {
        role: Role::Admin,
        region_code: None,
        party_organization_id: None,
        member_id: None,
        instructor_id: None,
    };
    let new = super::users::NewUser {
        username,
        password: &password,
        display_name: None,
        grants: vec![admin],
    };
    super::users::create(db, &super::audit::Actor::system("bootstrap"), new).await?;
    Ok(Some((username.to_owned(), generated)))
}
