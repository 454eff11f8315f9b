//! Ingest throughput: an Okta System Log export of realistic events (mostly sign-ins, a few
//! lifecycle events and many event types fieldcheck skips), and a CloudTrail S3 log file
//! (`{"Records": [...]}`: API calls, console sign-ins, SSM sessions), each streamed through its
//! adapter.
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

fn trail_record(i: u64) -> String {
    let t = 1_775_000_000 + i * 2;
    let (d, s) = (t / 86_400, t % 86_400);
    let ts = format!(
        "2026-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        (d % 12) + 1,
        (d % 28) + 1,
        s / 3600,
        (s / 60) % 60,
        s % 60
    );
    let user = format!("user{}", i % 5_000);
    let (source, name, extra) = match i % 50 {
        0 => ("signin.amazonaws.com", "ConsoleLogin", r#","responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"Yes"}"#.to_string()),
        1 => ("ssm.amazonaws.com", "StartSession", format!(r#","requestParameters":{{"target":"i-0123456789abcdef0"}},"responseElements":{{"sessionId":"{user}-{i:016x}","tokenValue":"Value hidden due to security reasons.","streamUrl":"wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/{user}-{i:016x}?role=publish_subscribe"}}"#)),
        _ => ("s3.amazonaws.com", "GetObject", r#","requestParameters":{"bucketName":"prod-data","key":"reports/2026/summary.csv","Host":"prod-data.s3.us-east-1.amazonaws.com"},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"bytesTransferredOut":48211,"x-amz-id-2":"Hx3cJm7dCw0dQJQvZb2Vb0vRdgF2Q=="}"#.to_string()),
    };
    format!(
        r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","principalId":"AIDACKCEVSQ6C2EXAMPLE","arn":"arn:aws:iam::111122223333:user/{user}","accountId":"111122223333","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"{user}"}},"eventTime":"{ts}","eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22"{extra},"requestID":"{i:016x}-req","eventID":"{i:016x}-0000-4000-8000-000000000000","readOnly":true,"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"111122223333","eventCategory":"Data","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"prod-data.s3.us-east-1.amazonaws.com"}}}}"#
    )
}

fn write_export(
    path: &std::path::Path,
    mb: u64,
    head: &[u8],
    tail: &[u8],
    record: &dyn Fn(u64) -> String,
) -> u64 {
    let mut w =
        std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).expect("create"));
    let mut written = 0u64;
    let mut i = 0u64;
    w.write_all(head).expect("write");
    while written < mb << 20 {
        let e = record(i);
        if i > 0 {
            w.write_all(b",\n").expect("write");
        }
        w.write_all(e.as_bytes()).expect("write");
        written += e.len() as u64 + 2;
        i += 1;
    }
    w.write_all(tail).expect("write");
    drop(w);
    std::fs::metadata(path).expect("size").len()
}

fn bench(label: &str, dir: &std::path::Path, bytes: u64, source: &str) {
    let text = format!(
        "[org]\nname = \"Bench\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-12-31\"\n{source}"
    );
    let (config, diags) = fieldcheck_kit::parse_config("fieldcheck.toml", &text);
    let config = config.unwrap_or_else(|| panic!("{diags:?}"));
    for run in 0..3 {
        let t = Instant::now();
        let c =
            fieldcheck_sources::collect(&config.sources, "fieldcheck.toml", dir, &config.window);
        let secs = t.elapsed().as_secs_f64();
        let rows: usize = c.sourced.rows.iter().map(Vec::len).sum();
        println!(
            "{label} run {run}: {:.0} MB in {secs:.2} s = {:.0} MB/s ({rows} rows)",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs
        );
    }
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
    bench(
        "Okta System Log",
        dir.path(),
        bytes,
        "[[sources]]\nadapter = \"okta-system-log\"\npath = \"system-log.json\"\nsystem_id = \"okta\"\n",
    );
    let trail = dir
        .path()
        .join("trail")
        .join("111122223333_CloudTrail_us-east-1.json");
    std::fs::create_dir_all(trail.parent().expect("dir")).expect("mkdir");
    let bytes = write_export(&trail, mb, b"{\"Records\":[\n", b"\n]}\n", &trail_record);
    bench(
        "CloudTrail",
        dir.path(),
        bytes,
        "[[sources]]\nadapter = \"aws-cloudtrail\"\npath = \"trail/*.json\"\nsystem_id = \"aws-prod\"\n",
    );
}
