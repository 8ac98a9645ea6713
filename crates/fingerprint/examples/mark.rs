//! Marks one file from the command line, for manual checks with external
//! tools: `cargo run --example mark -- FORMAT IN OUT ACCOUNT`, where FORMAT
//! is a media type or one of text, markdown, html, pdf, docx, odt. Prints the
//! channel counts; with a fifth argument `decode`, instead reads the text
//! file IN and prints the accusation of ACCOUNT among 1000 innocents.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rampart_fingerprint::{
    AccountId, DownloadId, Fingerprinter, Format, Mark, Params, ServerSecret, VersionId,
};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 5 {
        eprintln!("usage: mark FORMAT IN OUT ACCOUNT [decode]");
        std::process::exit(2);
    }
    let format = Format::from_media_type(&a[1])
        .or_else(|| {
            [
                Format::PlainText,
                Format::Markdown,
                Format::Html,
                Format::Pdf,
                Format::Docx,
                Format::Odt,
            ]
            .into_iter()
            .find(|f| f.name() == a[1])
        })
        .expect("unknown format");
    let fp = Fingerprinter::new(&ServerSecret::new([42u8; 32]), Params::default()).unwrap();
    let account: i64 = a[4].parse().unwrap();
    let version = VersionId {
        document: [7; 16],
        version: 1,
    };
    if a.get(5).map(String::as_str) == Some("decode") {
        let text = std::fs::read_to_string(&a[2]).unwrap();
        let obs = fp.extract(&text, &[version]);
        let mut cands: Vec<AccountId> = (0..1000).map(|i| AccountId(1_000_000 + i)).collect();
        cands.push(AccountId(account));
        let acc = fp.accuse(&obs, &cands);
        println!(
            "reads={} positions={} threshold={:.1} top={:?} accused={}",
            obs.len(),
            acc.positions,
            acc.threshold,
            acc.scores.first(),
            acc.accused().count()
        );
        return;
    }
    let input = std::fs::read(&a[2]).unwrap();
    let mut d = [0u8; 16];
    d[..8].copy_from_slice(&account.to_le_bytes());
    let mark = Mark {
        account: AccountId(account),
        download: DownloadId(d),
        version,
    };
    let t = std::time::Instant::now();
    let e = fp.embed(format, &input, &mark).unwrap();
    eprintln!("{:?} in {:?}", e.counts, t.elapsed());
    std::fs::write(&a[3], e.bytes).unwrap();
}
