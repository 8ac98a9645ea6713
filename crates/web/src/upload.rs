//! Streaming multipart uploads: the file part goes straight to a blob temp
//! file (never into memory), text parts are capped, and anything that goes
//! wrong drops the temp file so that nothing is left behind.

use crate::{error::AppError, state::AppState};
use axum::{
    extract::Multipart,
    http::{header, HeaderMap},
};
use rampart_app::{sanitize_filename, Upload, UploadedFile};
use rampart_blobs::BlobStore;

const MAX_TEXT_FIELD: usize = 4096;
/// Text fields and files together (the upload page's releasability boxes
/// are one field each).
const MAX_PARTS: usize = 128;
/// The most files one upload page form carries.
pub const MAX_FILES: usize = 20;

/// What a multipart upload may carry besides the file: every text field at
/// its longest, plus each part's boundary and headers. A declared
/// `Content-Length` above `[upload] max_bytes` plus this is refused before
/// a byte of the body is read.
pub const MULTIPART_OVERHEAD: u64 = (MAX_PARTS * (MAX_TEXT_FIELD + 1024)) as u64;

fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    // The client stopped sending, which is not a malformed body.
    if crate::server::is_body_timeout(&e) {
        return AppError::RequestTimeout;
    }
    AppError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
}

/// Reads the whole multipart body of a document or version upload.
pub async fn read_upload(
    multipart: Multipart,
    blobs: &BlobStore,
    limit: u64,
) -> Result<Upload, AppError> {
    let (mut upload, files) = read_form(multipart, blobs, limit, false, 1).await?;
    upload.file = files.into_iter().next();
    Ok(upload)
}

/// Reads the upload page's body: the marking fields once, and up to
/// [`MAX_FILES`] files (`limit` bytes together), each to become a
/// document. Repeated `releasable` fields (the page's boxes) are joined.
pub async fn read_uploads(
    multipart: Multipart,
    blobs: &BlobStore,
    limit: u64,
) -> Result<(Upload, Vec<UploadedFile>), AppError> {
    read_form(multipart, blobs, limit, false, MAX_FILES).await
}

/// Reads the multipart body of a planted canary: an upload that also names
/// its `community` and whom it is `attributed_to`.
pub async fn read_canary_upload(
    multipart: Multipart,
    blobs: &BlobStore,
    limit: u64,
) -> Result<Upload, AppError> {
    let (mut upload, files) = read_form(multipart, blobs, limit, true, 1).await?;
    upload.file = files.into_iter().next();
    Ok(upload)
}

async fn read_form(
    mut multipart: Multipart,
    blobs: &BlobStore,
    limit: u64,
    planting: bool,
    max_files: usize,
) -> Result<(Upload, Vec<UploadedFile>), AppError> {
    let mut upload = Upload::default();
    let mut files: Vec<UploadedFile> = Vec::new();
    // What the files before this one used of the limit they share.
    let mut used = 0u64;
    let mut parts = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::BadRequest("too many form fields".into()));
        }
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let raw_name = field.file_name().unwrap_or("");
            // A form whose file box was left empty still sends the part.
            if raw_name.is_empty() && max_files > 1 {
                while field.chunk().await.map_err(multipart_error)?.is_some() {}
                continue;
            }
            if files.len() >= max_files {
                return Err(AppError::BadRequest(if max_files == 1 {
                    "more than one file".into()
                } else {
                    format!("at most {max_files} files at once")
                }));
            }
            let filename = sanitize_filename(raw_name);
            let mut writer = blobs.writer(limit.saturating_sub(used)).await?;
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                writer.write(&chunk).await?;
                used = used.saturating_add(chunk.len() as u64);
            }
            files.push(UploadedFile { writer, filename });
            continue;
        }
        let slot = match name.as_str() {
            "title" => &mut upload.title,
            "label" => &mut upload.label,
            "releasable" => &mut upload.releasable,
            "public_since" => &mut upload.public_since,
            "public_source" => &mut upload.public_source,
            "canary" => &mut upload.canary,
            "community" if planting => &mut upload.community,
            "attributed_to" if planting => &mut upload.attributed_to,
            _ => return Err(AppError::BadRequest("unknown form field".into())),
        };
        let mut text = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if text.len() + chunk.len() > MAX_TEXT_FIELD {
                return Err(AppError::BadRequest(format!("field {name} is too long")));
            }
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(text)
            .map_err(|_| AppError::BadRequest(format!("field {name} is not UTF-8")))?;
        match slot {
            // Several boxes: one list.
            Some(before) if name == "releasable" => {
                if before.len() + text.len() >= MAX_TEXT_FIELD {
                    return Err(AppError::BadRequest("field releasable is too long".into()));
                }
                before.push(',');
                before.push_str(&text);
            }
            _ => *slot = Some(text),
        }
    }
    Ok((upload, files))
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Refuses bodies whose declared length is already over the limit, before
/// reading a byte of them.
pub(crate) fn check_declared_length(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let limit = state.config.upload.max_bytes;
    match content_length(headers) {
        Some(n) if n > limit.saturating_add(64 * 1024) => Err(AppError::TooLarge(limit)),
        _ => Ok(()),
    }
}
