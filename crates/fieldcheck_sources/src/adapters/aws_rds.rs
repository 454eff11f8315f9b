//! Amazon RDS: instances, clusters and their snapshots (`aws rds describe-db-*`).

use fieldcheck_kit::Kind;
use serde::Deserialize;

use super::awsops::{OtherCalls, records, some};
use crate::emit::Emitter;
use crate::spec::Spec;
use crate::value::kms_key_id;
use crate::{Adapter, Input};

/// `aws-rds`.
pub(crate) static RDS: Adapter = Adapter {
    spec: &Spec {
        name: "aws-rds",
        system: "Amazon RDS",
        reads: "`aws rds describe-db-instances`, `describe-db-clusters`, `describe-db-snapshots` and `describe-db-cluster-snapshots` output (`{\"DBInstances\": [...]}`, `{\"DBClusters\": [...]}`, `{\"DBSnapshots\": [...]}`, `{\"DBClusterSnapshots\": [...]}`), in any mix of files, under any file name, recognised by their top-level keys; other AWS CLI calls' outputs in the same folder (`describe-trails`, `list-backup-vaults`, `describe-db-subnet-groups`) are skipped with a note",
        produces: &[Kind::DataStores],
        needs_system: true,
        containers: &[
            "DBInstances",
            "DBClusters",
            "DBSnapshots",
            "DBClusterSnapshots",
        ],
        options: &[],
        example: "[[sources]]\nadapter = \"aws-rds\"\npath = \"exports/rds/*.json\"\nsystem_id = \"prod-db\"",
    },
    run,
};

#[derive(Deserialize)]
struct Db {
    #[serde(default, rename = "DBInstanceIdentifier")]
    instance: Option<String>,
    #[serde(default, rename = "DBClusterIdentifier")]
    cluster: Option<String>,
    #[serde(default, rename = "DBSnapshotIdentifier")]
    snapshot: Option<String>,
    #[serde(default, rename = "DBClusterSnapshotIdentifier")]
    cluster_snapshot: Option<String>,
    #[serde(default, rename = "ReadReplicaSourceDBInstanceIdentifier")]
    replica_of: Option<String>,
    #[serde(default, rename = "StorageEncrypted")]
    storage_encrypted: Option<bool>,
    #[serde(default, rename = "Encrypted")]
    encrypted: Option<bool>,
    #[serde(default, rename = "KmsKeyId")]
    kms_key_id: Option<String>,
    #[serde(default, rename = "AvailabilityZone")]
    az: Option<String>,
    #[serde(default, rename = "DBInstanceArn")]
    instance_arn: Option<String>,
    #[serde(default, rename = "DBClusterArn")]
    cluster_arn: Option<String>,
    #[serde(default, rename = "DBSnapshotArn")]
    snapshot_arn: Option<String>,
    #[serde(default, rename = "DBClusterSnapshotArn")]
    cluster_snapshot_arn: Option<String>,
}

/// An identifier as written, or the last `:` segment of an ARN (cross-region replicas name
/// their source by ARN).
fn ident(s: &str) -> &str {
    if s.starts_with("arn:") {
        s.rsplit(':').next().unwrap_or(s)
    } else {
        s
    }
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let mut others = OtherCalls::default();
    let recognised = |d: &Db| {
        [&d.instance, &d.cluster, &d.snapshot, &d.cluster_snapshot]
            .iter()
            .any(|x| some(x).is_some())
    };
    records::<Db>(
        input,
        em,
        OURS,
        &mut others,
        &recognised,
        &mut |d, at, em| {
            let (id, kind, primary, arn) = if let Some(s) = some(&d.cluster_snapshot) {
                (
                    s,
                    "snapshot",
                    some(&d.cluster),
                    some(&d.cluster_snapshot_arn),
                )
            } else if let Some(s) = some(&d.snapshot) {
                (s, "snapshot", some(&d.instance), some(&d.snapshot_arn))
            } else if let Some(i) = some(&d.instance) {
                match some(&d.replica_of) {
                    Some(src) => (i, "replica", Some(ident(src)), some(&d.instance_arn)),
                    None => (i, "database", None, some(&d.instance_arn)),
                }
            } else if let Some(c) = some(&d.cluster) {
                (c, "database", None, some(&d.cluster_arn))
            } else {
                at.bad(
                    em,
                    fieldcheck_kit::Code::BadValue,
                    "the record has no DB instance, cluster or snapshot identifier",
                    "it was skipped",
                );
                return;
            };
            let encrypted = if some(&d.snapshot).is_some() && some(&d.cluster_snapshot).is_none() {
                d.encrypted.or(d.storage_encrypted)
            } else {
                d.storage_encrypted.or(d.encrypted)
            };
            // The ARN's region field is exact; an availability zone is the region plus a letter.
            let region = arn
                .and_then(|a| a.split(':').nth(3))
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .or_else(|| {
                    some(&d.az).map(|z| {
                        z.strip_suffix(|c: char| c.is_ascii_lowercase())
                            .unwrap_or(z)
                            .to_string()
                    })
                });
            em.row(Kind::DataStores, &at.file, at.line, at.path())
                .set("resource_id", id)
                .set("kind", kind)
                .set("primary_id", primary)
                .set("region", region)
                .set("encrypted", encrypted)
                .set("key_id", some(&d.kms_key_id).map(kms_key_id))
                .emit();
        },
    );
    others.report(em);
}

/// The top-level keys of the outputs this adapter reads (the calls' arrays, or one record).
const OURS: &[&str] = &[
    "DBInstances",
    "DBClusters",
    "DBSnapshots",
    "DBClusterSnapshots",
    "DBInstanceIdentifier",
    "DBClusterIdentifier",
    "DBSnapshotIdentifier",
    "DBClusterSnapshotIdentifier",
];

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const INSTANCES: &str = r#"{
    "DBInstances": [
        {
            "DBInstanceIdentifier": "prod-orders",
            "DBInstanceArn": "arn:aws:rds:us-east-1:111122223333:db:prod-orders",
            "Engine": "postgres",
            "EngineVersion": "16.3",
            "DBInstanceStatus": "available",
            "InstanceCreateTime": "2023-05-01T10:00:00.000Z",
            "AvailabilityZone": "us-east-1a",
            "StorageEncrypted": true,
            "KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "MultiAZ": true,
            "PubliclyAccessible": false
        },
        {
            "DBInstanceIdentifier": "prod-orders-replica-eu",
            "AvailabilityZone": "eu-west-1b",
            "ReadReplicaSourceDBInstanceIdentifier": "arn:aws:rds:us-east-1:111122223333:db:prod-orders",
            "StorageEncrypted": true,
            "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/5678efgh-0000-1111-2222-333344445555"
        },
        {
            "DBInstanceIdentifier": "legacy-mysql",
            "DBInstanceArn": "arn:aws:rds:us-west-2:111122223333:db:legacy-mysql",
            "StorageEncrypted": false
        },
        {"DBInstanceIdentifier": "bad", "StorageEncrypted": "yes"}
    ]
}"#;
    const CLUSTERS: &str = r#"{"DBClusters": [{"DBClusterIdentifier": "prod-aurora", "DBClusterArn": "arn:aws:rds:us-east-1:111122223333:cluster:prod-aurora", "AvailabilityZones": ["us-east-1a", "us-east-1b"], "StorageEncrypted": true, "KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}
{"DBClusterSnapshots": [{"DBClusterSnapshotIdentifier": "rds:prod-aurora-2026-03-10-05-10", "DBClusterIdentifier": "prod-aurora", "DBClusterSnapshotArn": "arn:aws:rds:us-east-1:111122223333:cluster-snapshot:rds:prod-aurora-2026-03-10-05-10", "SnapshotType": "automated", "StorageEncrypted": true, "KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}
"#;
    const SNAPSHOTS: &str = r#"{"DBSnapshots": [
  {"DBSnapshotIdentifier": "rds:legacy-mysql-2026-03-10-06-00", "DBInstanceIdentifier": "legacy-mysql",
   "SnapshotCreateTime": "2026-03-10T06:00:00.000Z", "AvailabilityZone": "us-west-2c", "SnapshotType": "automated",
   "Status": "available", "Encrypted": false},
  {"DBSnapshotIdentifier": "prod-orders-final", "DBInstanceIdentifier": "prod-orders",
   "DBSnapshotArn": "arn:aws:rds:us-east-1:111122223333:snapshot:prod-orders-final", "SnapshotType": "manual",
   "Encrypted": true, "KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
]}"#;

    #[test]
    fn instances_clusters_and_snapshots() {
        let out = run(
            "[[sources]]\nadapter = \"aws-rds\"\npath = \"rds/*.json\"\nsystem_id = \"prod-db\"",
            &[
                ("rds/1-instances.json", INSTANCES.as_bytes()),
                ("rds/2-clusters.json", CLUSTERS.as_bytes()),
                ("rds/3-snapshots.json", SNAPSHOTS.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("data_stores").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "encrypted=true|key_id=1234abcd-12ab-34cd-56ef-1234567890ab|kind=database|region=us-east-1|resource_id=prod-orders|system_id=prod-db",
                "encrypted=true|key_id=5678efgh-0000-1111-2222-333344445555|kind=replica|primary_id=prod-orders|region=eu-west-1|resource_id=prod-orders-replica-eu|system_id=prod-db",
                "encrypted=false|kind=database|region=us-west-2|resource_id=legacy-mysql|system_id=prod-db",
                "encrypted=true|key_id=1234abcd-12ab-34cd-56ef-1234567890ab|kind=database|region=us-east-1|resource_id=prod-aurora|system_id=prod-db",
                "encrypted=true|key_id=1234abcd-12ab-34cd-56ef-1234567890ab|kind=snapshot|primary_id=prod-aurora|region=us-east-1|resource_id=rds:prod-aurora-2026-03-10-05-10|system_id=prod-db",
                "encrypted=false|kind=snapshot|primary_id=legacy-mysql|region=us-west-2|resource_id=rds:legacy-mysql-2026-03-10-06-00|system_id=prod-db",
                "encrypted=true|key_id=1234abcd-12ab-34cd-56ef-1234567890ab|kind=snapshot|primary_id=prod-orders|region=us-east-1|resource_id=prod-orders-final|system_id=prod-db",
            ]
        );
        assert_eq!(out.codes(), ["bad-json"]);
        assert_eq!(out.diags[0].line, Some(28));
        let o = &out.origins("data_stores")[4];
        assert_eq!(
            (o.line, o.path.as_deref()),
            (2, Some("#2 $.DBClusterSnapshots[0]"))
        );
    }
}
