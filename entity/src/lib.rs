//! SeaORM entities, one module per table.
pub mod api_client;
pub mod audit_event;
pub mod development_step;
pub mod idempotency_key;
pub mod login_failure;
pub mod member;
pub mod member_transfer;
pub mod organization;
pub mod party_group;
pub mod party_organization;
pub mod party_organization_cover;
pub mod refresh_token;
pub mod setting;
pub mod user;
