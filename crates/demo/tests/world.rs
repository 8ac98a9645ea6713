//! Checks the generated demo world against the promises the lead relies on:
//! counts, membership and marking consistency, formats, determinism and
//! textual variety.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::OnceLock;

use rampart_demo::{generate, Document, InstallRole, Role, World, FICTION_NOTICE};

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| generate(7))
}

fn valid_slug(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn text_of(doc: &Document) -> String {
    String::from_utf8_lossy(&doc.content).into_owned()
}

fn communities(w: &World) -> BTreeMap<String, &rampart_demo::Community> {
    w.portals
        .iter()
        .flat_map(|p| {
            p.communities
                .iter()
                .map(move |c| (format!("{}/{}", p.slug, c.slug), c))
        })
        .collect()
}

#[test]
fn counts() {
    check_counts(world());
}

#[test]
fn accounts_and_memberships() {
    check_accounts(world());
}

#[test]
fn documents_are_consistent() {
    check_documents(world());
}

#[test]
fn invariants_hold_for_other_seeds() {
    for seed in [0, 1, 42, 2025, u64::MAX] {
        let w = generate(seed);
        check_counts(&w);
        check_accounts(&w);
        check_documents(&w);
    }
}

fn check_counts(w: &World) {
    assert_eq!(w.portals.len(), 6);
    let c = communities(w).len();
    assert!((18..=22).contains(&c), "{c} communities");
    assert!(
        (140..=160).contains(&w.accounts.len()),
        "{} accounts",
        w.accounts.len()
    );
    let nations: BTreeSet<_> = w.accounts.iter().map(|a| a.nation.as_str()).collect();
    assert_eq!(nations.len(), 31, "{nations:?}");
    assert!(
        (450..=550).contains(&w.documents.len()),
        "{} documents",
        w.documents.len()
    );
    assert_eq!(w.documents.iter().filter(|d| d.canary).count(), 5);
    let security: Vec<_> = w
        .accounts
        .iter()
        .filter(|a| a.install_role == Some(InstallRole::Security))
        .collect();
    assert_eq!(security.len(), 1);
    assert_eq!(security[0].email, rampart_demo::SECURITY_EMAIL);
}

fn check_accounts(w: &World) {
    let emails: HashSet<_> = w.accounts.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(emails.len(), w.accounts.len(), "emails unique");
    for a in &w.accounts {
        let (local, domain) = a.email.split_once('@').unwrap();
        assert!(domain.ends_with(".example"), "{}", a.email);
        assert!(
            local.contains('.')
                && local
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.'),
            "{}",
            a.email
        );
        assert_eq!(a.nation.len(), 3);
        assert!(a.nation.bytes().all(|b| b.is_ascii_uppercase()));
        assert!(!a.name.is_empty());
    }
    let mut per_account: BTreeMap<&str, usize> = BTreeMap::new();
    let mut roles: BTreeMap<Role, usize> = BTreeMap::new();
    let mut slugs = HashSet::new();
    for p in &w.portals {
        assert!(valid_slug(&p.slug), "{}", p.slug);
        assert!(slugs.insert(p.slug.clone()));
        let mut local = HashSet::new();
        for c in &p.communities {
            assert!(valid_slug(&c.slug), "{}", c.slug);
            assert!(local.insert(c.slug.clone()));
            let members: HashSet<_> = c.members.iter().map(|m| m.email.as_str()).collect();
            assert_eq!(
                members.len(),
                c.members.len(),
                "duplicate member in {}",
                c.slug
            );
            let managers = c.members.iter().filter(|m| m.role == Role::Manager).count();
            assert!(
                (1..=2).contains(&managers),
                "{} has {managers} managers",
                c.slug
            );
            assert!(
                c.members.iter().any(|m| m.role == Role::Contributor),
                "{}",
                c.slug
            );
            for m in &c.members {
                assert!(emails.contains(m.email.as_str()));
                *per_account.entry(&m.email).or_default() += 1;
                *roles.entry(m.role).or_default() += 1;
            }
        }
    }
    for a in &w.accounts {
        let n = per_account.get(a.email.as_str()).copied().unwrap_or(0);
        if a.install_role.is_none() {
            assert!((1..=4).contains(&n), "{} in {n} communities", a.email);
        } else {
            assert_eq!(n, 0, "{}", a.email);
        }
    }
    let total: usize = roles.values().sum();
    assert!(
        roles[&Role::Reader] * 2 > total,
        "most members are readers: {roles:?}"
    );
}

fn check_documents(w: &World) {
    let comms = communities(w);
    let nations: BTreeSet<_> = w.accounts.iter().map(|a| a.nation.clone()).collect();
    let mut titles = HashSet::new();
    let mut filenames = HashSet::new();
    let mut canary_places = HashSet::new();
    let (mut by_nation, mut by_community, mut public) = (0, 0, 0);
    let mut formats: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &w.documents {
        let key = format!("{}/{}", d.portal, d.community);
        let community = comms
            .get(&key)
            .unwrap_or_else(|| panic!("unknown community {key}"));
        let up = community
            .members
            .iter()
            .find(|m| m.email == d.uploader)
            .expect("uploader is a member");
        assert!(up.role.can_upload(), "{} is a reader of {key}", d.uploader);
        assert!(
            titles.insert(d.title.clone()),
            "duplicate title {}",
            d.title
        );
        assert!(
            filenames.insert(d.filename.clone()),
            "duplicate filename {}",
            d.filename
        );
        assert!(d.label.starts_with("NON-PUBLIC"), "{}", d.label);
        let ext = d.filename.rsplit('.').next().unwrap();
        let expected = match ext {
            "txt" => "text/plain",
            "md" => "text/markdown",
            "html" => "text/html",
            "pdf" => "application/pdf",
            other => panic!("extension {other}"),
        };
        assert_eq!(d.media_type, expected);
        *formats.entry(ext).or_default() += 1;
        if ext != "pdf" {
            let text = text_of(d);
            assert!(text.contains(FICTION_NOTICE), "{}", d.title);
            assert!(text.contains(&d.label));
        }
        if !d.releasable_nations.is_empty() {
            by_nation += 1;
            let uploader = w.accounts.iter().find(|a| a.email == d.uploader).unwrap();
            assert!((3..=8).contains(&d.releasable_nations.len()));
            assert!(d.releasable_nations.contains(&uploader.nation));
            assert!(d.releasable_nations.iter().all(|n| nations.contains(n)));
        }
        if !d.releasable_communities.is_empty() {
            by_community += 1;
            assert!(d.releasable_communities.contains(&key));
            for rc in &d.releasable_communities {
                let c = comms
                    .get(rc)
                    .unwrap_or_else(|| panic!("unknown releasable community {rc}"));
                assert!(
                    c.members.iter().any(|m| m.email == d.uploader),
                    "uploader not in {rc}"
                );
            }
        }
        assert_eq!(d.public_since.is_some(), d.public_source.is_some());
        if let Some(since) = &d.public_since {
            public += 1;
            let year: u32 = since[..4].parse().unwrap();
            assert!(
                (2019..=2025).contains(&year) && since.len() == 10,
                "{since}"
            );
            assert!(d.releasable_nations.is_empty() && d.releasable_communities.is_empty());
        }
        if d.canary {
            assert!(canary_places.insert(key.clone()), "two canaries in {key}");
            assert!(d.public_since.is_none());
        }
    }
    let n = w.documents.len() as f64;
    let share = |x: usize| x as f64 / n;
    assert!((0.12..=0.18).contains(&share(by_nation)), "{by_nation}");
    assert!(
        (0.03..=0.07).contains(&share(by_community)),
        "{by_community}"
    );
    assert!((0.03..=0.07).contains(&share(public)), "{public}");
    for (ext, want) in [("txt", 0.35), ("md", 0.25), ("html", 0.20), ("pdf", 0.20)] {
        let got = share(formats[ext]);
        assert!((got - want).abs() < 0.03, "{ext}: {got}");
    }
}

#[test]
fn every_community_has_documents_of_varied_length() {
    let w = world();
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for d in &w.documents {
        *per.entry(format!("{}/{}", d.portal, d.community))
            .or_default() += 1;
    }
    assert_eq!(per.len(), communities(w).len());
    assert!(per.values().all(|n| *n >= 10), "{per:?}");
    let words: Vec<usize> = w
        .documents
        .iter()
        .filter(|d| !d.filename.ends_with(".pdf"))
        .map(|d| text_of(d).split_whitespace().count())
        .collect();
    assert!(words.iter().any(|n| *n < 600), "some short documents");
    assert!(words.iter().any(|n| *n > 2500), "some long documents");
}

#[test]
fn html_is_well_formed() {
    const VOID: &[&str] = &["meta", "br", "hr"];
    for d in world()
        .documents
        .iter()
        .filter(|d| d.media_type == "text/html")
    {
        let html = text_of(d);
        assert!(html.starts_with("<!DOCTYPE html>"), "{}", d.filename);
        assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
        let mut stack: Vec<String> = Vec::new();
        let mut rest = &html["<!DOCTYPE html>".len()..];
        while let Some(start) = rest.find('<') {
            let end = rest[start..]
                .find('>')
                .map(|e| start + e)
                .expect("tag closes");
            let tag = &rest[start + 1..end];
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if let Some(closing) = tag.strip_prefix('/') {
                assert_eq!(
                    stack.pop().as_deref(),
                    Some(closing.trim()),
                    "{}",
                    d.filename
                );
            } else if !VOID.contains(&name.as_str()) {
                stack.push(name);
            }
            rest = &rest[end + 1..];
        }
        assert!(stack.is_empty(), "unclosed {stack:?} in {}", d.filename);
        assert!(html.contains("<title>") && html.contains("<h1>") && html.contains("<h2>"));
    }
}

#[test]
fn deterministic_per_seed() {
    let a = generate(7);
    assert_eq!(&a, world());
    let b = generate(8);
    assert_ne!(a.accounts, b.accounts);
    let texts_a: HashSet<_> = a.documents.iter().map(|d| d.content.clone()).collect();
    assert!(b.documents.iter().all(|d| !texts_a.contains(&d.content)));
}

fn shingles(text: &str) -> HashSet<u64> {
    use std::hash::{Hash, Hasher};
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words
        .windows(5)
        .map(|w| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            w.hash(&mut h);
            h.finish()
        })
        .collect()
}

#[test]
fn texts_are_not_near_duplicates() {
    let w = world();
    let mut by_community: BTreeMap<String, Vec<&Document>> = BTreeMap::new();
    for d in w
        .documents
        .iter()
        .filter(|d| d.media_type != "application/pdf")
    {
        by_community
            .entry(format!("{}/{}", d.portal, d.community))
            .or_default()
            .push(d);
    }
    let mut worst = 0.0f64;
    for docs in by_community.values() {
        let sets: Vec<_> = docs
            .iter()
            .take(14)
            .map(|d| shingles(&text_of(d)))
            .collect();
        for i in 0..sets.len() {
            for j in i + 1..sets.len() {
                let inter = sets[i].intersection(&sets[j]).count() as f64;
                let union = sets[i].union(&sets[j]).count() as f64;
                worst = worst.max(inter / union);
            }
        }
    }
    println!("worst Jaccard similarity of 5-shingles: {worst:.3}");
    assert!(worst < 0.5, "{worst}");
}
