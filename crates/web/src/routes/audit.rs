//! The audit log served read-only per C2SP tlog-tiles, so that any standard
//! tlog client or witness can verify it: `/audit/checkpoint`,
//! `/audit/tile/<L>/<N>[.p/<W>]`, `/audit/tile/entries/<N>[.p/<W>]`.
//!
//! Only security officers, administrators and configured witness tokens may
//! read it; to everyone else it does not exist (404).

use crate::{
    auth::Authenticated,
    error::{ApiError, AppError},
    state::AppState,
};
use axum::{
    extract::{FromRequestParts, Path, State},
    http::{header, request::Parts, HeaderValue},
    response::{IntoResponse, Response},
};
use rampart_app::Origin;
use rampart_domain::{authorize, Action, Decision};
use rampart_tlog::{encode_entry_bundle, parse_tile_path, read_tile_data, TilePath, TILE_WIDTH};
use subtle::ConstantTimeEq;

/// Proof that the caller may read the log.
pub struct LogReader;

impl FromRequestParts<AppState> for LogReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(secret) = bearer {
            let witness =
                state.config.audit.witness_tokens.iter().any(|t| {
                    !t.is_empty() && bool::from(t.as_bytes().ct_eq(secret.trim().as_bytes()))
                });
            if witness {
                return Ok(LogReader);
            }
        }
        let _ = Origin::from_request_parts(parts, state).await;
        match Authenticated::from_request_parts(parts, state).await {
            Ok(user) if authorize(&user.principal, Action::Investigate) == Decision::Allow => {
                Ok(LogReader)
            }
            _ => Err(AppError::NotFound.into()),
        }
    }
}

fn text(body: impl Into<String>, immutable: bool) -> Response {
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut r = body.into().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

fn bytes(body: Vec<u8>, immutable: bool) -> Response {
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response()
}

/// `GET /audit/checkpoint`
pub async fn checkpoint(State(state): State<AppState>, _: LogReader) -> Result<Response, ApiError> {
    let latest = state
        .store
        .latest_checkpoint()
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(text(latest.signed, false))
}

/// `GET /audit/tile/…`
pub async fn tile(
    State(state): State<AppState>,
    _: LogReader,
    Path(rest): Path<String>,
) -> Result<Response, ApiError> {
    let parsed = parse_tile_path(&format!("tile/{rest}")).map_err(|_| AppError::NotFound)?;
    let tile = parsed.tile();
    let (size, _) = state.store.log_head().await?;
    let full = tile.width() == TILE_WIDTH;
    match parsed {
        TilePath::Entries(_) => {
            let from = tile
                .n()
                .checked_mul(u64::from(TILE_WIDTH))
                .ok_or(AppError::NotFound)?;
            let to = from + u64::from(tile.width());
            if to > size {
                return Err(AppError::NotFound.into());
            }
            let entries = state.store.log_entries(from, to).await?;
            let bundle = encode_entry_bundle(entries.iter().map(Vec::as_slice))
                .map_err(|e| AppError::Internal(anyhow::anyhow!("entry bundle: {e}")))?;
            Ok(bytes(bundle, full))
        }
        TilePath::Hashes(_) => {
            // The tile's last hash must exist in a tree we have.
            let span = u64::from(tile.width()) << (u32::from(tile.level()) * 8);
            let end = (tile.n() << (u32::from(tile.level()) * 8 + 8)).checked_add(span);
            if end.is_none_or(|end| end > size) {
                return Err(AppError::NotFound.into());
            }
            let data = state
                .store
                .with_hashes(|r| read_tile_data(&tile, r))
                .await
                .map_err(|_| AppError::NotFound)?;
            Ok(bytes(data, full))
        }
    }
}
