//! Markdown: the visible text is built from pulldown-cmark's events with
//! their source offsets. Only `Text` events whose source bytes equal their
//! text (no escapes, no entities) are editable; code blocks, inline code,
//! autolinks, image alt text and raw HTML are fixed or invisible, and link
//! destinations never appear as text at all, so they cannot be touched.

use crate::model::TextModel;
use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};

pub(super) fn model(src: &str) -> TextModel {
    let mut m = TextModel::default();
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TASKLISTS;
    // Depth of constructs whose text must stay untouched.
    let mut frozen = 0usize;
    // For each open link: whether it is an autolink (its text is the URL).
    let mut links: Vec<bool> = Vec::new();
    for (ev, range) in Parser::new_ext(src, opts).into_offset_iter() {
        match ev {
            Event::Text(t) => {
                if frozen == 0 && src.get(range.clone()) == Some(&*t) {
                    m.push_editable(&t, range.start);
                } else {
                    m.push_fixed(&t);
                }
            }
            Event::Code(t) => m.push_fixed(&t),
            Event::SoftBreak => m.push_fixed("\n"),
            Event::HardBreak | Event::Rule => m.push_break(),
            Event::Start(tag) => match tag {
                Tag::Link { link_type, .. } => {
                    let auto = matches!(link_type, LinkType::Autolink | LinkType::Email);
                    frozen += usize::from(auto);
                    links.push(auto);
                }
                Tag::Image { .. } | Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::MetadataBlock(_) => {
                    frozen += 1;
                    m.push_break();
                }
                Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript => {}
                _ => m.push_break(),
            },
            Event::End(tag) => match tag {
                TagEnd::Link => {
                    if links.pop() == Some(true) {
                        frozen = frozen.saturating_sub(1);
                    }
                }
                TagEnd::Image
                | TagEnd::CodeBlock
                | TagEnd::HtmlBlock
                | TagEnd::MetadataBlock(_) => {
                    frozen = frozen.saturating_sub(1);
                    m.push_break();
                }
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript => {}
                _ => m.push_break(),
            },
            _ => {}
        }
    }
    m
}
