//! `rampart admin user import FILE.csv`: accounts and their profiles from a
//! CSV file with a header row: `email`, `name`, `nation`, `organisation`
//! and any of the configured personal fields, in any order. Every row is
//! checked first and every problem reported with its line; if there is
//! one, nothing is written. Otherwise missing accounts are created (each
//! with a one-time password, returned for the administrator to hand over)
//! and every profile is written in one transaction.

use super::{update_for, validate, ProfileInput};
use crate::admin::{self, AccountInput, Actor};
use crate::{context::App, error::Error, AuditKind};
use rampart_domain::{AccountId, DisplayName, Email, Nation};

/// The most rows one import takes.
const ROWS_LIMIT: usize = 100_000;

/// What an import did, or would have done.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Problems, each with its line (1 is the header); when any, nothing
    /// was written.
    pub problems: Vec<String>,
    /// Accounts created, with their one-time passwords.
    pub created: Vec<(String, String)>,
    /// Existing accounts whose profile was replaced.
    pub updated: usize,
}

struct Row {
    line: u64,
    email: Email,
    name: Option<DisplayName>,
    nation: Option<Nation>,
    input: ProfileInput,
}

/// Reads and checks every row; problems are collected, not returned.
fn read_rows(state: &App, csv_text: &[u8], problems: &mut Vec<String>) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.to_lowercase()).collect(),
        Err(e) => {
            problems.push(format!("line 1: {e}"));
            return Vec::new();
        }
    };
    let known = ["email", "name", "nation", "organisation"];
    for column in &header {
        if !known.contains(&column.as_str()) && !state.config.directory.fields.contains(column) {
            problems.push(format!(
                "line 1: unknown column {column:?} (columns: {}, {})",
                known.join(", "),
                state.config.directory.fields.join(", ")
            ));
        }
    }
    if !header.iter().any(|c| c == "email") {
        problems.push("line 1: an email column is required".into());
    }
    if !problems.is_empty() {
        return Vec::new();
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if rows.len() >= ROWS_LIMIT {
            problems.push(format!("line {line}: at most {ROWS_LIMIT} rows per import"));
            break;
        }
        let cell = |name: &str| {
            header
                .iter()
                .position(|c| c == name)
                .and_then(|i| record.get(i))
                .unwrap_or_default()
        };
        let mut bad = |what: String| problems.push(format!("line {line}: {what}"));
        let email = match cell("email").parse::<Email>() {
            Ok(e) => e,
            Err(e) => {
                bad(format!("email: {e}"));
                continue;
            }
        };
        let name = match cell("name") {
            "" => None,
            n => match n.parse::<DisplayName>() {
                Ok(n) => Some(n),
                Err(e) => {
                    bad(format!("name: {e}"));
                    continue;
                }
            },
        };
        let nation = match cell("nation") {
            "" => None,
            n => match n.parse::<Nation>() {
                Ok(n) => Some(n),
                Err(e) => {
                    bad(format!("nation: {e}"));
                    continue;
                }
            },
        };
        let input = ProfileInput {
            organisation: cell("organisation").to_owned(),
            fields: state
                .config
                .directory
                .fields
                .iter()
                .filter(|f| header.contains(f))
                .map(|f| (f.clone(), cell(f).to_owned()))
                .collect(),
        };
        match validate(state, &input) {
            Ok(input) => rows.push(Row {
                line,
                email,
                name,
                nation,
                input,
            }),
            Err(e) => bad(e.to_string()),
        }
    }
    rows
}

/// Imports `csv_text` (see the module docs). A report with problems wrote
/// nothing.
pub async fn import_csv(
    state: &App,
    actor: Actor<'_>,
    csv_text: &[u8],
) -> Result<ImportReport, Error> {
    actor.check(rampart_domain::Action::Administer)?;
    let mut report = ImportReport::default();
    let rows = read_rows(state, csv_text, &mut report.problems);
    // Second pass: duplicates, and what new accounts need.
    let mut existing = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        if rows[..i].iter().any(|r| r.email == row.email) {
            report
                .problems
                .push(format!("line {}: {} is listed twice", row.line, row.email));
        }
        let account = state.store.account_by_email(&row.email).await?;
        if account.is_none() && (row.name.is_none() || row.nation.is_none()) {
            report.problems.push(format!(
                "line {}: {} has no account yet: give its name and nation",
                row.line, row.email
            ));
        }
        existing.push(account);
    }
    if !report.problems.is_empty() {
        return Ok(report);
    }
    let mut updates = Vec::with_capacity(rows.len());
    for (row, account) in rows.iter().zip(existing) {
        let (id, name, nation): (AccountId, String, String) = match account {
            Some(a) => {
                report.updated += 1;
                (a.id, a.name, a.nation.to_string())
            }
            None => {
                let name = row
                    .name
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let nation = row
                    .nation
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let email = row.email.to_string();
                let (id, password) = admin::create_account(
                    state,
                    actor,
                    AccountInput {
                        email: &email,
                        name: &name,
                        nation: &nation,
                        admin: false,
                        security: false,
                    },
                )
                .await?;
                report.created.push((email, password));
                (id, name, nation)
            }
        };
        let email = row.email.to_string();
        updates.push((
            id,
            update_for(state, id, &name, &email, &nation, &row.input)?,
        ));
    }
    state
        .store
        .set_profiles(&updates, state.clock.now())
        .await?;
    admin::record(
        state,
        actor,
        AuditKind::AdminProfileImport,
        serde_json::json!({"created": report.created.len(), "updated": report.updated}),
    )
    .await?;
    Ok(report)
}
