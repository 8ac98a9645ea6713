//! `rampart demo attack`: a scripted scrape as a compromised account, and a
//! truthful account of how far it got.
//!
//! The scraper walks every community the account belongs to, through the
//! JSON API or the web pages, and downloads each document once. By default
//! it stops at the first refusal, as a cautious script would. With
//! `--persist MINUTES` it behaves like the scripts that matter: it ignores
//! step-ups, honours `Retry-After` and keeps asking until the time is up,
//! everything is taken, or every credential it holds is dead. `--tokens N`
//! spreads the requests over N API tokens it creates for the account.
//!
//! The summary states what the scraper obtained against what the account
//! could see, whether and how it was contained, and whether the security
//! officers were alerted. The last two need the portal's data dir
//! (`--data`, read while the portal runs); without it they are reported as
//! unknown rather than guessed.

mod sign_in;
mod summary;

use anyhow::{bail, Context};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use sign_in::{post_json, sign_in_fully};
use std::{
    collections::{BTreeSet, VecDeque},
    path::PathBuf,
    time::{Duration, Instant},
};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
    pub(super) url: String,
    /// The compromised account.
    #[arg(long)]
    pub(super) email: String,
    /// Its password.
    #[arg(long)]
    pub(super) password: String,
    /// Its TOTP secret (base32), when the account already has a second
    /// factor. A fresh account is enrolled by the attack itself: whoever
    /// holds a one-time password controls the first sign-in.
    #[arg(long)]
    pub(super) totp_secret: Option<String>,
    /// Request pacing.
    #[arg(long, value_enum, default_value = "fast")]
    pace: Pace,
    /// Scrape through the API or the web pages.
    #[arg(long, value_enum, default_value = "api")]
    via: Via,
    /// Stop after this many documents.
    #[arg(long)]
    max: Option<usize>,
    /// Keep requesting for this many minutes after the first refusal
    /// (ignoring step-ups, honouring Retry-After), as a persistent script
    /// would. Without it the scrape stops at the first refusal.
    #[arg(long, value_name = "MINUTES")]
    persist: Option<u64>,
    /// Spread the requests over this many API tokens created for the
    /// account (API only).
    #[arg(long, value_name = "N")]
    tokens: Option<usize>,
    /// The portal's data dir, read to count the documents the account can
    /// see and to tell whether an alert was raised.
    #[arg(long)]
    data: Option<PathBuf>,
}

/// What one request came to.
enum Answer {
    Ok(reqwest::Response),
    StepUp,
    Throttled(Duration),
    /// The credential is dead: the account is suspended (or the session
    /// ended).
    Dead,
    Other(StatusCode),
}

/// Something still to fetch.
#[derive(Debug, Clone)]
enum Job {
    /// A listing page (API path or page path).
    List(String),
    /// A document's content.
    Take(String),
}

/// The first refusal.
struct Refusal {
    what: &'static str,
    after: usize,
    at: Instant,
}

struct Scraper {
    /// One client per credential: cookie-holding sessions or bearer tokens.
    clients: Vec<reqwest::Client>,
    dead: Vec<bool>,
    turn: usize,
    base: String,
    pace: Pace,
    via: Via,
    rng: u64,
    documents: usize,
    bytes: u64,
    seen: BTreeSet<String>,
    first_refusal: Option<Refusal>,
    last: Option<&'static str>,
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

    /// The next credential still alive, round-robin.
    fn next_client(&mut self) -> Option<usize> {
        for _ in 0..self.clients.len() {
            self.turn = (self.turn + 1) % self.clients.len();
            if !self.dead[self.turn] {
                return Some(self.turn);
            }
        }
        None
    }

    async fn get(&mut self, path: &str) -> anyhow::Result<Answer> {
        self.pause().await;
        let Some(i) = self.next_client() else {
            return Ok(Answer::Dead);
        };
        let r = self.clients[i]
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let answer = match r.status() {
            StatusCode::TOO_MANY_REQUESTS => {
                let after = r
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(60);
                Answer::Throttled(Duration::from_secs(after))
            }
            StatusCode::UNAUTHORIZED => {
                let body: Value = r.json().await.unwrap_or(Value::Null);
                if body["error"]["code"] == "step_up_required" {
                    Answer::StepUp
                } else {
                    self.dead[i] = true;
                    Answer::Dead
                }
            }
            StatusCode::SEE_OTHER | StatusCode::FOUND => {
                let to = r
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if to.starts_with("/account/confirm") {
                    Answer::StepUp
                } else {
                    self.dead[i] = true;
                    Answer::Dead
                }
            }
            s if s.is_success() => Answer::Ok(r),
            s => Answer::Other(s),
        };
        let word = match &answer {
            Answer::StepUp => Some("step-up"),
            Answer::Throttled(_) => Some("throttle"),
            Answer::Dead => Some("suspended"),
            _ => None,
        };
        if let Some(word) = word {
            if self.last != Some(word) {
                println!(
                    "  {path}: refused ({word}) after {} documents",
                    self.documents
                );
            }
            self.last = Some(word);
            if self.first_refusal.is_none() {
                self.first_refusal = Some(Refusal {
                    what: word,
                    after: self.documents,
                    at: Instant::now(),
                });
            }
        }
        Ok(answer)
    }

    /// Runs one job; returns it back when it must be tried again, with how
    /// long to wait first.
    async fn run(
        &mut self,
        job: Job,
        queue: &mut VecDeque<Job>,
    ) -> anyhow::Result<Option<Duration>> {
        let path = match &job {
            Job::List(p) | Job::Take(p) => p.clone(),
        };
        let retry = match self.get(&path).await? {
            Answer::Ok(r) => {
                match job {
                    Job::Take(_) => {
                        let body = r.bytes().await?;
                        self.documents += 1;
                        self.bytes += body.len() as u64;
                        self.last = None;
                        if self.documents.is_multiple_of(10) {
                            println!(
                                "  {} documents ({} bytes) so far",
                                self.documents, self.bytes
                            );
                        }
                    }
                    Job::List(_) => self.enqueue_page(r, &path, queue).await?,
                }
                return Ok(None);
            }
            Answer::Throttled(after) => after,
            Answer::StepUp | Answer::Dead => Duration::from_millis(500),
            Answer::Other(status) => {
                println!("  {path}: HTTP {status}, skipped");
                return Ok(None);
            }
        };
        queue.push_back(job);
        Ok(Some(retry))
    }

    /// Queues the documents and the next page a listing names.
    async fn enqueue_page(
        &mut self,
        r: reqwest::Response,
        path: &str,
        queue: &mut VecDeque<Job>,
    ) -> anyhow::Result<()> {
        let (docs, next) = match self.via {
            Via::Api => {
                let page: Value = r.json().await?;
                let docs: Vec<String> = page["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| d["id"].as_str())
                    .map(|id| format!("/api/v1/documents/{id}/content"))
                    .collect();
                let base = path.split('?').next().unwrap_or(path);
                let next = page["next"]
                    .as_str()
                    .map(|c| format!("{base}?limit=50&cursor={c}"));
                (docs, next)
            }
            Via::Html => {
                let html = r.text().await?;
                let base = path.split('?').next().unwrap_or(path).to_owned();
                let docs = links(&html, "/d/")
                    .into_iter()
                    .map(|d| format!("{d}/content"))
                    .collect();
                let next = links(&html, &format!("{base}?cursor=")).into_iter().next();
                (docs, next)
            }
        };
        for doc in docs {
            if self.seen.insert(doc.clone()) {
                queue.push_back(Job::Take(doc));
            }
        }
        if let Some(next) = next {
            queue.push_front(Job::List(next));
        }
        Ok(())
    }
}

/// Every `href="..."` value starting with `prefix` in an HTML page.
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

fn http_client(builder: reqwest::ClientBuilder) -> anyhow::Result<reqwest::Client> {
    Ok(builder
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("python-requests/2.31.0")
        .build()?)
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    if opts.tokens.is_some() && opts.via == Via::Html {
        bail!("--tokens works with --via api only (the web pages need the session)");
    }
    let session = http_client(reqwest::Client::builder().cookie_store(true))?;
    let base = opts.url.trim_end_matches('/').to_owned();
    let r = session
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"email": opts.email, "password": opts.password}))
        .send()
        .await
        .with_context(|| format!("signing in at {base}"))?;
    if !r.status().is_success() {
        bail!("sign-in as {} failed: HTTP {}", opts.email, r.status());
    }
    let login: Value = r.json().await?;
    let csrf = sign_in_fully(&session, &base, &opts, login).await?;
    println!("signed in as {} at {base}", opts.email);
    let clients = match opts.tokens {
        None | Some(0) => vec![session.clone()],
        Some(n) => {
            let mut clients = Vec::with_capacity(n);
            for k in 0..n {
                let made = post_json(
                    &session,
                    format!("{base}/api/v1/account/tokens"),
                    &csrf,
                    json!({"name": format!("sync {k}"), "scope": "read"}),
                )
                .await?;
                let secret = made["token"].as_str().unwrap_or_default();
                let mut headers = header::HeaderMap::new();
                headers.insert(
                    header::AUTHORIZATION,
                    header::HeaderValue::from_str(&format!("Bearer {secret}"))?,
                );
                clients.push(http_client(
                    reqwest::Client::builder().default_headers(headers),
                )?);
            }
            println!("created {n} API tokens for the account; requests go round-robin over them");
            clients
        }
    };
    let started_at = time::OffsetDateTime::now_utc();
    let started = Instant::now();
    let mut s = Scraper {
        dead: vec![false; clients.len()],
        clients,
        turn: 0,
        base,
        pace: opts.pace,
        via: opts.via,
        rng: 0x9E37_79B9_7F4A_7C15,
        documents: 0,
        bytes: 0,
        seen: BTreeSet::new(),
        first_refusal: None,
        last: None,
    };
    let mut queue: VecDeque<Job> = discover(&mut s).await?.into_iter().map(Job::List).collect();
    println!("{} communities to walk", queue.len());
    let persist = opts.persist.map(|m| Duration::from_secs(m * 60));
    let max = opts.max.unwrap_or(usize::MAX);
    while let Some(job) = queue.pop_front() {
        if s.documents >= max || s.dead.iter().all(|d| *d) {
            break;
        }
        let Some(wait) = s.run(job, &mut queue).await? else {
            continue;
        };
        let Some(persist) = persist else { break };
        let refused = s
            .first_refusal
            .as_ref()
            .map(|r| r.at.elapsed())
            .unwrap_or_default();
        if refused >= persist {
            break;
        }
        tokio::time::sleep(wait.min(persist - refused)).await;
    }
    let elapsed = started.elapsed();
    summary::summarise(&opts, &s, elapsed, started_at).await
}

/// The community listings the account can walk.
async fn discover(s: &mut Scraper) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    match s.via {
        Via::Api => {
            let Answer::Ok(r) = s.get("/api/v1/portals").await? else {
                return Ok(out);
            };
            let portals: Value = r.json().await?;
            for p in portals["items"].as_array().into_iter().flatten() {
                let slug = p["slug"].as_str().unwrap_or_default().to_owned();
                let Answer::Ok(r) = s
                    .get(&format!("/api/v1/portals/{slug}/communities"))
                    .await?
                else {
                    continue;
                };
                let list: Value = r.json().await?;
                for c in list["items"].as_array().into_iter().flatten() {
                    if c["role"].is_string() {
                        out.push(format!(
                            "/api/v1/portals/{}/communities/{}/documents?limit=50",
                            c["portal"].as_str().unwrap_or_default(),
                            c["slug"].as_str().unwrap_or_default()
                        ));
                    }
                }
            }
        }
        Via::Html => {
            if let Answer::Ok(r) = s.get("/").await? {
                out = links(&r.text().await?, "/p/");
            }
        }
    }
    Ok(out)
}
