//! HTML text extraction with html5ever's spec-compliant tokenizer.
//!
//! A tokenizer (no tree) is enough to get the visible text: character tokens
//! are kept, `<script>`, `<style>` and `<template>` content is skipped, and
//! block-level tags become line breaks so words of adjacent paragraphs never
//! merge. Entities are decoded by the tokenizer.

use std::cell::{Cell, RefCell};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use super::decode_text;

/// Extracts the visible text of an HTML document.
pub(super) fn extract(bytes: &[u8]) -> String {
    let source = decode_html(bytes);
    let sink = TextSink::default();
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(source));
    // The sink never returns `Script`, so one feed consumes everything.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.out.take()
}

/// Decodes with the BOM, else UTF-8, else a `<meta charset>` label found in
/// the first KiB, else Windows-1252.
fn decode_html(bytes: &[u8]) -> String {
    if encoding_rs::Encoding::for_bom(bytes).is_some() {
        return decode_text(bytes);
    }
    // Validated once: this was a second pass over every UTF-8 page.
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return text.to_owned();
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    if let Some(i) = head.find("charset=") {
        let label: String = head[i + 8..]
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
            .collect();
        if let Some(enc) = encoding_rs::Encoding::for_label(label.as_bytes()) {
            return enc.decode_without_bom_handling(bytes).0.into_owned();
        }
    }
    decode_text(bytes)
}

#[derive(Default)]
struct TextSink {
    out: RefCell<String>,
    /// Inside `<script>`/`<style>`/`<template>`: the tag that closes it.
    skipping: RefCell<Option<String>>,
    template_depth: Cell<u32>,
}

const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "dd",
    "dt",
    "dl",
    "hr",
    "title",
    "figcaption",
    "main",
    "form",
    "option",
    "caption",
];

impl TextSink {
    fn tag(&self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        if self.template_depth.get() > 0 || self.skipping.borrow().is_some() {
            match tag.kind {
                TagKind::StartTag if name == "template" => {
                    self.template_depth.set(self.template_depth.get() + 1);
                }
                TagKind::EndTag if name == "template" => {
                    self.template_depth
                        .set(self.template_depth.get().saturating_sub(1));
                }
                TagKind::EndTag if self.skipping.borrow().as_deref() == Some(name) => {
                    *self.skipping.borrow_mut() = None;
                }
                _ => {}
            }
            return TokenSinkResult::Continue;
        }
        if BLOCK.contains(&name) {
            self.out.borrow_mut().push('\n');
        } else if matches!(name, "img" | "input" | "wbr") {
            // Void inline elements: keep neighbouring words apart only for images.
            if name == "img" {
                self.out.borrow_mut().push(' ');
            }
        }
        if tag.kind != TagKind::StartTag || tag.self_closing {
            return TokenSinkResult::Continue;
        }
        match name {
            "script" => {
                *self.skipping.borrow_mut() = Some("script".into());
                TokenSinkResult::RawData(RawKind::ScriptData)
            }
            "style" | "noembed" | "noframes" | "xmp" | "iframe" => {
                *self.skipping.borrow_mut() = Some(name.to_owned());
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "template" => {
                self.template_depth.set(1);
                TokenSinkResult::Continue
            }
            "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
            "plaintext" => TokenSinkResult::Plaintext,
            _ => TokenSinkResult::Continue,
        }
    }
}

impl TokenSink for TextSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => self.tag(&tag),
            Token::CharacterTokens(text) => {
                if self.skipping.borrow().is_none() && self.template_depth.get() == 0 {
                    self.out.borrow_mut().push_str(&text);
                }
                TokenSinkResult::Continue
            }
            _ => TokenSinkResult::Continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text_only() {
        let html = b"<!DOCTYPE html><html><head><title>T&amp;C</title><style>p{x:1}</style>\
<script>var a = '<p>no</p>';</script></head><body><p>Hello&nbsp;<b>world</b></p><div>next</div>\
<template><p>hidden</p></template>end</body></html>";
        let t = extract(html);
        assert!(t.contains("T&C"), "{t:?}");
        assert!(t.contains("Hello\u{a0}world"), "{t:?}");
        assert!(t.contains("\nnext"), "{t:?}");
        assert!(
            !t.contains("no") && !t.contains("x:1") && !t.contains("hidden"),
            "{t:?}"
        );
        assert!(t.contains("end"));
    }

    #[test]
    fn meta_charset_respected() {
        let html = b"<html><head><meta charset=\"iso-8859-1\"></head><body>caf\xe9</body></html>";
        assert!(extract(html).contains("café"));
    }
}
