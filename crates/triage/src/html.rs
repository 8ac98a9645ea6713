//! The self-contained HTML report: no external assets (styles inline, the
//! timeline an inline SVG), every text from the dump or the store escaped.
//! It is a file for investigators, never served by the portal.

use crate::report::{human_bytes, Account, Report, VERDICTS};
use std::fmt::Write as _;
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

/// Escapes text for HTML element content and quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\
th{background:#f0f0f0}.genuine{color:#b00020;font-weight:bold}.altered{color:#c75000;font-weight:bold}\
.excerpt{color:#8a6d00;font-weight:bold}.public{color:#1b6e20}.unknown{color:#666}\
.path{font-family:monospace;word-break:break-all}.empty{color:#666;font-style:italic}\
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:4px 8px;margin:4px 0}";

/// Renders the report.
pub fn render(report: &Report) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Rampart triage: {}</title><style>{STYLE}</style></head><body>\n",
        escape(&report.dump)
    );
    let _ = writeln!(
        s,
        "<h1>Leak triage</h1><p>Dump: <span class=\"path\">{}</span> — {} files, {}</p>",
        escape(&report.dump),
        report.files,
        escape(&human_bytes(report.bytes))
    );
    s.push_str("<table><tr><th>verdict</th><th>files</th></tr>\n");
    for v in VERDICTS {
        let _ = writeln!(
            s,
            "<tr><td class=\"{v}\">{v}</td><td>{}</td></tr>",
            report.summary.get(v)
        );
    }
    s.push_str("</table>\n");
    for n in &report.notes {
        let _ = writeln!(s, "<p class=\"note\">{}</p>", escape(n));
    }
    s.push_str("<h2>Accused accounts: timeline of downloads</h2>\n");
    s.push_str(&timeline(&report.accounts));
    s.push_str("<h2>Files</h2>\n<table><tr><th>path</th><th>verdict</th><th>document</th><th>community</th><th>version</th><th>similarity</th><th>problem</th></tr>\n");
    for i in &report.items {
        let doc = match (&i.title, &i.public_source) {
            (Some(t), Some(src)) => {
                format!("{} <br><small>public: {}</small>", escape(t), escape(src))
            }
            (Some(t), None) => escape(t),
            (None, _) => String::new(),
        };
        let _ = writeln!(
            s,
            "<tr><td class=\"path\">{}</td><td class=\"{v}\">{v}</td><td>{doc}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&i.path),
            escape(i.community.as_deref().unwrap_or("")),
            i.version.map(|v| v.to_string()).unwrap_or_default(),
            i.similarity.map(|x| format!("{x:.3}")).unwrap_or_default(),
            escape(i.problem.as_deref().unwrap_or("")),
            v = escape(&i.verdict),
        );
    }
    s.push_str("</table>\n");
    s.push_str("<h2>Recorded downloads of matched documents</h2>\n<p>The audit trail of each matched document. A download is not evidence of a leak: only a decoded fingerprint accuses an account.</p>\n");
    if report.documents.is_empty() {
        s.push_str("<p class=\"empty\">No document of ours matched.</p>\n");
    }
    for d in &report.documents {
        let _ = writeln!(
            s,
            "<h3>{} <small>({}, {})</small></h3><p>Files: {}</p>",
            escape(&d.title),
            escape(&d.community),
            escape(&d.document),
            d.files
                .iter()
                .map(|f| format!("<span class=\"path\">{}</span>", escape(f)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if d.downloads.is_empty() {
            s.push_str("<p class=\"empty\">Never downloaded.</p>\n");
            continue;
        }
        s.push_str("<table><tr><th>account</th><th>version</th><th>downloaded at</th><th>download</th></tr>\n");
        for dl in &d.downloads {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"path\">{}</td></tr>",
                escape(&dl.account),
                dl.version,
                escape(&dl.downloaded_at),
                escape(&dl.download)
            );
        }
        s.push_str("</table>\n");
        if d.downloads_total > d.downloads.len() as i64 {
            let _ = writeln!(s, "<p>… {} downloads in total.</p>", d.downloads_total);
        }
    }
    s.push_str("</body></html>\n");
    s
}

fn parse(t: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(t, &Rfc3339).ok()
}

/// The SVG timeline: one row per accused account, a dot per download
/// (red: found in the dump, grey: also downloaded).
pub fn timeline(accounts: &[Account]) -> String {
    if accounts.is_empty() {
        return "<p class=\"empty\">No account is accused, so there is no timeline. Accusations need fingerprint evidence (see the notes).</p>\n".into();
    }
    let mut points: Vec<(usize, OffsetDateTime, bool, String)> = Vec::new();
    for (row, a) in accounts.iter().enumerate() {
        for t in [&a.first_access, &a.last_access] {
            if let Some(t) = parse(t) {
                points.push((row, t, true, format!("{}: {}", a.account, t)));
            }
        }
        for d in &a.also_downloaded {
            if let Some(t) = parse(&d.downloaded_at) {
                points.push((
                    row,
                    t,
                    false,
                    format!("{}: {} (not in the dump)", a.account, d.title),
                ));
            }
        }
    }
    let (Some(min), Some(max)) = (
        points.iter().map(|p| p.1).min(),
        points.iter().map(|p| p.1).max(),
    ) else {
        return "<p class=\"empty\">No dated downloads.</p>\n".into();
    };
    let span = (max - min).whole_seconds().max(1) as f64;
    let (left, width, row_h) = (220.0, 700.0, 28.0);
    let height = row_h * accounts.len() as f64 + 40.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"timeline of downloads\">",
        left + width + 20.0
    );
    for (row, a) in accounts.iter().enumerate() {
        let y = row_h * row as f64 + 20.0;
        let _ = writeln!(
            s,
            "<text x=\"4\" y=\"{}\" font-size=\"12\">{}</text><line x1=\"{left}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#ddd\"/>",
            y + 4.0,
            escape(&a.account),
            left + width
        );
    }
    for (row, t, leaked, label) in &points {
        let x = left + width * ((*t - min).whole_seconds() as f64 / span);
        let y = row_h * *row as f64 + 20.0;
        let color = if *leaked { "#b00020" } else { "#888" };
        let _ = writeln!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y}\" r=\"5\" fill=\"{color}\"><title>{}</title></circle>",
            escape(label)
        );
    }
    let axis_y = height - 8.0;
    let fmt = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let _ = writeln!(
        s,
        "<text x=\"{left}\" y=\"{axis_y}\" font-size=\"11\">{}</text><text x=\"{}\" y=\"{axis_y}\" font-size=\"11\" text-anchor=\"end\">{}</text></svg>",
        escape(&fmt(min)),
        left + width,
        escape(&fmt(max))
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{AlsoDownloaded, Item};

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

    #[test]
    fn timeline_draws_one_row_per_account() {
        let a = Account {
            account: "eve@example.org".into(),
            files: vec!["x".into()],
            first_access: "2026-01-01T00:00:00Z".into(),
            last_access: "2026-01-03T00:00:00Z".into(),
            also_downloaded: vec![AlsoDownloaded {
                document: "d".into(),
                title: "<T>".into(),
                version: 1,
                downloaded_at: "2026-01-02T00:00:00Z".into(),
            }],
        };
        let svg = timeline(&[a]);
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("&lt;T&gt;"));
    }
}
