//! The HTML report's tests (beside `html.rs`, which stays under 500 lines).
#![allow(clippy::unwrap_used)]

use super::*;
use crate::report::{Accusation, AlsoDownloaded, Item};

#[test]
fn escapes_everything_from_the_dump() {
    let report = Report {
        dump: "<script>alert(1)</script>".into(),
        items: vec![Item {
            path: "a\"<b>'&.txt".into(),
            verdict: "unknown".into(),
            problem: Some("<img src=x>".into()),
            ..Item::default()
        }],
        ..Report::default()
    };
    let html = render(&report);
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img src=x>"));
    assert!(html.contains("a&quot;&lt;b&gt;&#39;&amp;.txt"));
    assert!(html.contains("No account is accused"));
    assert!(!html.contains("<link") && !html.contains("<script"));
}

fn eve() -> Account {
    Account {
        account: "eve@example.org".into(),
        files: vec!["leak/a.pdf".into()],
        first_access: "2026-01-01T00:00:00Z".into(),
        last_access: "2026-01-03T00:00:00Z".into(),
        also_downloaded: vec![AlsoDownloaded {
            document: "d".into(),
            title: "<T>".into(),
            version: 1,
            downloaded_at: "2026-01-02T08:30:00Z".into(),
        }],
    }
}

#[test]
fn timeline_draws_one_row_per_account() {
    let svg = timeline(&[eve()]);
    assert!(svg.starts_with("<svg"));
    assert_eq!(svg.matches("<circle").count(), 3);
    assert!(svg.contains("&lt;T&gt;"));
}

/// The answers are printed text: the accused account in the summary,
/// in its own section with the file, the copy and what else it took,
/// and in the files table; times for people.
#[test]
fn an_accused_account_is_named_in_print_everywhere_it_matters() {
    let report = Report {
        dump: "leak".into(),
        files: 1,
        items: vec![Item {
            path: "leak/a.pdf".into(),
            verdict: "excerpt".into(),
            title: Some("Plan".into()),
            accused: vec![Accusation {
                account: "eve@example.org".into(),
                download: "0123abcd".into(),
                downloaded_at: "2026-01-01T00:00:00Z".into(),
                score: 95.0,
                threshold: 40.0,
                download_confirmed: true,
            }],
            ..Item::default()
        }],
        accounts: vec![eve()],
        ..Report::default()
    };
    let html = render(&report);
    let glance =
        &html[html.find("At a glance").unwrap()..html.find("<h2>Accused accounts").unwrap()];
    assert!(glance.contains("eve@example.org") && glance.contains("1 account accused"));
    let section = &html[html.find("id=\"account-eve-example-org\"").unwrap()..];
    assert!(section.contains("leak/a.pdf") && section.contains("95.0 / 40.0"));
    assert!(
        section.contains("download <span class=\"path\">0123abcd</span> of 2026-01-01 00:00 UTC")
    );
    assert!(section.contains("&lt;T&gt;") && section.contains("2026-01-02 08:30 UTC"));
    let files = &html[html.find("<h2>Files").unwrap()..];
    assert!(files.contains("<span class=\"accused\">eve@example.org</span>"));
    assert!(!html.contains("+00:00:00"));
}
