//! Signing in as the attacker would: through every stage of sign-in, with
//! what the stolen credentials allow.

use super::Opts;
use anyhow::{bail, Context};
use serde_json::{json, Value};

/// The current TOTP code of a secret, by the system clock.
fn totp_now(secret: &[u8]) -> String {
    let step = rampart_identity::totp::step_at(time::OffsetDateTime::now_utc().unix_timestamp());
    rampart_identity::totp::code_at(secret, step)
}

pub(super) async fn post_json(
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
/// holds the account's password would: a one-time password is changed (to
/// a random one, printed), a missing second factor is enrolled (its secret
/// printed), an existing one is answered from `--totp-secret`. Returns the
/// session's CSRF token.
pub(super) async fn sign_in_fully(
    http: &reqwest::Client,
    base: &str,
    opts: &Opts,
    mut login: Value,
) -> anyhow::Result<String> {
    let mut secret = match &opts.totp_secret {
        Some(text) => Some(
            rampart_identity::totp::secret_from_base32(text)
                .context("--totp-secret is not base32")?,
        ),
        None => None,
    };
    for _ in 0..4 {
        let csrf = login["csrf"].as_str().unwrap_or("").to_owned();
        login = match login["status"].as_str().unwrap_or("") {
            "ok" => return Ok(csrf),
            "password_change_required" => {
                let new = format!(
                    "taken over {}",
                    rampart_identity::generate_one_time_password()
                );
                let next = post_json(
                    http,
                    format!("{base}/api/v1/account/password"),
                    &csrf,
                    json!({"current": opts.password, "new": new}),
                )
                .await?;
                println!(
                    "changed the one-time password of {} to: {new:?}",
                    opts.email
                );
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
                let bytes = rampart_identity::totp::secret_from_base32(text)
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
