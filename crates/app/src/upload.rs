//! An upload as received (its file already streaming into a blob temp
//! file), before validation, and what is derived from its file name.

use rampart_blobs::BlobWriter;

/// An upload as received, before validation.
#[derive(Debug, Default)]
pub struct Upload {
    /// Text fields by name.
    pub title: Option<String>,
    /// `label`
    pub label: Option<String>,
    /// `releasable`
    pub releasable: Option<String>,
    /// `public_since`
    pub public_since: Option<String>,
    /// `public_source`
    pub public_source: Option<String>,
    /// `canary`
    pub canary: Option<String>,
    /// `community` (`portal/community`): only where a canary is planted.
    pub community: Option<String>,
    /// `attributed_to` (an email): only where a canary is planted.
    pub attributed_to: Option<String>,
    /// The file, still unfinished (dropping it deletes the temp file).
    pub file: Option<UploadedFile>,
}

/// The file part.
#[derive(Debug)]
pub struct UploadedFile {
    /// The blob being written.
    pub writer: BlobWriter,
    /// Sanitised file name.
    pub filename: String,
}

/// Keeps the last path component, drops control, invisible format (bidi
/// overrides, zero-width characters: the predicate titles are checked
/// with) and reserved characters, caps the length; never empty. A file
/// name is stripped rather than refused: it comes from the client's file
/// system, not from something the uploader typed for us.
pub fn sanitize_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !rampart_domain::is_control_or_format(*c)
                && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*')
        })
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "document".to_owned()
    } else {
        cleaned
    }
}

/// The media type we serve a file as, from its extension. The client's
/// claimed type is ignored: it is not ours to trust.
pub fn media_type_for(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "text" => "text/plain",
        "md" | "markdown" => "text/markdown",
        "html" | "htm" => "text/html",
        "pdf" => "application/pdf",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "odt" => "application/vnd.oasis.opendocument.text",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "csv" => "text/csv",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_lose_paths_and_controls() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\x\\report.pdf"), "report.pdf");
        assert_eq!(sanitize_filename("a\r\nb\".txt"), "ab.txt");
        assert_eq!(sanitize_filename(".."), "document");
        assert_eq!(sanitize_filename(""), "document");
        assert_eq!(media_type_for("X.PDF"), "application/pdf");
        assert_eq!(media_type_for("noext"), "application/octet-stream");
    }

    #[test]
    fn filenames_are_stripped_of_bidi_and_invisible_format_characters() {
        assert_eq!(
            sanitize_filename("invoice\u{202e}txt.exe"),
            "invoicetxt.exe"
        );
        assert_eq!(
            sanitize_filename("\u{feff}a\u{200b}b\u{200e}\u{2066}c\u{2069}\u{061c}\u{2060}.pdf"),
            "abc.pdf"
        );
        // The joiners some scripts need stay (see `is_control_or_format`).
        assert_eq!(sanitize_filename("سلام\u{200c}ها.txt"), "سلام\u{200c}ها.txt");
        assert_eq!(sanitize_filename("\u{202e}\u{200f}"), "document");
        assert_eq!(sanitize_filename("rapport é 中.txt"), "rapport é 中.txt");
    }
}
