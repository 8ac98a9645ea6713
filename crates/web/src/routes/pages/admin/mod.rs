//! The administration pages, one section per tab: accounts (search, paging,
//! a page per account with its actions), portals and communities,
//! memberships, download budgets and API tokens. Everything goes through
//! `rampart_app::admin` with the signed-in user as the actor, so the policy
//! decides (non-administrators are told there is nothing here) and every
//! change is audited exactly as from the console.
//!
//! A refused form answers in place: the section again, the reason inside
//! the form that was sent, and what was typed in its fields.

pub mod accounts;
pub mod budgets;
mod sections;
pub mod tokens;

pub use sections::{
    create_community, create_portal, set_membership, show_memberships, show_portals,
};

use super::{capitalised, render_with};
use crate::{
    auth::Authenticated,
    error::{AppError, PageError},
    state::AppState,
};
use axum::response::{IntoResponse, Redirect, Response};
use rampart_app::Origin;

/// The tabs, in order: where each leads and what it says.
const TABS: [(Tab, &str, &str); 5] = [
    (Tab::Accounts, "/admin", "Accounts"),
    (Tab::Portals, "/admin/portals", "Portals and communities"),
    (Tab::Memberships, "/admin/memberships", "Memberships"),
    (Tab::Budgets, "/admin/budgets", "Download budgets"),
    (Tab::Tokens, "/admin/tokens", "API tokens"),
];

/// A section of the administration pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Accounts and the page of each.
    Accounts,
    /// Portals and communities.
    Portals,
    /// Memberships.
    Memberships,
    /// Download budgets.
    Budgets,
    /// API tokens.
    Tokens,
}

/// A refused form: which form, why, and what was typed.
#[derive(Debug, Clone)]
pub struct FormError {
    /// The form's name (`portal`, `account`, …).
    pub form: &'static str,
    /// The reason, as a sentence.
    pub message: String,
    /// The fields as typed.
    pub typed: Vec<(&'static str, String)>,
}

/// What every administration page shows around its section.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The current section.
    pub tab: Tab,
    /// What the last change did.
    pub notice: Option<String>,
    /// A form sent back.
    pub error: Option<FormError>,
}

impl Frame {
    /// A section with nothing to report.
    pub fn of(tab: Tab) -> Self {
        Frame {
            tab,
            notice: None,
            error: None,
        }
    }

    /// The tabs: link, label, whether it is the current one.
    pub fn tabs(&self) -> Vec<(&'static str, &'static str, bool)> {
        TABS.iter()
            .map(|(tab, href, label)| (*href, *label, *tab == self.tab))
            .collect()
    }

    /// Why `form` was refused, if it was.
    pub fn error_for(&self, form: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.form == form)
            .map(|e| e.message.as_str())
    }

    /// What was typed in `form`'s `field`, when `form` was sent back.
    pub fn typed(&self, form: &str, field: &str) -> &str {
        self.error
            .as_ref()
            .filter(|e| e.form == form)
            .and_then(|e| e.typed.iter().find(|(name, _)| *name == field))
            .map_or("", |(_, value)| value.as_str())
    }

    /// Whether `form`'s `field` was typed as `value` (for selects and
    /// checkboxes).
    pub fn chose(&self, form: &str, field: &str, value: &str) -> bool {
        self.typed(form, field) == value
    }
}

/// The notice for a `done` value (only known values: the query is input).
fn notice_for(done: Option<&str>) -> Option<String> {
    let text = match done? {
        "portal" => "Portal added.",
        "community" => "Community added.",
        "membership" => "Membership saved.",
        "membership_removed" => "Membership removed.",
        "budget" => "Budget override saved.",
        "budget_removed" => "Budget override removed.",
        "token_revoked" => "Token revoked.",
        "suspend" => "The account is suspended and its sessions have ended.",
        "unlock" => "The account can sign in again; its open alerts are closed.",
        "reset_second_factor" => {
            "The account's second factors are removed; it enrolls a new one at its next sign-in."
        }
        "force_password_change" => {
            "The account must choose a new password at its next sign-in; its sessions have ended."
        }
        "end_sessions" => "The account's sessions have ended.",
        _ => return None,
    };
    Some(text.to_owned())
}

/// After a change: to `done_url` (which shows the notice), or the section
/// again with the reason inside the form and the fields as typed (input
/// errors only; anything else is an error page).
#[allow(clippy::too_many_arguments)]
pub(super) async fn after_change(
    state: &AppState,
    user: &Authenticated,
    client: &Origin,
    result: Result<(), AppError>,
    done_url: &str,
    section: Section,
    form: &'static str,
    typed: Vec<(&'static str, String)>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(done_url).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_) | AppError::BadRequest(_))) => {
            let error = FormError {
                form,
                message: capitalised(&e.to_string()),
                typed,
            };
            let status = crate::error::status(&e);
            section
                .render(state, user, client, Some(error), status)
                .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A section to show again with a form sent back.
#[derive(Debug, Clone)]
pub(super) enum Section {
    /// The accounts list (first page).
    Accounts,
    /// Portals and communities.
    Portals,
    /// Memberships.
    Memberships,
    /// Budgets.
    Budgets,
    /// Tokens.
    Tokens,
    /// One account's page.
    Account(rampart_domain::AccountId),
}

impl Section {
    async fn render(
        self,
        state: &AppState,
        user: &Authenticated,
        client: &Origin,
        error: Option<FormError>,
        status: axum::http::StatusCode,
    ) -> Result<Response, PageError> {
        let frame = |tab| Frame {
            tab,
            notice: None,
            error: error.clone(),
        };
        Ok(match self {
            Section::Accounts => {
                let page = accounts::list_page(
                    state,
                    user,
                    client,
                    &accounts::ListQuery::default(),
                    frame(Tab::Accounts),
                )
                .await?;
                render_with(status, &page)
            }
            Section::Account(id) => {
                let page =
                    accounts::account_page(state, user, client, id, frame(Tab::Accounts)).await?;
                render_with(status, &page)
            }
            Section::Portals => {
                let page = sections::portals_page(state, user, client, frame(Tab::Portals)).await?;
                render_with(status, &page)
            }
            Section::Memberships => {
                let page = sections::memberships_page(state, user, client, frame(Tab::Memberships))
                    .await?;
                render_with(status, &page)
            }
            Section::Budgets => {
                let page = budgets::budgets_page(state, user, client, frame(Tab::Budgets)).await?;
                render_with(status, &page)
            }
            Section::Tokens => {
                let page = tokens::tokens_page(state, user, client, frame(Tab::Tokens)).await?;
                render_with(status, &page)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_notices_are_shown() {
        assert_eq!(notice_for(Some("portal")).as_deref(), Some("Portal added."));
        assert_eq!(notice_for(Some("<script>")), None);
        assert_eq!(notice_for(None), None);
    }

    #[test]
    fn a_form_sent_back_keeps_its_own_fields_only() {
        let frame = Frame {
            tab: Tab::Portals,
            notice: None,
            error: Some(FormError {
                form: "portal",
                message: "Slug taken.".into(),
                typed: vec![("slug", "ops".into())],
            }),
        };
        assert_eq!(frame.error_for("portal"), Some("Slug taken."));
        assert_eq!(frame.error_for("community"), None);
        assert_eq!(frame.typed("portal", "slug"), "ops");
        assert_eq!(frame.typed("community", "slug"), "");
        assert!(frame.tabs().iter().any(|t| t.2 && t.0 == "/admin/portals"));
    }
}
