//! The behaviour every resource shares, written once: keyset-paginated lists that hide archived
//! rows, lookup by id, versioned updates (optimistic concurrency in the UPDATE's WHERE clause)
//! and archiving. A resource plugs in by implementing [`Resource`] for its entity.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::domain::region;
use crate::error::ApiError;

pub trait Resource: EntityTrait<Model: Sync> {
    fn id_column() -> Self::Column;
    fn version_column() -> Self::Column;
    fn updated_at_column() -> Self::Column;
    /// `None` for a resource that is never archived.
    fn archived_at_column() -> Option<Self::Column>;
    fn id_of(model: &Self::Model) -> Uuid;
    fn version_of(model: &Self::Model) -> i32;
    fn archived(model: &Self::Model) -> bool;
}

/// Implements [`Resource`] for an entity with the usual columns `Id`, `Version`, `UpdatedAt`
/// and, when it is archived rather than kept forever, `ArchivedAt`.
macro_rules! impl_resource {
    ($module:ident, archived) => {
        impl $crate::service::resource::Resource for entity::$module::Entity {
            fn id_column() -> entity::$module::Column {
                entity::$module::Column::Id
            }
            fn version_column() -> entity::$module::Column {
                entity::$module::Column::Version
            }
            fn updated_at_column() -> entity::$module::Column {
                entity::$module::Column::UpdatedAt
            }
            fn archived_at_column() -> Option<entity::$module::Column> {
                Some(entity::$module::Column::ArchivedAt)
            }
            fn id_of(model: &entity::$module::Model) -> uuid::Uuid {
                model.id
            }
            fn version_of(model: &entity::$module::Model) -> i32 {
                model.version
            }
            fn archived(model: &entity::$module::Model) -> bool {
                model.archived_at.is_some()
            }
        }
    };
    ($module:ident) => {
        impl $crate::service::resource::Resource for entity::$module::Entity {
            fn id_column() -> entity::$module::Column {
                entity::$module::Column::Id
            }
            fn version_column() -> entity::$module::Column {
                entity::$module::Column::Version
            }
            fn updated_at_column() -> entity::$module::Column {
                entity::$module::Column::UpdatedAt
            }
            fn archived_at_column() -> Option<entity::$module::Column> {
                None
            }
            fn id_of(model: &entity::$module::Model) -> uuid::Uuid {
                model.id
            }
            fn version_of(model: &entity::$module::Model) -> i32 {
                model.version
            }
            fn archived(_: &entity::$module::Model) -> bool {
                false
            }
        }
    };
}
pub(crate) use impl_resource;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;
/// Rows fetched per query while exporting a whole list.
pub const EXPORT_PAGE: u64 = 500;

/// Which page of a list to return. Rows are ordered by id; ids are UUIDv7, so this is the
/// order of creation and a cursor is the last id seen.
#[derive(Clone, Debug)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<Uuid>,
    pub include_total: bool,
    pub include_archived: bool,
    /// Only rows whose `updated_at` is at or after this.
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            limit: DEFAULT_LIMIT,
            after: None,
            include_total: false,
            include_archived: false,
            updated_since: None,
        }
    }
}

impl PageRequest {
    /// The same request for one page of an export: a full export page after `after`.
    pub fn export_from(&self, after: Option<Uuid>) -> Self {
        PageRequest {
            limit: EXPORT_PAGE,
            after,
            include_total: false,
            include_archived: self.include_archived,
            updated_since: self.updated_since,
        }
    }
}

pub struct Page<M> {
    pub items: Vec<M>,
    pub next_cursor: Option<String>,
    pub total: Option<u64>,
}

impl<M> Page<M> {
    pub fn map<T>(self, f: impl FnMut(M) -> T) -> Page<T> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
            total: self.total,
        }
    }

    /// [`Page::map`] with a conversion that can fail: the first error, or the converted page.
    pub fn try_map<T, E>(self, f: impl FnMut(M) -> Result<T, E>) -> Result<Page<T>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next_cursor: self.next_cursor,
            total: self.total,
        })
    }
}

/// A cursor is the last id of a page, as 22 characters of unpadded base64url. Clients treat it
/// as opaque; its fixed shape lets the contract describe exactly which strings are cursors.
pub fn encode_cursor(last_id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(last_id.as_bytes())
}

/// `None` when the text is not a cursor.
pub fn decode_cursor(cursor: &str) -> Option<Uuid> {
    let bytes: [u8; 16] = URL_SAFE_NO_PAD.decode(cursor).ok()?.try_into().ok()?;
    Some(Uuid::from_bytes(bytes))
}

/// One page of the rows matching `filter` (the resource's filters and the caller's scope).
pub async fn list<E: Resource>(
    conn: &impl ConnectionTrait,
    filter: Condition,
    page: &PageRequest,
) -> Result<Page<E::Model>, ApiError> {
    let mut condition = filter.add(visibility::<E>(page.include_archived));
    if let Some(since) = page.updated_since {
        condition = condition.add(E::updated_at_column().gte(since));
    }
    let total = match page.include_total {
        true => Some(E::find().filter(condition.clone()).count(conn).await?),
        false => None,
    };
    let mut query = E::find().filter(condition);
    if let Some(after) = page.after {
        query = query.filter(E::id_column().gt(after));
    }
    let mut items = query
        .order_by_asc(E::id_column())
        .limit(page.limit + 1)
        .all(conn)
        .await?;
    let next_cursor = if items.len() as u64 > page.limit {
        items.truncate(page.limit as usize);
        items.last().map(|m| encode_cursor(E::id_of(m)))
    } else {
        None
    };
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

/// `column` lies in the region with this prefix: an index range, not a LIKE.
pub fn region_condition(column: impl ColumnTrait, prefix: &str) -> Condition {
    let mut condition = Condition::all().add(column.gte(prefix));
    if let Some(upper) = region::upper_bound(prefix) {
        condition = condition.add(column.lt(upper));
    }
    condition
}

/// A condition no row meets.
pub fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// Rows whose `column` contains `text` literally: `%`, `_` and `\\` in the text are escaped, so
/// `q=%` finds names with a percent sign, not every row.
pub fn contains_literally(column: impl ColumnTrait, text: &str) -> Condition {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Condition::all().add(column.like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')))
}

/// Rows whose materialized `path` lies under `root_path` (itself included): an index range.
/// Paths are made of ids, `-` and `/`; `0` is the character after `/`.
pub fn subtree_condition(column: impl ColumnTrait, root_path: &str) -> Condition {
    let upper = format!("{}0", root_path.trim_end_matches('/'));
    Condition::all()
        .add(column.gte(root_path))
        .add(column.lt(upper))
}

/// Archived rows are hidden unless asked for: in lists, and in reads by id.
pub fn visibility<E: Resource>(include_archived: bool) -> Condition {
    match (include_archived, E::archived_at_column()) {
        (false, Some(column)) => Condition::all().add(column.is_null()),
        _ => Condition::all(),
    }
}

/// The row with this id within `scope`; 404 otherwise.
pub async fn get<E: Resource>(
    conn: &impl ConnectionTrait,
    id: Uuid,
    scope: Condition,
) -> Result<E::Model, ApiError> {
    E::find()
        .filter(E::id_column().eq(id))
        .filter(scope)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Applies `changes` to a live row if its version is still `expected_version`, bumping the
/// version and `updated_at`. The check is part of the UPDATE, so of two concurrent writers with
/// the same version exactly one succeeds; the other gets 412.
pub async fn update_versioned<E, A>(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    changes: A,
) -> Result<E::Model, ApiError>
where
    E: Resource,
    A: ActiveModelTrait<Entity = E>,
{
    let result = E::update_many()
        .set(changes)
        .col_expr(E::version_column(), Expr::col(E::version_column()).add(1))
        .col_expr(E::updated_at_column(), Expr::value(chrono::Utc::now()))
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(expected_version))
        .filter(visibility::<E>(false))
        .exec(conn)
        .await?;
    let current = get::<E>(conn, id, Condition::all()).await?;
    if result.rows_affected == 1 {
        Ok(current)
    } else if E::archived(&current) {
        Err(ApiError::conflict(
            "archived",
            "The resource is archived and can no longer be changed.",
        ))
    } else {
        Err(ApiError::PreconditionFailed {
            current_version: E::version_of(&current),
        })
    }
}

/// Archives a row (sets `archived_at`), if its version is `expected_version` when one is
/// given. Archiving an archived row changes nothing. True when this call archived it.
/// Archives a live row at `expected_version` (or its current one): the new version, or `None`
/// when it was archived already.
pub async fn archive<E: Resource>(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<Option<i32>, ApiError> {
    let current = get::<E>(conn, id, Condition::all()).await?;
    if E::archived(&current) {
        return Ok(None);
    }
    let version = expected_version.unwrap_or(E::version_of(&current));
    let Some(archived_at) = E::archived_at_column() else {
        return Err(ApiError::Internal(
            "archiving a resource that has no archived_at".into(),
        ));
    };
    let now = chrono::Utc::now();
    let result = E::update_many()
        .col_expr(archived_at, Expr::value(now))
        .col_expr(E::updated_at_column(), Expr::value(now))
        .col_expr(E::version_column(), Expr::col(E::version_column()).add(1))
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(version))
        .filter(archived_at.is_null())
        .exec(conn)
        .await?;
    if result.rows_affected == 1 {
        return Ok(Some(version + 1));
    }
    let current = get::<E>(conn, id, Condition::all()).await?;
    match E::archived(&current) {
        true => Ok(None),
        false => Err(ApiError::PreconditionFailed {
            current_version: E::version_of(&current),
        }),
    }
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #[test]
        fn cursors_round_trip_and_junk_is_refused_without_panic(
            bytes in proptest::array::uniform16(proptest::prelude::any::<u8>()),
            junk in "\\PC{0,40}",
        ) {
            let id = Uuid::from_bytes(bytes);
            proptest::prop_assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
            let _ = decode_cursor(&junk);
        }
    }

    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_foreign_text() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        assert_eq!(encode_cursor(id).len(), 22);
        assert_eq!(decode_cursor("not-a-cursor"), None);
        assert_eq!(
            decode_cursor(&URL_SAFE_NO_PAD.encode("seventeen bytes!!")),
            None
        );
        assert_eq!(
            decode_cursor("AAAAAAAAAAAAAAAAAAAAAB"),
            None,
            "trailing bits must be zero"
        );
    }
}
