//! Embedding is invisible to the words and reversible, extraction reads back
//! exactly what was written, and unmarked text yields nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test and example code: a failed assumption fails the run

mod common;

use common::*;
use proptest::prelude::*;
use rampart_fingerprint::{strip, AccountId, Channel, Format, Layer};

#[test]
fn strip_restores_the_document_and_marks_are_read_back() {
    let fp = fingerprinter();
    let doc = document();
    let v = version(1);
    let m = mark(7, v, 1);
    let e = fp.embed(Format::PlainText, doc.as_bytes(), &m).unwrap();
    let marked = String::from_utf8(e.bytes).unwrap();
    assert_ne!(marked, doc);
    assert_eq!(strip(&marked), doc);
    assert!(
        e.counts.space > 500 && e.counts.zero_width > 1000,
        "{:?}",
        e.counts
    );
    // Every read bit is the code bit of account 7 (or its download).
    let obs = fp.extract(&marked, &[v]);
    assert!(
        obs.len() >= e.counts.total() * 9 / 10,
        "{} of {}",
        obs.len(),
        e.counts.total()
    );
    let acc = fp.accuse(&obs, &[AccountId(7), AccountId(8)]);
    assert!(acc.scores[0].account == AccountId(7) && acc.scores[0].accused);
    assert!(!acc.scores[1].accused);
    // A copy decoded under another version carries nothing for account 7.
    let wrong = fp.extract(&marked, &[version(2)]);
    let acc = fp.accuse(&wrong, &[AccountId(7)]);
    assert!(!acc.scores[0].accused);
    assert!(obs.iter().any(|o| o.layer == Layer::Download));
    for ch in [Channel::Space, Channel::ZeroWidth, Channel::Punctuation] {
        assert!(obs.count(ch) > 0, "{ch:?}");
    }
}

#[test]
fn unmarked_text_yields_no_observations() {
    let fp = fingerprinter();
    let doc = document();
    assert!(fp.extract(&doc, &[version(1)]).is_empty());
    assert!(fp.extract(&to_html(&doc), &[version(1)]).is_empty());
    let curly = doc.replace('\'', "\u{2019}").replace("\"", "\u{201D}");
    assert!(fp.extract(&curly, &[version(1)]).is_empty());
}

#[test]
fn the_download_is_named() {
    let fp = fingerprinter();
    let doc = document();
    let v = version(3);
    let copies: Vec<_> = (0..4u8).map(|s| mark(5, v, s)).collect();
    let marked = fp.embed_text(&doc, &copies[2]).0;
    let obs = fp.extract(&marked, &[v]);
    let cands: Vec<_> = copies.iter().map(|m| (m.download, v)).collect();
    let scores = fp.score_downloads(&obs, AccountId(5), &cands);
    assert_eq!(scores[0].download, copies[2].download);
    assert!(scores[0].matched);
    assert!(scores[1..].iter().all(|s| !s.matched));
}

#[test]
fn markdown_leaves_code_and_urls_alone() {
    let fp = fingerprinter();
    let md = "# Title of the thing here\n\nSome words that don't matter much, said \"the lawyer\" - yes... and more words here.\n\n\
        ```\nlet x = \"code stays\"; don't touch this line at all please ok\n```\n\n\
        Inline `code isn't touched either` and a [link text with words](https://example.com/a?b=c 'the title here') plus <https://auto.link/it's-a-path> end of the words here.\n";
    let m = mark(9, version(4), 0);
    let e = fp.embed(Format::Markdown, md.as_bytes(), &m).unwrap();
    let out = String::from_utf8(e.bytes).unwrap();
    assert_eq!(strip(&out), md);
    assert!(
        out.contains("```\nlet x = \"code stays\"; don't touch this line at all please ok\n```")
    );
    assert!(out.contains("`code isn't touched either`"));
    assert!(out.contains("(https://example.com/a?b=c 'the title here')"));
    assert!(out.contains("<https://auto.link/it's-a-path>"));
    assert!(e.counts.total() > 10);
}

#[test]
fn html_markup_is_untouched() {
    let fp = fingerprinter();
    let doc = document();
    let html = to_html(&doc);
    let m = mark(9, version(5), 0);
    let out =
        String::from_utf8(fp.embed(Format::Html, html.as_bytes(), &m).unwrap().bytes).unwrap();
    assert_eq!(strip(&out), html);
    let tags = |s: &str| -> Vec<String> {
        s.split('<')
            .skip(1)
            .map(|t| t.split('>').next().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(tags(&out), tags(&html));
    assert!(out.contains("<pre>fn main() { println!(\"don't touch\") }</pre>"));
    assert!(out.contains("<style>p { margin: 1em }</style>"));
    let obs = fp.extract(&html_to_text(&out), &[version(5)]);
    assert!(fp.accuse(&obs, &[AccountId(9)]).scores[0].accused);
}

#[test]
fn unsupported_and_invalid_inputs_are_errors() {
    let fp = fingerprinter();
    let m = mark(1, version(1), 0);
    assert!(fp.embed(Format::Pdf, b"%PDF-1.7", &m).is_err());
    assert!(fp
        .embed(Format::PlainText, &[0xff, 0xfe, 0x41], &m)
        .is_err());
}

fn texts() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "the",
        "licence",
        "don't",
        "\"free\"",
        "software",
        "...",
        "-",
        "copy",
        "it's",
        "Ünïcode",
        "ﬁle",
        "a",
        "(see",
        "below)",
        "and",
        "'quoted'",
        "of",
        "œuvre",
        "42",
        "x...y",
    ]);
    let sep = prop::sample::select(vec![" ", " ", " ", "  ", "\n", "\n\n", "\t"]);
    prop::collection::vec((word, sep), 0..120)
        .prop_map(|v| v.into_iter().map(|(w, s)| format!("{w}{s}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn embed_then_strip_is_identity(text in texts(), account in 1i64..1000) {
        let fp = fingerprinter();
        let m = mark(account, version(6), 0);
        let (marked, counts) = fp.embed_text(&text, &m);
        prop_assert_eq!(strip(&marked), text.clone());
        // Every written position is read back with the bit the code assigns.
        let obs = fp.extract(&marked, &[version(6)]);
        prop_assert!(obs.count(Channel::Space) == counts.space);
        prop_assert!(obs.count(Channel::ZeroWidth) == counts.zero_width);
        let html = format!("<p>{}</p>", text.replace('&', "&amp;").replace('<', "&lt;"));
        let out = fp.embed(Format::Html, html.as_bytes(), &m).unwrap();
        prop_assert_eq!(strip(std::str::from_utf8(&out.bytes).unwrap()), html);
        let md = fp.embed(Format::Markdown, text.as_bytes(), &m).unwrap();
        prop_assert_eq!(strip(std::str::from_utf8(&md.bytes).unwrap()), text.clone());
    }

    #[test]
    fn unmarked_text_reads_nothing(text in texts()) {
        let fp = fingerprinter();
        prop_assert!(fp.extract(&text, &[version(6)]).is_empty());
    }

    #[test]
    fn strip_is_canonical(text in texts()) {
        let fp = fingerprinter();
        let (marked, _) = fp.embed_text(&text, &mark(3, version(7), 0));
        prop_assert_eq!(strip(&marked), strip(&text));
    }
}

#[test]
fn thinned_reads_keep_both_layers_and_still_convict() {
    let fp = fingerprinter();
    let v = version(1);
    let (marked, _) = fp.embed_text(&document(), &mark(7, v, 1));
    let obs = fp.extract(&marked, &[v]);
    assert!(obs.len() > 2000, "{}", obs.len());
    let thin = obs.clone().thin(1000);
    assert!(thin.len() <= 1000 && thin.len() > 250, "{}", thin.len());
    let layers: std::collections::HashSet<Layer> = thin.iter().map(|o| o.layer).collect();
    assert_eq!(layers.len(), 2, "both layers survive thinning");
    let acc = fp.accuse(&thin, &[AccountId(7), AccountId(8), AccountId(9)]);
    let accused: Vec<AccountId> = acc.accused().map(|s| s.account).collect();
    assert_eq!(accused, vec![AccountId(7)]);
    // Thinning is a rule on positions: two copies keep the same positions.
    assert_eq!(thin, obs.thin(1000));
}

#[test]
fn a_prepared_plan_marks_exactly_like_marking_from_scratch() {
    let fp = fingerprinter();
    let doc = document();
    let v = version(3);
    let html = format!("<p>{}</p>", doc.replace("\n\n", "</p>\n<p>"));
    for (format, input) in [
        (Format::PlainText, doc.clone()),
        (Format::Markdown, doc.clone()),
        (Format::Html, html),
    ] {
        let plan = fp.prepare(format, input.as_bytes(), v).unwrap();
        for account in [1, 2] {
            let m = mark(account, v, 9);
            let direct = fp.embed(format, input.as_bytes(), &m).unwrap();
            let prepared = fp.mark_prepared(&plan, input.as_bytes(), &m).unwrap();
            assert_eq!(direct, prepared, "{format:?}");
            assert_eq!(plan.counts(), direct.counts);
        }
        // A plan is bound to its text and its version.
        let other = mark(1, version(4), 9);
        assert!(fp.mark_prepared(&plan, input.as_bytes(), &other).is_err());
        let edited = format!("{input} more");
        assert!(fp
            .mark_prepared(&plan, edited.as_bytes(), &mark(1, v, 9))
            .is_err());
    }
    // DOCX and ODT: the plan covers the main part's text runs.
    let edited = format!("{doc} more");
    for (format, input, other) in [
        (Format::Docx, build::docx(&doc), build::docx(&edited)),
        (Format::Odt, build::odt(&doc), build::odt(&edited)),
    ] {
        let plan = fp.prepare(format, &input, v).unwrap();
        for account in [1, 2] {
            let m = mark(account, v, 9);
            let line = format!("copy for account {account}");
            let direct = fp.embed_with_marking(format, &input, &m, &line).unwrap();
            let prepared = fp
                .mark_prepared_with_marking(&plan, &input, &m, &line)
                .unwrap();
            assert_eq!(direct, prepared, "{format:?}");
            assert!(plan.counts().space > 500, "{format:?}");
        }
        assert!(fp
            .mark_prepared(&plan, &input, &mark(1, version(4), 9))
            .is_err());
        assert!(fp.mark_prepared(&plan, &other, &mark(1, v, 9)).is_err());
        // A text plan does not mark a package, nor a package plan a text.
        let text_plan = fp.prepare(Format::PlainText, doc.as_bytes(), v).unwrap();
        assert!(fp
            .mark_prepared(&text_plan, &input, &mark(1, v, 9))
            .is_err());
        assert!(fp
            .mark_prepared(&plan, doc.as_bytes(), &mark(1, v, 9))
            .is_err());
    }
}

#[test]
fn tests_of_two_documents_join_into_the_test_of_both() {
    let fp = fingerprinter();
    let doc = document();
    let read = |account: i64, v| {
        let e = fp
            .embed(Format::PlainText, doc.as_bytes(), &mark(account, v, 1))
            .unwrap();
        fp.extract(&String::from_utf8(e.bytes).unwrap(), &[v])
    };
    let (a, b) = (read(7, version(1)), read(8, version(2)));
    let mut both = a.clone();
    both.extend(b.clone());
    let cands = [AccountId(7), AccountId(8), AccountId(9)];
    let (ta, tb, tboth) = (
        fp.accuse(&a, &cands),
        fp.accuse(&b, &cands),
        fp.accuse(&both, &cands),
    );
    assert_eq!(tboth.positions, ta.positions + tb.positions);
    let joint = fp.joint_threshold(&[&ta.evidence, &tb.evidence]);
    assert!(
        (joint - tboth.threshold).abs() <= 1e-9 * tboth.threshold,
        "{joint} vs {}",
        tboth.threshold
    );
    assert!(joint > ta.threshold.max(tb.threshold));
    let score = |t: &rampart_fingerprint::Accusation, id| {
        t.scores.iter().find(|s| s.account == id).unwrap().score
    };
    for id in cands {
        let sum = score(&ta, id) + score(&tb, id);
        assert!((sum - score(&tboth, id)).abs() <= 1e-6 * sum.abs().max(1.0));
    }
}
