//! Empirical benign timing from a real web server log (Apache combined format).
//!
//! Per client IP, requests by crawlers and for static assets are dropped; what remains
//! are page requests by people. Gaps of at most 30 minutes are think times within a
//! session; a longer gap starts a new session. Both distributions are sampled by the
//! simulator for benign users.

use std::collections::HashMap;

/// Think times (ms) and session lengths (requests) observed in the log.
pub struct Timing {
    pub gaps_ms: Vec<i64>,
    pub session_lengths: Vec<u32>,
    pub lines: usize,
    pub clients: usize,
}

fn month(m: &str) -> Option<i64> {
    let names = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    names.iter().position(|n| *n == m).map(|i| i as i64 + 1)
}

/// Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// "17/May/2015:10:05:03 +0000" → seconds since the epoch.
fn parse_time(t: &str) -> Option<i64> {
    let (date, zone) = t.split_once(' ')?;
    let mut parts = date.split([':', '/']);
    let d: i64 = parts.next()?.parse().ok()?;
    let m = month(parts.next()?)?;
    let y: i64 = parts.next()?.parse().ok()?;
    let hh: i64 = parts.next()?.parse().ok()?;
    let mm: i64 = parts.next()?.parse().ok()?;
    let ss: i64 = parts.next()?.parse().ok()?;
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let zh: i64 = zone.get(1..3)?.parse().ok()?;
    let zm: i64 = zone.get(3..5)?.parse().ok()?;
    let local = days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(local - sign * (zh * 3600 + zm * 60))
}

fn is_static(path: &str) -> bool {
    let p = path.split('?').next().unwrap_or(path).to_ascii_lowercase();
    [
        ".png", ".jpg", ".jpeg", ".gif", ".css", ".js", ".ico", ".woff", ".ttf", ".svg",
    ]
    .iter()
    .any(|e| p.ends_with(e))
}

fn is_bot(ua: &str) -> bool {
    let u = ua.to_ascii_lowercase();
    [
        "bot", "spider", "crawl", "slurp", "feed", "rss", "curl", "wget", "python",
    ]
    .iter()
    .any(|b| u.contains(b))
}

/// Reads the log at `path`.
pub fn load(path: &str) -> Result<Timing, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut by_ip: HashMap<&str, Vec<i64>> = HashMap::new();
    let mut lines = 0;
    for line in text.lines() {
        lines += 1;
        let Some((ip, rest)) = line.split_once(' ') else {
            continue;
        };
        let (Some(a), Some(b)) = (rest.find('['), rest.find(']')) else {
            continue;
        };
        let Some(t) = rest.get(a + 1..b).and_then(parse_time) else {
            continue;
        };
        let quoted: Vec<&str> = rest.split('"').collect();
        // quoted[1] = request, quoted[3] = referer, quoted[5] = user agent
        let request = quoted.get(1).copied().unwrap_or("");
        let ua = quoted.get(5).copied().unwrap_or("");
        let path = request.split(' ').nth(1).unwrap_or("");
        if is_static(path) || is_bot(ua) {
            continue;
        }
        by_ip.entry(ip).or_default().push(t);
    }
    let clients = by_ip.len();
    let mut gaps_ms = Vec::new();
    let mut session_lengths = Vec::new();
    for times in by_ip.values_mut() {
        times.sort_unstable();
        let mut len = 1;
        for w in times.windows(2) {
            let g = w[1] - w[0];
            if g > 1800 {
                session_lengths.push(len);
                len = 1;
            } else {
                // Requests logged in the same second: the log's resolution is 1 s.
                gaps_ms.push((g * 1000).max(500));
                len += 1;
            }
        }
        session_lengths.push(len);
    }
    if gaps_ms.is_empty() || session_lengths.is_empty() {
        return Err(format!("{path}: no usable page requests"));
    }
    Ok(Timing {
        gaps_ms,
        session_lengths,
        lines,
        clients,
    })
}

/// A small deterministic PRNG (SplitMix64), so runs are reproducible without crates.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5eed_5eed_5eed_5eed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f()
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.f().max(1e-12);
        let v = self.f();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    pub fn poisson(&mut self, mean: f64) -> u32 {
        let l = (-mean).exp();
        let mut k = 0;
        let mut p = 1.0;
        loop {
            p *= self.f();
            if p <= l {
                return k;
            }
            k += 1;
        }
    }
}
