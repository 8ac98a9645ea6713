//! The upload form of a community page: several files in one go, each
//! becoming a document with the same marking; labels from the configured
//! list; releasability chosen from the nations of the community's members
//! and the uploader's other communities (or typed); a success message
//! listing what was uploaded. A refused upload answers in place with the
//! fields as typed (a browser never keeps chosen files, so the message
//! says which to choose again).

use super::community::{community_page, ListQuery, Typed};
use super::{capitalised, rejected, render_with, PageUser};
use crate::{
    error::{AppError, PageError},
    state::AppState,
    upload::{check_declared_length, read_uploads},
};
use axum::{
    extract::{multipart::MultipartRejection, Multipart, Path, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use rampart_app::{
    documents::{self, CommunityAction},
    Origin, Upload,
};
use rampart_store::CommunityRow;

/// What the upload form offers besides free text. Communities are those
/// the uploader belongs to besides this one: the only ones a document may
/// be released to by them (the marking's rule, checked again on upload).
#[derive(Debug, Clone, Default)]
pub struct UploadChoices {
    /// The configured labels (empty: any label, typed).
    pub labels: Vec<String>,
    /// The label preselected.
    pub default_label: String,
    /// Labels already used in the community, as suggestions when any label
    /// may be typed.
    pub suggestions: Vec<String>,
    /// Nations of the community's members, sorted.
    pub nations: Vec<String>,
    /// The uploader's other communities (`portal/community`, name).
    pub partners: Vec<(String, String)>,
}

/// The choices for `community`'s form.
pub(super) async fn choices(
    state: &AppState,
    user: &rampart_identity::Authenticated,
    community: &CommunityRow,
    suggestions: Vec<String>,
) -> Result<UploadChoices, AppError> {
    let mut nations: Vec<String> = state
        .store
        .members_of(community.id)
        .await?
        .into_iter()
        .map(|m| m.nation)
        .collect();
    nations.sort();
    nations.dedup();
    let partners = state
        .store
        .list_communities()
        .await?
        .into_iter()
        .filter(|c| c.id != community.id && user.principal.role_in(c.id).is_some())
        .map(|c| (c.path(), c.name))
        .collect();
    let markings = &state.config.markings;
    Ok(UploadChoices {
        labels: markings.labels.clone(),
        default_label: markings.default_label().to_owned(),
        suggestions,
        nations,
        partners,
    })
}

/// The title of one of `count` files: the typed title for a
/// single file, else the file's name (without its extension), after the
/// typed title if there is one.
fn title_for(typed: &str, filename: &str, count: usize) -> String {
    let typed = typed.trim();
    let stem = match filename.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem.trim(),
        _ => filename,
    };
    match (count, typed.is_empty()) {
        (1, false) => typed.to_owned(),
        (_, true) => stem.to_owned(),
        (_, false) => format!("{typed} ({stem})"),
    }
}

/// `POST /p/{portal}/{community}/documents`: stores each file as a new
/// document, then shows it (one file) or the community with the list of
/// what was uploaded (several).
pub async fn upload_documents(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path((portal, community)): Path<(String, String)>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let community = documents::community_for(
        &state,
        &user,
        &client,
        &portal,
        &community,
        CommunityAction::Contribute,
    )
    .await?;
    check_declared_length(&state, &headers)?;
    let multipart = multipart.map_err(|e| rejected(e.status(), e.body_text()))?;
    let (fields, files) =
        read_uploads(multipart, &state.blobs, state.config.upload.max_bytes).await?;
    let typed = Typed::of(&fields);
    let count = files.len();
    let mut names: Vec<String> = files.iter().map(|f| f.filename.clone()).collect();
    let mut stored: Vec<(String, String)> = Vec::new();
    let mut failure = None;
    let typed_title = fields.title.as_deref().unwrap_or("");
    let titles: Vec<String> = files
        .iter()
        .map(|f| title_for(typed_title, &f.filename, count))
        .collect();
    if count == 0 {
        failure = Some(AppError::Invalid("choose at least one file".into()));
    }
    // Every title is checked before anything is stored, so that a long
    // file name cannot stop a batch half-way.
    if let Some((title, name)) = titles
        .iter()
        .zip(&names)
        .find(|(t, _)| t.parse::<rampart_domain::Title>().is_err())
    {
        let why = title
            .parse::<rampart_domain::Title>()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        failure = Some(AppError::Invalid(format!("{name}: {why}")));
    }
    for (file, title) in files.into_iter().zip(titles) {
        if failure.is_some() {
            // Dropping the rest deletes their temporary files.
            break;
        }
        let upload = Upload {
            title: Some(title.clone()),
            label: fields.label.clone(),
            releasable: fields.releasable.clone(),
            public_since: fields.public_since.clone(),
            public_source: fields.public_source.clone(),
            file: Some(file),
            ..Upload::default()
        };
        match documents::create_document(&state, &user, &client, &community, upload).await {
            Ok((id, _)) => {
                names.remove(0);
                stored.push((id.to_string(), title));
            }
            Err(e) => failure = Some(e),
        }
    }
    let base = format!("/p/{}/{}", community.portal, community.slug);
    match failure {
        None if stored.len() == 1 => {
            Ok(Redirect::to(&format!("/d/{}?uploaded=1", stored[0].0)).into_response())
        }
        None => {
            let ids: Vec<&str> = stored.iter().map(|(id, _)| id.as_str()).collect();
            Ok(Redirect::to(&format!("{base}?uploaded={}", ids.join("."))).into_response())
        }
        // What the person typed is refused: the page again, the reason
        // beside the form, the fields as typed, and which files to choose
        // again (those not stored).
        Some(e @ (AppError::Invalid(_) | AppError::BadRequest(_))) => {
            let mut message = capitalised(&e.to_string());
            if !stored.is_empty() {
                let titles: Vec<&str> = stored.iter().map(|(_, t)| t.as_str()).collect();
                message.push_str(&format!(" Uploaded before it: {}.", titles.join(", ")));
            }
            message.push_str(&match names.len() {
                0 => " Choose the file again.".to_owned(),
                1 => format!(" Choose {} again.", names[0]),
                _ => format!(" Choose these files again: {}.", names.join(", ")),
            });
            let mut page = community_page(
                &state,
                &user,
                &client,
                &community.portal,
                &community.slug,
                &ListQuery::default(),
            )
            .await?;
            page.upload_error = Some(message);
            page.typed = typed;
            Ok(render_with(crate::error::status(&e), &page))
        }
        Some(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_the_form_or_the_file_names() {
        assert_eq!(
            title_for(" Logistics plan ", "plan.pdf", 1),
            "Logistics plan"
        );
        assert_eq!(title_for("", "plan.pdf", 1), "plan");
        assert_eq!(title_for("", ".bashrc", 3), ".bashrc");
        assert_eq!(title_for("Drafts", "a.b.docx", 2), "Drafts (a.b)");
        assert_eq!(title_for("", "notes", 2), "notes");
    }
}
