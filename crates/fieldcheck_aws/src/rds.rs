//! RDS: DB instances and DB snapshots.
//!
//! The members printed are the instance's and snapshot's identity, placement, engine, storage,
//! encryption, backup, exposure and tags; the rest of the model's (parameter groups, pending
//! modifications, activity streams...) are not written.

use aws_sdk_rds::types::{DbInstance, DbSnapshot, Tag};

use crate::json::{J, Obj};
use crate::{Call, Ctx, client};
use fieldcheck_pull::PullError;

pub(crate) async fn pull(ctx: &mut Ctx<'_, '_>) -> Result<(), PullError> {
    let rds = client!(ctx, aws_sdk_rds);

    let call = Call::new(
        ctx.call("rds-describe-db-instances"),
        "rds:DescribeDBInstances",
    );
    ctx.listing(
        call,
        "DBInstances",
        "rds/describe-db-instances.json".into(),
        |marker| rds.describe_db_instances().set_marker(marker).send(),
        |out, items| {
            items.extend(out.db_instances().iter().map(instance));
            out.marker().map(str::to_string)
        },
    )
    .await?;

    let call = Call::new(
        ctx.call("rds-describe-db-snapshots"),
        "rds:DescribeDBSnapshots",
    );
    ctx.listing(
        call,
        "DBSnapshots",
        "rds/describe-db-snapshots.json".into(),
        |marker| rds.describe_db_snapshots().set_marker(marker).send(),
        |out, items| {
            items.extend(out.db_snapshots().iter().map(snapshot));
            out.marker().map(str::to_string)
        },
    )
    .await
}

fn tag(t: &Tag) -> J {
    Obj::new().s("Key", t.key()).s("Value", t.value()).done()
}

fn int(v: Option<i32>) -> Option<i64> {
    v.map(i64::from)
}

fn instance(d: &DbInstance) -> J {
    let endpoint = d.endpoint().map(|e| {
        Obj::new()
            .s("Address", e.address())
            .i("Port", int(e.port()))
            .s("HostedZoneId", e.hosted_zone_id())
            .done()
    });
    let subnets = d.db_subnet_group().map(|g| {
        Obj::new()
            .s("DBSubnetGroupName", g.db_subnet_group_name())
            .s("DBSubnetGroupDescription", g.db_subnet_group_description())
            .s("VpcId", g.vpc_id())
            .s("SubnetGroupStatus", g.subnet_group_status())
            .done()
    });
    Obj::new()
        .s("DBInstanceIdentifier", d.db_instance_identifier())
        .s("DBInstanceClass", d.db_instance_class())
        .s("Engine", d.engine())
        .s("DBInstanceStatus", d.db_instance_status())
        .s("MasterUsername", d.master_username())
        .s("DBName", d.db_name())
        .put("Endpoint", endpoint)
        .i("AllocatedStorage", int(d.allocated_storage()))
        .t("InstanceCreateTime", d.instance_create_time())
        .s("PreferredBackupWindow", d.preferred_backup_window())
        .i("BackupRetentionPeriod", int(d.backup_retention_period()))
        .list("VpcSecurityGroups", d.vpc_security_groups.as_deref(), |g| {
            Obj::new()
                .s("VpcSecurityGroupId", g.vpc_security_group_id())
                .s("Status", g.status())
                .done()
        })
        .s("AvailabilityZone", d.availability_zone())
        .put("DBSubnetGroup", subnets)
        .s(
            "PreferredMaintenanceWindow",
            d.preferred_maintenance_window(),
        )
        .t("LatestRestorableTime", d.latest_restorable_time())
        .b("MultiAZ", d.multi_az())
        .s("EngineVersion", d.engine_version())
        .b("AutoMinorVersionUpgrade", d.auto_minor_version_upgrade())
        .s(
            "ReadReplicaSourceDBInstanceIdentifier",
            d.read_replica_source_db_instance_identifier(),
        )
        .strs(
            "ReadReplicaDBInstanceIdentifiers",
            d.read_replica_db_instance_identifiers.as_deref(),
        )
        .s("LicenseModel", d.license_model())
        .i("Iops", int(d.iops()))
        .i("StorageThroughput", int(d.storage_throughput()))
        .s("SecondaryAvailabilityZone", d.secondary_availability_zone())
        .b("PubliclyAccessible", d.publicly_accessible())
        .s("StorageType", d.storage_type())
        .i("DbInstancePort", int(d.db_instance_port()))
        .s("DBClusterIdentifier", d.db_cluster_identifier())
        .b("StorageEncrypted", d.storage_encrypted())
        .s("KmsKeyId", d.kms_key_id())
        .s("DbiResourceId", d.dbi_resource_id())
        .s("CACertificateIdentifier", d.ca_certificate_identifier())
        .b("CopyTagsToSnapshot", d.copy_tags_to_snapshot())
        .s("DBInstanceArn", d.db_instance_arn())
        .b(
            "IAMDatabaseAuthenticationEnabled",
            d.iam_database_authentication_enabled(),
        )
        .b(
            "PerformanceInsightsEnabled",
            d.performance_insights_enabled(),
        )
        .strs(
            "EnabledCloudwatchLogsExports",
            d.enabled_cloudwatch_logs_exports.as_deref(),
        )
        .b("DeletionProtection", d.deletion_protection())
        .i("MaxAllocatedStorage", int(d.max_allocated_storage()))
        .list("TagList", d.tag_list.as_deref(), tag)
        .s("NetworkType", d.network_type())
        .s("BackupTarget", d.backup_target())
        .done()
}

fn snapshot(s: &DbSnapshot) -> J {
    Obj::new()
        .s("DBSnapshotIdentifier", s.db_snapshot_identifier())
        .s("DBInstanceIdentifier", s.db_instance_identifier())
        .t("SnapshotCreateTime", s.snapshot_create_time())
        .s("Engine", s.engine())
        .i("AllocatedStorage", int(s.allocated_storage()))
        .s("Status", s.status())
        .i("Port", int(s.port()))
        .s("AvailabilityZone", s.availability_zone())
        .s("VpcId", s.vpc_id())
        .t("InstanceCreateTime", s.instance_create_time())
        .s("MasterUsername", s.master_username())
        .s("EngineVersion", s.engine_version())
        .s("LicenseModel", s.license_model())
        .s("SnapshotType", s.snapshot_type())
        .i("Iops", int(s.iops()))
        .s("OptionGroupName", s.option_group_name())
        .i("PercentProgress", int(s.percent_progress()))
        .s("SourceRegion", s.source_region())
        .s(
            "SourceDBSnapshotIdentifier",
            s.source_db_snapshot_identifier(),
        )
        .s("StorageType", s.storage_type())
        .b("Encrypted", s.encrypted())
        .s("KmsKeyId", s.kms_key_id())
        .s("DBSnapshotArn", s.db_snapshot_arn())
        .b(
            "IAMDatabaseAuthenticationEnabled",
            s.iam_database_authentication_enabled(),
        )
        .s("DbiResourceId", s.dbi_resource_id())
        .list("TagList", s.tag_list.as_deref(), tag)
        .t(
            "OriginalSnapshotCreateTime",
            s.original_snapshot_create_time(),
        )
        .t("SnapshotDatabaseTime", s.snapshot_database_time())
        .s("SnapshotTarget", s.snapshot_target())
        .done()
}
