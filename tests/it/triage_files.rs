//! Triage of real leak shapes, judged per file: a served PDF leaked as
//! text in the order `pdftotext` gives it (each page's invisible layer
//! before its marking line) matches like the original and names its
//! recipient; files cut from two recipients' copies each name their own
//! recipient and nobody else.

use crate::watermark::{apache_pdf, download, licence, upload, world, World};

async fn triage(w: &World, files: &[(&str, &[u8])]) -> rampart_triage::Report {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let opts = rampart_triage::Options {
        progress: false,
        fingerprinter: Some(w.app.state.watermark.fingerprinter().clone()),
        blobs: Some(w.app.state.blobs.clone()),
        ..Default::default()
    };
    rampart_triage::triage(&w.app.state.store, &[dir.path().to_owned()], &opts)
        .await
        .unwrap()
}

fn item<'a>(report: &'a rampart_triage::Report, file: &str) -> &'a rampart_triage::Item {
    report
        .items
        .iter()
        .find(|i| i.path.ends_with(file))
        .unwrap_or_else(|| panic!("{file} not in {:?}", report.items))
}

fn accused(report: &rampart_triage::Report, file: &str) -> Vec<String> {
    item(report, file)
        .accused
        .iter()
        .map(|a| a.account.clone())
        .collect()
}

/// Our extractor gives each page as: its text, the marking line, then the
/// invisible layer between its sentinels. `pdftotext` sorts by position:
/// the layer (drawn above the marking line in the bottom margin) first.
fn in_pdftotext_order(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(line) = rest.find("Rampart copy for ") {
        let Some(end) = rest[line..].find("Rampart end ") else {
            break;
        };
        let end = line + end + "Rampart end ".len() + 8;
        let line_end = line + rest[line..].find('\n').unwrap_or(0);
        out.push_str(&rest[..line]);
        out.push_str(&rest[line_end..end]);
        out.push('\n');
        out.push_str(&rest[line..line_end]);
        out.push('\n');
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn a_served_pdf_leaked_as_text_in_any_order_is_ours_and_names_its_recipient() {
    let w = world().await;
    let doc = upload(&w.ann, "Apache", "apache.pdf", apache_pdf()).await;
    let (copy, ..) = download(&w.readers[0].1, &doc).await;
    let _ = download(&w.readers[1].1, &doc).await; // cat read it too
    let text = rampart_docmatch::extract_text(&copy, Some("x.pdf"), &Default::default())
        .unwrap()
        .text;
    assert!(
        text.contains("Rampart layer "),
        "the layer opens with its sentinel"
    );
    let reordered = in_pdftotext_order(&text);
    assert_ne!(reordered, text);
    assert!(reordered.find("Rampart end ") < reordered.find("Rampart copy for "));
    let report = triage(
        &w,
        &[
            ("content-order.txt", text.as_bytes()),
            ("pdftotext-order.txt", reordered.as_bytes()),
        ],
    )
    .await;
    for item in &report.items {
        assert_eq!(item.document.as_deref(), Some(doc.as_str()), "{item:?}");
        assert_eq!(item.verdict, "genuine", "{item:?}");
    }
    assert_eq!(accused(&report, "content-order.txt"), ["bob@example.org"]);
    assert_eq!(accused(&report, "pdftotext-order.txt"), ["bob@example.org"]);
}

#[tokio::test]
async fn each_file_names_only_the_recipient_whose_copy_it_was_cut_from() {
    let w = world().await;
    let doc = upload(&w.ann, "GPL 3", "gpl3.md", licence("GPL-3").into_bytes()).await;
    let (bob, ..) = download(&w.readers[0].1, &doc).await;
    let (cat, ..) = download(&w.readers[1].1, &doc).await;
    let _ = download(&w.readers[2].1, &doc).await; // dan: innocent
    let half = |copy: &[u8], second: bool| -> Vec<u8> {
        let text = String::from_utf8(copy.to_vec()).unwrap();
        let paragraphs: Vec<&str> = text.split("\n\n").collect();
        let mid = paragraphs.len() / 2;
        let part = if second {
            &paragraphs[mid..]
        } else {
            &paragraphs[..mid]
        };
        part.join("\n\n").into_bytes()
    };
    let report = triage(
        &w,
        &[
            ("bob-first-half.md", &half(&bob, false)),
            ("cat-second-half.md", &half(&cat, true)),
        ],
    )
    .await;
    assert_eq!(accused(&report, "bob-first-half.md"), ["bob@example.org"]);
    assert_eq!(accused(&report, "cat-second-half.md"), ["cat@example.org"]);
    for item in &report.items {
        assert_eq!(item.verdict, "excerpt", "{item:?}");
    }
    // Both files convict on their own: nothing is left for the document.
    assert!(report.documents.iter().all(|d| d.accused.is_empty()));
    let accounts: Vec<&str> = report.accounts.iter().map(|a| a.account.as_str()).collect();
    assert_eq!(accounts, ["bob@example.org", "cat@example.org"]);
}

/// A whole copy that another extractor read differently (words split and
/// joined, a passage moved) is genuine; the same copy with a sentence
/// added is altered, and the report shows the sentence.
#[tokio::test]
async fn a_whole_copy_read_otherwise_is_genuine_an_edited_one_is_altered_and_shown() {
    let w = world().await;
    let text = licence("GPL-3");
    let doc = upload(&w.ann, "GPL 3", "gpl3.txt", text.clone().into_bytes()).await;
    // What another extractor makes of it: hyphenated line ends joined the
    // other way, a heading moved to the end.
    let mut noisy = text
        .replace("software", "soft- ware")
        .replace("Foundation,", "Founda tion,");
    let heading = "GNU GENERAL PUBLIC LICENSE";
    noisy = noisy.replacen(heading, "", 1) + "\n" + heading;
    let edited = text.replacen(
        "TERMS AND CONDITIONS",
        "TERMS AND CONDITIONS The licensee shall pay the vendor a yearly fee.",
        1,
    );
    let report = triage(
        &w,
        &[
            ("noisy.txt", noisy.as_bytes()),
            ("edited.txt", edited.as_bytes()),
        ],
    )
    .await;
    let item = |name: &str| item(&report, name);
    let noisy = item("noisy.txt");
    assert_eq!(noisy.document.as_deref(), Some(doc.as_str()));
    assert_eq!(noisy.verdict, "genuine", "{noisy:?}");
    let d = noisy.differences.as_ref().unwrap();
    assert!(d.rejoined > 0 && d.moved > 0 && d.added == 0, "{d:?}");
    let edited = item("edited.txt");
    assert_eq!(edited.verdict, "altered", "{edited:?}");
    let d = edited.differences.as_ref().unwrap();
    assert_eq!(
        d.added_examples,
        ["the licensee shall pay the vendor a yearly fee"]
    );
    let html = rampart_triage::html::render(&report);
    assert!(html.contains("the licensee shall pay the vendor a yearly fee"));
}

/// The page's own text read across two columns, as `pdftotext -layout`
/// reads a reference card: each pair of lines interleaved word by word,
/// so that hardly a run of five words survives; the invisible layer
/// between its sentinels is left as it is.
fn across_columns(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    loop {
        let (page, layer) = match (rest.find("Rampart layer "), rest.find("Rampart end ")) {
            (Some(start), Some(end)) if start < end => (&rest[..start], Some((start, end + 20))),
            _ => (rest, None),
        };
        let lines: Vec<&str> = page.lines().collect();
        for pair in lines.chunks(2) {
            let left: Vec<&str> = pair[0].split_whitespace().collect();
            let right: Vec<&str> = pair
                .get(1)
                .map_or(vec![], |l| l.split_whitespace().collect());
            for i in 0..left.len().max(right.len()) {
                out.extend(left.get(i).map(|w| format!("{w} ")));
                out.extend(right.get(i).map(|w| format!("{w} ")));
            }
            out.push('\n');
        }
        let Some((start, end)) = layer else { break };
        let end = end.min(rest.len());
        out.push_str(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

/// A served copy whose words no shingle matches any more (columns read
/// across) is found by its layer's sentinels, compared word by word with
/// the version that download served, and names its recipient; the same
/// words without the layer match nothing.
#[tokio::test]
async fn a_copy_read_across_columns_is_found_by_its_layer_and_names_its_recipient() {
    let w = world().await;
    let doc = upload(&w.ann, "Apache", "apache.pdf", apache_pdf()).await;
    let (copy, ..) = download(&w.readers[0].1, &doc).await;
    let _ = download(&w.readers[1].1, &doc).await; // cat: innocent
    let text = rampart_docmatch::extract_text(&copy, Some("x.pdf"), &Default::default())
        .unwrap()
        .text;
    let across = across_columns(&text);
    let without_layer = rampart_docmatch::normalize(&across);
    let report = triage(
        &w,
        &[
            ("across.txt", across.as_bytes()),
            ("no-layer.txt", without_layer.as_bytes()),
        ],
    )
    .await;
    let item = |name: &str| item(&report, name);
    assert_eq!(
        item("no-layer.txt").verdict,
        "unknown",
        "{:?}",
        item("no-layer.txt")
    );
    let across = item("across.txt");
    assert_eq!(across.document.as_deref(), Some(doc.as_str()), "{across:?}");
    assert_eq!(across.verdict, "genuine", "{across:?}");
    assert_eq!(accused(&report, "across.txt"), ["bob@example.org"]);
}
