//! The OpenAPI document, kept by hand next to the routes it describes (a
//! test checks that every API route appears in it).

use axum::{http::header, response::IntoResponse};

/// The document itself.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// `GET /api/v1/openapi.json`
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}
