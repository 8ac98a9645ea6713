//! Renders a [`Text`] as one of the benchmark's file formats. PDFs come
//! from the demo's own writer, so they are the same kind of PDF the demo
//! uploads (uncompressed Helvetica text, one page per 50 lines).

use crate::text::Text;

/// The formats of corpus versions and dump files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `.txt`
    Txt,
    /// `.md`
    Md,
    /// `.html`
    Html,
    /// `.pdf`
    Pdf,
}

impl Kind {
    /// File name extension.
    pub fn ext(self) -> &'static str {
        match self {
            Kind::Txt => "txt",
            Kind::Md => "md",
            Kind::Html => "html",
            Kind::Pdf => "pdf",
        }
    }

    /// Picks a format from a number in 0..100: 30 % txt, 20 % md, 25 %
    /// html, 25 % PDF.
    pub fn from_percent(p: u32) -> Kind {
        match p {
            0..=29 => Kind::Txt,
            30..=49 => Kind::Md,
            50..=74 => Kind::Html,
            _ => Kind::Pdf,
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The bytes of `text` as a file of `kind`.
pub fn render(text: &Text, kind: Kind) -> Vec<u8> {
    match kind {
        Kind::Txt => {
            let mut s = format!("{}\n\n", text.title);
            for (_, b) in &text.blocks {
                s.push_str(b);
                s.push_str("\n\n");
            }
            s.into_bytes()
        }
        Kind::Md => {
            let mut s = format!("# {}\n\n", text.title);
            for (h, b) in &text.blocks {
                if *h {
                    s.push_str("## ");
                }
                s.push_str(b);
                s.push_str("\n\n");
            }
            s.into_bytes()
        }
        Kind::Html => {
            let title = escape(&text.title);
            let mut s = format!(
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n"
            );
            for (h, b) in &text.blocks {
                let tag = if *h { "h2" } else { "p" };
                s.push_str(&format!("<{tag}>{}</{tag}>\n", escape(b)));
            }
            s.push_str("</body></html>\n");
            s.into_bytes()
        }
        Kind::Pdf => {
            use rampart_demo::pdf::{render, Style};
            let mut blocks = vec![(Style::Title, text.title.clone())];
            blocks.extend(
                text.blocks
                    .iter()
                    .map(|(h, b)| (if *h { Style::Heading } else { Style::Body }, b.clone())),
            );
            render(&text.title, "NON-PUBLIC", &blocks)
        }
    }
}
