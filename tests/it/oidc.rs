//! OIDC sign-in against a real OpenID Provider: `oidc-provider` (npm) run by
//! `tests/oidc/provider.mjs` on a random loopback port. The test installs
//! the npm package itself into a cache dir (`RAMPART_OIDC_NODE_DIR`, by
//! default `/var/tmp/rampart-oidc-node`) and skips, saying why, when Node
//! or the npm registry is not available.

use rampart_app::Config;
use rampart_identity::oidc::OidcProviderConfig;
use rampart_testkit::TestApp;
use reqwest::{StatusCode, Url};
use serde_json::json;
use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{Mutex, OnceLock},
    time::Duration,
};

/// The provider process, killed when dropped.
struct OpenIdProvider {
    child: Child,
    issuer: String,
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The cache dir with `oidc-provider` installed, or why there is none.
fn node_dir() -> Result<PathBuf, String> {
    static DIR: OnceLock<Mutex<Option<Result<PathBuf, String>>>> = OnceLock::new();
    let mut slot = DIR.get_or_init(Mutex::default).lock().unwrap();
    if let Some(done) = slot.as_ref() {
        return done.clone();
    }
    let result = install();
    *slot = Some(result.clone());
    result
}

fn install() -> Result<PathBuf, String> {
    let dir = std::env::var_os("RAMPART_OIDC_NODE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/rampart-oidc-node"));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc/provider.mjs");
    // ESM resolves packages from the script's own directory.
    std::fs::copy(script, dir.join("provider.mjs")).map_err(|e| format!("copy: {e}"))?;
    if !dir.join("node_modules/oidc-provider/package.json").exists() {
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent"])
            .arg("oidc-provider@9")
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("npm not runnable: {e}"))?;
        if !status.success() {
            return Err(format!("npm install oidc-provider failed ({status})"));
        }
    }
    Ok(dir)
}

/// Starts the provider with the given accounts and redirect URI.
fn start_provider(redirect: &str, accounts: serde_json::Value) -> Result<OpenIdProvider, String> {
    let dir = node_dir()?;
    let mut child = Command::new("node")
        .arg(dir.join("provider.mjs"))
        .env("OIDC_REDIRECT_URI", redirect)
        .env("OIDC_ACCOUNTS", accounts.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("node not runnable: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(issuer) = line.strip_prefix("ISSUER ") {
                let _ = tx.send(issuer.to_owned());
            }
        }
    });
    let mut op = OpenIdProvider {
        child,
        issuer: String::new(),
    };
    op.issuer = rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| "the provider did not start".to_owned())?;
    Ok(op)
}

fn provider(name: &str, issuer: &str, amr: &[&str]) -> OidcProviderConfig {
    OidcProviderConfig {
        name: name.into(),
        display_name: format!("Test {name}"),
        issuer: issuer.into(),
        client_id: "rampart".into(),
        client_secret: "rampart-secret".into(),
        scopes: vec!["openid".into(), "email".into()],
        second_factor_amr: amr.iter().map(|s| s.to_string()).collect(),
        second_factor_acr: vec![],
        allow_registration: false,
        registration_nation: None,
        timeout_secs: 5,
    }
}

struct Fixture {
    app: TestApp,
    _op: OpenIdProvider,
    issuer: String,
}

/// An app whose providers (built by `providers` from the issuer) point at
/// a fresh provider knowing ann (verified, mfa), eve (unverified) and
/// nobody (verified, no account). The app's clock is set to real time, the
/// provider's.
async fn fixture(configure: impl FnOnce(&str, &mut Config)) -> Option<Fixture> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accounts = json!({
        "ann": {"email": "ann@example.org", "email_verified": true, "amr": ["pwd", "mfa"]},
        "eve": {"email": "eve@example.org", "email_verified": false, "amr": ["pwd", "mfa"]},
        "nobody": {"email": "nobody@example.org", "email_verified": true, "amr": ["pwd"]},
    });
    let op = match start_provider(&format!("{base}/login/oidc/callback"), accounts) {
        Ok(op) => op,
        Err(why) => {
            eprintln!("skipping the OIDC test: {why}");
            return None;
        }
    };
    let mut config = Config::default();
    config.guard.scoring.regularity_min_gaps = u32::MAX;
    config.http.public_url = base;
    configure(&op.issuer, &mut config);
    let app = TestApp::spawn_on(config, listener).await;
    let behind = time::OffsetDateTime::now_utc() - rampart_domain::Clock::now(&*app.clock);
    app.clock.advance(behind.unsigned_abs());
    app.user("ann@example.org", "BEL", None).await;
    app.user("eve@example.org", "BEL", None).await;
    let issuer = op.issuer.clone();
    Some(Fixture {
        app,
        _op: op,
        issuer,
    })
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> Url {
    let to = response.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap();
    response.url().join(to).unwrap()
}

/// Follows the flow from `/login/oidc/{provider}` through the provider,
/// signing in `who` (after `tamper` may change the authorization URL), to
/// the callback URL the provider sends the browser to (not yet followed).
async fn to_callback(
    app: &TestApp,
    browser: &reqwest::Client,
    provider: &str,
    who: &str,
    tamper: impl FnOnce(Url) -> Url,
) -> Url {
    let start = browser
        .get(app.url(&format!("/login/oidc/{provider}")))
        .send()
        .await
        .unwrap();
    assert!(start.status().is_redirection(), "{}", start.status());
    let mut url = location(&start);
    for (k, v) in url.clone().query_pairs() {
        if k == "code_challenge_method" {
            assert_eq!(v, "S256");
        }
    }
    assert!(url.query().unwrap().contains("nonce="));
    url.query_pairs_mut().append_pair("login_hint", who);
    let mut url = tamper(url);
    for _ in 0..10 {
        if url.as_str().starts_with(&app.url("/login/oidc/callback")) {
            return url;
        }
        let r = browser.get(url.clone()).send().await.unwrap();
        assert!(
            r.status().is_redirection(),
            "{} at {url}: {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
        url = location(&r);
    }
    panic!("the provider never sent the browser back");
}

fn with_param(mut url: Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url
}

/// The last `login` event with method `oidc`.
async fn last_oidc_login(app: &TestApp) -> rampart_store::AuditEvent {
    app.audit()
        .await
        .into_iter()
        .rev()
        .find(|e| e.kind == "login" && e.detail["method"] == "oidc")
        .expect("an oidc login event")
}

async fn refused_with(app: &TestApp, response: reqwest::Response, reason: &str) {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(status.is_client_error(), "{status}: {body}");
    assert!(body.contains("Sign-in failed"), "{body}");
    let event = last_oidc_login(app).await;
    assert_eq!(event.outcome, rampart_store::Outcome::Failed);
    assert_eq!(event.detail["reason"], reason, "{:?}", event.detail);
}

#[tokio::test]
async fn oidc_sign_in_maps_a_verified_email_to_its_account() {
    let Some(f) = fixture(|issuer, config| {
        config.oidc.providers = vec![
            provider("mfa", issuer, &["mfa"]),
            provider("plain", issuer, &[]),
            OidcProviderConfig {
                allow_registration: true,
                registration_nation: Some("NLD".into()),
                ..provider("open", issuer, &["mfa"])
            },
        ];
    })
    .await
    else {
        return;
    };
    let app = &f.app;

    // The sign-in page offers both providers.
    let page = app.anonymous().get("/login").await.text().await.unwrap();
    assert!(page.contains("href=\"/login/oidc/mfa\""), "{page}");
    assert!(page.contains("Sign in with Test plain"), "{page}");

    // The provider's mfa counts: fully signed in.
    let b = browser();
    let callback = to_callback(app, &b, "mfa", "ann", |u| u).await;
    let done = b.get(callback).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let page = done.text().await.unwrap();
    assert!(page.contains("Signed in"), "{page}");
    assert!(!page.contains("second-factor"), "{page}");
    let me = b.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let event = last_oidc_login(app).await;
    assert_eq!(event.outcome, rampart_store::Outcome::Ok);
    assert_eq!(event.account.as_deref(), Some("ann@example.org"));
    assert_eq!(event.detail["provider"], "mfa");
    assert_eq!(event.detail["stage"], "full");

    // The same sign-in through a provider whose amr does not count: the
    // account's own second factor is still due.
    let b = browser();
    let callback = to_callback(app, &b, "plain", "ann", |u| u).await;
    let done = b.get(callback).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("/login/second-factor"));
    let me = b.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::FORBIDDEN);
    assert_eq!(last_oidc_login(app).await.detail["stage"], "second_factor");

    // A verified email without an account: no self-registration.
    let b = browser();
    let callback = to_callback(app, &b, "mfa", "nobody", |u| u).await;
    let refused = b.get(callback).send().await.unwrap();
    refused_with(app, refused, "unknown account").await;
    assert!(app
        .state
        .store
        .account_by_email(&"nobody@example.org".parse().unwrap())
        .await
        .unwrap()
        .is_none());

    // An account whose email the provider does not vouch for.
    let b = browser();
    let callback = to_callback(app, &b, "mfa", "eve", |u| u).await;
    let refused = b.get(callback).send().await.unwrap();
    refused_with(app, refused, "email not verified").await;

    // A provider that may register: the account is created with its
    // nation, and (no mfa from the provider) must enroll a second factor.
    let b = browser();
    let callback = to_callback(app, &b, "open", "nobody", |u| u).await;
    let done = b.get(callback).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done
        .text()
        .await
        .unwrap()
        .contains("/account/second-factor"));
    let created = app
        .state
        .store
        .account_by_email(&"nobody@example.org".parse().unwrap())
        .await
        .unwrap()
        .expect("registered");
    assert_eq!(created.nation.to_string(), "NLD");
    assert!(!created.admin && !created.security);
    assert_eq!(
        last_oidc_login(app).await.detail["stage"],
        "enroll_second_factor"
    );

    // A suspended account is refused, however good the provider's word.
    let ann = app
        .state
        .store
        .account_by_email(&"ann@example.org".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    app.state
        .store
        .set_account_status(
            ann.id,
            rampart_domain::AccountStatus::Suspended,
            rampart_domain::Clock::now(&*app.clock),
        )
        .await
        .unwrap();
    let b = browser();
    let callback = to_callback(app, &b, "mfa", "ann", |u| u).await;
    let refused = b.get(callback).send().await.unwrap();
    refused_with(app, refused, "account suspended").await;

    // An unknown provider.
    let r = b.get(app.url("/login/oidc/nope")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn oidc_refuses_tampered_replayed_and_expired_answers() {
    // Eight failures below; the eighth starts the back-off.
    let Some(f) = fixture(|issuer, config| {
        config.oidc.providers = vec![provider("mfa", issuer, &["mfa"])];
        config.identity.free_failures = 7;
    })
    .await
    else {
        return;
    };
    let app = &f.app;

    // A state we never issued.
    let b = browser();
    let callback = to_callback(app, &b, "mfa", "ann", |u| u).await;
    let forged = with_param(callback.clone(), "state", "forged-state");
    refused_with(
        app,
        b.get(forged).send().await.unwrap(),
        "unknown, used or expired state",
    )
    .await;
    // No state at all.
    let r = b
        .get(app.url("/login/oidc/callback?code=x"))
        .send()
        .await
        .unwrap();
    refused_with(app, r, "unknown, used or expired state").await;

    // The genuine callback works once; replayed, its state is spent.
    let ok = b.get(callback.clone()).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    refused_with(
        app,
        b.get(callback.clone()).send().await.unwrap(),
        "unknown, used or expired state",
    )
    .await;

    // The spent code with a fresh state: the provider refuses it.
    let b = browser();
    let fresh = to_callback(app, &b, "mfa", "ann", |u| u).await;
    let old_code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let replay = with_param(fresh, "code", &old_code);
    refused_with(
        app,
        b.get(replay).send().await.unwrap(),
        "code exchange failed",
    )
    .await;

    // A code issued to another client (the authorization request's
    // client_id changed): our credentials cannot redeem it.
    let b = browser();
    let other = to_callback(app, &b, "mfa", "ann", |u| {
        with_param(u, "client_id", "other")
    })
    .await;
    refused_with(
        app,
        b.get(other).send().await.unwrap(),
        "code exchange failed",
    )
    .await;

    // The nonce changed on the way: the ID token carries the wrong one.
    let b = browser();
    let wrong_nonce = to_callback(app, &b, "mfa", "ann", |u| {
        with_param(u, "nonce", "not-our-nonce")
    })
    .await;
    refused_with(
        app,
        b.get(wrong_nonce).send().await.unwrap(),
        "invalid id token: nonce",
    )
    .await;

    // The ID token lives 60 s at the provider; two minutes later (by the
    // app's clock) it has expired, though the state is still good.
    let b = browser();
    let late = to_callback(app, &b, "mfa", "ann", |u| u).await;
    app.clock.advance(Duration::from_secs(120));
    refused_with(
        app,
        b.get(late).send().await.unwrap(),
        "invalid id token: expired",
    )
    .await;

    // A state older than ten minutes is refused before the code is used.
    let b = browser();
    let stale = to_callback(app, &b, "mfa", "ann", |u| u).await;
    app.clock.advance(Duration::from_secs(11 * 60));
    refused_with(
        app,
        b.get(stale).send().await.unwrap(),
        "unknown, used or expired state",
    )
    .await;

    // Every failure counted against the source IP: the throttle now holds
    // the next attempt back.
    let r = b.get(app.url("/login/oidc/mfa")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn oidc_refuses_a_provider_that_names_another_issuer() {
    // The provider calls itself http://127.0.0.1:PORT; configured as
    // http://localhost:PORT, its metadata names another issuer.
    let Some(f) = fixture(|issuer, config| {
        let configured = issuer.replace("127.0.0.1", "localhost");
        config.oidc.providers = vec![provider("mixed", &configured, &["mfa"])];
    })
    .await
    else {
        return;
    };
    assert!(f.issuer.contains("127.0.0.1"));
    let b = browser();
    let r = b.get(f.app.url("/login/oidc/mixed")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let body = r.text().await.unwrap();
    assert!(body.contains("another issuer"), "{body}");
    let event = last_oidc_login(&f.app).await;
    assert_eq!(event.detail["reason"], "provider metadata: issuer mismatch");
}
