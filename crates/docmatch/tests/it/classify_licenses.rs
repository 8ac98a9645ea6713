//! Classification on real English text: the GNU licenses every Debian system
//! ships in /usr/share/common-licenses (skipped where they are missing).

use rampart_docmatch::{classify, Fingerprint, Params, Verdict};

fn read(name: &str) -> Option<String> {
    std::fs::read_to_string(format!("/usr/share/common-licenses/{name}")).ok()
}

fn fp(text: &str) -> Fingerprint {
    Fingerprint::new(text.as_bytes(), text, &Params::default())
}

/// Edits a text the way a forger would: change numbers, delete a sentence
/// here and there, insert a paragraph.
fn edit(text: &str) -> String {
    let mut out = String::new();
    for (i, para) in text.split("\n\n").enumerate() {
        if i % 9 == 4 {
            continue; // drop a paragraph
        }
        let mut p = para.replace("three", "five").replace("Free", "Open");
        if i % 7 == 3 {
            p.push_str(" Notwithstanding the above, the licensee shall pay a fee to the vendor.");
        }
        out.push_str(&p);
        out.push_str("\n\n");
    }
    out
}

#[test]
fn gpl_family() {
    let (Some(gpl3), Some(gpl2), Some(apache)) = (read("GPL-3"), read("GPL-2"), read("Apache-2.0"))
    else {
        eprintln!("common-licenses missing, skipped");
        return;
    };
    let p = Params::default();
    let original = fp(&gpl3);

    // Same text, other bytes: re-wrapped with watermark-style variants.
    let marked = gpl3
        .replace(' ', "\u{a0}")
        .replace('"', "\u{201c}")
        .replace("--", "\u{2014}")
        .replace("\n", " \r\n");
    let m = classify(&fp(&marked), &original, &p);
    assert_eq!(m.verdict, Verdict::Genuine, "{m:?}");
    assert_eq!(classify(&original, &original, &p).verdict, Verdict::Genuine);

    // A contiguous quarter of the text.
    let start = gpl3.len() / 3;
    let start = gpl3[start..].find('\n').map_or(start, |i| start + i);
    let end = start + gpl3.len() / 4;
    let end = gpl3[..end].rfind('\n').unwrap_or(end);
    let m = classify(&fp(&gpl3[start..end]), &original, &p);
    assert_eq!(m.verdict, Verdict::Excerpt, "{m:?}");
    assert!(m.containment > 0.99);

    // Edited copy.
    let m = classify(&fp(&edit(&gpl3)), &original, &p);
    assert_eq!(m.verdict, Verdict::Altered, "{m:?}");

    // Related but different documents are not matches of each other.
    let m = classify(&fp(&gpl2), &original, &p);
    assert_eq!(m.verdict, Verdict::NoMatch, "GPL-2 vs GPL-3: {m:?}");
    let m = classify(&fp(&apache), &fp(&gpl2), &p);
    assert_eq!(m.verdict, Verdict::NoMatch, "Apache-2.0 vs GPL-2: {m:?}");
    let m = classify(&fp(&gpl2), &fp(&apache), &p);
    assert_eq!(m.verdict, Verdict::NoMatch, "GPL-2 vs Apache-2.0: {m:?}");

    // The edited copy must be an LSH candidate of the original, GPL-2 not.
    let shared = |a: &Fingerprint, b: &Fingerprint| {
        let kb = b.band_keys(&p);
        a.band_keys(&p).iter().filter(|k| kb.contains(k)).count()
    };
    assert!(shared(&fp(&edit(&gpl3)), &original) > 0);

    // A single paragraph (too small for the bands) still shares anchors.
    let para = &gpl3[gpl3.len() / 2..gpl3.len() / 2 + 1500];
    let leaked = fp(para);
    let anchors = original.anchors(&p);
    assert!(leaked.anchors(&p).iter().any(|a| anchors.contains(a)));
    assert_eq!(classify(&leaked, &original, &p).verdict, Verdict::Excerpt);
}

/// What another text extractor changes — punctuation split from its word,
/// spacing, line breaks — leaves a small document genuine; one word changed
/// does not.
#[test]
fn extraction_noise_is_genuine_an_edit_is_not() {
    let Some(mit) = read("BSD") else {
        eprintln!("common-licenses missing, skipped");
        return;
    };
    let p = Params::default();
    let original = fp(&mit);
    assert_eq!(
        original.sketch_level, 0,
        "a small document, compared exactly"
    );
    let noisy = mit
        .replace(". ", " . ")
        .replace(", ", " ,\n")
        .replace("\n\n", "\n \n \n");
    let m = classify(&fp(&noisy), &original, &p);
    assert_eq!(m.verdict, Verdict::Genuine, "{m:?}");
    let edited = mit.replacen("without", "with", 1);
    let m = classify(&fp(&edited), &original, &p);
    assert_eq!(m.verdict, Verdict::Altered, "{m:?}");
}
