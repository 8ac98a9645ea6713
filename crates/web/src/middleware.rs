//! Layers every request passes: a request id (in a task-local so that error
//! pages and logs can quote it), metrics, security headers, and the bounds
//! on request bodies (a declared length over the route's limit, a body
//! that stalls).

use crate::{error::AppError, server::BodyStalled, state::AppState};
use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use std::time::Instant;

tokio::task_local! {
    static REQUEST_ID: String;
    /// The path asked for, so that the header can mark the current section.
    static REQUEST_PATH: String;
    /// Who is signed in, once a page handler has authenticated the request,
    /// so that an error page keeps the signed-in header.
    static SIGNED_IN: std::cell::RefCell<Option<crate::routes::pages::Nav>>;
}

/// Remembers the signed-in header of the request being handled.
pub(crate) fn remember_signed_in(nav: crate::routes::pages::Nav) {
    let _ = SIGNED_IN.try_with(|cell| *cell.borrow_mut() = Some(nav));
}

/// The signed-in header of the request being handled, if a page handler
/// authenticated it.
pub(crate) fn signed_in() -> Option<crate::routes::pages::Nav> {
    SIGNED_IN
        .try_with(|cell| cell.borrow().clone())
        .ok()
        .flatten()
}

/// The path of the request being handled, or empty outside a request.
pub(crate) fn current_path() -> String {
    REQUEST_PATH.try_with(Clone::clone).unwrap_or_default()
}

/// The id of the request being handled, or `-` outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_owned())
}

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Gives each request a random id, echoed in `X-Request-Id`.
pub async fn request_id(request: Request, next: Next) -> Response {
    let id = hex::encode(rampart_domain::random_bytes::<8>());
    let path = request.uri().path().to_owned();
    let handled = SIGNED_IN.scope(std::cell::RefCell::new(None), next.run(request));
    let handled = REQUEST_PATH.scope(path, handled);
    let mut response = REQUEST_ID.scope(id.clone(), handled).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID, v);
    }
    response
}

/// Counts requests and their latency by route template and status.
pub async fn metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .observe(route, method, response.status().as_u16(), started.elapsed());
    response
}

/// Strict CSP and the usual hardening headers on every response. Pages use
/// no scripts and no inline styles, so the policy allows none.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        h,
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set(
        h,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    set(h, header::CACHE_CONTROL, "no-store");
    if state.config.http.is_https() {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}

/// Refuses a request whose declared `Content-Length` exceeds `limit` (the
/// route's body limit) before reading any of the body, and closes the
/// connection: the client may be about to send all of it.
pub async fn refuse_oversized(State(limit): State<u64>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > limit => closing(crate::error::respond_to(
            AppError::TooLarge(limit),
            request.uri().path(),
        )),
        _ => next.run(request).await,
    }
}

/// Answers 408 when the request's body stalled (see
/// `server::body::StallGuard`), whatever the handler made of the read
/// error: extractors report it as a bad or failed body.
pub async fn body_deadline(request: Request, next: Next) -> Response {
    let stalled = request.extensions().get::<BodyStalled>().cloned();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    match stalled {
        Some(stalled) if stalled.is_set() => {
            closing(crate::error::respond_to(AppError::RequestTimeout, &path))
        }
        _ => response,
    }
}

/// The response with `Connection: close`: the rest of the body is never
/// read, so the connection cannot carry another request.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Hands a page form's CSRF token from its body to the authentication
/// layer.
///
/// Pages' forms carry the session's token in a hidden field named `csrf`
/// rather than in their action's query, so that it never shows in the
/// address bar (a form answered in place keeps the action's URL) nor in
/// the history. The authentication layer checks the token before any
/// handler runs, from the `x-csrf-token` header: here, on an unsafe
/// request with a url-encoded body (small: the page routes' limit), the
/// field is taken out of the body and passed on as that header, so no
/// handler sees it. A body without the field passes unchanged, and the
/// check then refuses it. Multipart uploads keep the token in the query:
/// their bodies are not read before it is checked.
pub async fn form_csrf(request: Request, next: Next) -> Response {
    let url_encoded = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if request.method().is_safe() || !url_encoded || request.headers().contains_key(CSRF_HEADER) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::routes::BODY_LIMIT).await else {
        return crate::error::respond_to(
            AppError::BadRequest("the form could not be read".into()),
            parts.uri.path(),
        );
    };
    let mut token = None;
    let kept: Vec<(String, String)> = form_urlencoded::parse(&bytes)
        .filter_map(|(name, value)| {
            if name == "csrf" && token.is_none() {
                token = Some(value.into_owned());
                None
            } else {
                Some((name.into_owned(), value.into_owned()))
            }
        })
        .collect();
    let body = match token.and_then(|t| HeaderValue::from_str(&t).ok()) {
        Some(value) => {
            parts.headers.insert(CSRF_HEADER, value);
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&kept)
                .finish()
                .into_bytes()
        }
        None => bytes.to_vec(),
    };
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    next.run(Request::from_parts(parts, axum::body::Body::from(body)))
        .await
}

/// The header the authentication layer reads the CSRF token from.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";
