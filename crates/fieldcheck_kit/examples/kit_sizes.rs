//! What a loaded kit holds, by kind: records, the size of one record, and their bytes, then the
//! process's resident memory once the kit is loaded (records, names, people resolved). For
//! measuring where an audit's memory goes (BENCHMARKS.md).
//!
//! Usage: `cargo run --release -p fieldcheck_kit --example kit_sizes -- KIT`
//! (the `fieldcheck` binary sets glibc's allocator thresholds; for the same figures run this
//! under `GLIBC_TUNABLES=glibc.malloc.mmap_threshold=262144:glibc.malloc.trim_threshold=262144`).

use std::path::PathBuf;

use fieldcheck_kit::*;

fn main() {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: kit_sizes KIT");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(dir.join("fieldcheck.toml")).unwrap_or_else(|e| {
        eprintln!("cannot read {}/fieldcheck.toml: {e}", dir.display());
        std::process::exit(2);
    });
    let Some(config) = parse_config("fieldcheck.toml", &text).0 else {
        eprintln!("the config has errors: run `fieldcheck check`");
        std::process::exit(2);
    };
    let (kit, _) = read_kit(&dir, &ReadOptions::for_config(&config)).unwrap_or_else(|e| {
        eprintln!("cannot read the kit: {e}");
        std::process::exit(2);
    });
    let mut total = 0;
    macro_rules! row {
        ($($field:ident: $t:ty),* $(,)?) => {$(
            let (n, size) = (kit.$field.len(), std::mem::size_of::<$t>());
            total += n * size;
            if n > 0 {
                println!("{:<24} {:>10} x {:>4} B = {:>8.1} MB", stringify!($field), n, size, (n * size) as f64 / 1e6);
            }
        )*};
    }
    row!(
        systems: System, people: Person, identities: Identity, accounts: Account,
        credentials: Credential, account_events: AccountEvent, access_reviews: AccessReview,
        access_review_decisions: Decision, changes: Change, pull_requests: PullRequest,
        pr_reviews: PrReview, deploys: Deploy, vendors: Vendor, backup_jobs: BackupJob,
        restore_tests: RestoreTest, sessions: Session, central_log: CentralLog,
        jit_requests: JitRequest, data_stores: DataStore, keys: Key, endpoints: Endpoint,
        training: Training, training_escalations: TrainingEscalation,
        phishing_campaigns: PhishingCampaign, risks: Risk, risk_reviews: RiskReview,
        risk_links: RiskLink,
    );
    println!(
        "{:<24} {:>10}          {:>8.1} MB (structs only; longer ids and texts are on the heap)",
        "records",
        kit.record_count(),
        total as f64 / 1e6
    );
    println!("{:<24} {:>10}", "names", kit.names.len());
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in status
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
    {
        println!("{line}");
    }
}
