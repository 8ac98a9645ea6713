//! The JSON API under `/api/v1` (DESIGN.md §6), described by
//! `/api/v1/openapi.json`.

pub mod account;
pub mod budgets;
pub mod canaries;
pub mod confirm;
pub mod documents;
pub mod me;
pub mod openapi;
pub mod passkeys;
pub mod portals;
pub mod security;
pub mod session;
pub mod totp;
