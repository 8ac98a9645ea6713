//! The sign-in throttle and the credential-stuffing detector.
//!
//! Failures are counted per account, per client IP and per network (IPv4
//! /24, IPv6 /64) in the store, so every node sees the same counts. After
//! `free_failures` (four times as many for a network) each failure blocks
//! the key for 1 s, then 2 s, 4 s, … up to `max_backoff_secs`; refused
//! attempts answer 429 with `Retry-After` and do not lengthen the block.
//!
//! The account key only applies to sources that are failing themselves:
//! an attacker hammering an account from elsewhere must not lock its owner
//! out, so a correct password from a clean source still passes (and still
//! needs the second factor).
//!
//! Every failed or refused attempt is also logged for the detector: many
//! distinct accounts failing from one IP or network, or one account failing
//! from many IPs, within an hour raises one alert per source and hour
//! through the guard's alert channel.

use crate::{network_of, Error, Identity, Origin};
use std::time::Duration;
use time::OffsetDateTime;

/// How far back the detector looks, and how long a counter stays alive
/// without new failures.
const WINDOW: time::Duration = time::Duration::hours(1);

/// The throttle keys of one attempt.
pub struct Keys {
    ip: String,
    net: String,
    account: String,
    client_ip: String,
    client_net: String,
    account_name: String,
}

impl Keys {
    /// Keys for a password attempt on `account` (the email as typed,
    /// normalised, or a placeholder when malformed) from `client`.
    pub fn new(client: &Origin, account: &str) -> Self {
        let net = network_of(client.ip());
        Keys {
            ip: format!("ip:{}", client.ip()),
            net: format!("net:{net}"),
            account: format!("account:{account}"),
            client_ip: client.ip().to_owned(),
            client_net: net,
            account_name: account.to_owned(),
        }
    }
}

/// The block length after `failures` failures with `free` free ones.
fn backoff(failures: i64, free: i64, cap_secs: u64) -> Duration {
    let over = failures - free;
    if over <= 0 {
        return Duration::ZERO;
    }
    let exponent = u32::try_from(over - 1).unwrap_or(u32::MAX).min(30);
    Duration::from_secs((1u64 << exponent).min(cap_secs))
}

fn remaining(until: OffsetDateTime, now: OffsetDateTime) -> Option<Duration> {
    let left = until - now;
    (left > time::Duration::ZERO)
        .then(|| Duration::from_millis(left.whole_milliseconds().try_into().unwrap_or(u64::MAX)))
}

/// Refuses the attempt (429 with `Retry-After`) if its source is blocked,
/// or if the account is blocked and the source has itself failed lately.
pub async fn check(state: &Identity, keys: &Keys) -> Result<(), Error> {
    let now = state.clock.now();
    let states = state
        .store
        .throttle_states(&[keys.ip.clone(), keys.net.clone(), keys.account.clone()])
        .await?;
    let find = |key: &str| states.iter().find(|s| s.key == key);
    let ip_failing =
        find(&keys.ip).is_some_and(|s| s.failures > 0 && now - s.last_failure < WINDOW);
    let mut wait = Duration::ZERO;
    for s in &states {
        if s.key == keys.account && !ip_failing {
            continue;
        }
        if let Some(left) = remaining(s.blocked_until, now) {
            wait = wait.max(left);
        }
    }
    if wait > Duration::ZERO {
        return Err(Error::TooManyRequests(wait));
    }
    Ok(())
}

/// Counts a failed attempt against every key.
pub async fn failed(state: &Identity, keys: &Keys) -> Result<(), Error> {
    let now = state.clock.now();
    let config = &state.config.identity;
    let free = i64::from(config.free_failures);
    let cap = config.max_backoff_secs;
    let net_key = keys.net.clone();
    state
        .store
        .record_throttle_failures(
            &[keys.ip.clone(), keys.net.clone(), keys.account.clone()],
            now,
            now - WINDOW,
            &|key, failures| {
                let free = if key == net_key { free * 4 } else { free };
                i64::try_from(backoff(failures, free, cap).as_millis()).unwrap_or(i64::MAX)
            },
        )
        .await?;
    Ok(())
}

/// Logs a failed or refused attempt for the detector and raises an alert
/// when a source tries too many accounts or an account is tried from too
/// many sources.
pub(crate) async fn detect(state: &Identity, keys: &Keys) -> Result<(), Error> {
    let now = state.clock.now();
    let counts = state
        .store
        .record_sign_in_failure(
            &keys.client_ip,
            &keys.client_net,
            &keys.account_name,
            now,
            now - WINDOW,
        )
        .await?;
    let threshold = i64::from(state.config.identity.stuffing_threshold);
    let mut alerts = Vec::new();
    if counts.accounts_from_ip >= threshold {
        alerts.push((
            format!("stuffing-{}", keys.ip),
            "(multiple accounts)".to_owned(),
            format!(
                "credential stuffing: {} accounts failed to sign in from {} within an hour",
                counts.accounts_from_ip, keys.client_ip
            ),
        ));
    } else if counts.accounts_from_net >= threshold {
        alerts.push((
            format!("stuffing-{}", keys.net),
            "(multiple accounts)".to_owned(),
            format!(
                "credential stuffing: {} accounts failed to sign in from network {} within an hour",
                counts.accounts_from_net, keys.client_net
            ),
        ));
    }
    if counts.sources_for_account >= threshold {
        alerts.push((
            format!("stuffing-{}", keys.account),
            keys.account_name.clone(),
            format!(
                "password guessing: the account failed to sign in from {} addresses within an hour",
                counts.sources_for_account
            ),
        ));
    }
    for (key, account, reason) in alerts {
        if state.store.mark_alerted(&key, now, now - WINDOW).await? {
            let client = Origin::Http {
                ip: keys.client_ip.clone(),
                user_agent: String::new(),
            };
            state.alerts.raise(&account, &client, vec![reason]).await?;
        }
    }
    Ok(())
}

/// The key that limits second-factor guesses of one account.
pub(crate) fn factor_key(account: rampart_domain::AccountId) -> String {
    format!("factor:{}", account.0)
}

/// Refuses a second-factor attempt while the account's factor key is
/// blocked.
pub(crate) async fn check_factor(state: &Identity, key: &str) -> Result<(), Error> {
    let now = state.clock.now();
    let states = state.store.throttle_states(&[key.to_owned()]).await?;
    match states.first().and_then(|s| remaining(s.blocked_until, now)) {
        Some(wait) => Err(Error::TooManyRequests(wait)),
        None => Ok(()),
    }
}

/// Counts a failed second-factor attempt.
pub(crate) async fn factor_failed(state: &Identity, key: &str) -> Result<(), Error> {
    let now = state.clock.now();
    let free = i64::from(state.config.identity.free_failures);
    let cap = state.config.identity.max_backoff_secs;
    state
        .store
        .record_throttle_failures(&[key.to_owned()], now, now - WINDOW, &|_, failures| {
            i64::try_from(backoff(failures, free, cap).as_millis()).unwrap_or(i64::MAX)
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_free_then_doubles_to_the_cap() {
        let secs = |n| backoff(n, 5, 900).as_secs();
        assert_eq!((secs(1), secs(5)), (0, 0));
        assert_eq!((secs(6), secs(7), secs(8)), (1, 2, 4));
        assert_eq!(secs(15), 512);
        assert_eq!(secs(16), 900);
        assert_eq!(secs(1_000_000), 900);
    }
}
