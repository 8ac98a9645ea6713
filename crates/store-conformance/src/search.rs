//! Full-text search: permission filtering inside the query, ranking,
//! paging, phrases, prefixes, filters and every version.

use crate::fixtures::{account, community, new_document, now};
use rampart_domain::{AccountId, CommunityId, CommunityRole, Nation, ReleasableCommunity};
use rampart_store::*;

/// The search row of a text whose title, file name and body are already
/// folded (lower case, plain letters), as the application hands them.
fn text(title: &str, body: &str) -> SearchText {
    SearchText {
        title_terms: title.into(),
        filename_terms: "a txt".into(),
        body_terms: body.into(),
        body: body.into(),
    }
}

fn indexed(search: SearchText) -> IndexEntry {
    IndexEntry {
        bytes_sha256: [1; 32],
        search: Some(search),
        ..IndexEntry::default()
    }
}

/// Parses a query of plain words, `"phrases"` and `prefix*` (the
/// application's parser also folds; these are folded already).
fn terms(q: &str) -> Vec<SearchTerm> {
    let mut out = Vec::new();
    let q = q.replace("\"*", "*\"");
    for (i, part) in q.split('"').enumerate() {
        let chunks: Vec<&str> = if i % 2 == 1 {
            vec![part]
        } else {
            part.split_whitespace().collect()
        };
        for chunk in chunks {
            let prefix = chunk.ends_with('*');
            let tokens = chunk
                .trim_end_matches('*')
                .split_whitespace()
                .map(|w| Token::new(w).unwrap())
                .collect();
            out.extend(SearchTerm::new(tokens, prefix));
        }
    }
    out
}

struct Asker {
    account: AccountId,
    nation: Nation,
    communities: Vec<CommunityId>,
}

impl Asker {
    async fn find(&self, s: &Store, q: &str) -> Vec<String> {
        self.find_with(s, q, |_| {}).await
    }

    async fn find_with(
        &self,
        s: &Store,
        q: &str,
        tweak: impl FnOnce(&mut SearchQuery<'_>),
    ) -> Vec<String> {
        let terms = terms(q);
        let mut query = SearchQuery {
            terms: &terms,
            communities: &self.communities,
            nation: &self.nation,
            account: self.account,
            label: None,
            since: None,
            until: None,
            offset: 0,
            limit: 50,
        };
        tweak(&mut query);
        s.search(&query)
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.document)
            .collect()
    }
}

/// Stores a document in `community` released as given, indexed with `body`.
async fn doc(
    s: &Store,
    community: CommunityId,
    by: AccountId,
    title: &str,
    nations: &[&str],
    released_to: Option<CommunityId>,
    body: &str,
) -> String {
    let mut new = new_document(
        community,
        title,
        nations.iter().map(|n| n.parse().unwrap()).collect(),
        by,
    );
    if let Some(c) = released_to {
        new.marking.releasable_communities = vec![ReleasableCommunity {
            id: c,
            path: "p1/other".into(),
        }];
    }
    s.create_document(&new, now()).await.unwrap();
    let id = new.id.to_string();
    s.index_version(&id, 1, &indexed(text(title, body)), now())
        .await
        .unwrap();
    id
}

async fn second_community(s: &Store) -> CommunityId {
    let p = s.portal_by_slug("p1").await.unwrap().unwrap();
    s.create_community(p.id, &"other".parse().unwrap(), "Other", now())
        .await
        .unwrap()
}

pub async fn search_is_filtered_by_permission_inside_the_query(store: Store) {
    let s = store;
    let c1 = community(&s).await;
    let c2 = second_community(&s).await;
    let by = account(&s, "carl@x.org").await;
    let ann = account(&s, "ann@x.org").await;
    let open = doc(&s, c1, by, "open", &[], None, "drone patrol").await;
    let nor = doc(&s, c1, by, "nor", &["NOR"], None, "drone patrol").await;
    let fra = doc(&s, c1, by, "fra", &["FRA"], None, "drone patrol").await;
    let other = doc(&s, c2, by, "other", &[], None, "drone patrol").await;
    // Released to the members of c2 only (and to no nation).
    let to_c2 = doc(&s, c1, by, "to c2", &[], Some(c2), "drone patrol").await;

    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let mut asker = Asker {
        account: ann,
        nation: "NOR".parse().unwrap(),
        communities: vec![c1],
    };
    let want = sorted(vec![open.clone(), nor.clone()]);
    assert_eq!(sorted(asker.find(&s, "drone").await), want);
    asker.nation = "FRA".parse().unwrap();
    let want = sorted(vec![open.clone(), fra.clone()]);
    assert_eq!(sorted(asker.find(&s, "drone").await), want);
    // Releasability to a community is membership of it.
    s.set_membership(ann, c2, CommunityRole::Reader, now())
        .await
        .unwrap();
    let want = sorted(vec![open.clone(), fra.clone(), to_c2.clone()]);
    assert_eq!(sorted(asker.find(&s, "drone").await), want);
    asker.communities = vec![c1, c2];
    let want = sorted(vec![open.clone(), fra, to_c2, other]);
    assert_eq!(sorted(asker.find(&s, "drone").await), want);
    // No community: nothing at all, whatever matches.
    asker.communities.clear();
    assert!(asker.find(&s, "drone").await.is_empty());
    // A hidden match is not paged either: the NOR document is never a
    // page of its own for a FRA asker.
    asker.communities = vec![c1];
    let all = asker.find(&s, "patrol").await;
    let one_by_one: Vec<String> = {
        let mut out = Vec::new();
        for offset in 0..6 {
            out.extend(
                asker
                    .find_with(&s, "patrol", |q| {
                        q.offset = offset;
                        q.limit = 1;
                    })
                    .await,
            );
        }
        out
    };
    assert_eq!(one_by_one, all);
    assert!(!all.contains(&nor));
}

pub async fn search_ranks_titles_first_and_pages(store: Store) {
    let s = store;
    let c1 = community(&s).await;
    let by = account(&s, "carl@x.org").await;
    let body_only = doc(
        &s,
        c1,
        by,
        "report",
        &[],
        None,
        "notes on hypersonic glide and more words here",
    )
    .await;
    let in_title = doc(&s, c1, by, "hypersonic glide", &[], None, "notes").await;
    let asker = Asker {
        account: by,
        nation: "NOR".parse().unwrap(),
        communities: vec![c1],
    };
    assert_eq!(
        asker.find(&s, "hypersonic").await,
        vec![in_title, body_only]
    );
    // Pages: 25 matches, 10 at a time, best first, none twice, none lost.
    for i in 0..25 {
        doc(&s, c1, by, &format!("log {i}"), &[], None, "convoy").await;
    }
    let mut seen = Vec::new();
    for page in 0..3 {
        let got = asker
            .find_with(&s, "convoy", |q| {
                q.offset = page * 10;
                q.limit = 10;
            })
            .await;
        assert_eq!(got.len(), if page < 2 { 10 } else { 5 });
        seen.extend(got);
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 25);
}

pub async fn search_reads_phrases_prefixes_filters_and_every_version(store: Store) {
    let s = store;
    let c1 = community(&s).await;
    let by = account(&s, "carl@x.org").await;
    let asker = Asker {
        account: by,
        nation: "NOR".parse().unwrap(),
        communities: vec![c1],
    };
    let d = doc(
        &s,
        c1,
        by,
        "plan",
        &[],
        None,
        "lessons learned in phase 2024 logistics",
    )
    .await;
    let found = |v: Vec<String>| v == vec![d.clone()];
    assert!(found(asker.find(&s, "\"lessons learned\"").await));
    assert!(asker.find(&s, "\"learned lessons\"").await.is_empty());
    assert!(found(asker.find(&s, "logist*").await));
    assert!(found(asker.find(&s, "\"lessons lear\"*").await));
    assert!(asker.find(&s, "logist").await.is_empty());
    assert!(found(asker.find(&s, "2024").await));
    assert!(found(asker.find(&s, "lessons 2024").await));
    assert!(asker.find(&s, "lessons absent").await.is_empty());
    // The file name is searched.
    assert!(found(asker.find(&s, "txt").await));
    // Label and upload time.
    assert!(asker
        .find_with(&s, "lessons", |q| q.label = Some("PUBLIC"))
        .await
        .is_empty());
    assert!(found(
        asker
            .find_with(&s, "lessons", |q| q.label = Some("NON-PUBLIC"))
            .await
    ));
    let later = now() + time::Duration::hours(1);
    assert!(asker
        .find_with(&s, "lessons", |q| q.since = Some(later))
        .await
        .is_empty());
    assert!(found(
        asker
            .find_with(&s, "lessons", |q| q.until = Some(later))
            .await
    ));
    assert!(asker
        .find_with(&s, "lessons", |q| q.until = Some(now()))
        .await
        .is_empty());
    // A second version: both versions' words find the document, once,
    // with the version that matched.
    let id: rampart_domain::DocumentId = d.parse().unwrap();
    let mut v2 = new_document(c1, "plan", vec![], by).version;
    v2.filename = "b.txt".into();
    let n = s.add_version(id, &v2, now()).await.unwrap();
    s.index_version(&d, n, &indexed(text("plan", "fuel convoy")), now())
        .await
        .unwrap();
    let hits = |q: &'static str| {
        let terms = terms(q);
        let asker = &asker;
        let s = &s;
        async move {
            s.search(&SearchQuery {
                terms: &terms,
                communities: &asker.communities,
                nation: &asker.nation,
                account: asker.account,
                label: None,
                since: None,
                until: None,
                offset: 0,
                limit: 10,
            })
            .await
            .unwrap()
            .into_iter()
            .map(|h| (h.document, h.version))
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(hits("lessons").await, vec![(d.clone(), 1)]);
    assert_eq!(hits("convoy").await, vec![(d.clone(), 2)]);
    assert_eq!(hits("plan").await.len(), 1);
    // Reindexing a version replaces its words.
    s.index_version(&d, 1, &indexed(text("plan", "renewed text")), now())
        .await
        .unwrap();
    assert!(hits("lessons").await.is_empty());
    assert_eq!(hits("renewed").await, vec![(d.clone(), 1)]);
    assert_eq!(
        s.search_body(&d, 1).await.unwrap().as_deref(),
        Some("renewed text")
    );
    assert_eq!(s.search_coverage().await.unwrap(), (2, 2));
}

pub async fn search_finds_visible_documents_below_many_hidden_ones(store: Store) {
    let s = store;
    let c1 = community(&s).await;
    let by = account(&s, "carl@x.org").await;
    // 300 documents the asker may not see, all ranked above the visible
    // ones (the word in their titles), then 5 it may see.
    for i in 0..300 {
        doc(&s, c1, by, &format!("radar {i}"), &["FRA"], None, "radar").await;
    }
    let mut visible = Vec::new();
    for i in 0..5 {
        visible.push(doc(&s, c1, by, &format!("log {i}"), &[], None, "radar note").await);
    }
    visible.sort();
    let asker = Asker {
        account: by,
        nation: "NOR".parse().unwrap(),
        communities: vec![c1],
    };
    let mut found = asker.find(&s, "radar").await;
    found.sort();
    assert_eq!(found, visible);
    let second = asker
        .find_with(&s, "radar", |q| {
            q.offset = 3;
            q.limit = 10;
        })
        .await;
    assert_eq!(second.len(), 2);
}
