//! Words split, joined or struck otherwise that the diff could not pair
//! because the two sides sit in different places (see [`rejoin_apart`]).

use super::Run;
use std::collections::HashMap;

/// The word inside TeX's angle brackets as `pdftotext` reads them: TeX's
/// symbol font carries no map to Unicode, and its ⟨ and ⟩ sit where a
/// standard font has `h` and `i` (`⟨args⟩` comes out `hargsi`, `⟨macro`
/// `hmacro`). Only used to pair a word with one left on the other side.
fn tex_angle_brackets(word: &str) -> Option<&str> {
    let inner = word.strip_prefix('h').unwrap_or(word);
    let inner = inner.strip_suffix('i').unwrap_or(inner);
    (inner != word && inner.len() >= 2).then_some(inner)
}

/// A word with each run of one letter cut to one: overprinted "bold"
/// reads with each letter twice (`saammppllee`), an extractor that drops
/// the second impression reads `sample`; both come out `sample`.
fn single_struck(word: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = word.chars().peekable();
    let mut twice = false;
    while let Some(c) = chars.next() {
        twice |= chars.peek() == Some(&c);
    }
    if !twice {
        return word.into();
    }
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out.into()
}

/// Splits and joins the diff could not pair, because the two sides sit in
/// different places (a word hyphenated at a column's foot, read beside
/// another column): two words left on the `split` side whose letters are
/// one word left on the `joined` side, or a word struck twice. Both go;
/// returns the words set aside.
pub(super) fn rejoin_apart<'a>(split: &mut [Run<'a>], joined: &mut [Run<'a>]) -> usize {
    let mut pool: HashMap<String, usize> = HashMap::new();
    for w in joined.iter().flat_map(|r| &r.0) {
        *pool.entry(single_struck(w).into_owned()).or_default() += 1;
    }
    let mut take = |key: &str| match pool.get_mut(key) {
        Some(n) if *n > 0 => {
            *n -= 1;
            true
        }
        _ => false,
    };
    let mut found: HashMap<String, usize> = HashMap::new();
    let mut set_aside = 0;
    for (run, _) in split.iter_mut() {
        let mut kept = Vec::with_capacity(run.len());
        let mut i = 0;
        while i < run.len() {
            let single = single_struck(run[i]);
            let pair = run
                .get(i + 1)
                .map(|next| format!("{single}{}", single_struck(next)));
            if let Some(pair) = pair.filter(|p| take(p)) {
                *found.entry(pair).or_default() += 1;
                set_aside += 3;
                i += 2;
            } else if take(&single) {
                *found.entry(single.into_owned()).or_default() += 1;
                set_aside += 2;
                i += 1;
            } else if let Some(inner) = tex_angle_brackets(run[i]).filter(|w| take(w)) {
                *found.entry(inner.to_owned()).or_default() += 1;
                set_aside += 2;
                i += 1;
            } else {
                kept.push(run[i]);
                i += 1;
            }
        }
        *run = kept;
    }
    for (run, _) in joined.iter_mut() {
        run.retain(|w| match found.get_mut(single_struck(w).as_ref()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        });
    }
    set_aside
}
