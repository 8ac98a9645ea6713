//! A real S3 server for tests: `s3s-fs` (a file-system-backed S3 server)
//! on a random loopback port, over a fresh directory. `./scripts/test`
//! installs it (`cargo install s3s-fs@0.14.1 --features binary`) into
//! `/var/tmp/rampart-tools`; `RAMPART_S3S_FS` names another binary.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

/// The access key the server accepts.
pub const ACCESS_KEY: &str = "rampart-test";
/// Its secret.
pub const SECRET_KEY: &str = "rampart-test-secret";

/// A running `s3s-fs`, stopped when dropped.
pub struct S3Server {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The directory it serves: `<root>/<bucket>/<key>`.
    pub root: tempfile::TempDir,
    child: Child,
}

fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("RAMPART_S3S_FS") {
        return PathBuf::from(path);
    }
    let cached = Path::new("/var/tmp/rampart-tools/bin/s3s-fs");
    if cached.exists() {
        return cached.to_path_buf();
    }
    PathBuf::from("s3s-fs")
}

impl S3Server {
    /// Starts a server with one bucket, `bucket`.
    pub async fn start(bucket: &str) -> Self {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(bucket)).unwrap();
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new(binary())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start s3s-fs ({e}): run ./scripts/test, which installs it, \
                     or `cargo install s3s-fs@0.14.1 --features binary`"
                )
            });
        let server = S3Server {
            endpoint: format!("http://127.0.0.1:{port}"),
            root,
            child,
        };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("s3s-fs did not start listening on port {port}");
    }

    /// The settings that reach this server.
    pub fn settings(&self) -> rampart_blobs::S3Settings {
        rampart_blobs::S3Settings {
            endpoint: Some(self.endpoint.clone()),
            region: Some("us-east-1".into()),
            access_key_id: Some(ACCESS_KEY.into()),
            secret_access_key: Some(SECRET_KEY.into()),
            allow_http: true,
        }
    }

    /// The `[store.s3]` block for a Rampart configuration.
    pub fn config(&self) -> rampart_app::config::S3Config {
        rampart_app::config::S3Config {
            endpoint: Some(self.endpoint.clone()),
            region: Some("us-east-1".into()),
            access_key_id: Some(ACCESS_KEY.into()),
            secret_access_key: Some(SECRET_KEY.into()),
            allow_http: true,
            ..Default::default()
        }
    }

    /// The file holding object `key` of `bucket`.
    pub fn object_path(&self, bucket: &str, key: &str) -> PathBuf {
        self.root.path().join(bucket).join(key)
    }

    /// Stops the server (the bucket's files stay until drop).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
