//! `rampart demo`: seeds a demo world modelled on the six portals of a real
//! alliance breach — portals, communities, ~150 members from 31 nations,
//! ~500 invented documents with markings and canaries — through the same
//! services as the web UI, so every object is validated and audited.

use super::{announce_first_admin, DataOpts};
use anyhow::Context;
use rampart_demo::{InstallRole, World};
use rampart_web::{
    auth::console_principal,
    services::{
        admin::{self, AccountInput, Actor},
        canaries, documents, Upload, UploadedFile,
    },
    AppState, Client,
};

/// Options of `rampart demo`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    #[command(flatten)]
    data: DataOpts,
    /// Seed of the generator (same seed, same world).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[command(subcommand)]
    command: Option<DemoCommand>,
}

/// What `rampart demo` can do besides seeding.
#[derive(Debug, clap::Subcommand)]
pub enum DemoCommand {
    /// Scrape a running portal as a compromised account and report how much
    /// it got before the exfiltration guard contained it.
    Attack(attack::Opts),
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    if let Some(DemoCommand::Attack(attack)) = opts.command {
        return attack::run(attack).await;
    }
    let (state, first) = opts.data.open().await?;
    announce_first_admin(&first);
    if !state.store.list_portals().await?.is_empty() {
        anyhow::bail!(
            "{} already has portals; the demo seeds only an empty install",
            opts.data.data.display()
        );
    }
    let world = rampart_demo::generate(opts.seed);
    let accounts = seed_structure(&state, &world).await?;
    let documents = seed_documents(&state, &world).await?;
    rampart_web::install::close(&state).await?;
    println!();
    println!(
        "Demo accounts (email, role, one-time password — each must be changed at first sign-in, then a second factor is set up):"
    );
    for (email, role, password) in &accounts {
        println!("  {email:<45} {role:<10} {password}");
    }
    println!();
    println!(
        "Seeded {} portals, {} communities, {} accounts and {documents} documents.",
        world.portals.len(),
        world
            .portals
            .iter()
            .map(|p| p.communities.len())
            .sum::<usize>(),
        accounts.len()
    );
    println!(
        "Serve it with:  cargo run --release -- serve --data {}",
        opts.data.data.display()
    );
    Ok(())
}

fn fail(e: rampart_web::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

async fn seed_structure(
    state: &AppState,
    world: &World,
) -> anyhow::Result<Vec<(String, String, String)>> {
    let console = Actor::Console;
    let mut accounts = Vec::new();
    for account in &world.accounts {
        let (_, password) = admin::create_account(
            state,
            console,
            AccountInput {
                email: &account.email,
                name: &account.name,
                nation: &account.nation,
                admin: account.install_role == Some(InstallRole::Admin),
                security: account.install_role == Some(InstallRole::Security),
            },
        )
        .await
        .map_err(fail)
        .with_context(|| format!("account {}", account.email))?;
        let role = account.install_role.map(|r| r.as_str()).unwrap_or("member");
        accounts.push((account.email.clone(), role.to_owned(), password));
    }
    for portal in &world.portals {
        admin::create_portal(state, console, &portal.slug, &portal.name)
            .await
            .map_err(fail)
            .with_context(|| format!("portal {}", portal.slug))?;
        for community in &portal.communities {
            admin::create_community(
                state,
                console,
                &portal.slug,
                &community.slug,
                &community.name,
            )
            .await
            .map_err(fail)?;
            let path = format!("{}/{}", portal.slug, community.slug);
            for member in &community.members {
                admin::set_membership(state, console, &path, &member.email, member.role.as_str())
                    .await
                    .map_err(fail)
                    .with_context(|| format!("member {} of {path}", member.email))?;
            }
        }
    }
    Ok(accounts)
}

async fn seed_documents(state: &AppState, world: &World) -> anyhow::Result<usize> {
    let client = Client {
        ip: "console".into(),
        user_agent: "rampart demo".into(),
    };
    // Canaries are planted by the security officer, attributed to the
    // contributor the world says uploaded them.
    let officer = world
        .accounts
        .iter()
        .find(|a| a.install_role == Some(InstallRole::Security))
        .context("the demo world has no security officer")?;
    let officer = console_principal(state, &officer.email.parse()?)
        .await
        .map_err(fail)?;
    for doc in &world.documents {
        let community = state
            .store
            .community_by_path(&doc.portal, &doc.community)
            .await?
            .with_context(|| format!("community {}/{}", doc.portal, doc.community))?;
        let mut writer = state.blobs.writer(state.config.upload.max_bytes).await?;
        writer.write(&doc.content).await?;
        let mut releasable: Vec<String> = doc.releasable_nations.clone();
        releasable.extend(doc.releasable_communities.iter().cloned());
        let upload = Upload {
            title: Some(doc.title.clone()),
            label: Some(doc.label.clone()),
            releasable: Some(releasable.join(",")),
            public_since: doc.public_since.clone(),
            public_source: doc.public_source.clone(),
            file: Some(UploadedFile {
                writer,
                filename: doc.filename.clone(),
            }),
            ..Upload::default()
        };
        let created = if doc.canary {
            let upload = Upload {
                community: Some(format!("{}/{}", doc.portal, doc.community)),
                attributed_to: Some(doc.uploader.clone()),
                ..upload
            };
            canaries::plant(state, &officer, &client, upload).await
        } else {
            let user = console_principal(state, &doc.uploader.parse()?)
                .await
                .map_err(fail)?;
            documents::create_document(state, &user, &client, &community, upload).await
        };
        created
            .map_err(fail)
            .with_context(|| format!("document {:?}", doc.title))?;
    }
    Ok(world.documents.len())
}

/// `rampart demo attack`: a scripted scrape as a compromised account.
mod attack {
    use anyhow::{bail, Context};
    use reqwest::{header, StatusCode};
    use serde_json::{json, Value};
    use std::time::Duration;

    /// How fast the scraper goes.
    #[derive(Debug, Clone, Copy, clap::ValueEnum)]
    pub enum Pace {
        /// As fast as the server answers.
        Fast,
        /// One request every two seconds.
        Slow,
        /// Random pauses of 0.2 to 3 seconds.
        Jitter,
    }

    /// Through which surface.
    #[derive(Debug, Clone, Copy, clap::ValueEnum)]
    pub enum Via {
        /// The JSON API.
        Api,
        /// The web UI's pages.
        Html,
    }

    /// Options of `rampart demo attack`.
    #[derive(Debug, clap::Args)]
    pub struct Opts {
        /// Base URL of the portal, e.g. `http://127.0.0.1:8080`.
        #[arg(long)]
        url: String,
        /// The compromised account.
        #[arg(long)]
        email: String,
        /// Its password.
        #[arg(long)]
        password: String,
        /// Its TOTP secret (base32), when the account already has a second
        /// factor. A fresh account is enrolled by the attack itself: whoever
        /// holds a one-time password controls the first sign-in.
        #[arg(long)]
        totp_secret: Option<String>,
        /// Request pacing.
        #[arg(long, value_enum, default_value = "fast")]
        pace: Pace,
        /// Scrape through the API or the web pages.
        #[arg(long, value_enum, default_value = "api")]
        via: Via,
        /// Stop after this many documents.
        #[arg(long)]
        max: Option<usize>,
    }

    /// Why the scrape stopped.
    enum Stop {
        Throttled,
        Suspended,
        StepUp,
    }

    impl Stop {
        fn word(&self) -> &'static str {
            match self {
                Stop::Throttled => "throttled",
                Stop::Suspended => "suspended",
                Stop::StepUp => "step-up",
            }
        }
    }

    struct Scraper {
        http: reqwest::Client,
        base: String,
        pace: Pace,
        rng: u64,
        documents: usize,
        bytes: u64,
    }

    impl Scraper {
        async fn pause(&mut self) {
            let ms = match self.pace {
                Pace::Fast => return,
                Pace::Slow => 2_000,
                Pace::Jitter => {
                    // xorshift: no cryptography needed to look human-ish.
                    self.rng ^= self.rng << 13;
                    self.rng ^= self.rng >> 7;
                    self.rng ^= self.rng << 17;
                    200 + self.rng % 2_800
                }
            };
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }

        /// GETs a path; `Err(stop)` when the guard contained us.
        async fn get(&mut self, path: &str) -> anyhow::Result<Result<reqwest::Response, Stop>> {
            self.pause().await;
            let r = self
                .http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .with_context(|| format!("GET {path}"))?;
            Ok(match r.status() {
                StatusCode::TOO_MANY_REQUESTS => {
                    let after = r
                        .headers()
                        .get(header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("?")
                        .to_owned();
                    println!("  {path}: 429 Too Many Requests (Retry-After: {after} s)");
                    Err(Stop::Throttled)
                }
                StatusCode::UNAUTHORIZED => {
                    let body: Value = r.json().await.unwrap_or(Value::Null);
                    if body["error"]["code"] == "step_up_required" {
                        println!("  {path}: 401 step-up required");
                        Err(Stop::StepUp)
                    } else {
                        println!("  {path}: 401 (account suspended, sessions and tokens ended)");
                        Err(Stop::Suspended)
                    }
                }
                StatusCode::SEE_OTHER | StatusCode::FOUND => {
                    let to = r
                        .headers()
                        .get(header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    println!("  {path}: redirected to {to}");
                    if to.starts_with("/account/confirm") {
                        Err(Stop::StepUp)
                    } else {
                        Err(Stop::Suspended)
                    }
                }
                _ => Ok(r),
            })
        }

        async fn download(&mut self, path: &str) -> anyhow::Result<Result<(), Stop>> {
            let r = match self.get(path).await? {
                Ok(r) => r,
                Err(stop) => return Ok(Err(stop)),
            };
            if r.status().is_success() {
                let body = r.bytes().await?;
                self.documents += 1;
                self.bytes += body.len() as u64;
                if self.documents.is_multiple_of(10) {
                    println!(
                        "  {} documents ({} bytes) so far",
                        self.documents, self.bytes
                    );
                }
            }
            Ok(Ok(()))
        }
    }

    /// Every `attr="..."` value starting with `prefix` in an HTML page.
    fn links(html: &str, prefix: &str) -> Vec<String> {
        let needle = format!("href=\"{prefix}");
        let mut out = Vec::new();
        let mut rest = html;
        while let Some(i) = rest.find(&needle) {
            rest = &rest[i + 6..];
            if let Some(end) = rest.find('"') {
                let link = rest[..end].replace("&amp;", "&");
                if !out.contains(&link) {
                    out.push(link);
                }
                rest = &rest[end..];
            }
        }
        out
    }

    pub async fn run(opts: Opts) -> anyhow::Result<()> {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("python-requests/2.31.0")
            .build()?;
        let base = opts.url.trim_end_matches('/').to_owned();
        let r = http
            .post(format!("{base}/api/v1/login"))
            .json(&json!({"email": opts.email, "password": opts.password}))
            .send()
            .await
            .with_context(|| format!("signing in at {base}"))?;
        if !r.status().is_success() {
            bail!("sign-in as {} failed: HTTP {}", opts.email, r.status());
        }
        let login: Value = r.json().await?;
        sign_in_fully(&http, &base, &opts, login).await?;
        println!("signed in as {} at {base}", opts.email);
        let mut s = Scraper {
            http,
            base,
            pace: opts.pace,
            rng: 0x9E37_79B9_7F4A_7C15,
            documents: 0,
            bytes: 0,
        };
        let max = opts.max.unwrap_or(usize::MAX);
        let outcome = match opts.via {
            Via::Api => scrape_api(&mut s, max).await?,
            Via::Html => scrape_html(&mut s, max).await?,
        };
        let why = outcome.map(|s| s.word()).unwrap_or("finished");
        println!(
            "obtained {} documents ({} bytes) before containment: {why}",
            s.documents, s.bytes
        );
        Ok(())
    }

    /// The current TOTP code of a secret, by the system clock.
    fn totp_now(secret: &[u8]) -> String {
        let step =
            rampart_web::auth::totp::step_at(time::OffsetDateTime::now_utc().unix_timestamp());
        rampart_web::auth::totp::code_at(secret, step)
    }

    async fn post_json(
        http: &reqwest::Client,
        url: String,
        csrf: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let r = http
            .post(&url)
            .header("x-csrf-token", csrf)
            .json(&body)
            .send()
            .await
            .with_context(|| format!("POST {url}"))?;
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("POST {url}: HTTP {status}: {}", body["error"]["message"]);
        }
        Ok(body)
    }

    /// Walks the sign-in stages to a complete session, as an attacker who
    /// holds the account's password would: a one-time password is changed
    /// (to a random one, printed), a missing second factor is enrolled (its
    /// secret printed), an existing one is answered from `--totp-secret`.
    async fn sign_in_fully(
        http: &reqwest::Client,
        base: &str,
        opts: &Opts,
        mut login: Value,
    ) -> anyhow::Result<()> {
        let mut secret = match &opts.totp_secret {
            Some(text) => Some(
                rampart_web::auth::totp::secret_from_base32(text)
                    .context("--totp-secret is not base32")?,
            ),
            None => None,
        };
        for _ in 0..4 {
            let csrf = login["csrf"].as_str().unwrap_or("").to_owned();
            login = match login["status"].as_str().unwrap_or("") {
                "ok" => return Ok(()),
                "password_change_required" => {
                    let new = format!(
                        "taken over {}",
                        rampart_web::auth::generate_one_time_password()
                    );
                    let next = post_json(
                        http,
                        format!("{base}/api/v1/account/password"),
                        &csrf,
                        json!({"current": opts.password, "new": new}),
                    )
                    .await?;
                    println!("changed the one-time password of {} to: {new}", opts.email);
                    next
                }
                "enroll_second_factor" => {
                    let enrolled = post_json(
                        http,
                        format!("{base}/api/v1/account/totp"),
                        &csrf,
                        json!({}),
                    )
                    .await?;
                    let text = enrolled["secret"].as_str().unwrap_or("");
                    println!(
                        "enrolled a second factor for {}: --totp-secret {text}",
                        opts.email
                    );
                    let bytes = rampart_web::auth::totp::secret_from_base32(text)
                        .context("the server's TOTP secret is not base32")?;
                    let code = totp_now(&bytes);
                    secret = Some(bytes);
                    post_json(
                        http,
                        format!("{base}/api/v1/account/totp/confirm"),
                        &csrf,
                        json!({ "code": code }),
                    )
                    .await?
                }
                "second_factor_required" => {
                    let Some(secret) = &secret else {
                        bail!(
                            "{} has a second factor; pass its secret with --totp-secret",
                            opts.email
                        );
                    };
                    post_json(
                        http,
                        format!("{base}/api/v1/login/totp"),
                        &csrf,
                        json!({ "code": totp_now(secret) }),
                    )
                    .await?
                }
                other => bail!("unexpected sign-in status {other:?}"),
            };
        }
        bail!("sign-in did not complete")
    }

    macro_rules! step {
        ($e:expr) => {
            match $e? {
                Ok(v) => v,
                Err(stop) => return Ok(Some(stop)),
            }
        };
    }

    async fn json_of(r: reqwest::Response) -> anyhow::Result<Value> {
        let status = r.status();
        if !status.is_success() {
            bail!("unexpected HTTP {status}");
        }
        Ok(r.json().await?)
    }

    async fn scrape_api(s: &mut Scraper, max: usize) -> anyhow::Result<Option<Stop>> {
        let portals = json_of(step!(s.get("/api/v1/portals").await)).await?;
        let mut communities = Vec::new();
        for p in portals["items"].as_array().into_iter().flatten() {
            let slug = p["slug"].as_str().unwrap_or_default();
            let path = format!("/api/v1/portals/{slug}/communities");
            let list = json_of(step!(s.get(&path).await)).await?;
            for c in list["items"].as_array().into_iter().flatten() {
                if c["role"].is_string() {
                    communities.push(format!(
                        "{}/{}",
                        c["portal"].as_str().unwrap_or_default(),
                        c["slug"].as_str().unwrap_or_default()
                    ));
                }
            }
        }
        println!("{} communities to walk", communities.len());
        for community in communities {
            let (portal, slug) = community.split_once('/').unwrap_or_default();
            let mut cursor: Option<String> = None;
            loop {
                let mut path =
                    format!("/api/v1/portals/{portal}/communities/{slug}/documents?limit=50");
                if let Some(c) = &cursor {
                    path.push_str(&format!("&cursor={c}"));
                }
                let page = json_of(step!(s.get(&path).await)).await?;
                for doc in page["items"].as_array().into_iter().flatten() {
                    if s.documents >= max {
                        return Ok(None);
                    }
                    let id = doc["id"].as_str().unwrap_or_default();
                    step!(s.download(&format!("/api/v1/documents/{id}/content")).await);
                }
                match page["next"].as_str() {
                    Some(next) => cursor = Some(next.to_owned()),
                    None => break,
                }
            }
        }
        Ok(None)
    }

    async fn scrape_html(s: &mut Scraper, max: usize) -> anyhow::Result<Option<Stop>> {
        let home = step!(s.get("/").await).text().await?;
        let communities = links(&home, "/p/");
        println!("{} communities to walk", communities.len());
        for community in communities {
            let mut next = Some(community.clone());
            while let Some(page_path) = next.take() {
                let page = step!(s.get(&page_path).await).text().await?;
                for doc in links(&page, "/d/") {
                    if s.documents >= max {
                        return Ok(None);
                    }
                    step!(s.download(&format!("{doc}/content")).await);
                }
                next = links(&page, &format!("{community}?cursor="))
                    .into_iter()
                    .next();
            }
        }
        Ok(None)
    }
}
