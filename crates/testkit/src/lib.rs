//! Test support: [`TestApp`] starts the real server in-process on a random
//! loopback port, with a fresh data dir and a [`ManualClock`], and offers
//! helpers to create portals, communities, users and signed-in clients.
//!
//! Second factors are enforced for every account, so the kit keeps each
//! test user's TOTP secret and answers the second-factor step of
//! [`TestApp::login`] itself, with codes computed from the manual clock.
//! A code is accepted once per account; the kit uses the three codes the
//! server accepts at a time (previous, current and next step) in order, and
//! only moves the clock on (by 30 s steps) when all three are used up.
//!
//! With `RAMPART_TEST_BACKEND=postgres`, every server keeps its state in a
//! fresh schema of the PostgreSQL test database instead of a SQLite file
//! (see [`rampart_store_postgres::scratch`]); CI runs the integration suite
//! both ways.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod contract;
pub mod proxy;
pub mod s3;
mod session;

pub use session::{bearer, csrf_of, upload_form, Session};

use rampart_app::{
    admin::{self, AccountInput, Actor},
    install, App, Config,
};
use rampart_domain::ManualClock;
use rampart_store_postgres::scratch::{test_database, Schema};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

/// Whether the integration tests run on PostgreSQL
/// (`RAMPART_TEST_BACKEND=postgres`) rather than the embedded SQLite.
pub fn on_postgres() -> bool {
    std::env::var("RAMPART_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// The password every test user gets (long enough for the policy).
pub const PASSWORD: &str = "correct horse battery staple";

/// A running server.
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state (store, blobs, config).
    pub state: App,
    /// The clock it reads.
    pub clock: Arc<ManualClock>,
    /// The data dir.
    pub dir: tempfile::TempDir,
    /// The first administrator and its one-time password.
    pub first_admin: (String, String),
    /// The PostgreSQL schema holding its state, when the tests run on
    /// PostgreSQL; dropped with the app.
    pub schema: Option<Arc<Schema>>,
    /// TOTP secret and last used step of each account the kit knows.
    factors: Arc<Mutex<HashMap<String, Factor>>>,
    /// Recovery codes issued by [`TestApp::user`], per email.
    recovery: Arc<Mutex<HashMap<String, Vec<String>>>>,
}

#[derive(Clone)]
struct Factor {
    secret: Vec<u8>,
    last_step: i64,
}

impl TestApp {
    /// Starts a server with the default configuration, except that the
    /// exfiltration guard does not judge the regularity of request times:
    /// the test clock stands still unless a test moves it, and a stream of
    /// requests all 0 ms apart is exactly what a script looks like. Budgets
    /// and every other rule stay on. Tests of the guard use
    /// [`TestApp::spawn_with`] and move the clock themselves.
    pub async fn spawn() -> Self {
        let mut config = Config::default();
        config.guard.scoring.regularity_min_gaps = u32::MAX;
        Self::spawn_with(config).await
    }

    /// Starts a server with the given configuration.
    pub async fn spawn_with(config: Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::spawn_on(config, listener).await
    }

    /// Starts a server on a listener bound beforehand, for configurations
    /// that must know the address (`[http] public_url` for OIDC callbacks).
    pub async fn spawn_on(mut config: Config, listener: tokio::net::TcpListener) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // A test that names its own database keeps it.
        let schema = if on_postgres() && config.store.database.starts_with("sqlite:") {
            let schema = Schema::create(&test_database()).await.unwrap();
            config.store.database = schema.url();
            Some(Arc::new(schema))
        } else {
            None
        };
        let clock = Arc::new(ManualClock::new(
            time::OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap(),
        ));
        let (state, first) = install::open(dir.path(), config, clock.clone())
            .await
            .unwrap();
        let first = first.expect("a fresh data dir creates the first administrator");
        let addr = listener.local_addr().unwrap();
        let served = state.clone();
        tokio::spawn(async move {
            rampart_web::serve(served, listener, std::future::pending())
                .await
                .unwrap();
        });
        Self {
            addr,
            state,
            clock,
            dir,
            first_admin: (first.email, first.password),
            schema,
            factors: Arc::default(),
            recovery: Arc::default(),
        }
    }

    /// Restarts the server on the same data dir, configuration and clock:
    /// the old instance's audit log is closed, and a new one is opened from
    /// what is on disk and served on a new port (the old listener is simply
    /// no longer used). Everything kept in process memory only is lost.
    pub async fn restart(self) -> Self {
        let config = (*self.state.config).clone();
        rampart_app::install::close(&self.state).await.unwrap();
        let (state, first) = install::open(self.dir.path(), config, self.clock.clone())
            .await
            .unwrap();
        assert!(first.is_none(), "a restart creates no administrator");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let served = state.clone();
        tokio::spawn(async move {
            rampart_web::serve(served, listener, std::future::pending())
                .await
                .unwrap();
        });
        Self {
            addr,
            state,
            clock: self.clock,
            dir: self.dir,
            first_admin: self.first_admin,
            schema: self.schema,
            factors: self.factors,
            recovery: self.recovery,
        }
    }

    /// `http://addr` + path.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client without any credential.
    pub fn anonymous(&self) -> Session {
        Session {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            csrf: String::new(),
            base: self.url(""),
        }
    }

    /// A client without any credential whose requests say, through
    /// `X-Forwarded-For`, that they come from `ip` (believed only when the
    /// server trusts 127.0.0.1 as a proxy) with the given user agent.
    pub fn anonymous_from(&self, ip: &str, user_agent: &str) -> Session {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            reqwest::header::HeaderValue::from_str(ip).unwrap(),
        );
        headers.insert(
            reqwest::header::USER_AGENT,
            reqwest::header::HeaderValue::from_str(user_agent).unwrap(),
        );
        Session {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .default_headers(headers)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            csrf: String::new(),
            base: self.url(""),
        }
    }

    /// Signs in like [`TestApp::login`] from a given address and agent.
    pub async fn login_from(&self, email: &str, password: &str, ip: &str, agent: &str) -> Session {
        let session = self.anonymous_from(ip, agent);
        let response = session
            .post_json(
                "/api/v1/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "login of {email} from {ip}"
        );
        let body: Value = response.json().await.unwrap();
        let session = session.with_csrf(body["csrf"].as_str().unwrap());
        self.finish_login(email, session, &body).await
    }

    /// Creates a portal.
    pub async fn portal(&self, slug: &str) {
        admin::create_portal(&self.state, Actor::Console, slug, &format!("Portal {slug}"))
            .await
            .unwrap();
    }

    /// Creates `portal/community`.
    pub async fn community(&self, portal: &str, slug: &str) {
        admin::create_community(
            &self.state,
            Actor::Console,
            portal,
            slug,
            &format!("Community {slug}"),
        )
        .await
        .unwrap();
    }

    /// Creates an account with [`PASSWORD`] (already changed) and optional
    /// install role, with a TOTP factor already set up (the kit keeps the
    /// secret and answers the second factor in [`TestApp::login`]).
    pub async fn user(&self, email: &str, nation: &str, role: Option<&str>) {
        let (id, _) = admin::create_account(
            &self.state,
            Actor::Console,
            AccountInput {
                email,
                name: "Test User",
                nation,
                admin: role == Some("admin"),
                security: role == Some("security"),
            },
        )
        .await
        .unwrap();
        let hash = rampart_identity::hash_password(PASSWORD).await.unwrap();
        self.state
            .store
            .set_password(id, &hash, false)
            .await
            .unwrap();
        let (secret, codes) = rampart_identity::sign_in::enroll_at_console(
            &self.state.identity,
            &email.parse().unwrap(),
        )
        .await
        .unwrap();
        self.remember_totp(email, &secret, 0);
        self.recovery
            .lock()
            .unwrap()
            .insert(email.to_owned(), codes);
    }

    /// The recovery codes issued to `email` by [`TestApp::user`].
    pub fn recovery_codes(&self, email: &str) -> Vec<String> {
        self.recovery
            .lock()
            .unwrap()
            .get(email)
            .cloned()
            .unwrap_or_default()
    }

    /// Lets the kit answer the second factor of `email` (a base32 secret
    /// enrolled by the test itself, with the step its confirmation used).
    pub fn remember_totp(&self, email: &str, secret_base32: &str, last_step: i64) {
        let secret = data_encoding::BASE32_NOPAD
            .decode(secret_base32.as_bytes())
            .unwrap();
        self.factors
            .lock()
            .unwrap()
            .insert(email.to_owned(), Factor { secret, last_step });
    }

    /// The current RFC 6238 time step of the manual clock.
    pub fn totp_step(&self) -> i64 {
        rampart_identity::totp::step_at(rampart_domain::Clock::now(&*self.clock).unix_timestamp())
    }

    /// The code of `email` at `step` (without marking it used).
    pub fn totp_code_at(&self, email: &str, step: i64) -> String {
        let factors = self.factors.lock().unwrap();
        let factor = factors.get(email).expect("a TOTP factor the kit knows");
        rampart_identity::totp::code_at(&factor.secret, step)
    }

    /// A code for `email` the server has not seen yet: the oldest step it
    /// still accepts that is newer than the last one used, moving the clock
    /// on only when the next step is used up too.
    pub fn next_totp_code(&self, email: &str) -> String {
        let last = self
            .factors
            .lock()
            .unwrap()
            .get(email)
            .expect("a TOTP factor the kit knows")
            .last_step;
        let mut now = self.totp_step();
        let target = (now - 1).max(last + 1);
        if target > now + 1 {
            let steps = u64::try_from(target - now - 1).unwrap();
            self.clock
                .advance(std::time::Duration::from_secs(30 * steps));
            now = self.totp_step();
        }
        assert!(target >= now - 1 && target <= now + 1);
        let code = self.totp_code_at(email, target);
        self.mark_totp_used(email, target);
        code
    }

    /// Records that a code of `step` was accepted for `email`.
    pub fn mark_totp_used(&self, email: &str, step: i64) {
        if let Some(f) = self.factors.lock().unwrap().get_mut(email) {
            f.last_step = f.last_step.max(step);
        }
    }

    /// Adds a member.
    pub async fn member(&self, community: &str, email: &str, role: &str) {
        admin::set_membership(&self.state, Actor::Console, community, email, role)
            .await
            .unwrap();
    }

    /// Signs in through the API and returns the session: the password,
    /// then the second factor (enrolling one first if the server asks, and
    /// keeping its secret). A session that must still change its one-time
    /// password is returned as it is.
    pub async fn login(&self, email: &str, password: &str) -> Session {
        let session = self.anonymous();
        let response = session
            .client
            .post(self.url("/api/v1/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "login of {email}");
        let body: Value = response.json().await.unwrap();
        let session = Session {
            csrf: body["csrf"].as_str().unwrap().to_owned(),
            ..session
        };
        self.finish_login(email, session, &body).await
    }

    /// Signs in through the HTML forms like a browser (cookies kept,
    /// redirects not followed), answering the second factor when asked:
    /// the client and the last answer (a redirect on success).
    pub async fn browser_sign_in(
        &self,
        email: &str,
        password: &str,
    ) -> (reqwest::Client, reqwest::Response) {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = client
            .post(self.url("/login"))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        if r.headers().get("location").map(|l| l.as_bytes()) != Some(b"/login/second-factor") {
            return (client, r);
        }
        let csrf = csrf_of(&client, self, "/login/second-factor").await;
        let r = client
            .post(self.url(&format!("/login/second-factor?csrf={csrf}")))
            .form(&[("code", self.next_totp_code(email))])
            .send()
            .await
            .unwrap();
        (client, r)
    }

    /// Completes a sign-in whose password step answered `body`.
    pub async fn finish_login(&self, email: &str, session: Session, body: &Value) -> Session {
        let answer = match body["status"].as_str().unwrap() {
            "second_factor_required" => {
                let code = self.next_totp_code(email);
                session
                    .post_json("/api/v1/login/totp", &json!({ "code": code }))
                    .await
            }
            "enroll_second_factor" => {
                let r = session.post_json("/api/v1/account/totp", &json!({})).await;
                assert_eq!(r.status(), StatusCode::OK, "enrollment of {email}");
                let secret: Value = r.json().await.unwrap();
                self.remember_totp(email, secret["secret"].as_str().unwrap(), -1);
                let code = self.next_totp_code(email);
                session
                    .post_json("/api/v1/account/totp/confirm", &json!({ "code": code }))
                    .await
            }
            _ => return session,
        };
        assert_eq!(answer.status(), StatusCode::OK, "second factor of {email}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        session.with_csrf(body["csrf"].as_str().unwrap())
    }

    /// Issues an API token.
    pub async fn token(
        &self,
        email: &str,
        scope: &str,
        expires_in: Option<time::Duration>,
    ) -> String {
        let expires = expires_in.map(|d| rampart_domain::Clock::now(&*self.clock) + d);
        admin::issue_token(&self.state, Actor::Console, email, "test", scope, expires)
            .await
            .unwrap()
    }

    /// The Prometheus exposition, read the way an operator's scraper does
    /// by default: on a metrics-only listener (`[http] metrics_listen`),
    /// since the public one serves `/metrics` only to a token.
    pub async fn metrics(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopping) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(rampart_web::serve_metrics(
            self.state.clone(),
            listener,
            async move {
                let _ = stopping.await;
            },
        ));
        let text = reqwest::get(format!("http://{addr}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let _ = stop.send(());
        served.await.unwrap().unwrap();
        text
    }

    /// Every audit event so far.
    pub async fn audit(&self) -> Vec<rampart_store::AuditEvent> {
        self.state
            .store
            .audit_events(&Default::default())
            .await
            .unwrap()
    }
}

impl TestApp {
    /// The environment a `rampart` command needs to work on this app's
    /// state besides `--data`: on PostgreSQL, the schema's URL as
    /// `RAMPART_STORE__DATABASE`; nothing on SQLite (the data dir holds it).
    pub fn command_env(&self) -> Vec<(&'static str, String)> {
        match &self.schema {
            Some(schema) => vec![("RAMPART_STORE__DATABASE", schema.url())],
            None => Vec::new(),
        }
    }

    /// Runs one raw statement on this app's database, beside the server,
    /// for tests that play a hand edit, an earlier release or a broken
    /// database: `sqlite` on the embedded database, `postgres` on the
    /// schema.
    pub async fn execute_sql(&self, sqlite: &str, postgres: &str) {
        match &self.schema {
            Some(schema) => {
                let pool = sqlx::PgPool::connect(&schema.url()).await.unwrap();
                sqlx::raw_sql(postgres).execute(&pool).await.unwrap();
                pool.close().await;
            }
            None => {
                let db = self.dir.path().join("rampart.db");
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
                    .await
                    .unwrap();
                sqlx::raw_sql(sqlite).execute(&pool).await.unwrap();
                pool.close().await;
            }
        }
    }
}

impl TestApp {
    /// Another node of the same install: its own data dir holding a copy of
    /// this one's keys (as an operator copies `keys/` to every node), the
    /// same configuration (so the same database and bucket) and clock, its
    /// own process state, served on a new port. It knows the users this
    /// app made (their TOTP secrets and recovery codes). Only meaningful
    /// when the state is shared: on PostgreSQL.
    pub async fn spawn_node(&self) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&self.dir.path().join("keys"), &dir.path().join("keys"));
        let config = (*self.state.config).clone();
        let (state, first) = install::open(dir.path(), config, self.clock.clone())
            .await
            .unwrap();
        assert!(
            first.is_none(),
            "a node of an install creates no administrator"
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let served = state.clone();
        tokio::spawn(async move {
            rampart_web::serve(served, listener, std::future::pending())
                .await
                .unwrap();
        });
        TestApp {
            addr,
            state,
            clock: self.clock.clone(),
            dir,
            first_admin: self.first_admin.clone(),
            schema: self.schema.clone(),
            factors: self.factors.clone(),
            recovery: self.recovery.clone(),
        }
    }
}

/// Copies a directory of files, keeping their modes.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700)).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        std::fs::copy(entry.path(), &target).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}
