//! S3: the buckets and each bucket's default encryption.

use std::collections::BTreeMap;

use aws_config::Region;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::json::{J, Obj};
use crate::{Call, Ctx, cli_error_text, code, file_part};
use fieldcheck_pull::PullError;

/// The modelled error GetBucketEncryption answers for a bucket without default encryption.
const NOT_FOUND: &str = "ServerSideEncryptionConfigurationNotFoundError";

fn client(ctx: &Ctx<'_, '_>, region: Option<&str>) -> aws_sdk_s3::Client {
    // An endpoint of one's own (AWS_ENDPOINT_URL, e.g. an emulator) has no per-bucket DNS names:
    // address buckets by path there.
    let own_endpoint = ctx.shared.endpoint_url().is_some()
        || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some()
        || std::env::var_os("AWS_ENDPOINT_URL").is_some();
    let mut b = aws_sdk_s3::config::Builder::from(&ctx.shared)
        .force_path_style(own_endpoint)
        .interceptor(ctx.interceptor());
    if let Some(r) = region {
        b = b.region(Region::new(r.to_string()));
    }
    aws_sdk_s3::Client::from_conf(b.build())
}

pub(crate) async fn pull(ctx: &mut Ctx<'_, '_>) -> Result<(), PullError> {
    let s3 = client(ctx, None);
    let buckets = list_buckets(ctx, &s3).await?;
    let spec = ctx.call("s3-get-bucket-encryption");
    ctx.none(spec);
    // A bucket is asked in its own region (ListBuckets names it).
    let mut regional: BTreeMap<String, aws_sdk_s3::Client> = BTreeMap::new();
    for (bucket, region) in &buckets {
        let client = match region {
            Some(r) if Some(r.as_str()) != ctx.shared.region().map(|r| r.as_ref()) => regional
                .entry(r.clone())
                .or_insert_with(|| client(ctx, Some(r)))
                .clone(),
            _ => s3.clone(),
        };
        let mut call = Call::new(spec, "s3:GetBucketEncryption").param("Bucket", bucket);
        ctx.page(&mut call);
        let file = format!("s3/get-bucket-encryption-{}.json", file_part(bucket));
        let out = match client.get_bucket_encryption().bucket(bucket).send().await {
            Ok(o) => o,
            Err(e) if code(&e) == Some(NOT_FOUND) => {
                // What `aws s3api get-bucket-encryption` prints on stderr for it.
                ctx.answered();
                let status = e.raw_response().map(|r| r.status().as_u16());
                let message = e
                    .as_service_error()
                    .and_then(|e| e.message())
                    .unwrap_or("The server side encryption configuration was not found")
                    .to_string();
                let text = cli_error_text(NOT_FOUND, "GetBucketEncryption", &message);
                ctx.save_bytes(call, file, &text, status)?;
                continue;
            }
            Err(e) => return Err(ctx.error(&call, e)),
        };
        ctx.answered();
        let config = out.server_side_encryption_configuration().map(|c| {
            Obj::new()
                .list("Rules", Some(c.rules()), |r| {
                    Obj::new()
                        .put(
                            "ApplyServerSideEncryptionByDefault",
                            r.apply_server_side_encryption_by_default().map(|d| {
                                Obj::new()
                                    .s("SSEAlgorithm", Some(d.sse_algorithm().as_str()))
                                    .s("KMSMasterKeyID", d.kms_master_key_id())
                                    .done()
                            }),
                        )
                        .b("BucketKeyEnabled", r.bucket_key_enabled())
                        .put(
                            "BlockedEncryptionTypes",
                            r.blocked_encryption_types().map(|t| {
                                Obj::new()
                                    .list("EncryptionType", Some(t.encryption_type()), |e| {
                                        J::Str(e.as_str().to_string())
                                    })
                                    .done()
                            }),
                        )
                        .done()
                })
                .done()
        });
        let body = Obj::new()
            .put("ServerSideEncryptionConfiguration", config)
            .done();
        ctx.save(call, file, &body)?;
    }
    Ok(())
}

async fn list_buckets(
    ctx: &mut Ctx<'_, '_>,
    s3: &aws_sdk_s3::Client,
) -> Result<Vec<(String, Option<String>)>, PullError> {
    let mut call = Call::new(ctx.call("s3-list-buckets"), "s3:ListBuckets");
    let mut names = Vec::new();
    let mut owner = None;
    let mut prefix = None;
    let request = |token| s3.list_buckets().set_continuation_token(token).send();
    let buckets = ctx
        .pages(&mut call, request, |out, buckets| {
            for b in out.buckets() {
                if let Some(n) = b.name() {
                    names.push((n.to_string(), b.bucket_region().map(str::to_string)));
                }
                buckets.push(
                    Obj::new()
                        .s("Name", b.name())
                        .t("CreationDate", b.creation_date())
                        .s("BucketRegion", b.bucket_region())
                        .s("BucketArn", b.bucket_arn())
                        .done(),
                );
            }
            if owner.is_none() {
                owner = out.owner().map(|o| {
                    Obj::new()
                        .s("DisplayName", o.display_name())
                        .s("ID", o.id())
                        .done()
                });
                prefix = out.prefix().map(str::to_string);
            }
            out.continuation_token().map(str::to_string)
        })
        .await?;
    let body = Obj::new()
        .put("Buckets", J::Arr(buckets))
        .put("Owner", owner)
        .s("Prefix", prefix.as_deref())
        .done();
    ctx.save(call, "s3/list-buckets.json".into(), &body)?;
    Ok(names)
}
