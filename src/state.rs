//! What every request handler can reach.
use crate::auth::JwtKeys;
use crate::config::Config;
use crate::db::Db;

pub struct AppState {
    pub db: Db,
    pub jwt: JwtKeys,
    pub config: Config,
}
