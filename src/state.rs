//! What every request handler can reach.
use std::sync::Arc;

use crate::auth::JwtKeys;
use crate::auth::oidc::ExternalIdp;
use crate::config::Config;
use crate::db::Db;
use crate::domain::RuleContext;
use crate::domain::divisions::Divisions;

pub struct AppState {
    pub db: Db,
    pub jwt: JwtKeys,
    pub config: Config,
    pub divisions: Arc<Divisions>,
    /// The external identity provider, when configured.
    pub idp: Option<ExternalIdp>,
    /// Imports that may run at once (`LIANGXIN_MAX_CONCURRENT_IMPORTS`).
    pub import_slots: tokio::sync::Semaphore,
    /// The last committed event number, while readers of the feed wait for one.
    pub feed: tokio::sync::watch::Sender<i64>,
}

impl AppState {
    /// Today in the configured timezone.
    pub fn today(&self) -> chrono::NaiveDate {
        crate::domain::calendar::today(self.config.utc_offset)
    }

    pub fn rules(&self) -> RuleContext<'_> {
        RuleContext {
            divisions: &self.divisions,
        }
    }
}
