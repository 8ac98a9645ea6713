//! Three `rampart serve` processes on one PostgreSQL schema and one bucket,
//! audited requests spread over them, and one node killed with SIGKILL in
//! the middle: every answered request is in the log, the log verifies, and
//! the other nodes never stop appending.

use rampart_store_postgres::scratch::{test_database, Schema};
use rampart_testkit::s3::{S3Server, ACCESS_KEY, SECRET_KEY};
use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

struct Node {
    child: Child,
    addr: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `rampart` with the install's configuration and the bucket's
/// credentials; the failed sign-ins used as load are neither throttled nor
/// taken for credential stuffing.
fn rampart(config: &Path, data: &Path, s3: &S3Server, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rampart"));
    cmd.args(args)
        .env("RAMPART_LOG", "warn")
        .env("RAMPART_STORE__S3__ENDPOINT", &s3.endpoint)
        .env("RAMPART_STORE__S3__ACCESS_KEY_ID", ACCESS_KEY)
        .env("RAMPART_STORE__S3__SECRET_ACCESS_KEY", SECRET_KEY)
        .env("RAMPART_STORE__S3__ALLOW_HTTP", "true")
        .env("RAMPART_IDENTITY__FREE_FAILURES", "1000000000")
        .env("RAMPART_IDENTITY__STUFFING_THRESHOLD", "1000000000")
        .arg("--config")
        .arg(config)
        .arg("--data")
        .arg(data);
    cmd
}

fn start(config: &Path, data: &Path, s3: &S3Server) -> Node {
    let mut child = rampart(config, data, s3, &["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("node exited before listening").unwrap();
        if let Some(rest) = line.strip_prefix("Rampart is listening on http://") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    Node { child, addr }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_under_load_loses_no_answered_event_and_the_others_go_on() {
    let schema = Schema::create(&test_database()).await.unwrap();
    let s3 = S3Server::start("rampart").await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rampart.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\ndatabase = \"{}\"\nblobs = \"s3://rampart/install\"\n",
            schema.url()
        ),
    )
    .unwrap();
    let data: Vec<_> = (0..3)
        .map(|i| dir.path().join(format!("node{i}")))
        .collect();
    let out = rampart(
        &config,
        &data[0],
        &s3,
        &["admin", "portal", "add", "alpha", "Alpha"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    // Every node gets the first one's keys, as an operator copies them.
    for target in &data[1..] {
        std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
            .create(target)
            .unwrap();
        let status = Command::new("cp")
            .arg("-rp")
            .arg(data[0].join("keys"))
            .arg(target.join("keys"))
            .status()
            .unwrap();
        assert!(status.success());
    }
    let mut nodes: Vec<Node> = data.iter().map(|d| start(&config, d, &s3)).collect();
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr.clone()).collect();

    // Failed sign-ins, each audited before it is answered, from 12
    // workers spread over the three nodes.
    let answered = Arc::new(Mutex::new(BTreeSet::new()));
    let client = reqwest::Client::new();
    let mut workers = Vec::new();
    for w in 0..12 {
        let (client, answered) = (client.clone(), answered.clone());
        let addr = addrs[w % 3].clone();
        workers.push(tokio::spawn(async move {
            for i in 0..250 {
                let email = format!("nobody{w}-{i}@example.org");
                let r = client
                    .post(format!("http://{addr}/api/v1/login"))
                    .json(&serde_json::json!({"email": email, "password": "wrong"}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 401 => {
                        answered.lock().unwrap().insert(email);
                    }
                    _ => break,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let killed = Command::new("kill")
        .args(["-KILL", &nodes[0].child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let _ = nodes[0].child.wait();
    let at_kill = answered.lock().unwrap().len();
    assert!(at_kill > 0, "requests were answered before the kill");
    // The other nodes append on: a request answered within 5 s.
    let since = Instant::now();
    let r = client
        .post(format!("http://{}/api/v1/login", addrs[1]))
        .json(&serde_json::json!({"email": "after@example.org", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let retry = r.headers().get("retry-after").cloned();
    assert_eq!(status, 401, "{retry:?}: {}", r.text().await.unwrap());
    assert!(
        since.elapsed() < Duration::from_secs(5),
        "{:?}",
        since.elapsed()
    );
    for w in workers {
        w.await.unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(answered.len() > at_kill, "the surviving nodes went on");

    // Every answered attempt is in the log, which verifies.
    let shown = rampart(
        &config,
        &data[1],
        &s3,
        &["audit", "show", "--json", "--kind", "login"],
    )
    .output()
    .unwrap();
    assert!(shown.status.success(), "{shown:?}");
    let logged: BTreeSet<String> = String::from_utf8_lossy(&shown.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|e| e["account"].as_str().map(str::to_owned))
        .collect();
    let missing: Vec<&String> = answered.difference(&logged).collect();
    assert!(
        missing.is_empty(),
        "{} answered but not logged: {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    let verified = rampart(&config, &data[2], &s3, &["audit", "verify"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success() && text.contains("the log is intact"),
        "{verified:?}"
    );
    for node in &mut nodes[1..] {
        let _ = Command::new("kill")
            .args(["-TERM", &node.child.id().to_string()])
            .status();
        let _ = node.child.wait();
    }
}
