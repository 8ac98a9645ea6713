//! The member directory: need-to-know in the query, sealed fields stored
//! as given, profiles replaced whole.

use crate::fixtures::{account, community, now};
use rampart_domain::{AccountId, CommunityRole};
use rampart_store::*;

fn update(org: &str, fields: &[(&str, &[u8])]) -> ProfileUpdate {
    ProfileUpdate {
        organisation: org.into(),
        search_key: org.to_lowercase(),
        fields: fields
            .iter()
            .map(|(f, v)| (f.to_string(), v.to_vec()))
            .collect(),
    }
}

async fn seen(s: &Store, viewer: AccountId, everyone: bool, text: Option<&str>) -> Vec<String> {
    s.directory(&DirectoryQuery {
        viewer,
        everyone,
        within: None,
        text,
        after: None,
        limit: 50,
    })
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.email)
    .collect()
}

pub async fn the_directory_shows_what_a_viewer_needs_to_know(store: Store) {
    let s = store;
    let c1 = community(&s).await;
    let ann = account(&s, "ann@x.org").await;
    let bob = account(&s, "bob@x.org").await;
    let cid = account(&s, "cid@x.org").await;
    s.set_membership(ann, c1, CommunityRole::Reader, now())
        .await
        .unwrap();
    s.set_membership(bob, c1, CommunityRole::Manager, now())
        .await
        .unwrap();
    s.set_profiles(
        &[
            (ann, update("Agency", &[("phone", b"sealed-1")])),
            (
                bob,
                update("Bureau", &[("phone", b"sealed-2"), ("unit", b"sealed-3")]),
            ),
        ],
        now(),
    )
    .await
    .unwrap();
    assert_eq!(seen(&s, ann, false, None).await, ["ann@x.org", "bob@x.org"]);
    assert_eq!(seen(&s, cid, false, None).await, ["cid@x.org"]);
    assert_eq!(
        seen(&s, cid, true, None).await,
        ["ann@x.org", "bob@x.org", "cid@x.org"]
    );
    assert_eq!(seen(&s, ann, false, Some("bureau")).await, ["bob@x.org"]);
    assert!(seen(&s, cid, false, Some("bureau")).await.is_empty());
    // Limited to communities the viewer shares nothing in: itself only.
    let other = s
        .create_community(
            s.portal_by_slug("p1").await.unwrap().unwrap().id,
            &"c2".parse().unwrap(),
            "C2",
            now(),
        )
        .await
        .unwrap();
    let only_other = [other];
    let rows = s
        .directory(&DirectoryQuery {
            viewer: ann,
            everyone: false,
            within: Some(&only_other),
            text: None,
            after: None,
            limit: 50,
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    // Paging by email.
    let rows = s
        .directory(&DirectoryQuery {
            viewer: cid,
            everyone: true,
            within: None,
            text: None,
            after: Some("ann@x.org"),
            limit: 1,
        })
        .await
        .unwrap();
    assert_eq!(rows[0].email, "bob@x.org");
    // Sealed fields come back as stored; a replacement is whole.
    assert_eq!(
        rows[0].fields,
        vec![
            ("phone".to_owned(), b"sealed-2".to_vec()),
            ("unit".to_owned(), b"sealed-3".to_vec())
        ]
    );
    s.set_profiles(
        &[(bob, update("Bureau 2", &[("unit", b"sealed-4")]))],
        now(),
    )
    .await
    .unwrap();
    let bob_row = s.profile(bob).await.unwrap().unwrap();
    assert_eq!(bob_row.organisation, "Bureau 2");
    assert_eq!(
        bob_row.fields,
        vec![("unit".to_owned(), b"sealed-4".to_vec())]
    );
    let cid_row = s.profile(cid).await.unwrap().unwrap();
    assert_eq!(
        (cid_row.organisation.as_str(), cid_row.fields.len()),
        ("", 0)
    );
}
