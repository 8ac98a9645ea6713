//! The attack's one-line verdict: what it obtained against what the
//! account could see, whether it was contained, and whether officers were
//! alerted (read from the portal's data dir, never guessed).

use super::{Opts, Scraper};
use anyhow::{bail, Context};
use std::time::Duration;

/// Prints the one-line verdict and what led to it.
pub(super) async fn summarise(
    opts: &Opts,
    s: &Scraper,
    elapsed: Duration,
    started_at: time::OffsetDateTime,
) -> anyhow::Result<()> {
    let portal = match &opts.data {
        Some(dir) => Some(read_portal(dir, &opts.email, started_at).await?),
        None => None,
    };
    let visible = match &portal {
        Some(p) => p.visible.to_string(),
        None => format!("at least {} listed", s.seen.len()),
    };
    let dead = s.dead.iter().all(|d| *d);
    let contained = match (&s.first_refusal, dead) {
        (_, true) => format!(
            "yes (suspended{})",
            s.first_refusal
                .as_ref()
                .map(|r| format!(
                    ", first refused by a {} after {} documents",
                    r.what, r.after
                ))
                .unwrap_or_default()
        ),
        (Some(r), false) => format!("yes ({}, after {} documents)", r.what, r.after),
        (None, false) => "no".to_owned(),
    };
    let alert = match &portal {
        Some(p) => match &p.alert {
            Some(a) => format!("yes ({a})"),
            None => "no".to_owned(),
        },
        None => "unknown (pass --data DIR to read the portal's alerts)".to_owned(),
    };
    println!(
        "obtained {} of {visible} visible documents ({} bytes) in {:.1} s; contained: {contained}; alert raised: {alert}",
        s.documents,
        s.bytes,
        elapsed.as_secs_f64()
    );
    Ok(())
}

/// What the portal's own records say about the account.
struct PortalView {
    visible: u64,
    alert: Option<String>,
}

async fn read_portal(
    dir: &std::path::Path,
    email: &str,
    since: time::OffsetDateTime,
) -> anyhow::Result<PortalView> {
    let db = dir.join("rampart.db");
    if !db.exists() {
        bail!("no Rampart data in {}", dir.display());
    }
    let store = rampart_store_sqlite::open(&db).await?;
    let email: rampart_domain::Email = email.parse()?;
    let account = store
        .account_by_email(&email)
        .await?
        .with_context(|| format!("no account {email} in {}", dir.display()))?;
    let mut visible = 0;
    for (community, _) in store.memberships_of(account.id).await? {
        visible += store
            .count_documents_for_member(community, account.id, &account.nation)
            .await?;
    }
    let alert = store
        .alerts(true, 500)
        .await?
        .into_iter()
        .find(|a| a.account == email.as_str() && a.updated >= since - time::Duration::seconds(1))
        .map(|a| format!("{} {}, {} reasons", a.severity, a.decision, a.reasons.len()));
    Ok(PortalView { visible, alert })
}
