//! How fast passages embed: passages of the licence texts every Debian
//! machine has (about 55 words each), batched 1, 8 and 32 at a time. The
//! figure is per core: each call runs on one thread.
//!
//!     RAMPART_MODEL_DIR=$(scripts/fetch-model.sh) \
//!       cargo run --release -p rampart-semantic --example speed
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rampart_semantic::{passages, Embedder};
use std::time::Instant;

fn main() {
    rampart_semantic::configure_threads(); // as `rampart` does
    let dir = std::env::var_os("RAMPART_MODEL_DIR").expect("RAMPART_MODEL_DIR");
    let started = Instant::now();
    let model = Embedder::load(std::path::Path::new(&dir)).unwrap();
    println!("model loaded in {:.2} s", started.elapsed().as_secs_f64());
    let mut text = String::new();
    for name in ["GPL-3", "GPL-2", "Apache-2.0", "LGPL-2.1"] {
        text.push_str(
            &std::fs::read_to_string(format!("/usr/share/common-licenses/{name}")).unwrap(),
        );
        text.push_str("\n\n");
    }
    let all = passages(&text);
    let n = all.len().min(256);
    let words: usize = all.iter().take(n).map(|p| p.words).sum();
    println!(
        "{n} passages, {:.0} words each on average",
        words as f64 / n as f64
    );
    let texts: Vec<&str> = all.iter().take(n).map(|p| p.text.as_str()).collect();
    model.embed(&texts[..8]).unwrap(); // warm-up
    for batch in [1, 8, 32] {
        let t = Instant::now();
        for chunk in texts.chunks(batch) {
            model.embed(chunk).unwrap();
        }
        let secs = t.elapsed().as_secs_f64();
        println!("batch {batch:>2}: {:.1} passages/s", n as f64 / secs);
    }
}
