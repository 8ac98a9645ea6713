//! The download budgets section of the administration pages: role
//! defaults (from the configuration, read-only here), the stored overrides
//! per community and per account, and forms to set and remove them.
//! Changes go through `rampart_app::budgets` (policy and audit), like the
//! JSON API. Byte budgets are shown in binary units (`2.0 GiB`) and may be
//! typed in them.

use super::{after_change, sections::DoneQuery, Frame, Section, Tab};
use crate::{
    auth::Authenticated,
    error::{AppError, PageError},
    routes::pages::{format_size, format_time, rejected, render, Nav, PageUser},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{
        rejection::{FormRejection, QueryRejection},
        Query, State,
    },
    response::Response,
    Form,
};
use rampart_app::{
    admin::{self, Actor},
    budgets::{self, BudgetOverride, BudgetsView},
    documents, Origin,
};
use rampart_guard::LimitsOverride;
use rampart_store::CommunityRow;
use serde::Deserialize;
use serde_json::Value;

/// The budget fields, in display order, with their labels.
pub const LIMIT_FIELDS: [(&str, &str); 10] = [
    ("downloads_per_minute", "Downloads / minute"),
    ("downloads_per_hour", "Downloads / hour"),
    ("downloads_per_day", "Downloads / day"),
    ("bytes_per_minute", "Bytes / minute"),
    ("bytes_per_hour", "Bytes / hour"),
    ("bytes_per_day", "Bytes / day"),
    (
        "distinct_documents_per_7_days",
        "Distinct documents / 7 days",
    ),
    ("list_pages_per_hour", "Listing pages / hour"),
    ("metadata_views_per_hour", "Metadata views / hour"),
    ("profile_views_per_hour", "Profiles viewed / hour"),
];

/// The label of a budget field, for people (its name if it has none).
fn label_of(name: &str) -> &str {
    LIMIT_FIELDS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, label)| label)
}

/// One role's defaults, values in [`LIMIT_FIELDS`] order.
#[derive(Debug, Clone)]
pub struct RoleBudgetItem {
    /// `reader`, `contributor` or `manager`.
    pub role: &'static str,
    /// The limits.
    pub values: Vec<String>,
}

/// One stored override as a table row.
#[derive(Debug, Clone)]
pub struct OverrideItem {
    /// Community path or email.
    pub target: String,
    /// Role of a community override (empty for accounts).
    pub role: String,
    /// The limits it sets, in words.
    pub summary: String,
    /// When and by whom.
    pub updated: String,
}

/// What the budgets section shows.
#[derive(Debug, Clone, Default)]
pub struct BudgetsSection {
    /// The form fields (name, label).
    pub fields: Vec<(&'static str, &'static str)>,
    /// Role defaults.
    pub roles: Vec<RoleBudgetItem>,
    /// Community overrides.
    pub communities: Vec<OverrideItem>,
    /// Account overrides.
    pub accounts: Vec<OverrideItem>,
}

fn field_values(value: &Value) -> Vec<(&'static str, String)> {
    LIMIT_FIELDS
        .iter()
        .filter_map(|(name, _)| match &value[*name] {
            Value::Number(n) if name.starts_with("bytes_") => {
                n.as_i64().map(|b| (*name, format_size(b)))
            }
            Value::Number(n) => Some((*name, n.to_string())),
            _ => None,
        })
        .collect()
}

/// A typed byte budget: a whole number of bytes, or a number with a unit
/// (`500 MiB`, `2 GiB`, `1.5 GB`; decimal and binary units, any case).
pub fn parse_bytes(typed: &str) -> Option<u64> {
    let typed = typed.trim();
    let split = typed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(typed.len());
    let (number, unit) = typed.split_at(split);
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "kib" | "k" => 1 << 10,
        "mb" => 1_000_000,
        "mib" | "m" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" | "g" => 1 << 30,
        "tb" => 1_000_000_000_000,
        "tib" | "t" => 1 << 40,
        _ => return None,
    };
    if factor == 1 {
        return number.parse().ok();
    }
    let value: f64 = number.parse().ok()?;
    let bytes = (value * factor as f64).round();
    (bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

fn override_item(o: &BudgetOverride) -> OverrideItem {
    let value = serde_json::to_value(o.limits).unwrap_or(Value::Null);
    let summary = field_values(&value)
        .into_iter()
        .map(|(name, v)| {
            let label = label_of(name);
            format!("{label}: {v}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    OverrideItem {
        target: o.target.clone(),
        role: o.role.clone().unwrap_or_default(),
        summary,
        updated: format!("{} by {}", format_time(o.updated_at), o.updated_by),
    }
}

/// The section's content from what the service lists.
pub fn section(view: &BudgetsView) -> BudgetsSection {
    BudgetsSection {
        fields: LIMIT_FIELDS.to_vec(),
        roles: view
            .roles
            .iter()
            .map(|(role, limits)| {
                let value = serde_json::to_value(limits).unwrap_or(Value::Null);
                RoleBudgetItem {
                    role,
                    values: field_values(&value).into_iter().map(|(_, v)| v).collect(),
                }
            })
            .collect(),
        communities: view.communities.iter().map(override_item).collect(),
        accounts: view.accounts.iter().map(override_item).collect(),
    }
}

/// `GET /admin/budgets`
#[derive(Template)]
#[template(path = "admin_budgets.html")]
pub struct BudgetsPage {
    /// Header navigation.
    pub nav: Nav,
    /// Tabs, notice, form sent back.
    pub frame: Frame,
    /// Defaults and overrides.
    pub budgets: BudgetsSection,
    /// Every community, for the override form.
    pub communities: Vec<CommunityRow>,
}

pub(super) async fn budgets_page(
    state: &AppState,
    user: &Authenticated,
    client: &Origin,
    frame: Frame,
) -> Result<BudgetsPage, AppError> {
    let actor = Actor::User(user, client);
    let overview = admin::overview(state, actor).await?;
    let view = budgets::list(state, actor).await?;
    documents::audit_listing(state, user, client, serde_json::json!({"admin": "budgets"})).await?;
    Ok(BudgetsPage {
        nav: Nav::of(user),
        frame,
        budgets: section(&view),
        communities: overview.communities,
    })
}

/// `GET /admin/budgets`
pub async fn show_budgets(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let page = budgets_page(&state, &user, &client, query.frame(Tab::Budgets)).await?;
    Ok(render(&page))
}

/// `POST /admin/budgets` body: a community and role, or an email, and the
/// limits to set (empty fields keep the value they would override).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetForm {
    community: Option<String>,
    role: Option<String>,
    email: Option<String>,
    downloads_per_minute: Option<String>,
    downloads_per_hour: Option<String>,
    downloads_per_day: Option<String>,
    bytes_per_minute: Option<String>,
    bytes_per_hour: Option<String>,
    bytes_per_day: Option<String>,
    distinct_documents_per_7_days: Option<String>,
    list_pages_per_hour: Option<String>,
    metadata_views_per_hour: Option<String>,
    profile_views_per_hour: Option<String>,
}

impl BudgetForm {
    /// The fields as typed, to show again.
    fn typed(&self) -> Vec<(&'static str, String)> {
        let mut typed = vec![
            ("community", self.community.clone().unwrap_or_default()),
            ("role", self.role.clone().unwrap_or_default()),
            ("email", self.email.clone().unwrap_or_default()),
        ];
        for (name, value) in self.fields() {
            typed.push((name, value.clone().unwrap_or_default()));
        }
        typed
    }

    /// The limit fields by name.
    fn fields(&self) -> [(&'static str, &Option<String>); 10] {
        [
            ("downloads_per_minute", &self.downloads_per_minute),
            ("downloads_per_hour", &self.downloads_per_hour),
            ("downloads_per_day", &self.downloads_per_day),
            ("bytes_per_minute", &self.bytes_per_minute),
            ("bytes_per_hour", &self.bytes_per_hour),
            ("bytes_per_day", &self.bytes_per_day),
            (
                "distinct_documents_per_7_days",
                &self.distinct_documents_per_7_days,
            ),
            ("list_pages_per_hour", &self.list_pages_per_hour),
            ("metadata_views_per_hour", &self.metadata_views_per_hour),
            ("profile_views_per_hour", &self.profile_views_per_hour),
        ]
    }

    /// The typed limits: whole numbers (byte budgets may carry a unit),
    /// empty fields left out.
    fn limits(&self) -> Result<LimitsOverride, AppError> {
        let mut map = serde_json::Map::new();
        for (name, value) in self.fields() {
            let value = value.as_deref().map(str::trim).unwrap_or_default();
            if value.is_empty() {
                continue;
            }
            let label = label_of(name);
            let n = if name.starts_with("bytes_") {
                parse_bytes(value).ok_or_else(|| {
                    AppError::Invalid(format!(
                        "{label} must be a size such as 500 MiB or 2 GiB, or a number of bytes"
                    ))
                })?
            } else {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| {
                        AppError::Invalid(format!("{label} must be a whole number of at least 1"))
                    })?
            };
            map.insert(name.to_owned(), Value::from(n));
        }
        serde_json::from_value(Value::Object(map))
            .map_err(|_| AppError::Invalid("a limit is out of range".into()))
    }
}

/// `POST /admin/budgets`: sets a community override (community and role
/// given) or an account override (email given).
pub async fn set_budget(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    form: Result<Form<BudgetForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let actor = Actor::User(&user, &client);
    let which = if form.email.is_some() {
        "budget_account"
    } else {
        "budget_community"
    };
    let typed = form.typed();
    let result = async {
        budgets::require_admin(actor)?;
        let limits = form.limits()?;
        match (&form.email, &form.community) {
            (Some(email), _) if !email.trim().is_empty() => {
                budgets::set_account(&state, actor, email.trim(), limits).await
            }
            (_, Some(community)) => {
                let role = form.role.as_deref().unwrap_or_default().trim();
                budgets::set_community(&state, actor, community.trim(), role, limits)
                    .await
                    .map(|_| ())
            }
            _ => Err(AppError::Invalid(
                "name a community and role, or an account".into(),
            )),
        }
    }
    .await;
    let done = "/admin/budgets?done=budget";
    after_change(
        &state,
        &user,
        &client,
        result,
        done,
        Section::Budgets,
        which,
        typed,
    )
    .await
}

/// `POST /admin/budgets/remove` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveBudgetForm {
    community: Option<String>,
    role: Option<String>,
    email: Option<String>,
}

/// `POST /admin/budgets/remove`
pub async fn remove_budget(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    form: Result<Form<RemoveBudgetForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let actor = Actor::User(&user, &client);
    let result = match (&form.email, &form.community) {
        (Some(email), _) => budgets::remove_account(&state, actor, email.trim()).await,
        (_, Some(community)) => {
            let role = form.role.as_deref().unwrap_or_default().trim();
            budgets::remove_community(&state, actor, community.trim(), role).await
        }
        _ => Err(AppError::BadRequest(
            "name a community and role, or an account".into(),
        )),
    };
    let done = "/admin/budgets?done=budget_removed";
    let section = Section::Budgets;
    after_change(
        &state,
        &user,
        &client,
        result,
        done,
        section,
        "budget_remove",
        Vec::new(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(downloads_per_hour: &str, bytes_per_day: &str) -> BudgetForm {
        BudgetForm {
            community: None,
            role: None,
            email: Some("a@example.org".into()),
            downloads_per_minute: Some(String::new()),
            downloads_per_hour: Some(downloads_per_hour.into()),
            downloads_per_day: None,
            bytes_per_minute: None,
            bytes_per_hour: None,
            bytes_per_day: Some(bytes_per_day.into()),
            distinct_documents_per_7_days: None,
            list_pages_per_hour: None,
            metadata_views_per_hour: None,
            profile_views_per_hour: None,
        }
    }

    #[test]
    fn byte_budgets_read_units() {
        assert_eq!(parse_bytes("1048576"), Some(1 << 20));
        assert_eq!(parse_bytes("500 MiB"), Some(500 << 20));
        assert_eq!(parse_bytes("2gib"), Some(2 << 30));
        assert_eq!(parse_bytes("1.5 GB"), Some(1_500_000_000));
        assert_eq!(parse_bytes("10 parsecs"), None);
        assert_eq!(parse_bytes("-1 MiB"), None);
        assert_eq!(parse_bytes("0.0000001 KiB"), None);
        let limits = form("", "2 GiB").limits().ok();
        assert_eq!(limits.and_then(|l| l.bytes_per_day), Some(2 << 30));
        let shown = field_values(
            &serde_json::json!({"bytes_per_day": 2u64 << 30, "downloads_per_hour": 7}),
        );
        assert_eq!(
            shown,
            vec![
                ("downloads_per_hour", "7".to_owned()),
                ("bytes_per_day", "2.0 GiB".to_owned())
            ]
        );
    }

    #[test]
    fn empty_fields_are_left_out_and_numbers_are_checked() {
        let limits = form(" 12 ", "").limits().ok();
        assert_eq!(limits.and_then(|l| l.downloads_per_hour), Some(12));
        assert_eq!(limits.and_then(|l| l.downloads_per_minute), None);
        assert_eq!(limits.and_then(|l| l.bytes_per_day), None);
        assert!(matches!(form("-1", "").limits(), Err(AppError::Invalid(_))));
        assert!(matches!(
            form("ten", "").limits(),
            Err(AppError::Invalid(_))
        ));
        assert!(matches!(
            form("99999999999", "").limits(),
            Err(AppError::Invalid(_))
        ));
    }
}
