//! Black-box tests over HTTP; each test body runs on SQLite and on PostgreSQL.
mod helpers;
mod instructors;
mod meetings;
mod members;

mod access;
mod audit;
mod auth;
mod calendar;
mod clients;
mod compliance;
mod concurrency;
mod contract;
mod conventions;
mod csv;
mod development;
mod events;
mod hardening;
mod oidc;
mod operations;
mod organizations;
mod party_organizations;
mod regions;
mod reports;
mod roles;
mod schedules;
mod scopes;
