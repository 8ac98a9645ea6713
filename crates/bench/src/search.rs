//! `rampart-bench search`: search latency over a generated install. Each
//! query does what a results page does below HTTP and the guard: parse
//! and fold the words, run the permission-filtered store query for a page
//! of 20, then for every hit read the document and its text and cut the
//! snippet. Queries are drawn from the indexed texts themselves: one
//! word, two words, a prefix and a two-word phrase, so that most have
//! hits (a query found nowhere is cheap and flatters the figures).

use anyhow::Context;
use rampart_app::search::text;
use rampart_domain::{AccountId, DocumentId, Nation};
use rampart_store::SearchQuery;
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Options of `search`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    /// The data dir (made by `generate`).
    #[arg(long)]
    data: PathBuf,
    /// Queries of each kind.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Seed of the query choice.
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    let store = rampart_store_sqlite::open(&opts.data.join("rampart.db"))
        .await
        .with_context(|| format!("opening {}", opts.data.display()))?;
    let (versions, searchable) = store.search_coverage().await?;
    let communities: Vec<_> = store
        .list_communities()
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let nation: Nation = "NOR".parse()?;
    let mut rng = StdRng::seed_from_u64(opts.seed);
    // Words from the texts of random versions.
    let all = store.versions_to_index().await?;
    let mut words: Vec<Vec<String>> = Vec::new();
    for v in all.choose_multiple(&mut rng, 400) {
        if let Some(body) = store.search_body(&v.document, v.version).await? {
            let w: Vec<String> = text::words(text::capped(&body, 20_000))
                .into_iter()
                .filter(|w| w.len() >= 4 && w.chars().all(char::is_alphabetic))
                .collect();
            if w.len() > 2 {
                words.push(w);
            }
        }
    }
    anyhow::ensure!(!words.is_empty(), "no indexed text to draw queries from");
    let kinds = ["one word", "two words", "prefix", "phrase"];
    let mut all_times = Vec::new();
    println!(
        "search over {searchable} of {versions} versions, {} communities, {} queries per kind",
        communities.len(),
        opts.queries
    );
    for kind in kinds {
        let mut times = Vec::with_capacity(opts.queries);
        let mut hits_total = 0usize;
        let mut query_times = Vec::with_capacity(opts.queries);
        for _ in 0..opts.queries {
            let Some(doc_words) = words.choose(&mut rng) else {
                continue;
            };
            let i = rng.gen_range(0..doc_words.len() - 1);
            let q = match kind {
                "one word" => doc_words[i].clone(),
                "two words" => {
                    let other = doc_words.choose(&mut rng).map_or("", String::as_str);
                    format!("{} {other}", doc_words[i])
                }
                "prefix" => format!("{}*", &doc_words[i][..4]),
                _ => format!("\"{} {}\"", doc_words[i], doc_words[i + 1]),
            };
            let started = Instant::now();
            let terms = text::parse_query(&q)?;
            let hits = store
                .search(&SearchQuery {
                    terms: &terms,
                    communities: &communities,
                    nation: &nation,
                    account: AccountId(1),
                    label: None,
                    since: None,
                    until: None,
                    offset: 0,
                    limit: 21,
                })
                .await?;
            query_times.push(started.elapsed());
            for hit in hits.iter().take(20) {
                let id: DocumentId = hit.document.parse()?;
                let _doc = store.document(id).await?;
                let body = store.search_body(&hit.document, hit.version).await?;
                let _snippet = text::snippet(&body.unwrap_or_default(), &terms);
            }
            times.push(started.elapsed());
            hits_total += hits.len().min(20);
        }
        times.sort();
        query_times.sort();
        println!(
            "  {kind:<10} p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  ({:.1} hits per page; the store's query alone p50 {:.2} ms, p99 {:.2} ms)",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            percentile(&times, 1.0),
            hits_total as f64 / times.len().max(1) as f64,
            percentile(&query_times, 0.5),
            percentile(&query_times, 0.99),
        );
        all_times.extend(times);
    }
    all_times.sort();
    println!(
        "  all        p50 {:>7.2} ms  p99 {:>7.2} ms",
        percentile(&all_times, 0.5),
        percentile(&all_times, 0.99)
    );
    // The reference: a community's listing page of 20, the same store
    // and the same permission filter, measured the same way.
    let mut list_times = Vec::with_capacity(opts.queries);
    for _ in 0..opts.queries {
        let Some(&community) = communities.choose(&mut rng) else {
            break;
        };
        let started = Instant::now();
        let _page = store
            .list_documents_for_member(community, AccountId(1), &nation, None, 20)
            .await?;
        list_times.push(started.elapsed());
    }
    list_times.sort();
    let (list50, list99) = (percentile(&list_times, 0.5), percentile(&list_times, 0.99));
    println!(
        "  reference: a listing page p50 {list50:.2} ms p99 {list99:.2} ms; search/listing p50 {:.1}x, p99 {:.1}x",
        percentile(&all_times, 0.5) / list50.max(1e-6),
        percentile(&all_times, 0.99) / list99.max(1e-6)
    );
    store.close().await;
    Ok(())
}
