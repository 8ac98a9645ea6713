//! Regression tests for the penetration test's findings on data at rest,
//! slow and greedy clients, and `/metrics`: a private data dir, deadlines
//! for headers and bodies, declared lengths over the limit, connection
//! caps, and metrics that only operators read.
//!
//! The slow-client tests speak HTTP over raw sockets, because an HTTP
//! client library will not send half a request. They never measure speed;
//! they only require that the server closes within a generous bound.

use futures_util::StreamExt;
use rampart_app::Config;
use rampart_testkit::{upload_form, TestApp, PASSWORD};
use serde_json::Value;
use std::{
    io::{BufRead, BufReader},
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Longest a test waits for the server to close a connection.
const BOUND: Duration = Duration::from_secs(15);

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every path under `dir`, `dir` included.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    if std::fs::symlink_metadata(dir).unwrap().is_dir() {
        for entry in std::fs::read_dir(dir).unwrap() {
            out.extend(tree(&entry.unwrap().path()));
        }
    }
    out
}

/// Reads until the server closes the connection (end of stream or a
/// reset), failing the test if that takes longer than [`BOUND`].
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(BOUND, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&received).into_owned()
}

fn slow_config(configure: impl FnOnce(&mut Config)) -> Config {
    let mut config = Config::default();
    config.guard.scoring.regularity_min_gaps = u32::MAX;
    configure(&mut config);
    config
}

#[tokio::test]
async fn a_fresh_data_dir_stays_private_after_serving_uploading_and_signing_in() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    let ann = app.login("ann@example.org", PASSWORD).await;
    let r = ann
        .post_multipart(
            "/api/v1/portals/alpha/communities/ops/documents",
            upload_form("Plans", "plans.txt", b"the plans".to_vec(), &[]),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = ann.get(&format!("/api/v1/documents/{id}/content")).await;
    assert_eq!(r.status(), 200);

    let data = app.dir.path();
    let paths = tree(data);
    for path in &paths {
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(path), expected, "{}", path.display());
    }
    let database: &[&str] = if rampart_testkit::on_postgres() {
        &[]
    } else {
        &["rampart.db", "rampart.db-wal", "rampart.db-shm"]
    };
    for name in database.iter().chain(&["keys/data.key"]) {
        assert!(paths.contains(&data.join(name)), "{name} is in the tree");
    }
    let blobs = paths
        .iter()
        .filter(|p| p.is_file() && p.starts_with(data.join("blobs")))
        .count();
    assert!(blobs >= 1, "the upload is in the tree");
}

fn rampart(data: &Path, args: &[&str]) -> std::process::Output {
    let output = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RAMPART_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    output
}

#[test]
fn a_data_dir_left_open_to_other_accounts_is_tightened_on_start_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    rampart(&data, &["admin", "portal", "add", "alpha", "Alpha"]);
    let db = data.join("rampart.db");
    let key = data.join("keys").join("data.key");
    let open_up = || {
        chmod(&data, 0o755);
        chmod(&db, 0o644);
        chmod(&data.join("keys"), 0o755);
        chmod(&key, 0o644);
    };

    open_up();
    let output = rampart(&data, &["admin", "portal", "add", "beta", "Beta"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("tightened permissions"), "{stderr}");
    for path in [&data, &db, &data.join("keys")] {
        assert!(
            stderr.contains(&path.display().to_string()),
            "names {}: {stderr}",
            path.display()
        );
    }
    for path in tree(&data) {
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&path), expected, "{}", path.display());
    }

    // Commands that only read an install tighten it too.
    open_up();
    let output = rampart(&data, &["reindex"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("tightened permissions"));
    assert_eq!((mode(&data), mode(&db), mode(&key)), (0o700, 0o600, 0o600));

    // Nothing to say when nothing was open.
    let output = rampart(&data, &["reindex"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("tightened"), "{stderr}");
}

#[tokio::test]
async fn a_request_head_sent_line_by_line_is_cut_off_at_the_header_deadline() {
    let app = TestApp::spawn_with(slow_config(|c| {
        c.http.header_timeout_secs = 1;
        c.http.keep_alive_secs = 1;
    }))
    .await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: rampart\r\n")
        .await
        .unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // One more header line every 300 ms: progress, but never a whole head.
    let trickle = tokio::spawn(async move {
        for i in 0.. {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let line = format!("X-Slow-{i}: 1\r\n");
            if writer.write_all(line.as_bytes()).await.is_err() {
                break;
            }
        }
    });
    let closed = tokio::time::timeout(BOUND, async {
        let mut buf = [0u8; 1024];
        while let Ok(n) = reader.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
    trickle.abort();
    assert!(
        closed.is_ok(),
        "the half-sent head was held past the deadline"
    );
}

#[tokio::test]
async fn a_silent_connection_is_closed_at_the_default_header_deadline() {
    let app = TestApp::spawn().await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .unwrap();
    read_until_closed(&mut stream).await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    // A header deadline beyond the bound: only the idle timeout can close
    // the connection in time.
    let app = TestApp::spawn_with(slow_config(|c| {
        c.http.header_timeout_secs = 60;
        c.http.keep_alive_secs = 1;
    }))
    .await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: rampart\r\n\r\n")
        .await
        .unwrap();
    let answered = read_until_closed(&mut stream).await;
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_and_closed() {
    let app = TestApp::spawn_with(slow_config(|c| c.http.body_timeout_secs = 1)).await;
    for (path, content_type, json) in [
        ("/api/v1/login", "application/json", true),
        ("/login", "application/x-www-form-urlencoded", false),
    ] {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: rampart\r\nContent-Type: {content_type}\r\nContent-Length: 100\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(b"{\"email\": \"ann").await.unwrap();
        let answer = read_until_closed(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{answer}"
        );
        if json {
            assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");
        }
    }
}

#[tokio::test]
async fn a_stalled_upload_is_answered_408_and_leaves_nothing_behind() {
    let app = TestApp::spawn_with(slow_config(|c| c.http.body_timeout_secs = 1)).await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    let ann = app.login("ann@example.org", PASSWORD).await;
    let start = "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nthe first bytes";
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(start.as_bytes().to_vec())])
        .chain(futures_util::stream::pending());
    let r = ann
        .client
        .post(app.url("/api/v1/portals/alpha/communities/ops/documents"))
        .header("x-csrf-token", &ann.csrf)
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body(reqwest::Body::wrap_stream(body))
        .timeout(BOUND)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 408);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "request_timeout");
    let temp = app.dir.path().join("blobs").join("tmp");
    assert_eq!(std::fs::read_dir(temp).unwrap().count(), 0);
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_the_body() {
    let app = TestApp::spawn_with(slow_config(|c| c.upload.max_bytes = 1_000_000)).await;
    for (path, json) in [
        ("/api/v1/login", true),
        ("/login", false),
        ("/api/v1/portals/alpha/communities/ops/documents", true),
        ("/no/such/page", false),
    ] {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: rampart\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        // No body byte is sent: the answer comes anyway, and the
        // connection closes.
        let answer = read_until_closed(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{answer}"
        );
        if json {
            assert!(answer.contains(r#""code":"too_large""#), "{answer}");
        }
    }
    // Within the limit, the route answers as before.
    let r = app
        .anonymous()
        .post_json(
            "/api/v1/login",
            &serde_json::json!({"email": "x@example.org", "password": "y"}),
        )
        .await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn connections_over_the_per_client_cap_are_closed_while_the_others_work() {
    let app = TestApp::spawn_with(slow_config(|c| c.http.max_connections_per_ip = 3)).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(app.addr).await.unwrap());
    }
    let mut over = TcpStream::connect(app.addr).await.unwrap();
    let _ = over
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: rampart\r\n\r\n")
        .await;
    let answer = read_until_closed(&mut over).await;
    assert!(answer.is_empty(), "closed without an answer: {answer}");

    let mut first = held.remove(0);
    first
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: rampart\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut first).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Its place is free again once the server has seen it close.
    let ok = tokio::time::timeout(BOUND, async {
        loop {
            let mut next = TcpStream::connect(app.addr).await.unwrap();
            next.write_all(b"GET /healthz HTTP/1.1\r\nHost: rampart\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            if read_until_closed(&mut next)
                .await
                .starts_with("HTTP/1.1 200")
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(ok.is_ok(), "a freed place was never reused");
}

#[tokio::test]
async fn metrics_are_not_public_by_default_and_need_the_token() {
    let app = TestApp::spawn().await;
    let r = app.anonymous().get("/metrics").await;
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("rampart_"));
    assert_eq!(app.anonymous().get("/healthz").await.status(), 200);
    assert_eq!(app.anonymous().get("/readyz").await.status(), 200);

    let token = "metrics-token-for-the-test";
    let app = TestApp::spawn_with(slow_config(|c| c.http.metrics_token = Some(token.into()))).await;
    assert_eq!(app.anonymous().get("/metrics").await.status(), 404);
    let client = reqwest::Client::new();
    let get = |bearer: &str| {
        client
            .get(app.url("/metrics"))
            .header("authorization", format!("Bearer {bearer}"))
            .send()
    };
    assert_eq!(
        get("metrics-token-for-the-tesT").await.unwrap().status(),
        404
    );
    let r = get(token).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("rampart_http_requests_total"));
}

#[tokio::test]
async fn serve_answers_metrics_only_on_metrics_listen() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("data"))
        .env("RAMPART_LOG", "warn")
        .env("RAMPART_HTTP__METRICS_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (public, metrics) = tokio::task::spawn_blocking(move || {
        let mut public = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let url = line.split_whitespace().find(|w| w.starts_with("http://"));
            if line.starts_with("Rampart is listening") {
                public = url.map(str::to_owned);
            } else if line.starts_with("Metrics:") {
                return (public.unwrap(), url.unwrap().to_owned());
            }
        }
        panic!("serve did not announce both addresses");
    })
    .await
    .unwrap();
    let result = async {
        let public_metrics = reqwest::get(format!("{public}/metrics")).await?;
        let metrics_text = reqwest::get(&metrics).await?.text().await?;
        let base = metrics.trim_end_matches("/metrics");
        let other = reqwest::get(format!("{base}/healthz")).await?.status();
        Ok::<_, reqwest::Error>((public_metrics.status(), metrics_text, other))
    }
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let (public_status, metrics_text, other) = result.unwrap();
    assert_eq!(public_status, 404);
    assert!(metrics_text.contains("# EOF"), "{metrics_text}");
    assert_eq!(other, 404, "only /metrics on the metrics address");
}
