//! A [`Download`] as an HTTP response: the headers that say what it is and
//! which copy it is, and its bytes (streamed where they are a stored file).

use crate::error::AppError;
use axum::{
    body::{Body, Bytes},
    http::{header, HeaderValue, StatusCode},
    response::Response,
};
use futures_util::StreamExt;
use rampart_app::documents::{Content, Download};

/// The response that sends `download`.
pub fn response(download: Download) -> Result<Response, AppError> {
    let body = match download.content {
        Content::Bytes(bytes) => Body::from(bytes),
        Content::File { file, tail } if tail.is_empty() => {
            Body::from_stream(tokio_util::io::ReaderStream::new(file))
        }
        Content::File { file, tail } => {
            let tail =
                futures_util::stream::once(
                    async move { Ok::<_, std::io::Error>(Bytes::from(tail)) },
                );
            Body::from_stream(tokio_util::io::ReaderStream::new(file).chain(tail))
        }
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, download.media_type.as_str())
        .header(header::CONTENT_LENGTH, download.length)
        .header(
            header::CONTENT_DISPOSITION,
            content_disposition(&download.filename),
        )
        // Served content is never rendered in our origin's context.
        .header(
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        )
        .header("x-rampart-download", download.id.to_string())
        .header("x-rampart-watermark", download.scheme.as_str())
        .body(body)
        .map_err(|e| AppError::Internal(e.into()))
}

/// `attachment` with an ASCII fallback and the RFC 5987 UTF-8 name.
fn content_disposition(filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-() ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}
