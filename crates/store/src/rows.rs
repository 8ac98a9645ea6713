//! Reading rows: every backend's row type read through [`Columns`], and
//! the row types built from them once, here, so that the two backends
//! cannot read a stored value two ways.

use crate::{
    from_ms, AccountRow, AlertRow, AuditEvent, BudgetOverrideRow, CommunityRow, DocumentRow, Error,
    LoggedRow, Outcome, Result, SessionRow, SessionStage, StoredCheckpoint, TokenRow,
    VerificationRecord, VersionRow, WebauthnCredential,
};
use rampart_domain::{AccountId, AccountStatus, CommunityId, Marking, Nation, ReleasableCommunity};
use rampart_tlog::Hash;
use serde::Deserialize;
use time::{Date, OffsetDateTime};

/// A row of a backend, read by column name. A backend implements the four
/// readers for its row type; [`Columns::get`] reads any [`Column`] type.
pub trait Columns {
    /// An integer column (NULL as `None`).
    fn int(&self, name: &str) -> Result<Option<i64>>;
    /// A text column.
    fn text(&self, name: &str) -> Result<Option<String>>;
    /// A flag (SQLite's 0/1, PostgreSQL's BOOLEAN).
    fn flag(&self, name: &str) -> Result<Option<bool>>;
    /// A bytes column.
    fn bytes(&self, name: &str) -> Result<Option<Vec<u8>>>;

    /// Column `name` as a `T`; NULL is an error unless `T` is an `Option`.
    fn get<T: Column>(&self, name: &str) -> Result<T>
    where
        Self: Sized,
    {
        T::read(self, name)
    }
}

/// A Rust type a column is read as.
pub trait Column: Sized {
    /// Reads column `name` of `row`.
    fn read(row: &impl Columns, name: &str) -> Result<Self>;
}

fn present<T>(value: Option<T>, name: &str) -> Result<T> {
    value.ok_or_else(|| Error::Corrupt(format!("column {name} is NULL")))
}

macro_rules! column {
    ($t:ty, $reader:ident) => {
        impl Column for $t {
            fn read(row: &impl Columns, name: &str) -> Result<Self> {
                present(row.$reader(name)?, name)
            }
        }
        impl Column for Option<$t> {
            fn read(row: &impl Columns, name: &str) -> Result<Self> {
                row.$reader(name)
            }
        }
    };
}

column!(i64, int);
column!(String, text);
column!(bool, flag);
column!(Vec<u8>, bytes);

/// An account.
pub fn account(row: &impl Columns) -> Result<AccountRow> {
    let status = match row.get::<String>("status")?.as_str() {
        "active" => AccountStatus::Active,
        "suspended" => AccountStatus::Suspended,
        other => return Err(Error::Corrupt(format!("account status {other:?}"))),
    };
    Ok(AccountRow {
        id: AccountId(row.get("id")?),
        email: row.get::<String>("email")?.parse()?,
        name: row.get("name")?,
        nation: row.get::<String>("nation")?.parse()?,
        password_hash: row.get("password_hash")?,
        must_change_password: row.get("must_change_password")?,
        status,
        admin: row.get("is_admin")?,
        security: row.get("is_security")?,
        created_at: from_ms(row.get("created_at")?)?,
    })
}

fn corrupt(what: &str, e: serde_json::Error) -> Error {
    Error::Corrupt(format!("alert {what}: {e}"))
}

fn parsed<T: for<'de> Deserialize<'de>>(row: &impl Columns, column: &str) -> Result<T> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text).map_err(|e| corrupt(column, e))
}

/// An alert episode.
pub fn alert(row: &impl Columns) -> Result<AlertRow> {
    let time = from_ms(row.get("time")?)?;
    Ok(AlertRow {
        id: row.get("id")?,
        time,
        updated: row
            .get::<Option<i64>>("updated_at")?
            .map(from_ms)
            .transpose()?
            .unwrap_or(time),
        account: row.get("account")?,
        ip: row.get("ip")?,
        severity: row.get("severity")?,
        decision: row.get("decision")?,
        decisions: row.get("decisions")?,
        reasons: parsed(row, "reasons")?,
        credentials: parsed(row, "credentials")?,
        ips: parsed(row, "ips")?,
        user_agents: parsed(row, "user_agents")?,
        documents: parsed(row, "documents")?,
        state: row.get("state")?,
        resolved_by: row.get("resolved_by")?,
        resolved_at: row
            .get::<Option<i64>>("resolved_at")?
            .map(from_ms)
            .transpose()?,
    })
}

/// A signed checkpoint.
pub fn checkpoint(r: &impl Columns) -> Result<StoredCheckpoint> {
    let root: Vec<u8> = r.get("root")?;
    Ok(StoredCheckpoint {
        size: u64::try_from(r.get::<i64>("size")?)
            .map_err(|_| Error::Corrupt("checkpoint size".into()))?,
        root: Hash::from_slice(&root)
            .map_err(|e| Error::Corrupt(format!("checkpoint root: {e}")))?,
        signed: r.get("signed")?,
        created_at: r.get("created_at")?,
    })
}

/// A document with its marking and current version (the columns of both backends' document query).
pub fn document(r: &impl Columns) -> Result<DocumentRow> {
    let nations: Option<String> = r.get("nations")?;
    let mut releasable_nations: Vec<Nation> = nations
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    releasable_nations.sort();
    let communities: Option<String> = r.get("rel_communities")?;
    let mut releasable_communities = Vec::new();
    for item in communities
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let (id, path) = item
            .split_once(':')
            .ok_or_else(|| Error::Corrupt(format!("releasable community {item:?}")))?;
        let id = id
            .parse()
            .map_err(|_| Error::Corrupt(format!("community id {id:?}")))?;
        releasable_communities.push(ReleasableCommunity {
            id: CommunityId(id),
            path: path.to_owned(),
        });
    }
    releasable_communities.sort_by(|a, b| a.path.cmp(&b.path));
    let public_since = r
        .get::<Option<String>>("public_since")?
        .map(|s| {
            Date::parse(
                &s,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
        })
        .transpose()
        .map_err(|e| Error::Corrupt(format!("public_since: {e}")))?;
    Ok(DocumentRow {
        id: r.get::<String>("id")?.parse()?,
        community: CommunityId(r.get("community_id")?),
        portal_slug: r.get("portal_slug")?,
        community_slug: r.get("community_slug")?,
        title: r.get("title")?,
        marking: Marking {
            label: r.get("label")?,
            releasable_nations,
            releasable_communities,
            public_since,
            public_source: r.get("public_source")?,
            canary: r.get("canary")?,
        },
        created_at: from_ms(r.get("created_at")?)?,
        current: version(r)?,
    })
}

/// A version.
pub fn version(r: &impl Columns) -> Result<VersionRow> {
    Ok(VersionRow {
        number: r.get("number")?,
        blob: r.get("blob")?,
        size: r.get("size")?,
        media_type: r.get("media_type")?,
        filename: r.get("filename")?,
        uploaded_by: r.get("uploaded_by")?,
        uploaded_at: from_ms(r.get("uploaded_at")?)?,
    })
}

/// A budget override.
pub fn budget_override(row: &impl Columns) -> Result<BudgetOverrideRow> {
    Ok(BudgetOverrideRow {
        target: row.get("target")?,
        role: row.get("role")?,
        limits: row.get("limits")?,
        updated_at: from_ms(row.get("updated_at")?)?,
        updated_by: row.get("updated_by")?,
    })
}

/// A community with its portal's slug.
pub fn community(r: &impl Columns) -> Result<CommunityRow> {
    Ok(CommunityRow {
        id: CommunityId(r.get("id")?),
        portal: r.get("portal")?,
        slug: r.get("slug")?,
        name: r.get("name")?,
    })
}

/// An API token.
pub fn token(r: &impl Columns) -> Result<TokenRow> {
    let opt = |col: &str| -> Result<Option<OffsetDateTime>> {
        r.get::<Option<i64>>(col)?.map(from_ms).transpose()
    };
    Ok(TokenRow {
        id: r.get("id")?,
        account: AccountId(r.get("account_id")?),
        name: r.get("name")?,
        scope: r.get("scope")?,
        created_at: from_ms(r.get("created_at")?)?,
        expires_at: opt("expires_at")?,
        revoked_at: opt("revoked_at")?,
        last_used: opt("last_used")?,
    })
}

/// A passkey.
pub fn passkey(r: &impl Columns) -> Result<WebauthnCredential> {
    Ok(WebauthnCredential {
        id: r.get("id")?,
        credential_id: r.get("credential_id")?,
        name: r.get("name")?,
        passkey: r.get("passkey")?,
        sign_count: u32::try_from(r.get::<i64>("sign_count")?).unwrap_or(u32::MAX),
        created_at: from_ms(r.get("created_at")?)?,
        last_used_at: r
            .get::<Option<i64>>("last_used_at")?
            .map(from_ms)
            .transpose()?,
    })
}

/// A session.
pub fn session(r: &impl Columns) -> Result<SessionRow> {
    Ok(SessionRow {
        public_id: r.get("public_id")?,
        account: AccountId(r.get("account_id")?),
        stage: SessionStage::parse(&r.get::<String>("stage")?)?,
        csrf: r.get("csrf")?,
        created_at: from_ms(r.get("created_at")?)?,
        last_seen: from_ms(r.get("last_seen")?)?,
    })
}

/// An audit event as its columns say (the investigator's view).
pub fn audit_event(r: &impl Columns) -> Result<AuditEvent> {
    let outcome = match r.get::<String>("outcome")?.as_str() {
        "ok" => Outcome::Ok,
        "denied" => Outcome::Denied,
        _ => Outcome::Failed,
    };
    let detail: String = r.get("detail")?;
    Ok(AuditEvent {
        seq: u64::try_from(r.get::<i64>("seq")?).unwrap_or_default(),
        time: r.get("time")?,
        kind: r.get("kind")?,
        account: r.get("account")?,
        session: r.get("session")?,
        ip: r.get("ip")?,
        document: r.get("document")?,
        version: r.get("version")?,
        download: r.get("download")?,
        outcome,
        detail: serde_json::from_str(&detail)
            .map_err(|e| Error::Corrupt(format!("audit detail: {e}")))?,
    })
}

/// An event row with its canonical entry, for `audit verify`.
pub fn logged_row(r: &impl Columns) -> Result<LoggedRow> {
    Ok(LoggedRow {
        seq: r.get("seq")?,
        time: r.get("time")?,
        kind: r.get("kind")?,
        account: r.get("account")?,
        session: r.get("session")?,
        ip: r.get("ip")?,
        document: r.get("document")?,
        version: r.get("version")?,
        download: r.get("download")?,
        outcome: r.get("outcome")?,
        detail: r.get("detail")?,
        entry: r.get("entry")?,
    })
}

/// The outcome of one `audit verify` run.
pub fn verification(r: &impl Columns) -> Result<VerificationRecord> {
    Ok(VerificationRecord {
        time: r.get("time")?,
        ok: r.get("ok")?,
        entries: u64::try_from(r.get::<i64>("entries")?).unwrap_or_default(),
        problem: r.get("problem")?,
    })
}
