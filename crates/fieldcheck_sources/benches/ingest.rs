//! Ingest throughput: an Okta System Log export of realistic events (mostly sign-ins, a few
//! lifecycle events and many event types fieldcheck skips), streamed through the adapter.
//!
//! Run: `cargo bench -p fieldcheck_sources --bench ingest` (size with `FIELDCHECK_BENCH_MB`,
//! default 512). Prints MB/s; the bar is at least 100 MB/s of JSON on the reference machine.

use std::io::Write;
use std::time::Instant;

fn event(i: u64) -> String {
    let (ty, target) = match i % 20 {
        0 => ("user.lifecycle.deactivate", true),
        1 => ("user.session.clear", true),
        2..=9 => ("user.session.start", false),
        10..=13 => ("policy.evaluate_sign_on", false),
        _ => ("user.authentication.auth_via_mfa", false),
    };
    let user = format!("00u{:017}", i % 50_000);
    let t = 1_775_000_000 + i * 3;
    let (d, s) = (t / 86_400, t % 86_400);
    let ts = format!(
        "2026-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        (d % 12) + 1,
        (d % 28) + 1,
        s / 3600,
        (s / 60) % 60,
        s % 60,
        i % 1000
    );
    let target = if target {
        format!(
            r#","target":[{{"id":"{user}","type":"User","alternateId":"user{}@example.com","displayName":"User {}","detailEntry":null}}]"#,
            i % 50_000,
            i % 50_000
        )
    } else {
        String::new()
    };
    format!(
        r#"{{"uuid":"{i:08x}-fa43-11ef-9a0e-2f3c4d5e6f70","published":"{ts}","eventType":"{ty}","legacyEventType":"core.user_auth.login_success","displayMessage":"User login to Okta","severity":"INFO","version":"0","actor":{{"id":"{user}","type":"User","alternateId":"user{}@example.com","displayName":"User {}","detailEntry":null}}{target},"outcome":{{"result":"SUCCESS","reason":null}},"client":{{"ipAddress":"198.51.100.{}","zone":"null","device":"Computer","userAgent":{{"rawUserAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36","os":"Mac OS X","browser":"CHROME"}},"geographicalContext":{{"city":"New York","state":"New York","country":"United States","postalCode":"10001","geolocation":{{"lat":40.7,"lon":-74.0}}}}}},"authenticationContext":{{"authenticationProvider":null,"credentialProvider":null,"credentialType":null,"issuer":null,"interface":null,"authenticationStep":0,"externalSessionId":"102abcdefghijklmnop"}},"securityContext":{{"asNumber":7922,"asOrg":"comcast","isp":"comcast","domain":"comcast.net","isProxy":false}},"debugContext":{{"debugData":{{"requestId":"X7LBsMxeqO-ADcGcmp0WGQAAB@g","requestUri":"/api/v1/authn","url":"/api/v1/authn?"}}}},"transaction":{{"type":"WEB","id":"X7LBsMxeqO-ADcGcmp0WGQAAB@g","detail":{{}}}},"request":{{"ipChain":[{{"ip":"198.51.100.20","geographicalContext":{{"city":"New York","country":"United States"}},"version":"V4","source":null}}]}}}}"#,
        i % 50_000,
        i % 50_000,
        i % 250,
    )
}

fn main() {
    let mb: u64 = std::env::var("FIELDCHECK_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(512);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("system-log.json");
    {
        let mut w = std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(&path).expect("create"),
        );
        let mut written = 0u64;
        let mut i = 0u64;
        w.write_all(b"[\n").expect("write");
        while written < mb << 20 {
            let e = event(i);
            if i > 0 {
                w.write_all(b",\n").expect("write");
            }
            w.write_all(e.as_bytes()).expect("write");
            written += e.len() as u64 + 2;
            i += 1;
        }
        w.write_all(b"\n]\n").expect("write");
    }
    let bytes = std::fs::metadata(&path).expect("size").len();
    let text = "[org]\nname = \"Bench\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-12-31\"\n[[sources]]\nadapter = \"okta-system-log\"\npath = \"system-log.json\"\nsystem_id = \"okta\"\n";
    let (config, diags) = fieldcheck_kit::parse_config("fieldcheck.toml", text);
    let config = config.unwrap_or_else(|| panic!("{diags:?}"));
    for run in 0..3 {
        let t = Instant::now();
        let c = fieldcheck_sources::collect(
            &config.sources,
            "fieldcheck.toml",
            dir.path(),
            &config.window.tz,
        );
        let secs = t.elapsed().as_secs_f64();
        let rows: usize = c.sourced.rows.iter().map(Vec::len).sum();
        println!(
            "run {run}: {:.0} MB of Okta System Log JSON in {secs:.2} s = {:.0} MB/s ({rows} rows)",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs
        );
    }
}
