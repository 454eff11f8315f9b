//! The AWS account's evidence as its CLI prints it (`aws ... --output json`): KMS keys, S3
//! default encryption, RDS instances and snapshots, load balancer listeners.
//!
//! Shapes follow the AWS CLI command reference's examples (`aws kms describe-key`,
//! `aws kms get-key-rotation-status`, `aws s3api get-bucket-encryption`,
//! `aws rds describe-db-instances` / `describe-db-snapshots`, `aws elbv2 describe-listeners` /
//! `describe-load-balancers`, docs.aws.amazon.com/cli/latest/reference/).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use serde_json::{Value, json};

use super::{Left, Row, get, write_json};

/// The AWS account the demo company runs in.
pub(super) const ACCOUNT: &str = "418273640912";

/// The collector writes `get-key-rotation-status` as the CLI prints it today, with `KeyId`
/// and `RotationPeriodInDays` (CLI v2 since April 2024). Set to `false` for the older output
/// without `KeyId` (one file per key, named after it), which the aws-kms adapter also reads.
const ROTATION_STATUS_NAMES_KEY: bool = true;

/// The collector saves `aws elbv2 describe-ssl-policies --names P` beside the listeners: the
/// aws-elbv2 adapter takes a policy's protocols and ciphers from it, its own table being only
/// the fallback.
const SSL_POLICIES_OUTPUT: bool = true;

/// `describe-ssl-policies` for the policies in use (the ciphers of the Application Load
/// Balancer guide's security policy table).
fn ssl_policies(names: &[&str]) -> Value {
    let tls13 = [
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES128-SHA256",
        "ECDHE-RSA-AES128-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-AES256-SHA384",
        "ECDHE-RSA-AES256-SHA384",
    ];
    let policies: Vec<Value> = names
        .iter()
        .map(|n| {
            json!({
                "SslProtocols": ["TLSv1.2", "TLSv1.3"],
                "Ciphers": tls13.iter().enumerate().map(|(i, c)| json!({"Name": c, "Priority": i + 1})).collect::<Vec<_>>(),
                "Name": n,
                "SupportedLoadBalancerTypes": ["application", "network"]
            })
        })
        .collect();
    json!({ "SslPolicies": policies })
}

fn kms_arn(region: &str, id: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT}:key/{id}")
}

/// Encryption at rest and in transit: keys from KMS, buckets from S3, databases from RDS,
/// listeners from ELBv2; what no AWS API describes (replica buckets, volumes, DynamoDB, hosts
/// outside AWS) stays in the cloud inventory export.
pub(super) fn encryption(dir: &Path, config: &mut String, left: &mut Left<'_>) -> io::Result<()> {
    let keys = left.take("keys", |_| true)?;
    // A key's region is the region of the data stores it protects (every key protects stores of
    // one region; an unused key is in the home region).
    let mut region: BTreeMap<String, String> = BTreeMap::new();
    let stores = left.take("data_stores", |_| true)?;
    for s in &stores {
        if let (Some(k), Some(r)) = (get(s, "key_id"), get(s, "region")) {
            region.entry(k.to_string()).or_insert_with(|| r.to_string());
        }
    }
    let region_of = |k: &str| {
        region
            .get(k)
            .map_or("us-east-1", String::as_str)
            .to_string()
    };
    kms(dir, config, &keys, &region_of)?;
    let (s3, stores): (Vec<Row>, Vec<Row>) = stores.into_iter().partition(|s| {
        get(s, "kind") == Some("bucket")
            && matches!(
                get(s, "system_id"),
                Some("aws-prod" | "aws-staging" | "marketing-site")
            )
    });
    s3_buckets(dir, config, &s3, &region_of)?;
    let (rds, stores): (Vec<Row>, Vec<Row>) = stores.into_iter().partition(|s| {
        get(s, "resource_id").is_some_and(|r| r.starts_with("pg-"))
            && matches!(get(s, "kind"), Some("database" | "replica" | "snapshot"))
    });
    rds_instances(dir, config, &rds, &region_of)?;
    left.put_back("data_stores", stores);
    let listeners = left.take("endpoints", |e| {
        get(e, "endpoint_id").is_some_and(|id| id.starts_with("arn:aws:elasticloadbalancing:"))
    })?;
    elbv2(dir, config, &listeners)?;
    Ok(())
}

fn kms(
    dir: &Path,
    config: &mut String,
    keys: &[Row],
    region_of: &dyn Fn(&str) -> String,
) -> io::Result<()> {
    for (i, k) in keys.iter().enumerate() {
        let id = get(k, "key_id").unwrap_or_default();
        let region = region_of(id);
        let aws = get(k, "manager") == Some("provider");
        let created = 1_546_300_800.0 + (i as f64) * 86_400.0;
        let meta = json!({
            "KeyMetadata": {
                "AWSAccountId": ACCOUNT,
                "KeyId": id,
                "Arn": kms_arn(&region, id),
                "CreationDate": created,
                "Enabled": true,
                "Description": if aws { "Default key that protects my data when no other key is defined" } else { "Northpeak data key" },
                "KeyUsage": "ENCRYPT_DECRYPT",
                "KeyState": "Enabled",
                "Origin": "AWS_KMS",
                "KeyManager": if aws { "AWS" } else { "CUSTOMER" },
                "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
                "KeySpec": "SYMMETRIC_DEFAULT",
                "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
                "MultiRegion": false
            }
        });
        write_json(
            dir,
            &format!("exports/aws/kms-describe-key-{id}.json"),
            &meta,
        )?;
        let mut rotation =
            json!({"KeyRotationEnabled": get(k, "rotation_enabled") == Some("true")});
        if ROTATION_STATUS_NAMES_KEY {
            rotation["KeyId"] = json!(id);
        }
        if let Some(p) = get(k, "rotation_period_days").and_then(|p| p.parse::<i64>().ok()) {
            rotation["RotationPeriodInDays"] = json!(p);
        }
        let file = if ROTATION_STATUS_NAMES_KEY {
            format!("exports/aws/kms-get-key-rotation-status-{id}.json")
        } else {
            format!("exports/aws/kms-{id}.json")
        };
        write_json(dir, &file, &rotation)?;
    }
    config.push_str("\n# Encryption keys: `aws kms describe-key` and `aws kms get-key-rotation-status` for every key of `aws kms list-keys`.\n[[sources]]\nadapter = \"aws-kms\"\npath = \"exports/aws/kms-*.json\"\n");
    Ok(())
}

fn s3_buckets(
    dir: &Path,
    config: &mut String,
    buckets: &[Row],
    region_of: &dyn Fn(&str) -> String,
) -> io::Result<()> {
    // Each system's buckets share a name prefix (`northpeak-prod-`), which its source's glob names.
    let mut systems: Vec<(&str, &str)> = Vec::new();
    for b in buckets {
        let name = get(b, "resource_id").unwrap_or_default();
        let system = get(b, "system_id").unwrap_or_default();
        match systems.iter_mut().find(|(s, _)| *s == system) {
            Some((_, prefix)) => {
                let common = prefix
                    .char_indices()
                    .zip(name.chars())
                    .find(|((_, a), b)| a != b)
                    .map_or(prefix.len().min(name.len()), |((i, _), _)| i);
                *prefix = &prefix[..common];
            }
            None => systems.push((system, name)),
        }
        // Every bucket of the demo is encrypted with a KMS key (SSE-KMS).
        let key = get(b, "key_id").unwrap_or_default();
        let v = json!({
            "ServerSideEncryptionConfiguration": {
                "Rules": [{
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": kms_arn(&region_of(key), key)
                    },
                    "BucketKeyEnabled": true
                }]
            }
        });
        write_json(dir, &format!("exports/aws/{name}.json"), &v)?;
    }
    for (system, prefix) in systems {
        let _ = write!(
            config,
            "\n# {system}'s buckets: `aws s3api get-bucket-encryption --bucket B`, one file per bucket named after it.\n[[sources]]\nadapter = \"aws-s3-encryption\"\npath = \"exports/aws/{prefix}*.json\"\nsystem_id = \"{system}\"\nregion = \"us-east-1\"\n"
        );
    }
    Ok(())
}

fn rds_instances(
    dir: &Path,
    config: &mut String,
    stores: &[Row],
    region_of: &dyn Fn(&str) -> String,
) -> io::Result<()> {
    let mut by_system: BTreeMap<&str, (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for s in stores {
        let id = get(s, "resource_id").unwrap_or_default();
        let system = get(s, "system_id").unwrap_or_default();
        if !order.contains(&system) {
            order.push(system);
        }
        let region = get(s, "region").unwrap_or("us-east-1");
        let key = get(s, "key_id").map(|k| kms_arn(&region_of(k), k));
        let encrypted = get(s, "encrypted") == Some("true");
        let (instances, snapshots) = by_system.entry(system).or_default();
        if get(s, "kind") == Some("snapshot") {
            let primary = get(s, "primary_id").unwrap_or_default();
            snapshots.push(json!({
                "DBSnapshotIdentifier": id,
                "DBInstanceIdentifier": primary,
                "SnapshotCreateTime": format!("{}T03:10:00.000000+00:00", id.rsplit("-snap-").next().unwrap_or("2026-09-30")),
                "Engine": "postgres",
                "AllocatedStorage": 500,
                "Status": "available",
                "Port": 5432,
                "AvailabilityZone": format!("{region}a"),
                "VpcId": "vpc-0b6f2c1e8d4a97f35",
                "MasterUsername": "postgres",
                "EngineVersion": "16.4",
                "SnapshotType": "manual",
                "Encrypted": encrypted,
                "KmsKeyId": key,
                "DBSnapshotArn": format!("arn:aws:rds:{region}:{ACCOUNT}:snapshot:{id}"),
                "StorageType": "gp3"
            }));
            continue;
        }
        let mut v = json!({
            "DBInstanceIdentifier": id,
            "DBInstanceClass": "db.r6g.xlarge",
            "Engine": "postgres",
            "DBInstanceStatus": "available",
            "MasterUsername": "postgres",
            "Endpoint": {"Address": format!("{id}.c9xk2m.{region}.rds.amazonaws.com"), "Port": 5432},
            "AllocatedStorage": 500,
            "AvailabilityZone": format!("{region}a"),
            "MultiAZ": get(s, "kind") == Some("database"),
            "EngineVersion": "16.4",
            "PubliclyAccessible": false,
            "StorageType": "gp3",
            "StorageEncrypted": encrypted,
            "DBInstanceArn": format!("arn:aws:rds:{region}:{ACCOUNT}:db:{id}"),
        });
        if let Some(k) = key {
            v["KmsKeyId"] = json!(k);
        }
        if let Some(p) = get(s, "primary_id") {
            // A cross-region replica names its source by ARN.
            let source = stores
                .iter()
                .find(|o| get(o, "resource_id") == Some(p))
                .and_then(|o| get(o, "region"))
                .filter(|r| *r != region)
                .map_or_else(
                    || p.to_string(),
                    |r| format!("arn:aws:rds:{r}:{ACCOUNT}:db:{p}"),
                );
            v["ReadReplicaSourceDBInstanceIdentifier"] = json!(source);
        }
        instances.push(v);
    }
    for system in order {
        let (instances, snapshots) = by_system.remove(system).unwrap_or_default();
        write_json(
            dir,
            &format!("exports/aws/rds-{system}-describe-db-instances.json"),
            &json!({ "DBInstances": instances }),
        )?;
        if !snapshots.is_empty() {
            write_json(
                dir,
                &format!("exports/aws/rds-{system}-describe-db-snapshots.json"),
                &json!({ "DBSnapshots": snapshots }),
            )?;
        }
        let _ = write!(
            config,
            "\n# {system}'s databases: `aws rds describe-db-instances` and `aws rds describe-db-snapshots`.\n[[sources]]\nadapter = \"aws-rds\"\npath = \"exports/aws/rds-{system}-*.json\"\nsystem_id = \"{system}\"\n"
        );
    }
    Ok(())
}

fn elbv2(dir: &Path, config: &mut String, endpoints: &[Row]) -> io::Result<()> {
    let mut by_system: BTreeMap<&str, (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (i, e) in endpoints.iter().enumerate() {
        let arn = get(e, "endpoint_id").unwrap_or_default();
        let system = get(e, "system_id").unwrap_or_default();
        if !order.contains(&system) {
            order.push(system);
        }
        // arn:...:listener/app/NAME/LB/LISTENER → arn:...:loadbalancer/app/NAME/LB
        let lb = arn.rsplit_once('/').map_or(arn, |(head, _)| head).replacen(
            ":listener/",
            ":loadbalancer/",
            1,
        );
        let name = lb.split('/').nth(2).unwrap_or_default().to_string();
        let public = get(e, "exposure") == Some("public");
        let (listeners, balancers) = by_system.entry(system).or_default();
        listeners.push(json!({
            "ListenerArn": arn,
            "LoadBalancerArn": lb,
            "Port": 443,
            "Protocol": "HTTPS",
            "Certificates": [{"CertificateArn": format!("arn:aws:acm:us-east-1:{ACCOUNT}:certificate/{}", &arn[arn.len() - 16..])}],
            "SslPolicy": get(e, "policy_name"),
            "DefaultActions": [{
                "Type": "forward",
                "TargetGroupArn": format!("arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/{name}/{:016x}", 0x73a9_0000_0000_0000u64 + i as u64),
                "Order": 1
            }]
        }));
        balancers.push(json!({
            "LoadBalancerArn": lb,
            "DNSName": format!("{}{name}-{}.us-east-1.elb.amazonaws.com", if public { "" } else { "internal-" }, 1_000_000_000 + i * 7_919),
            "CanonicalHostedZoneId": "Z35SXDOTRQ7X7K",
            "CreatedTime": "2024-02-12T15:04:11.310000+00:00",
            "LoadBalancerName": name,
            "Scheme": if public { "internet-facing" } else { "internal" },
            "VpcId": "vpc-0b6f2c1e8d4a97f35",
            "State": {"Code": "active"},
            "Type": "application",
            "IpAddressType": "ipv4"
        }));
    }
    for system in order {
        let (listeners, balancers) = by_system.remove(system).unwrap_or_default();
        write_json(
            dir,
            &format!("exports/aws/elbv2-{system}-describe-listeners.json"),
            &json!({ "Listeners": listeners }),
        )?;
        write_json(
            dir,
            &format!("exports/aws/elbv2-{system}-describe-load-balancers.json"),
            &json!({ "LoadBalancers": balancers }),
        )?;
        if SSL_POLICIES_OUTPUT {
            let mut names: Vec<&str> = endpoints
                .iter()
                .filter(|e| get(e, "system_id") == Some(system))
                .filter_map(|e| get(e, "policy_name"))
                .collect();
            names.sort_unstable();
            names.dedup();
            write_json(
                dir,
                &format!("exports/aws/elbv2-{system}-describe-ssl-policies.json"),
                &ssl_policies(&names),
            )?;
        }
        let _ = write!(
            config,
            "\n# {system}'s HTTPS listeners: `aws elbv2 describe-listeners` for each of `aws elbv2 describe-load-balancers`.\n[[sources]]\nadapter = \"aws-elbv2\"\npath = \"exports/aws/elbv2-{system}-*.json\"\nsystem_id = \"{system}\"\n"
        );
    }
    Ok(())
}
