//! `rampart demo attack` against a real `rampart serve` (real clock: the
//! attack answers the second factor from the system time): a persistent
//! scrape of a small community is contained, and the summary says so, with
//! the alert read from the portal's own records.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
};

fn rampart(data: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RAMPART_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_persistent_scrape_of_a_small_community_is_contained_and_reported_truthfully() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    rampart(&data, &["admin", "portal", "add", "alpha", "Alpha"]);
    rampart(&data, &["admin", "community", "add", "alpha", "ops", "Ops"]);
    let password = rampart(
        &data,
        &[
            "admin",
            "user",
            "add",
            "--email",
            "ann@example.org",
            "--name",
            "Ann",
            "--nation",
            "NOR",
        ],
    );
    rampart(
        &data,
        &[
            "admin",
            "member",
            "add",
            "alpha/ops",
            "ann@example.org",
            "reader",
        ],
    );
    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();
    for i in 0..24 {
        std::fs::write(
            files.join(format!("report-{i:02}.txt")),
            format!("Report {i}: logistics lessons, page one of one.\n"),
        )
        .unwrap();
    }
    rampart(
        &data,
        &[
            "import",
            files.to_str().unwrap(),
            "--community",
            "alpha/ops",
        ],
    );

    let mut serve = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .env("RAMPART_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(rest) = line.strip_prefix("Rampart is listening on http://") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Drain the server's stdout (alert lines) so it never blocks.
    let drain = std::thread::spawn(move || lines.count());

    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "demo",
            "attack",
            "--url",
            &format!("http://{addr}"),
            "--email",
            "ann@example.org",
            "--password",
            &password,
            "--tokens",
            "2",
            "--persist",
            "1",
            "--data",
        ])
        .arg(&data)
        .env("RAMPART_LOG", "warn")
        .output()
        .unwrap();
    serve.kill().unwrap();
    serve.wait().unwrap();
    let _ = drain.join();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    // The new password is printed quoted (it has spaces).
    assert!(text.contains("to: \"taken over "), "{text}");
    let summary = text
        .lines()
        .find(|l| l.starts_with("obtained "))
        .unwrap_or_else(|| panic!("no summary: {text}"));
    let obtained: usize = summary.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(obtained < 24, "{summary}");
    assert!(summary.contains(" of 24 visible documents"), "{summary}");
    assert!(summary.contains("contained: yes (suspended"), "{summary}");
    assert!(
        summary.contains("alert raised: yes (critical suspend"),
        "{summary}"
    );
}
