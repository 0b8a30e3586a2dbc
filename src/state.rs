//! What every request handler can reach.
use std::sync::Arc;

use crate::auth::JwtKeys;
use crate::config::Config;
use crate::db::Db;
use crate::domain::RuleContext;
use crate::domain::divisions::Divisions;

pub struct AppState {
    pub db: Db,
    pub jwt: JwtKeys,
    pub config: Config,
    pub divisions: Arc<Divisions>,
}

impl AppState {
    pub fn rules(&self) -> RuleContext<'_> {
        RuleContext {
            divisions: &self.divisions,
        }
    }
}
