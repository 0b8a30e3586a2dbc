//! Database migrations. The same migrations run on SQLite and PostgreSQL.
pub use sea_orm_migration::prelude::*;

mod m20261128_000001_foundation;
mod m20261128_000002_login_throttle;
mod m20261128_000003_user_roles;
mod m20261128_000004_refresh_tokens;
mod m20261128_000005_audit_events;
mod m20261128_000006_api_clients;
mod m20261128_000007_party_register;
mod m20261128_000008_instructors;
mod m20261128_000009_meetings;
mod m20261128_000010_meeting_schedules;
mod m20261128_000011_calendar_tokens;
mod m20261202_000001_member_duplicates;
mod m20261202_000002_events;
mod m20261202_000003_webhooks;
mod m20261202_000004_fund;
mod m20261202_000005_work_systems;
mod m20261202_000006_study_records;
mod m20261202_000007_party_workers;
mod m20261202_000008_responsibility_posts;
mod m20261202_000009_activities;
mod m20261202_000010_concerns;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_foundation::Migration),
            Box::new(m20261128_000002_login_throttle::Migration),
            Box::new(m20261128_000003_user_roles::Migration),
            Box::new(m20261128_000004_refresh_tokens::Migration),
            Box::new(m20261128_000005_audit_events::Migration),
            Box::new(m20261128_000006_api_clients::Migration),
            Box::new(m20261128_000007_party_register::Migration),
            Box::new(m20261128_000008_instructors::Migration),
            Box::new(m20261128_000009_meetings::Migration),
            Box::new(m20261128_000010_meeting_schedules::Migration),
            Box::new(m20261128_000011_calendar_tokens::Migration),
            Box::new(m20261202_000001_member_duplicates::Migration),
            Box::new(m20261202_000002_events::Migration),
            Box::new(m20261202_000003_webhooks::Migration),
            Box::new(m20261202_000004_fund::Migration),
            Box::new(m20261202_000005_work_systems::Migration),
            Box::new(m20261202_000006_study_records::Migration),
            Box::new(m20261202_000007_party_workers::Migration),
            Box::new(m20261202_000008_responsibility_posts::Migration),
            Box::new(m20261202_000009_activities::Migration),
            Box::new(m20261202_000010_concerns::Migration),
        ]
    }
}
