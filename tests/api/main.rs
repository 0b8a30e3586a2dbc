//! Black-box tests over HTTP; each test body runs on SQLite and on PostgreSQL.
mod helpers;

mod access;
mod audit;
mod auth;
mod clients;
mod concurrency;
mod contract;
mod conventions;
mod oidc;
mod operations;
mod organizations;
mod regions;
mod scopes;
