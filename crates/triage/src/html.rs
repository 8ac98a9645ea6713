//! The self-contained HTML report: no external assets (styles inline, the
//! timeline an inline SVG), every text from the dump or the store escaped.
//! It is a file for investigators, never served by the portal.
//!
//! It answers at a glance, top down: how many files of each verdict, who is
//! accused and by how many files; then one section per accused account
//! (the files that accuse it, its score against the threshold, the
//! download each copy came from, its first and last access, and everything
//! else it took that is not in the dump); then every file with its
//! accused; then each matched document's recorded downloads. Everything is
//! printed text: nothing is only on hover, so the report reads on paper.

use crate::report::{human_bytes, plural, Account, Item, Report, VERDICTS};
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

// Every table sits in a `.scroll` box: on a phone a wide table scrolls in
// its box, not the page, and the box takes the keyboard's focus so that it
// can be scrolled without a pointer (axe: scrollable-region-focusable).
const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}\
h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:2px solid #ddd}h3{margin-bottom:.3em}\
table{border-collapse:collapse;margin:.6em 0;width:100%}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\
th{background:#f0f0f0}.genuine{color:#b00020;font-weight:bold}.altered{color:#c75000;font-weight:bold}\
.excerpt{color:#8a6d00;font-weight:bold}.rewritten{color:#6a1b9a;font-weight:bold}.public{color:#1b6e20}.unknown{color:#666}\
.path{font-family:monospace;word-break:break-all}td:first-child>.path{display:inline-block;min-width:10em}\
.scroll{overflow-x:auto}.scroll:focus{outline:2px solid #4a6ee0}.empty{color:#666;font-style:italic}\
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:4px 8px;margin:4px 0}\
.cards{display:flex;flex-wrap:wrap;gap:.6em;margin:.6em 0}.card{border:1px solid #ccc;border-radius:4px;padding:.4em .9em;min-width:6em}\
.card b{display:block;font-size:1.6em}.accused{color:#b00020;font-weight:bold}.account{border:1px solid #e0b0b0;border-radius:4px;padding:0 1em 1em;margin:1em 0}\
.lead{color:#555}.num{text-align:right;white-space:nowrap}\
@media (max-width:40em){body{margin:1em auto;padding:0 .6em}td,th{padding:3px 5px}}\
@media print{.scroll{overflow:visible}body{margin:0;max-width:none}.account{break-inside:avoid}h2{break-after:avoid}}";

/// A time for people: `2026-12-04 05:06 UTC` (RFC 3339 text that does not
/// parse is shown as it is).
pub fn readable_time(t: &str) -> String {
    match OffsetDateTime::parse(t, &Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => t.to_owned(),
    }
}

fn path(p: &str) -> String {
    format!("<span class=\"path\">{}</span>", escape(p))
}

/// How many files name `account` in their own accused list.
fn files_naming<'r>(report: &'r Report, account: &str) -> Vec<&'r Item> {
    report
        .items
        .iter()
        .filter(|i| i.accused.iter().any(|a| a.account == account))
        .collect()
}

/// Renders the report.
pub fn render(report: &Report) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Rampart triage: {}</title><style>{STYLE}</style></head><body>\n",
        escape(&report.dump)
    );
    let _ = writeln!(
        s,
        "<h1>Leak triage</h1><p class=\"lead\">Dump {} — {}, {}</p>",
        path(&report.dump),
        plural(report.files as usize, "file", "files"),
        escape(&human_bytes(report.bytes))
    );
    summary(&mut s, report);
    accounts(&mut s, report);
    files(&mut s, report);
    documents(&mut s, report);
    s.push_str("<h2>Notes</h2>\n");
    for n in &report.notes {
        let _ = writeln!(s, "<p class=\"note\">{}</p>", escape(n));
    }
    s.push_str("<h2>Timeline of the accused accounts' downloads</h2>\n<p class=\"lead\">Red: first and last download of each accused account; grey: what else it downloaded (listed in its section above).</p>\n");
    s.push_str(&timeline(&report.accounts));
    s.push_str("</body></html>\n");
    s
}

/// Files per verdict, and who is accused by how many files.
fn summary(s: &mut String, report: &Report) {
    s.push_str("<h2>At a glance</h2>\n<div class=\"cards\">");
    for v in VERDICTS {
        let _ = write!(
            s,
            "<div class=\"card\"><b class=\"{v}\">{}</b>{v}</div>",
            report.summary.get(v)
        );
    }
    s.push_str("</div>\n");
    if report.accounts.is_empty() {
        s.push_str("<p class=\"empty\">No account is accused: accusations need a decoded watermark (see the notes).</p>\n");
        return;
    }
    let _ = writeln!(
        s,
        "<p><span class=\"accused\">{} accused</span>:</p>",
        plural(report.accounts.len(), "account", "accounts")
    );
    s.push_str("<div class=\"scroll\" tabindex=\"0\"><table><tr><th>account</th><th class=\"num\">files accusing it</th><th class=\"num\">accused together (document level)</th><th>first and last download</th><th class=\"num\">also took, not in the dump</th></tr>\n");
    for a in &report.accounts {
        let own = files_naming(report, &a.account).len();
        let together = report
            .documents
            .iter()
            .filter(|d| d.accused.iter().any(|x| x.account == a.account))
            .count();
        let _ = writeln!(
            s,
            "<tr><td><a href=\"#{id}\">{}</a></td><td class=\"num\">{own}</td><td class=\"num\">{}</td><td>{} — {}</td><td class=\"num\">{}</td></tr>",
            escape(&a.account),
            if together > 0 { plural(together, "document", "documents") } else { "—".into() },
            escape(&readable_time(&a.first_access)),
            escape(&readable_time(&a.last_access)),
            plural(a.also_downloaded.len(), "document", "documents"),
            id = anchor(&a.account),
        );
    }
    s.push_str("</table></div>\n");
}

fn anchor(account: &str) -> String {
    let id: String = account
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("account-{id}")
}

/// One section per accused account.
fn accounts(s: &mut String, report: &Report) {
    if report.accounts.is_empty() {
        return;
    }
    s.push_str("<h2>Accused accounts</h2>\n");
    for a in &report.accounts {
        let _ = writeln!(
            s,
            "<section class=\"account\" id=\"{}\"><h3 class=\"accused\">{}</h3>\
             <p>First download {} — last download {}.</p>",
            anchor(&a.account),
            escape(&a.account),
            escape(&readable_time(&a.first_access)),
            escape(&readable_time(&a.last_access)),
        );
        let own = files_naming(report, &a.account);
        if !own.is_empty() {
            let _ = writeln!(
                s,
                "<p>{} its watermark on {} own:</p>\n<div class=\"scroll\" tabindex=\"0\"><table><tr><th>file</th><th>verdict</th><th>document</th><th class=\"num\">score / threshold</th><th>copy it came from</th></tr>",
                plural(own.len(), "file carries", "files carry"),
                if own.len() == 1 { "its" } else { "their" },
            );
            for i in own {
                for x in i.accused.iter().filter(|x| x.account == a.account) {
                    let copy = if x.download.is_empty() {
                        "not named".to_owned()
                    } else {
                        format!(
                            "download {} of {}{}",
                            path(&x.download),
                            escape(&readable_time(&x.downloaded_at)),
                            if x.download_confirmed {
                                ""
                            } else {
                                " (its best-scoring download; not confirmed on its own)"
                            }
                        )
                    };
                    let _ = writeln!(
                        s,
                        "<tr><td>{}</td><td class=\"{v}\">{v}</td><td>{}</td><td class=\"num\">{:.1} / {:.1}</td><td>{copy}</td></tr>",
                        path(&i.path),
                        escape(i.title.as_deref().unwrap_or("")),
                        x.score,
                        x.threshold,
                        v = escape(&i.verdict),
                    );
                }
            }
            s.push_str("</table></div>\n");
        }
        for d in &report.documents {
            for x in d.accused.iter().filter(|x| x.account == a.account) {
                let _ = writeln!(
                    s,
                    "<p>Accused for <em>{}</em> by {} (no single file convicts it): score {:.1} / threshold {:.1}; files on which it scored: {}.</p>",
                    escape(&d.title),
                    escape(&x.basis),
                    x.score,
                    x.threshold,
                    x.files.iter().map(|f| path(f)).collect::<Vec<_>>().join(", "),
                );
            }
        }
        if a.also_downloaded.is_empty() {
            s.push_str("<p class=\"empty\">It downloaded nothing else.</p>\n");
        } else {
            let _ = writeln!(
                s,
                "<p>It also downloaded {} that {} not in the dump:</p>\n<div class=\"scroll\" tabindex=\"0\"><table><tr><th>document</th><th class=\"num\">version</th><th>downloaded</th></tr>",
                plural(a.also_downloaded.len(), "document", "documents"),
                if a.also_downloaded.len() == 1 { "is" } else { "are" },
            );
            for d in &a.also_downloaded {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                    escape(&d.title),
                    d.version,
                    escape(&readable_time(&d.downloaded_at))
                );
            }
            s.push_str("</table></div>\n");
        }
        s.push_str("</section>\n");
    }
}

/// Every file, with its accused.
fn files(s: &mut String, report: &Report) {
    s.push_str("<h2>Files</h2>\n<div class=\"scroll\" tabindex=\"0\"><table><tr><th>file</th><th>verdict</th><th>document</th><th class=\"num\">similarity</th><th>accused</th><th>problem</th></tr>\n");
    for i in &report.items {
        let doc = match (&i.title, &i.public_source) {
            (Some(t), Some(src)) => {
                format!("{} <br><small>public: {}</small>", escape(t), escape(src))
            }
            (Some(t), None) => format!(
                "{}{}",
                escape(t),
                i.community
                    .as_deref()
                    .map(|c| format!(
                        " <small>({}, v{})</small>",
                        escape(c),
                        i.version.unwrap_or(0)
                    ))
                    .unwrap_or_default()
            ),
            (None, _) => String::new(),
        };
        let verdict = match &i.differences {
            Some(d) => format!(
                "{}<br><small>{} words added, {} removed{}{}</small>",
                escape(&i.verdict),
                d.added,
                d.removed,
                if d.layout > 0 {
                    format!(", {} of them in tables, labels or listings", d.layout)
                } else {
                    String::new()
                },
                if d.moved + d.rejoined > 0 {
                    format!(
                        " ({} moved or split otherwise, set aside)",
                        d.moved + d.rejoined
                    )
                } else {
                    String::new()
                }
            ),
            None => escape(&i.verdict),
        };
        let accused = i
            .accused
            .iter()
            .map(|a| {
                format!(
                    "<span class=\"accused\">{}</span> <small>({:.1} / {:.1})</small>",
                    escape(&a.account),
                    a.score,
                    a.threshold
                )
            })
            .collect::<Vec<_>>()
            .join("<br>");
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"{v}\">{verdict}</td><td>{doc}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            path(&i.path),
            i.similarity.map(|x| format!("{x:.3}")).unwrap_or_default(),
            if accused.is_empty() { "—".to_owned() } else { accused },
            escape(i.problem.as_deref().unwrap_or("")),
            v = escape(&i.verdict),
        );
    }
    s.push_str("</table></div>\n");
    let edited: Vec<&Item> = report
        .items
        .iter()
        .filter(|i| {
            i.differences
                .as_ref()
                .is_some_and(|d| d.added + d.removed > 0)
        })
        .collect();
    if !edited.is_empty() {
        s.push_str("<h3>What differs from our version</h3>\n<p class=\"lead\">Files that hold (nearly) a whole version, compared word by word with it; words another extractor splits, joins or orders otherwise are set aside.</p>\n");
        for i in edited {
            let Some(d) = &i.differences else { continue };
            let _ = writeln!(s, "<p>{} ({}):</p><ul>", path(&i.path), escape(&i.verdict));
            for (sign, list) in [
                ("added", &d.added_examples),
                ("removed", &d.removed_examples),
            ] {
                for e in list {
                    let _ = writeln!(s, "<li>{sign}: “{}”</li>", escape(e));
                }
            }
            s.push_str("</ul>\n");
        }
    }
    rewrites(s, report);
}

/// Each rewritten file beside the document it rewrites, passage by passage.
fn rewrites(s: &mut String, report: &Report) {
    let rewritten: Vec<&Item> = report
        .items
        .iter()
        .filter(|i| i.rewrite.is_some())
        .collect();
    if rewritten.is_empty() {
        return;
    }
    s.push_str("<h3>Rewritten files, passage by passage</h3>\n<p class=\"lead\">These files share no run of words with our documents, but their passages mean, in order, what the document's passages mean (a paraphrase or a summary). No watermark survives a rewrite: nobody is accused on its account, and the document's recipients below are leads, not suspects.</p>\n");
    for i in rewritten {
        let Some(r) = &i.rewrite else { continue };
        let _ = writeln!(
            s,
            "<p>{} rewrites <strong>{}</strong>: {} of its {} aligned in order with the document's {} (mean similarity {:.2}).</p>",
            path(&i.path),
            escape(i.title.as_deref().unwrap_or("?")),
            r.pairs.len(),
            plural(r.file_passages, "passage", "passages"),
            r.document_passages,
            i.similarity.unwrap_or(0.0)
        );
        s.push_str("<div class=\"scroll\" tabindex=\"0\"><table class=\"pairs\"><tr><th>the file</th><th>our document</th><th class=\"num\">similarity</th></tr>\n");
        for p in &r.pairs {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.2}</td></tr>",
                escape(&p.leaked),
                escape(&p.ours),
                p.similarity
            );
        }
        s.push_str("</table></div>\n");
    }
}

/// Each matched document's recorded downloads: the audit trail.
fn documents(s: &mut String, report: &Report) {
    s.push_str("<h2>Recorded downloads of matched documents</h2>\n<p class=\"lead\">The audit trail of each matched document. A download is not evidence of a leak: only a decoded watermark accuses an account.</p>\n");
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
                .map(|f| path(f))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !d.rewritten.is_empty() {
            let _ = writeln!(
                s,
                "<p class=\"lead\">Rewritten in {}: the recipients below are leads to examine, not accused (no watermark survives a rewrite).</p>",
                d.rewritten.iter().map(|f| path(f)).collect::<Vec<_>>().join(", ")
            );
        }
        for x in &d.accused {
            let _ = writeln!(
                s,
                "<p><span class=\"accused\">{}</span> is accused by {} (score {:.1} / threshold {:.1}; files on which it scored: {}).</p>",
                escape(&x.account),
                escape(&x.basis),
                x.score,
                x.threshold,
                x.files.iter().map(|f| path(f)).collect::<Vec<_>>().join(", ")
            );
        }
        if d.downloads.is_empty() {
            s.push_str("<p class=\"empty\">Never downloaded.</p>\n");
            continue;
        }
        s.push_str("<div class=\"scroll\" tabindex=\"0\"><table><tr><th>account</th><th class=\"num\">version</th><th>downloaded</th><th>download</th></tr>\n");
        for dl in &d.downloads {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                escape(&dl.account),
                dl.version,
                escape(&readable_time(&dl.downloaded_at)),
                path(&dl.download)
            );
        }
        s.push_str("</table></div>\n");
        if d.downloads_total > d.downloads.len() as i64 {
            let _ = writeln!(s, "<p>… {} downloads in total.</p>", d.downloads_total);
        }
    }
}

fn parse(t: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(t, &Rfc3339).ok()
}

/// The SVG timeline: one row per accused account, a dot per download
/// (red: its first and last, grey: what else it downloaded). Each dot's
/// title repeats what the account's section lists in print.
pub fn timeline(accounts: &[Account]) -> String {
    if accounts.is_empty() {
        return "<p class=\"empty\">No account is accused, so there is no timeline. Accusations need fingerprint evidence (see the notes).</p>\n".into();
    }
    let mut points: Vec<(usize, OffsetDateTime, bool, String)> = Vec::new();
    for (row, a) in accounts.iter().enumerate() {
        for t in [&a.first_access, &a.last_access] {
            if let Some(t) = parse(t) {
                let when = readable_time(&t.format(&Rfc3339).unwrap_or_default());
                points.push((row, t, true, format!("{}: {when}", a.account)));
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
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {height}\" style=\"max-width:100%\" role=\"img\" aria-label=\"timeline of downloads\">",
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
    let fmt = |t: OffsetDateTime| readable_time(&t.format(&Rfc3339).unwrap_or_default());
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
#[path = "html_tests.rs"]
mod tests;
