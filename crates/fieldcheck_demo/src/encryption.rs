//! data_stores.csv, keys.csv and endpoints.csv: encryption at rest and in transit.
//!
//! Northpeak gets this right in scope: restricted systems use customer-managed KMS keys with yearly rotation,
//! every copy keeps its primary's key model, staging uses AWS-managed keys, and every endpoint requires TLS 1.2.
//! The two out-of-scope legacy hosts are not clean (an unencrypted volume, TLS 1.0), and one retired customer key
//! with rotation off is used by no data store: none of these may count.

use std::io;
use std::path::Path;

use crate::csv::{Csv, Written};
use crate::files;
use crate::names::SERVICES;
use crate::org::{AWS_PROD, AWS_STAGING, OKTA, Org, POSTGRES, SYSTEMS, WEBSITE, WIKI};
use crate::rng::{Rng, mix64, push_hex};
use crate::time::Clock;

const PROD_ACCOUNT: &str = "418273640912";

struct Key {
    id: String,
    manager: &'static str,
    rotation: bool,
    period: i64,
}

struct Store {
    id: String,
    sys: u8,
    kind: &'static str,
    primary: Option<usize>,
    region: &'static str,
    encrypted: bool,
    key: Option<usize>,
}

struct Endpoint {
    id: String,
    sys: u8,
    public: bool,
    tls: &'static str,
    weak: bool,
    policy: &'static str,
}

pub(crate) fn write(dir: &Path, clock: &Clock, org: &Org) -> io::Result<Vec<Written>> {
    let mut rng = Rng::stream(org.seed, "encryption", 0);
    let n = org.people.len();
    let services: Vec<String> = (0..(8 + n / 600).min(400))
        .map(|k| {
            SERVICES
                .get(k)
                .map_or_else(|| format!("svc{:03}", k), |s| (*s).to_string())
        })
        .collect();
    let salt = mix64(org.seed ^ 0xe7c_0de);
    let mut counter = 0u64;
    let mut hex = |width: usize| {
        counter += 1;
        let mut s = String::new();
        push_hex(&mut s, mix64(salt ^ counter), width.min(16));
        if width > 16 {
            push_hex(&mut s, mix64(salt.rotate_left(9) ^ counter), width - 16);
        }
        s
    };
    let mut keys: Vec<Key> = Vec::new();
    let customer_key =
        |keys: &mut Vec<Key>, rng: &mut Rng, hex: &mut dyn FnMut(usize) -> String| {
            let uuid = format!("{}-{}-{}-{}-{}", hex(8), hex(4), hex(4), hex(4), hex(12));
            let period = *rng.pick(&[365, 365, 365, 180, 90]);
            // KMS names a key by its id (the ARN adds only the account and the region).
            keys.push(Key {
                id: uuid,
                manager: "customer",
                rotation: true,
                period,
            });
            keys.len() - 1
        };
    // AWS-managed keys (`alias/aws/s3`, ...) have key ids like any other key.
    let provider = |keys: &mut Vec<Key>, hex: &mut dyn FnMut(usize) -> String| {
        let uuid = format!("{}-{}-{}-{}-{}", hex(8), hex(4), hex(4), hex(4), hex(12));
        keys.push(Key {
            id: uuid,
            manager: "provider",
            rotation: true,
            period: 365,
        });
        keys.len() - 1
    };
    let aws_s3 = provider(&mut keys, &mut hex);
    let aws_ebs = provider(&mut keys, &mut hex);
    let aws_rds = provider(&mut keys, &mut hex);

    let mut stores: Vec<Store> = Vec::new();
    let add = |stores: &mut Vec<Store>,
               id: String,
               sys: u8,
               kind: &'static str,
               primary: Option<usize>,
               region: &'static str,
               key: Option<usize>| {
        stores.push(Store {
            id,
            sys,
            kind,
            primary,
            region,
            encrypted: key.is_some(),
            key,
        });
        stores.len() - 1
    };
    for svc in &services {
        let east = customer_key(&mut keys, &mut rng, &mut hex);
        let west = customer_key(&mut keys, &mut rng, &mut hex);
        let bucket = add(
            &mut stores,
            format!("northpeak-prod-{svc}"),
            AWS_PROD,
            "bucket",
            None,
            "us-east-1",
            Some(east),
        );
        add(
            &mut stores,
            format!("northpeak-prod-{svc}-dr"),
            AWS_PROD,
            "replica",
            Some(bucket),
            "us-west-2",
            Some(west),
        );
        if rng.chance(0.6) {
            let vol = add(
                &mut stores,
                format!("vol-{}", hex(17)),
                AWS_PROD,
                "volume",
                None,
                "us-east-1",
                Some(east),
            );
            add(
                &mut stores,
                format!("snap-{}", hex(17)),
                AWS_PROD,
                "snapshot",
                Some(vol),
                "us-east-1",
                Some(east),
            );
        }
        if rng.chance(0.3) {
            let table = add(
                &mut stores,
                format!("ddb-{svc}-events"),
                AWS_PROD,
                "database",
                None,
                "us-east-1",
                Some(east),
            );
            add(
                &mut stores,
                format!("ddb-{svc}-events-backup"),
                AWS_PROD,
                "backup",
                Some(table),
                "us-west-2",
                Some(west),
            );
        }
    }
    let pg_east = customer_key(&mut keys, &mut rng, &mut hex);
    let pg_west = customer_key(&mut keys, &mut rng, &mut hex);
    let mut clusters = vec!["pg-prod-main".to_string(), "pg-prod-analytics".to_string()];
    clusters.extend((0..n / 5000).map(|k| format!("pg-prod-shard-{:02}", k + 1)));
    for (c, name) in clusters.iter().enumerate() {
        let main = add(
            &mut stores,
            name.clone(),
            POSTGRES,
            "database",
            None,
            "us-east-1",
            Some(pg_east),
        );
        add(
            &mut stores,
            format!("{name}-replica-1"),
            POSTGRES,
            "replica",
            Some(main),
            "us-east-1",
            Some(pg_east),
        );
        if c == 0 {
            add(
                &mut stores,
                format!("{name}-dr"),
                POSTGRES,
                "replica",
                Some(main),
                "us-west-2",
                Some(pg_west),
            );
            for d in 24..=30 {
                add(
                    &mut stores,
                    format!("{name}-snap-2026-09-{d}"),
                    POSTGRES,
                    "snapshot",
                    Some(main),
                    "us-east-1",
                    Some(pg_east),
                );
            }
            add(
                &mut stores,
                format!("{name}-backup-vault"),
                POSTGRES,
                "backup",
                Some(main),
                "us-west-2",
                Some(pg_west),
            );
        }
    }
    for svc in services.iter().take(10) {
        add(
            &mut stores,
            format!("northpeak-staging-{svc}"),
            AWS_STAGING,
            "bucket",
            None,
            "us-east-1",
            Some(aws_s3),
        );
    }
    let staging_db = add(
        &mut stores,
        "pg-staging".to_string(),
        AWS_STAGING,
        "database",
        None,
        "us-east-1",
        Some(aws_rds),
    );
    add(
        &mut stores,
        "pg-staging-snap-2026-09-30".to_string(),
        AWS_STAGING,
        "snapshot",
        Some(staging_db),
        "us-east-1",
        Some(aws_rds),
    );
    add(
        &mut stores,
        format!("vol-{}", hex(17)),
        AWS_STAGING,
        "volume",
        None,
        "us-east-1",
        Some(aws_ebs),
    );
    // Out of scope: the legacy wiki's disk was never encrypted; the marketing bucket uses the AWS key.
    add(
        &mut stores,
        "vol-legacy-wiki-data".to_string(),
        WIKI,
        "volume",
        None,
        "us-east-1",
        None,
    );
    add(
        &mut stores,
        "northpeak-marketing-assets".to_string(),
        WEBSITE,
        "bucket",
        None,
        "us-east-1",
        Some(aws_s3),
    );
    // A retired export key, rotation off, used by nothing.
    let retired = customer_key(&mut keys, &mut rng, &mut hex);
    keys[retired].rotation = false;

    let mut endpoints: Vec<Endpoint> = Vec::new();
    let elb = "ELBSecurityPolicy-TLS13-1-2-2021-06";
    // A load balancer's HTTPS listener is named by its ARN, the way `aws elbv2
    // describe-listeners` reports it (the load balancer's name says which host it serves).
    let mut listener = |name: &str| {
        format!(
            "arn:aws:elasticloadbalancing:us-east-1:{PROD_ACCOUNT}:listener/app/{name}/{}/{}",
            hex(16),
            hex(16)
        )
    };
    for host in ["api", "app", "auth", "webhooks"] {
        endpoints.push(Endpoint {
            id: listener(&format!("prod-{host}")),
            sys: AWS_PROD,
            public: true,
            tls: "1.2",
            weak: false,
            policy: elb,
        });
    }
    for svc in &services {
        let mesh = rng.chance(0.4);
        endpoints.push(Endpoint {
            id: if mesh {
                format!("{svc}.internal.northpeak.io")
            } else {
                listener(&format!("prod-internal-{svc}"))
            },
            sys: AWS_PROD,
            public: false,
            tls: if mesh { "1.3" } else { "1.2" },
            weak: false,
            policy: if mesh {
                "Istio PeerAuthentication STRICT, TLS 1.3 only"
            } else {
                elb
            },
        });
    }
    for name in &clusters {
        endpoints.push(Endpoint {
            id: format!("{name}.cluster-c9xk2m.us-east-1.rds.amazonaws.com"),
            sys: POSTGRES,
            public: false,
            tls: "1.2",
            weak: false,
            policy: "rds.force_ssl=1; ssl_min_protocol_version=TLSv1.2",
        });
    }
    endpoints.push(Endpoint {
        id: "northpeak.okta.com".into(),
        sys: OKTA,
        public: true,
        tls: "1.2",
        weak: false,
        policy: "Okta-managed",
    });
    endpoints.push(Endpoint {
        id: listener("staging-api"),
        sys: AWS_STAGING,
        public: true,
        tls: "1.2",
        weak: false,
        policy: elb,
    });
    endpoints.push(Endpoint {
        id: "www.northpeak.io".into(),
        sys: WEBSITE,
        public: true,
        tls: "1.0",
        weak: true,
        policy: "legacy shared hosting",
    });
    endpoints.push(Endpoint {
        id: "wiki.internal.northpeak.io".into(),
        sys: WIKI,
        public: false,
        tls: "1.1",
        weak: false,
        policy: "Apache mod_ssl defaults",
    });

    let mut out = Csv::create(dir, files::DATA_STORES.0, files::DATA_STORES.1, clock)?;
    for s in &stores {
        out.text(&s.id)?
            .text(SYSTEMS[s.sys as usize].id)?
            .text(s.kind)?
            .opt(s.primary.map(|p| stores[p].id.as_str()))?
            .text(s.region)?
            .flag(s.encrypted)?
            .opt(s.key.map(|k| keys[k].id.as_str()))?
            .end()?;
    }
    let mut result = vec![out.finish()?];
    let mut out = Csv::create(dir, files::KEYS.0, files::KEYS.1, clock)?;
    for k in &keys {
        out.text(&k.id)?
            .text(k.manager)?
            .text("AES_256")?
            .flag(k.rotation)?
            .int(k.period)?
            .end()?;
    }
    result.push(out.finish()?);
    let mut out = Csv::create(dir, files::ENDPOINTS.0, files::ENDPOINTS.1, clock)?;
    for e in &endpoints {
        out.text(&e.id)?
            .text(SYSTEMS[e.sys as usize].id)?
            .text(if e.public { "public" } else { "internal" })?
            .text(e.tls)?
            .flag(e.weak)?
            .text(e.policy)?
            .end()?;
    }
    result.push(out.finish()?);
    Ok(result)
}
