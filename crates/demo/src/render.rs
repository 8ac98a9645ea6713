//! Renders a format-independent document body into the four file formats the
//! demo ships: plain text, Markdown, a full HTML5 page and PDF. Every format
//! carries the marking at top and bottom and the fictional-document notice.

use crate::pdf::{self, Style};
use crate::text::{Block, Body};
use crate::{Format, FICTION_NOTICE};

/// Markings printed on the document.
#[derive(Debug, Clone)]
pub(crate) struct Marking {
    /// The label, e.g. `NON-PUBLIC`.
    pub label: String,
    /// Releasability statement, if restricted.
    pub releasability: Option<String>,
    /// Public-release statement, if already public.
    pub public: Option<String>,
}

/// Everything needed to render one document.
pub(crate) struct Doc<'a> {
    /// Title.
    pub title: &'a str,
    /// Body.
    pub body: &'a Body,
    /// Markings.
    pub marking: &'a Marking,
    /// `Portal name / community name`.
    pub location: &'a str,
}

impl Doc<'_> {
    fn metadata(&self) -> Vec<(&'static str, String)> {
        let b = self.body;
        let mut rows = vec![
            ("Document type", b.kind.clone()),
            ("Reference", b.reference.clone()),
            ("Date", b.date.long()),
            ("Originator", b.originator.clone()),
            ("Status", b.status.clone()),
            ("Community", self.location.to_string()),
            ("Marking", self.marking.label.clone()),
        ];
        if let Some(r) = &self.marking.releasability {
            rows.push(("Releasability", r.clone()));
        }
        if let Some(p) = &self.marking.public {
            rows.push(("Public release", p.clone()));
        }
        rows
    }
}

/// Render `doc` as `format`.
pub(crate) fn render(doc: &Doc<'_>, format: Format) -> Vec<u8> {
    match format {
        Format::Text => text(doc).into_bytes(),
        Format::Markdown => markdown(doc).into_bytes(),
        Format::Html => html(doc).into_bytes(),
        Format::Pdf => pdf_file(doc),
    }
}

/// Word-wrap for the plain-text format.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if len > 0 && len + 1 + w > width {
            out.push('\n');
            out.push_str(indent);
            len = indent.len();
        } else if len > 0 {
            out.push(' ');
            len += 1;
        }
        out.push_str(word);
        len += w;
    }
    out
}

fn text(doc: &Doc<'_>) -> String {
    let label = &doc.marking.label;
    let mut s = format!("{label}\n{FICTION_NOTICE}\n\n{}\n", doc.title);
    s.push_str(&"=".repeat(doc.title.chars().count()));
    s.push_str("\n\n");
    for (key, value) in doc.metadata() {
        s.push_str(&format!("{key}: {value}\n"));
    }
    for (i, section) in doc.body.sections.iter().enumerate() {
        let heading = format!("{}. {}", i + 1, section.heading);
        s.push_str(&format!(
            "\n{heading}\n{}\n",
            "-".repeat(heading.chars().count())
        ));
        for block in &section.blocks {
            s.push('\n');
            match block {
                Block::Para(p) => s.push_str(&wrap(p, 78, "")),
                Block::Bullets(items) => {
                    let lines: Vec<_> = items
                        .iter()
                        .map(|i| format!("  * {}", wrap(i, 74, "    ")))
                        .collect();
                    s.push_str(&lines.join("\n"));
                }
                Block::Numbered(items) => {
                    let lines: Vec<_> = items
                        .iter()
                        .enumerate()
                        .map(|(n, i)| format!("  {}) {}", n + 1, wrap(i, 74, "     ")))
                        .collect();
                    s.push_str(&lines.join("\n"));
                }
            }
            s.push('\n');
        }
    }
    s.push_str(&format!("\n{FICTION_NOTICE}\n{label}\n"));
    s
}

fn markdown(doc: &Doc<'_>) -> String {
    let label = &doc.marking.label;
    let mut s = format!("**{label}**\n\n> {FICTION_NOTICE}\n\n# {}\n\n", doc.title);
    s.push_str("| Field | Value |\n| --- | --- |\n");
    for (key, value) in doc.metadata() {
        s.push_str(&format!("| {key} | {} |\n", value.replace('|', "/")));
    }
    for (i, section) in doc.body.sections.iter().enumerate() {
        s.push_str(&format!("\n## {}. {}\n", i + 1, section.heading));
        for block in &section.blocks {
            s.push('\n');
            match block {
                Block::Para(p) => s.push_str(p),
                Block::Bullets(items) => {
                    let lines: Vec<_> = items.iter().map(|i| format!("- {i}")).collect();
                    s.push_str(&lines.join("\n"));
                }
                Block::Numbered(items) => {
                    let lines: Vec<_> = items
                        .iter()
                        .enumerate()
                        .map(|(n, i)| format!("{}. {i}", n + 1))
                        .collect();
                    s.push_str(&lines.join("\n"));
                }
            }
            s.push('\n');
        }
    }
    s.push_str(&format!("\n---\n\n*{FICTION_NOTICE}*\n\n**{label}**\n"));
    s
}

/// Escape text for HTML element content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html(doc: &Doc<'_>) -> String {
    let label = escape(&doc.marking.label);
    let title = escape(doc.title);
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n</head>\n<body>\n\
         <header>\n<p class=\"marking\"><strong>{label}</strong></p>\n<p class=\"notice\"><em>{}</em></p>\n</header>\n\
         <main>\n<article>\n<h1>{title}</h1>\n<dl>\n",
        escape(FICTION_NOTICE)
    );
    for (key, value) in doc.metadata() {
        s.push_str(&format!("<dt>{key}</dt><dd>{}</dd>\n", escape(&value)));
    }
    s.push_str("</dl>\n");
    for (i, section) in doc.body.sections.iter().enumerate() {
        s.push_str(&format!(
            "<section>\n<h2>{}. {}</h2>\n",
            i + 1,
            escape(&section.heading)
        ));
        for block in &section.blocks {
            match block {
                Block::Para(p) => s.push_str(&format!("<p>{}</p>\n", escape(p))),
                Block::Bullets(items) | Block::Numbered(items) => {
                    let tag = if matches!(block, Block::Bullets(_)) {
                        "ul"
                    } else {
                        "ol"
                    };
                    s.push_str(&format!("<{tag}>\n"));
                    for item in items {
                        s.push_str(&format!("<li>{}</li>\n", escape(item)));
                    }
                    s.push_str(&format!("</{tag}>\n"));
                }
            }
        }
        s.push_str("</section>\n");
    }
    s.push_str(&format!(
        "</article>\n</main>\n<footer>\n<p class=\"notice\"><em>{}</em></p>\n<p class=\"marking\"><strong>{label}</strong></p>\n</footer>\n</body>\n</html>\n",
        escape(FICTION_NOTICE)
    ));
    s
}

fn pdf_file(doc: &Doc<'_>) -> Vec<u8> {
    let label = &doc.marking.label;
    let mut blocks = vec![
        (Style::Body, label.clone()),
        (Style::Body, FICTION_NOTICE.to_string()),
        (Style::Title, doc.title.to_string()),
    ];
    for (key, value) in doc.metadata() {
        blocks.push((Style::Line, format!("{key}: {value}")));
    }
    for (i, section) in doc.body.sections.iter().enumerate() {
        blocks.push((Style::Heading, format!("{}. {}", i + 1, section.heading)));
        for block in &section.blocks {
            match block {
                Block::Para(p) => blocks.push((Style::Body, p.clone())),
                Block::Bullets(items) => {
                    blocks.extend(items.iter().map(|i| (Style::Line, format!("- {i}"))))
                }
                Block::Numbered(items) => blocks.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(n, i)| (Style::Line, format!("{}) {i}", n + 1))),
                ),
            }
        }
    }
    blocks.push((Style::Body, format!("{FICTION_NOTICE}. {label}")));
    pdf::render(doc.title, &format!("{label} — {FICTION_NOTICE}"), &blocks)
}
