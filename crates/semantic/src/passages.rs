//! Passages: the units texts are compared in. A passage is a run of whole
//! sentences of at least [`MIN_WORDS`] words (a sentence is too short to
//! carry a document's meaning, a page too long for the model's 256
//! tokens), and at most [`MAX_WORDS`]: a longer sentence (a table, a list
//! without stops) is cut at that many words.
//!
//! Sentences end at `.`, `!`, `?` or `;` followed by a space, or at a blank
//! line. Abbreviations (`e.g.`, `No. 5`) end a sentence too; that only moves
//! a passage boundary, which the alignment tolerates.

/// The fewest words in a passage (except a text's last one).
pub const MIN_WORDS: usize = 40;
/// The most words in a passage.
pub const MAX_WORDS: usize = 80;

/// A passage of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// Its words, joined by single spaces.
    pub text: String,
    /// The index of its first word in the text.
    pub first_word: usize,
    /// How many words it has.
    pub words: usize,
}

/// Calls `f` with each sentence of `text`, as a list of words, until it
/// returns `false`. Lazily: a caller that needs the first passages of a
/// long file (triage's rewrite search reads 200 of a 300 KB text's
/// thousand) does not split the rest.
fn each_sentence<'a>(text: &'a str, mut f: impl FnMut(&[&'a str]) -> bool) {
    let mut sentence = Vec::new();
    for paragraph in text.split("\n\n").flat_map(|p| p.split("\r\n\r\n")) {
        for word in paragraph.split_whitespace() {
            sentence.push(word);
            if word.ends_with(['.', '!', '?', ';']) || word.ends_with(".\"") || word.ends_with(".)")
            {
                if !f(&sentence) {
                    return;
                }
                sentence.clear();
            }
        }
        if !sentence.is_empty() {
            if !f(&sentence) {
                return;
            }
            sentence.clear();
        }
    }
}

/// Closes the passage being gathered, if it has words.
fn flush(current: &mut Vec<&str>, first: usize, out: &mut Vec<Passage>) {
    if !current.is_empty() {
        out.push(Passage {
            text: current.join(" "),
            first_word: first,
            words: current.len(),
        });
        current.clear();
    }
}

/// The passages of `text`, in order, covering every word once. A last run
/// shorter than [`MIN_WORDS`] joins the passage before it when both fit in
/// [`MAX_WORDS`], and stands alone otherwise.
pub fn passages(text: &str) -> Vec<Passage> {
    first_passages(text, usize::MAX)
}

/// The first `limit` of [`passages`]`(text)`, splitting no more of the
/// text than they need.
pub fn first_passages(text: &str, limit: usize) -> Vec<Passage> {
    let mut out: Vec<Passage> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut first = 0;
    let mut seen = 0;
    // Passage `limit` is final once the one after it is closed: only the
    // text's last passage takes a short tail in.
    each_sentence(text, |sentence| {
        for chunk in sentence.chunks(MAX_WORDS) {
            if current.len() + chunk.len() > MAX_WORDS {
                flush(&mut current, first, &mut out);
            }
            if current.is_empty() {
                first = seen;
            }
            current.extend_from_slice(chunk);
            seen += chunk.len();
            if current.len() >= MIN_WORDS {
                flush(&mut current, first, &mut out);
            }
        }
        out.len() <= limit
    });
    if out.len() > limit {
        out.truncate(limit);
        return out;
    }
    if !current.is_empty() {
        match out.last_mut() {
            Some(last) if last.words + current.len() <= MAX_WORDS => {
                last.text.push(' ');
                last.text.push_str(&current.join(" "));
                last.words += current.len();
            }
            _ => flush(&mut current, first, &mut out),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: usize, end: &str) -> String {
        let mut s: Vec<String> = (0..n).map(|i| format!("w{i}")).collect();
        if let Some(last) = s.last_mut() {
            last.push_str(end);
        }
        s.join(" ")
    }

    #[test]
    fn sentences_gather_into_passages_of_forty_to_eighty_words() {
        // Seven sentences of 15 words: three close a passage at 45 words,
        // three more a second, and the last 15 join that one (60 <= 80).
        let text = (0..7).map(|_| words(15, ".")).collect::<Vec<_>>().join(" ");
        let p = passages(&text);
        assert_eq!(p.iter().map(|p| p.words).collect::<Vec<_>>(), vec![45, 60]);
        assert_eq!(p[1].first_word, 45);
        assert_eq!(p[1].text.split(' ').count(), 60);
    }

    #[test]
    fn a_short_tail_joins_the_passage_before_and_long_sentences_are_cut() {
        let text = format!("{} {}", words(50, "."), words(10, "."));
        assert_eq!(
            passages(&text).iter().map(|p| p.words).collect::<Vec<_>>(),
            vec![60]
        );
        let long = words(200, "");
        let p = passages(&long);
        assert_eq!(
            p.iter().map(|p| p.words).collect::<Vec<_>>(),
            vec![80, 80, 40]
        );
        assert!(p.iter().all(|p| p.words <= MAX_WORDS));
        assert!(passages("").is_empty());
        assert!(passages("  \n\n ").is_empty());
        assert_eq!(
            passages("One short sentence.")[0].text,
            "One short sentence."
        );
    }

    #[test]
    fn blank_lines_end_sentences() {
        let text = format!("{}\n\n{}", words(30, ""), words(30, ""));
        let p = passages(&text);
        assert_eq!(p.len(), 1, "two 30-word paragraphs make one passage");
        assert_eq!(p[0].words, 60);
    }

    #[test]
    fn the_first_passages_are_those_of_the_whole_text() {
        // Sentences of 7 to 31 words, then a short tail: every limit gives
        // the whole text's first passages, the tail merged as it is there.
        let mut text = (0..40)
            .map(|i| words(7 + (i * 11) % 25, "."))
            .collect::<Vec<_>>()
            .join(" ");
        text.push_str(&format!("\n\n{}", words(5, "")));
        let all = passages(&text);
        assert!(all.len() > 5);
        for limit in 0..=all.len() + 1 {
            assert_eq!(first_passages(&text, limit), all[..limit.min(all.len())]);
        }
    }
}
