//! `rampart audit …`: the tamper-evident log for investigators — the
//! verifier key, the latest checkpoint, a full verification, a filtered
//! timeline, and self-contained inclusion proofs that can be checked
//! offline with nothing but the key.

use super::DataOpts;
use anyhow::{bail, Context};
use clap::Subcommand;
use rampart_store::{auditlog, event_time, AuditFilter};
use rampart_tlog::{prove_record, Checkpoint, TlogProof, Verifier, VerifierList};
use std::path::PathBuf;

/// Options of `rampart audit`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    #[command(flatten)]
    data: DataOpts,
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Print the log's verifier key (signed-note format).
    Key,
    /// Print the latest signed checkpoint.
    Checkpoint,
    /// Recompute the tree from the stored entries and check every checkpoint.
    Verify {
        /// A signed checkpoint kept elsewhere (a witness's or an investigator's copy).
        #[arg(long)]
        trusted: Option<PathBuf>,
    },
    /// Show events, oldest first.
    Show {
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        document: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        /// From this time (RFC 3339 or YYYY-MM-DD), inclusive.
        #[arg(long)]
        since: Option<String>,
        /// Until this time (RFC 3339 or YYYY-MM-DD), exclusive.
        #[arg(long)]
        until: Option<String>,
        /// One canonical JSON entry per line.
        #[arg(long)]
        json: bool,
    },
    /// Write a self-contained inclusion proof (C2SP tlog-proof) of event SEQ.
    Proof {
        seq: u64,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a proof offline against a verifier key.
    VerifyProof {
        file: PathBuf,
        /// The log's verifier key (`rampart audit key`).
        #[arg(long)]
        key: String,
    },
}

fn parse_time(s: &str) -> anyhow::Result<String> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(event_time(t));
    }
    let d = time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("{s:?} is neither RFC 3339 nor YYYY-MM-DD"))?;
    Ok(event_time(d.midnight().assume_utc()))
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    if let AuditCommand::VerifyProof { file, key } = &opts.command {
        return verify_proof(file, key);
    }
    let (config, store, signer) = opts.data.open_existing().await?;
    let origin = config.audit.origin.clone();
    let result = match opts.command {
        AuditCommand::Key => {
            println!("{}", signer.verifier().to_key_string());
            Ok(())
        }
        AuditCommand::Checkpoint => match store.latest_checkpoint().await? {
            Some(cp) => {
                print!("{}", cp.signed);
                Ok(())
            }
            None => Err(anyhow::anyhow!("the log has no checkpoint yet")),
        },
        AuditCommand::Verify { trusted } => {
            let trusted = match trusted {
                Some(path) => Some(
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?,
                ),
                None => None,
            };
            let verifiers = VerifierList::from(signer.verifier());
            let report =
                auditlog::verify_log(&store, &verifiers, &origin, trusted.as_deref()).await?;
            let now = time::OffsetDateTime::now_utc();
            let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
            store.record_verification(&report.record(now_ms)).await?;
            println!(
                "{} entries, root {}, {} checkpoints checked",
                report.entries,
                report.root.to_base64(),
                report.checkpoints
            );
            for f in &report.findings {
                match f.index {
                    Some(i) => println!("BAD at index {i}: {}", f.problem),
                    None => println!("BAD: {}", f.problem),
                }
            }
            match report.findings.first() {
                None => {
                    println!("OK: the log is intact");
                    Ok(())
                }
                Some(first) => Err(anyhow::anyhow!(
                    "verification failed{}: {}",
                    first
                        .index
                        .map(|i| format!(" at index {i}"))
                        .unwrap_or_default(),
                    first.problem
                )),
            }
        }
        AuditCommand::Show {
            account,
            document,
            kind,
            since,
            until,
            json,
        } => {
            let filter = AuditFilter {
                account,
                document,
                kind,
                since: since.as_deref().map(parse_time).transpose()?,
                until: until.as_deref().map(parse_time).transpose()?,
                limit: None,
            };
            for e in store.audit_events(&filter).await? {
                if json {
                    println!("{}", serde_json::to_string(&e)?);
                } else {
                    println!(
                        "{:>8}  {}  {:<16} {:<8} {:<32} {:<15} {}{}",
                        e.seq,
                        e.time,
                        e.kind,
                        serde_json::to_value(e.outcome)?.as_str().unwrap_or(""),
                        e.account.as_deref().unwrap_or("-"),
                        e.ip.as_deref().unwrap_or("-"),
                        e.document
                            .as_deref()
                            .map(|d| format!("doc {d} "))
                            .unwrap_or_default(),
                        e.detail
                    );
                }
            }
            Ok(())
        }
        AuditCommand::Proof { seq, out } => proof(&store, seq, out).await,
        AuditCommand::VerifyProof { .. } => Ok(()),
    };
    store.close().await;
    result
}

async fn proof(store: &rampart_store::Store, seq: u64, out: Option<PathBuf>) -> anyhow::Result<()> {
    let cp = store
        .latest_checkpoint()
        .await?
        .context("the log has no checkpoint yet")?;
    if seq >= cp.size {
        bail!(
            "event {seq} is not covered by the latest checkpoint (size {}) yet",
            cp.size
        );
    }
    let entry = store
        .log_entries(seq, seq + 1)
        .await?
        .into_iter()
        .next()
        .context("entry missing")?;
    let hashes = store.with_hashes(|r| prove_record(cp.size, seq, r)).await?;
    let mut proof = TlogProof::new(seq, hashes, cp.signed);
    // The entry travels inside the proof, so the file stands on its own.
    proof.extra = Some(entry);
    let text = proof.to_text();
    match out {
        Some(path) => super::write_private(&path, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(())
}

fn verify_proof(file: &PathBuf, key: &str) -> anyhow::Result<()> {
    let data = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let verifier =
        Verifier::from_key_string(key.trim()).map_err(|e| anyhow::anyhow!("--key: {e}"))?;
    let proof = TlogProof::parse(&data)
        .map_err(|e| anyhow::anyhow!("{}: not a tlog proof: {e}", file.display()))?;
    let entry = proof
        .extra
        .clone()
        .context("the proof carries no entry (it was not written by `rampart audit proof`)")?;
    let origin = verifier.name().to_owned();
    proof
        .verify(&entry, &origin, &verifier)
        .map_err(|e| anyhow::anyhow!("the proof does not verify: {e}"))?;
    let (checkpoint, _) = Checkpoint::open(
        proof.checkpoint.as_bytes(),
        &origin,
        &VerifierList::from(verifier),
    )
    .map_err(|e| anyhow::anyhow!("checkpoint: {e}"))?;
    println!("{}", String::from_utf8_lossy(&entry));
    println!(
        "OK: event {} is in the log {origin} of size {} (root {})",
        proof.index,
        checkpoint.size(),
        checkpoint.hash().to_base64()
    );
    Ok(())
}
