//! Tests of [`super::compare`]: what extraction does is set aside, what an
//! editor does is not.
use super::*;
use crate::normalize;

const OURS: &str = "The manipulation of ASN.1 structures is done by asn1Parser. It reads a single file with definitions and generates a C array. The parser is case sensitive. Comments begin with two dashes and end at the end of the line. Chapter 2 Structure handling 3";

fn diff(theirs: &str) -> Differences {
    compare(&normalize(OURS), &normalize(theirs), Duration::from_secs(5))
}

#[test]
fn splits_joins_and_moves_are_extraction() {
    let d = diff("Chapter 2 Structure handling 3 The manip- ulation of ASN.1 struc tures is done by asn1Parser.It reads a single file with definitions and generates a C array. The parser is case sensitive. Comments begin with two dashes and end at the end of the line. p q 2 ȳ p 2 σ 3");
    assert!(d.genuine(), "{d:?}");
    assert!(d.rejoined > 0 && d.moved > 0, "{d:?}");
    assert_eq!(
        (d.added, d.removed, d.debris),
        (0, 0, 8),
        "formula debris only: {d:?}"
    );
    // An accent read as a glyph of its own.
    let d = compare(
        &normalize("écrit par Gwenolé Tréguier"),
        &normalize("ecrit par Gwenol e Tr eguier"),
        Duration::from_secs(5),
    );
    assert!(
        d.genuine() && d.rejoined > 0 && d.added + d.removed == 0,
        "{d:?}"
    );
    // A word or two an extractor does not read is no edit.
    let d = diff("The manipulation of ASN.1 structures is done by asn1Parser. It reads a single file with definitions and generates a C array. The parser is sensitive. Comments begin with two dashes and end at the end of the line. Chapter 2 Structure handling 3");
    assert!(d.genuine() && d.removed == 1, "{d:?}");
}

#[test]
fn a_fabricated_sentence_a_cut_and_a_changed_figure_are_edits() {
    let d = diff(&OURS.replace(
        "The parser is case sensitive.",
        "The parser is case sensitive. Every licensee shall pay a fee to the vendor.",
    ));
    assert!(!d.genuine() && d.added == 9 && d.long_runs == 1, "{d:?}");
    assert_eq!(
        d.added_examples,
        ["every licensee shall pay a fee to the vendor"]
    );
    let d = diff(&OURS.replace(
        "Comments begin with two dashes and end at the end of the line.",
        "",
    ));
    assert!(!d.genuine() && d.removed == 13, "{d:?}");
    let d = diff(&OURS.replace("is case sensitive", "is not case sensitive"));
    assert!(!d.genuine() && d.negations == 1 && d.added == 1, "{d:?}");
    let d = diff(&OURS.replace("Chapter 2", "Chapter 7"));
    assert!(!d.genuine() && d.changed_figures == 1, "{d:?}");
    // Two words changed for two others in a short text are within
    // extraction's allowance (one in 200, at least two); three
    // scattered changes are not.
    let d = diff(&OURS.replace("a single file", "one big file"));
    assert!(d.genuine(), "{d:?}");
    let d = diff(&OURS.replace("reads a single file with", "never reads any file without"));
    assert!(!d.genuine() && d.long_runs == 0 && d.added == 3, "{d:?}");
}

#[test]
fn page_numbers_read_in_another_place_are_no_changed_figures() {
    // Two page numbers another extractor reads each beside the other
    // page's running head: the diff pairs 12 with 13 and 13 with 12,
    // and both are found moved.
    let ours = "Chapter one 12 begins here with some words of text and more words follow. Chapter one 13 continues here with other words of text and the end.";
    let theirs = "Chapter one 13 begins here with some words of text and more words follow. Chapter one 12 continues here with other words of text and the end.";
    let d = compare(&normalize(ours), &normalize(theirs), Duration::from_secs(5));
    assert!(
        d.genuine() && d.changed_figures == 0 && d.moved == 2,
        "{d:?}"
    );
    // A figure that is changed stays changed.
    let d = compare(
        &normalize(ours),
        &normalize(&ours.replace("13", "31")),
        Duration::from_secs(5),
    );
    assert!(!d.genuine() && d.changed_figures == 1, "{d:?}");
}

/// A page of running text around a table, read row by row here.
const MANUAL: &str = "The tools below compress a file and keep the original until the new one is written. Each of them reads the file once and writes the result next to it, so the disk must hold both for a while. Table 3 gzip fast deflate common bzip2 slow blocks better xz slower markov best. The choice depends on the time one can spend and on the space one must save, and on the tools the recipients have at hand. Most systems carry all three of them today.";

fn manual(theirs: &str) -> Differences {
    compare(
        &normalize(MANUAL),
        &normalize(theirs),
        Duration::from_secs(5),
    )
}

#[test]
fn a_table_read_by_columns_and_labels_read_otherwise_are_extraction() {
    // The table read column by column: every word is still there.
    let d = manual(&MANUAL.replace(
        "gzip fast deflate common bzip2 slow blocks better xz slower markov best",
        "gzip bzip2 xz fast slow slower deflate blocks markov common better best",
    ));
    assert!(d.genuine() && d.added + d.removed == 0, "{d:?}");
    // The table's cells not read at all: words that do not read as
    // prose, within the layout share of a longer text…
    let long = MANUAL.repeat(8);
    let cut = long.replacen(
        "gzip fast deflate common bzip2 slow blocks better xz slower markov best",
        "",
        1,
    );
    let d = compare(&normalize(&long), &normalize(&cut), Duration::from_secs(5));
    assert!(
        d.genuine() && d.removed_layout == 13 && d.long_runs == 0,
        "{d:?}"
    );
    // …but a sentence cut from the same place is an edit.
    let cut = long.replacen("Most systems carry all three of them today.", "", 1);
    let d = compare(&normalize(&long), &normalize(&cut), Duration::from_secs(5));
    assert!(!d.genuine() && d.long_runs == 1, "{d:?}");
    // A page number glued to a word, read elsewhere by another tool.
    let d = manual(
        &MANUAL
            .replace("today.", "today17.")
            .replace("Table 3", "17 Table 3"),
    );
    assert!(d.genuine() && d.changed_figures == 0, "{d:?}");
}

#[test]
fn a_negation_counts_in_running_text_not_in_a_table() {
    let d = manual(&MANUAL.replace("must hold both", "must not hold both"));
    assert!(!d.genuine() && d.negations == 1, "{d:?}");
    // A "never" in a table read otherwise turns no sentence.
    let ours = MANUAL.replace("common bzip2", "common never bzip2");
    let theirs = MANUAL.replace(
        "gzip fast deflate common bzip2 slow blocks better xz slower markov best",
        "gzip bzip2 xz fast slow slower deflate blocks markov common better best",
    );
    let d = compare(
        &normalize(&ours),
        &normalize(&theirs),
        Duration::from_secs(5),
    );
    assert!(d.genuine() && d.negations == 0 && d.removed == 1, "{d:?}");
}

#[test]
fn a_diff_cut_short_is_not_genuine() {
    let d = compare(&normalize(OURS), &normalize(OURS), Duration::ZERO);
    assert!(!d.genuine());
}

#[test]
fn words_split_or_struck_twice_far_from_their_match_are_extraction() {
    // Two columns: ours reads the hyphenated word at the first column's
    // foot as two words and the heading struck twice; the other tool
    // joins the word, and reads the columns side by side.
    let ours = "Sample mom documents. The first column ends with a long word that is hyphen ated at its foot. The second column starts here and goes on with other words to its end.";
    let ours = ours.replace("Sample mom", "Saammppllee mmoomm");
    let theirs = "Sample mom documents. The first column ends with The second column starts here a long word that is hyphenated at its foot. and goes on with other words to its end.";
    let d = compare(
        &normalize(&ours),
        &normalize(theirs),
        Duration::from_secs(5),
    );
    assert!(d.genuine() && d.added + d.removed == 0, "{d:?}");
    // A word no one split is still an edit.
    let d = compare(
        &normalize(&ours),
        &normalize(&theirs.replace("hyphenated", "redacted")),
        Duration::from_secs(5),
    );
    assert!(d.added == 1 && d.removed == 2, "{d:?}");
}

#[test]
fn tex_angle_brackets_read_as_letters_are_extraction() {
    // pdftotext reads TeX's ⟨ and ⟩ as h and i; ours drops them.
    let ours = "Define a macro with \\newcommand and its arguments: the form is newcommand macro args replacement, and environments take args env in the same way. Tokens are tested with ifx token if found if not found fi as usual in plain TeX.";
    let theirs = ours
        .replace("macro args replacement", "hmacroi hargsi hreplacementi")
        .replace("args env", "hargsi henvi")
        .replace("token if found if", "htokeni hif foundi hif");
    let d = compare(
        &normalize(ours),
        &normalize(&theirs),
        Duration::from_secs(5),
    );
    assert!(d.added + d.removed == 0 && d.genuine(), "{d:?}");
}
