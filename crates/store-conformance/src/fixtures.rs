//! What the behaviours start from: accounts, a community, a document.

use rampart_domain::{DocumentId, Marking};
use rampart_store::{NewAccount, NewDocument, NewVersion, Store};

/// A fixed time, so that rows compare.
pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

/// A plain account.
pub async fn account(s: &Store, email: &str) -> rampart_domain::AccountId {
    let acc = NewAccount {
        email: email.parse().unwrap(),
        name: "A".into(),
        nation: "NOR".parse().unwrap(),
        password_hash: "h".into(),
        admin: false,
        security: false,
    };
    s.create_account(&acc, now()).await.unwrap()
}

/// Community `p1/c1`.
pub async fn community(s: &Store) -> rampart_domain::CommunityId {
    let p = s
        .create_portal(&"p1".parse().unwrap(), "P", now())
        .await
        .unwrap();
    s.create_community(p, &"c1".parse().unwrap(), "C", now())
        .await
        .unwrap()
}

/// One stored document to hang match index rows on.
pub async fn one_document(s: &Store) -> String {
    let c = community(s).await;
    let a = account(s, "ann@x.org").await;
    let doc = new_document(c, "Plan", vec![], a);
    s.create_document(&doc, now()).await.unwrap();
    doc.id.to_string()
}

/// A NON-PUBLIC document of one small text version.
pub fn new_document(
    community: rampart_domain::CommunityId,
    title: &str,
    releasable_nations: Vec<rampart_domain::Nation>,
    uploaded_by: rampart_domain::AccountId,
) -> NewDocument {
    NewDocument {
        id: DocumentId::random(),
        community,
        title: title.into(),
        marking: Marking {
            label: "NON-PUBLIC".into(),
            releasable_nations,
            releasable_communities: vec![],
            public_since: None,
            public_source: None,
            canary: false,
        },
        version: NewVersion {
            blob: "b".repeat(64),
            size: 1,
            media_type: "text/plain".into(),
            filename: "a.txt".into(),
            uploaded_by,
        },
    }
}
