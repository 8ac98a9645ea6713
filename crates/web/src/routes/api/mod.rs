//! The JSON API under `/api/v1` (DESIGN.md §6), described by
//! `/api/v1/openapi.json`.

pub mod documents;
pub mod openapi;
pub mod portals;
pub mod session;

use crate::error::AppError;

/// Unknown API paths answer JSON, not an HTML page.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
