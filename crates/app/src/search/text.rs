//! The words of search: folding, the query language and snippets.
//!
//! Text and queries are folded the same way before either reaches the
//! store: Unicode compatibility decomposition (NFKD: ligatures such as
//! `ﬁ` become `fi`, full-width forms ASCII), combining marks dropped (so
//! `é`, `è`, `ê` and `e` are one letter, as are `ü` and `u`), lower case,
//! and the letters NFKD leaves whole spelt out (`ß`→`ss`, `æ`→`ae`,
//! `œ`→`oe`, `ø`→`o`, `ł`→`l`, `đ`→`d`, `þ`→`th`). Words are runs of
//! letters and digits; everything else separates them (so French `l'avion`
//! is `l avion`, and `sub-saharan` is the phrase `sub saharan`).
//!
//! There is deliberately no stemming and no stop-word list: documents mix
//! English, French and German (often in one file), a stemmer needs the
//! language of each word, and a wrong guess hides exact matches. A
//! trailing `*` finds the inflections instead (`logisti*` finds
//! `logistics`, `logistique` and `Logistik`). German compounds are single
//! words: `Drohnenabwehr` is found by `drohnen*`, not by `abwehr`.

use crate::Error;
use rampart_store::{SearchTerm, Token};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// At most this many bytes of a version's extracted text are searchable
/// and kept for snippets (PostgreSQL refuses a `tsvector` over 1 MB).
pub const BODY_LIMIT: usize = 512 * 1024;
/// The longest query accepted, in characters.
pub const QUERY_LIMIT: usize = 256;
/// The most terms (words or phrases) in one query.
pub const TERMS_LIMIT: usize = 16;
/// The longest word, in characters (longer is no word of a language).
const TOKEN_LIMIT: usize = 64;
/// A prefix needs at least this many characters (one letter would walk
/// the whole index).
const PREFIX_MIN: usize = 2;

/// Pushes the folded form of one character.
fn fold_char(c: char, out: &mut String) {
    for lower in c.to_lowercase() {
        match lower {
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            'ø' => out.push('o'),
            'ł' => out.push('l'),
            'đ' => out.push('d'),
            'þ' => out.push_str("th"),
            'ı' => out.push('i'),
            other => out.push(other),
        }
    }
}

/// The folded words of `text`, in order.
pub fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.nfkd().filter(|&c| !is_combining_mark(c)) {
        if c.is_alphanumeric() {
            fold_char(c, &mut word);
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The folded words of `text` separated by single spaces: what the store
/// indexes.
pub fn terms(text: &str) -> String {
    words(text).join(" ")
}

/// `text` cut to at most `limit` bytes, at a character boundary.
pub fn capped(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn tokens_of(chunk: &str) -> Result<Vec<Token>, Error> {
    words(chunk)
        .iter()
        .map(|w| {
            if w.chars().count() > TOKEN_LIMIT {
                return Err(Error::Invalid(format!(
                    "q: a word is at most {TOKEN_LIMIT} characters"
                )));
            }
            Token::new(w).ok_or_else(|| Error::Invalid("q: not a word".into()))
        })
        .collect()
}

/// Parses a query: words (all must match), `"phrases"` and `prefix*`.
/// A chunk that folds to several words (`sub-saharan`, `l'avion`) is a
/// phrase. Errors say what to change.
pub fn parse_query(q: &str) -> Result<Vec<SearchTerm>, Error> {
    if q.chars().count() > QUERY_LIMIT {
        return Err(Error::Invalid(format!(
            "q: at most {QUERY_LIMIT} characters"
        )));
    }
    let mut terms = Vec::new();
    // Outside quotes, chunks are separated by whitespace; a quote opens or
    // closes a phrase (an unclosed one runs to the end). A star after a
    // phrase makes its last word a prefix, as one inside it does.
    let q = q.replace("\"*", "*\"");
    for (i, part) in q.split('"').enumerate() {
        let chunks: Vec<&str> = if i % 2 == 1 {
            vec![part]
        } else {
            part.split_whitespace().collect()
        };
        for chunk in chunks {
            let trimmed = chunk.trim_end();
            let prefix = trimmed.ends_with('*');
            let tokens = tokens_of(trimmed)?;
            if tokens.is_empty() {
                continue;
            }
            if prefix {
                let last = tokens.last().map_or(0, |t| t.as_str().chars().count());
                if last < PREFIX_MIN {
                    return Err(Error::Invalid(format!(
                        "q: a prefix needs at least {PREFIX_MIN} letters before the *"
                    )));
                }
            }
            terms.extend(SearchTerm::new(tokens, prefix));
        }
    }
    if terms.is_empty() {
        return Err(Error::Invalid("q: give at least one word".into()));
    }
    if terms.len() > TERMS_LIMIT {
        return Err(Error::Invalid(format!(
            "q: at most {TERMS_LIMIT} words or phrases"
        )));
    }
    Ok(terms)
}

/// Whether the folded word `word` is one the terms look for.
fn is_hit(word: &str, terms: &[SearchTerm]) -> bool {
    terms.iter().any(|t| {
        let last = t.tokens().len() - 1;
        t.tokens().iter().enumerate().any(|(i, token)| {
            if t.prefix() && i == last {
                word.starts_with(token.as_str())
            } else {
                word == token.as_str()
            }
        })
    })
}

fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_whitespace() || c.is_control() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
}

/// Words shown around the best hit (before it, and in all).
const SNIPPET_BEFORE: usize = 8;
const SNIPPET_WORDS: usize = 30;

/// A passage of `body` around the hits of `terms`, as HTML: the text
/// escaped, every hit in `<mark>…</mark>`, `…` where it was cut. The
/// passage is the window of [`SNIPPET_WORDS`] words with the most hits
/// (the earliest of equals); without a hit in the body (the title or
/// file name matched), its opening words.
pub fn snippet(body: &str, terms: &[SearchTerm]) -> String {
    // Word spans in the text as stored (marks kept with their letters).
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in body.char_indices() {
        let in_word = c.is_alphanumeric() || is_combining_mark(c);
        match (in_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, body.len()));
    }
    let hits: Vec<bool> = spans
        .iter()
        .map(|&(s, e)| words(&body[s..e]).iter().any(|w| is_hit(w, terms)))
        .collect();
    // The window with the most hits, by a running count.
    let mut best = (0usize, 0usize);
    let mut count = 0usize;
    for i in 0..hits.len() {
        count += usize::from(hits[i]);
        if i >= SNIPPET_WORDS {
            count -= usize::from(hits[i - SNIPPET_WORDS]);
        }
        if count > best.1 {
            best = ((i + 1).saturating_sub(SNIPPET_WORDS), count);
        }
    }
    // Open a little before the first hit of the window.
    let first_hit = hits[best.0..]
        .iter()
        .position(|&h| h)
        .map_or(best.0, |p| best.0 + p);
    let from = if best.1 > 0 {
        first_hit.saturating_sub(SNIPPET_BEFORE)
    } else {
        0
    };
    let to = (from + SNIPPET_WORDS).min(spans.len());
    let mut out = String::new();
    if spans.is_empty() {
        return out;
    }
    if from > 0 {
        out.push_str("… ");
    }
    let mut at = spans[from].0;
    for i in from..to {
        let (s, e) = spans[i];
        escape_into(&body[at..s], &mut out);
        if hits[i] {
            out.push_str("<mark>");
            escape_into(&body[s..e], &mut out);
            out.push_str("</mark>");
        } else {
            escape_into(&body[s..e], &mut out);
        }
        at = e;
    }
    if to < spans.len() {
        out.push_str(" …");
    } else {
        // The text's end: its closing punctuation too.
        escape_into(&body[at..], &mut out);
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(terms: &[SearchTerm]) -> Vec<(Vec<String>, bool)> {
        terms
            .iter()
            .map(|t| {
                (
                    t.tokens().iter().map(|w| w.as_str().to_owned()).collect(),
                    t.prefix(),
                )
            })
            .collect()
    }

    #[test]
    fn folding_joins_accents_case_and_spellings() {
        assert_eq!(terms("Sécurité ÉTÉ"), "securite ete");
        assert_eq!(terms("Straße STRASSE"), "strasse strasse");
        assert_eq!(terms("Œuvre Ærø"), "oeuvre aero");
        assert_eq!(terms("ﬁnal ｆｕｌｌ"), "final full");
        assert_eq!(terms("Übung Zürich-Nord"), "ubung zurich nord");
        assert_eq!(terms("l'avion, 3.5 km"), "l avion 3 5 km");
        // Decomposed input folds like composed input.
        assert_eq!(terms("e\u{301}te\u{301}"), terms("été"));
        assert_eq!(terms(""), "");
    }

    #[test]
    fn queries_parse_words_phrases_and_prefixes() {
        let q = parse_query(r#"Drohnen* "lessons  LEARNED" sub-saharan évaluation"#)
            .unwrap_or_else(|e| unreachable!("{e}"));
        let w = |s: &str| s.to_owned();
        assert_eq!(
            shown(&q),
            vec![
                (vec![w("drohnen")], true),
                (vec![w("lessons"), w("learned")], false),
                (vec![w("sub"), w("saharan")], false),
                (vec![w("evaluation")], false),
            ]
        );
        // An unclosed quote runs to the end.
        let q = parse_query(r#"a "b c"#).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(shown(&q).len(), 2);
    }

    #[test]
    fn bad_queries_say_what_to_change() {
        for (q, says) in [
            ("", "at least one word"),
            ("  \"\" ** -- ", "at least one word"),
            ("a*", "prefix needs"),
            (&"x ".repeat(20), "at most 16"),
            (&"y".repeat(300), "at most 256"),
            (&"z".repeat(70), "at most 64"),
        ] {
            let e = parse_query(q)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains(says), "{q:?}: {e}");
        }
    }

    #[test]
    fn snippets_are_escaped_and_mark_the_hits() {
        let terms = parse_query("alert scrip*").unwrap_or_else(|e| unreachable!("{e}"));
        let s = snippet("Before <script>alert('x')</script> & after", &terms);
        assert_eq!(
            s,
            "Before &lt;<mark>script</mark>&gt;<mark>alert</mark>(&#39;x&#39;)&lt;/<mark>script</mark>&gt; &amp; after"
        );
        assert!(!s.contains("<script"));
    }

    #[test]
    fn snippets_show_the_densest_window_with_accents_kept() {
        let mut body = "filler ".repeat(200);
        body.push_str("La sécurité des drones. ");
        body.push_str(&"more ".repeat(200));
        let terms = parse_query("securite drone*").unwrap_or_else(|e| unreachable!("{e}"));
        let s = snippet(&body, &terms);
        assert!(s.starts_with("… "), "{s}");
        assert!(s.ends_with(" …"), "{s}");
        assert!(
            s.contains("La <mark>sécurité</mark> des <mark>drones</mark>."),
            "{s}"
        );
        // No hit in the body: its opening words.
        let s = snippet("Opening words here", &terms);
        assert_eq!(s, "Opening words here");
    }
}
