//! The server-rendered web UI (askama templates, no JavaScript). Forms post
//! back with the session's CSRF token in the action URL's query, which the
//! authentication layer checks for every unsafe cookie request.

use askama::Template;
use axum::{
    http::header,
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};

use crate::state::AppState;

/// Renders a template, or a bare error if the template itself fails.
pub fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(request_id = %crate::middleware::current_request_id(), error = %e, "template failed");
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// The error page: a status, a sentence, and the request id.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// HTTP status code.
    pub status: u16,
    /// What to tell the user.
    pub message: String,
    /// The id to quote to an operator.
    pub request_id: String,
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../../static/app.css"),
    )
}

/// Page routes with small bodies.
pub fn routes() -> Router<AppState> {
    Router::new().route("/static/app.css", get(stylesheet))
}

/// Page routes that accept uploads.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
}
