use rampart_fingerprint::*;
fn main() {
    let fp = Fingerprinter::new(&ServerSecret::new([1; 32]), Params::default()).unwrap();
    let doc = std::fs::read_to_string("/usr/share/common-licenses/GPL-2").unwrap();
    let v = VersionId { document: [1; 16], version: 1 };
    let m = Mark { account: AccountId(1), download: DownloadId([0; 16]), version: v };
    let t = std::time::Instant::now();
    let (marked, _) = fp.embed_text(&doc, &m);
    println!("embed {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let obs = fp.extract(&marked, &[v]);
    println!("extract {:?}", t.elapsed());
    let cands: Vec<_> = (0..1000).map(AccountId).collect();
    let t = std::time::Instant::now();
    let a = fp.accuse(&obs, &cands);
    println!("accuse {:?} m={}", t.elapsed(), a.positions);
}
