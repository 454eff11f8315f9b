#!/usr/bin/env python3
"""Seeds a moto server (its URL in the first argument) with an AWS account whose evidence has
known deviations, for crates/fieldcheck/tests/aws.rs. Prints what it made as JSON on stdout.

Seeded:
- IAM: humans ann (console password, MFA) and bob (console password, no MFA); service users
  svc-deploy (access key, owner set in the test's config), svc-backup (access key, no owner:
  no_owner), svc-legacy (console password, no MFA: mfa_not_enforced) and svc-ci (owner not in
  people: owner_unknown).
- KMS: a customer key with rotation on (rotating) and one with rotation off (static).
- S3: acme-audit-logs (SSE-KMS with the rotating key), acme-backups (SSE-S3) and
  acme-public-assets (no default encryption: unencrypted; moto answers
  ServerSideEncryptionConfigurationNotFoundError, real S3 has applied SSE-S3 since 2023).
- RDS: prod-main (encrypted with the static key: rotation_disabled for the key),
  prod-legacy (unencrypted) and a manual snapshot of each (the legacy one unencrypted).
- ELBv2: the internet-facing prod-web load balancer with HTTPS listeners on a TLS 1.2 policy
  (443), a TLS 1.0 policy (8443: weak_tls) and a TLS 1.1 policy (9443: weak_tls).
"""
import json
import sys
import urllib.request

import boto3

url = sys.argv[1]
# A fresh account for every run.
urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST")).read()
region = "us-east-1"
kw = dict(endpoint_url=url, region_name=region, aws_access_key_id="testing",
          aws_secret_access_key="testing")
iam = boto3.client("iam", **kw)
kms = boto3.client("kms", **kw)
s3 = boto3.client("s3", **kw)
rds = boto3.client("rds", **kw)
ec2 = boto3.client("ec2", **kw)
elb = boto3.client("elbv2", **kw)
acm = boto3.client("acm", **kw)
out = {}

for user in ["ann", "bob", "svc-deploy", "svc-backup", "svc-legacy", "svc-ci"]:
    iam.create_user(UserName=user)
for user in ["ann", "bob", "svc-legacy"]:
    iam.create_login_profile(UserName=user, Password="Correct-Horse-9")
for user in ["svc-deploy", "svc-backup", "svc-ci"]:
    iam.create_access_key(UserName=user)
mfa = iam.create_virtual_mfa_device(VirtualMFADeviceName="ann")
iam.enable_mfa_device(UserName="ann", SerialNumber=mfa["VirtualMFADevice"]["SerialNumber"],
                      AuthenticationCode1="123456", AuthenticationCode2="654321")

rotating = kms.create_key(Description="audit logs")["KeyMetadata"]
kms.enable_key_rotation(KeyId=rotating["KeyId"])
kms.create_alias(AliasName="alias/audit-logs", TargetKeyId=rotating["KeyId"])
static = kms.create_key(Description="prod database")["KeyMetadata"]
kms.create_alias(AliasName="alias/prod-db", TargetKeyId=static["KeyId"])
out["rotating_key"] = rotating["KeyId"]
out["static_key"] = static["KeyId"]

for b in ["acme-audit-logs", "acme-backups", "acme-public-assets"]:
    s3.create_bucket(Bucket=b)
s3.put_bucket_encryption(Bucket="acme-audit-logs", ServerSideEncryptionConfiguration={
    "Rules": [{"ApplyServerSideEncryptionByDefault": {
        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": rotating["Arn"]}, "BucketKeyEnabled": True}]})
s3.put_bucket_encryption(Bucket="acme-backups", ServerSideEncryptionConfiguration={
    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})

rds.create_db_instance(DBInstanceIdentifier="prod-main", DBInstanceClass="db.t3.medium",
                       Engine="postgres", MasterUsername="app", MasterUserPassword="Correct-Horse-9",
                       AllocatedStorage=20, StorageEncrypted=True, KmsKeyId=static["Arn"])
rds.create_db_instance(DBInstanceIdentifier="prod-legacy", DBInstanceClass="db.t3.small",
                       Engine="mysql", MasterUsername="app", MasterUserPassword="Correct-Horse-9",
                       AllocatedStorage=20, StorageEncrypted=False)
rds.create_db_snapshot(DBSnapshotIdentifier="prod-main-manual", DBInstanceIdentifier="prod-main")
rds.create_db_snapshot(DBSnapshotIdentifier="prod-legacy-manual", DBInstanceIdentifier="prod-legacy")

vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                             AvailabilityZone=f"{region}{z}")["Subnet"]["SubnetId"]
           for i, z in enumerate("ab")]
lb = elb.create_load_balancer(Name="prod-web", Subnets=subnets, Scheme="internet-facing",
                              Type="application")["LoadBalancers"][0]
tg = elb.create_target_group(Name="prod-web", Protocol="HTTP", Port=8080, VpcId=vpc)["TargetGroups"][0]
cert = acm.request_certificate(DomainName="www.acme.example")["CertificateArn"]
for port, policy in [(443, "ELBSecurityPolicy-TLS13-1-2-2021-06"),
                     (8443, "ELBSecurityPolicy-TLS-1-0-2015-04"),
                     (9443, "ELBSecurityPolicy-TLS-1-1-2017-01")]:
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=port,
                        SslPolicy=policy, Certificates=[{"CertificateArn": cert}],
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
out["load_balancer"] = lb["LoadBalancerArn"]
json.dump(out, sys.stdout)
print()
