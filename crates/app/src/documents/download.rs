//! A download: guard, audit, register, mark — in that order, so that no
//! byte of a document leaves without a durable audit record and a
//! registered fingerprint. What it returns carries no HTTP type.

use crate::{
    context::App,
    error::Error,
    identity::Authenticated,
    watermark::{Recipient, Served},
    AuditKind, Origin,
};
use rampart_domain::DownloadId;
use rampart_store::{DocumentRow, NewDownload, Outcome};

/// A copy ready to go out: its audit event is durable and its download
/// registered, so the caller may send its bytes.
#[derive(Debug)]
pub struct Download {
    /// The registered download (its marks decode to this).
    pub id: DownloadId,
    /// The version's media type.
    pub media_type: String,
    /// The name the recipient saves it under.
    pub filename: String,
    /// The copy's length in bytes.
    pub length: u64,
    /// The watermark scheme (`unmarkable` for a copy that carries none).
    pub scheme: String,
    /// The bytes.
    pub content: Content,
}

/// The bytes of a [`Download`].
#[derive(Debug)]
pub enum Content {
    /// A marked copy held in memory.
    Bytes(Vec<u8>),
    /// The stored file, then `tail` (empty where the copy is the original).
    File {
        /// The stored original, opened.
        file: tokio::fs::File,
        /// What follows it (a PDF incremental update carrying the marks).
        tail: Vec<u8>,
    },
}

/// Makes one version of a document ready to serve. The order is the
/// contract: guard passed, blob opened, audit event durable, download
/// registered; only then does the caller read the bytes out.
pub async fn download(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    doc: &DocumentRow,
    version: Option<i64>,
) -> Result<Download, Error> {
    let version = match version {
        None => doc.current.clone(),
        Some(n) => state
            .store
            .versions(doc.id)
            .await?
            .into_iter()
            .find(|v| v.number == n)
            .ok_or(Error::NotFound)?,
    };
    crate::guard::check_document(state, user, client, doc, u64::try_from(version.size).ok())
        .await?;
    let hash =
        rampart_blobs::BlobHash::parse(&version.blob).map_err(|e| Error::Internal(e.into()))?;
    let download = DownloadId::random();
    let now = state.clock.now();
    let size = u64::try_from(version.size).unwrap_or(0);
    let marked = state
        .watermark
        .mark(
            &state.blobs,
            &hash,
            size,
            &version.media_type,
            &Recipient {
                account: user.principal.account.0,
                email: user.email.as_str(),
                nation: user.principal.nation.as_str(),
                label: &doc.marking.label,
                download,
                document: doc.id,
                version: version.number,
                time: now,
            },
        )
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    let registration = &marked.registration;
    let mut event = state.event_for(user, client, AuditKind::Download, Outcome::Ok);
    event.document = Some(doc.id.to_string());
    event.version = Some(version.number);
    event.download = Some(download.to_string());
    event.detail = serde_json::json!({
        "size": version.size,
        "watermark": registration.scheme,
    });
    state.record(event).await?;
    state
        .store
        .record_download(
            &NewDownload {
                id: download,
                account: user.principal.account,
                session: user.credential_id.clone(),
                document: doc.id,
                version: version.number,
                ip: client.ip().to_owned(),
                user_agent: client.user_agent().to_owned(),
                scheme: registration.scheme.clone(),
                params: registration.params.to_string(),
            },
            now,
        )
        .await?;
    let (length, content, filename) = match marked.served {
        Served::Bytes(bytes) => (
            bytes.len() as u64,
            Content::Bytes(bytes),
            version.filename.clone(),
        ),
        Served::Append(tail) => {
            let file = state.blobs.open_blob(&hash).await?;
            (
                size + tail.len() as u64,
                Content::File { file, tail },
                version.filename.clone(),
            )
        }
        Served::Original => {
            let file = state.blobs.open_blob(&hash).await?;
            (
                size,
                Content::File {
                    file,
                    tail: Vec::new(),
                },
                unmarked_filename(&version.filename, &download),
            )
        }
    };
    Ok(Download {
        id: download,
        media_type: version.media_type.to_string(),
        filename,
        length,
        scheme: registration.scheme.clone(),
        content,
    })
}

/// The file name of an unmarked copy: the download id before the
/// extension, the one visible marking such a file can carry.
fn unmarked_filename(filename: &str, download: &DownloadId) -> String {
    let short = &download.to_string()[..8];
    match filename.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() && ext.len() <= 8 => {
            format!("{stem} (Rampart {short}).{ext}")
        }
        _ => format!("{filename} (Rampart {short})"),
    }
}
