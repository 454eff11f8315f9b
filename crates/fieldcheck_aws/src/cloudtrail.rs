//! CloudTrail: console sign-ins (`lookup-events`, over the window, 90 days at most) and the
//! trails.

use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};

use crate::json::{J, Obj};
use crate::{Call, Ctx, client, sdk_time};
use fieldcheck_pull::PullError;

/// How far back `LookupEvents` reaches (the CloudTrail event history).
pub(crate) const HISTORY_DAYS: i64 = 90;

// The CLI still prints the deprecated `SnsTopicName`.
#[allow(deprecated)]
pub(crate) async fn pull(ctx: &mut Ctx<'_, '_>) -> Result<(), PullError> {
    let ct = client!(ctx, aws_sdk_cloudtrail);
    let spec = ctx.call("cloudtrail-lookup-events");
    let range = ctx.event_range(
        spec,
        HISTORY_DAYS,
        "CloudTrail event history (LookupEvents)",
        "read the trail's log files from its S3 bucket with the `aws-cloudtrail` adapter for the rest of the window",
    );
    let attribute = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::EventName)
        .attribute_value("ConsoleLogin")
        .build()
        .map_err(|e| crate::fail_at(spec.name, e.to_string(), ""))?;
    if let Some((start, to)) = range {
        let call = Call::new(spec, "cloudtrail:LookupEvents")
            .param("LookupAttributes", "EventName=ConsoleLogin")
            .param("StartTime", start.to_string())
            .param("EndTime", to.to_string());
        let request = |token| {
            ct.lookup_events()
                .lookup_attributes(attribute.clone())
                .start_time(sdk_time(start))
                .end_time(sdk_time(to))
                .set_next_token(token)
                .send()
        };
        let file = "cloudtrail/lookup-events-console-login.json".into();
        ctx.listing(call, "Events", file, request, |out, events| {
            for e in out.events.as_deref().unwrap_or_default() {
                events.push(
                    Obj::new()
                        .s("EventId", e.event_id.as_deref())
                        .s("EventName", e.event_name.as_deref())
                        .s("ReadOnly", e.read_only.as_deref())
                        .s("AccessKeyId", e.access_key_id.as_deref())
                        .t("EventTime", e.event_time.as_ref())
                        .s("EventSource", e.event_source.as_deref())
                        .s("Username", e.username.as_deref())
                        .list("Resources", e.resources.as_deref(), |r| {
                            Obj::new()
                                .s("ResourceType", r.resource_type.as_deref())
                                .s("ResourceName", r.resource_name.as_deref())
                                .done()
                        })
                        .s("CloudTrailEvent", e.cloud_trail_event.as_deref())
                        .done(),
                );
            }
            out.next_token.clone()
        })
        .await?;
    }

    let mut call = Call::new(
        ctx.call("cloudtrail-describe-trails"),
        "cloudtrail:DescribeTrails",
    );
    let out = ctx.send(&mut call, ct.describe_trails().send()).await?;
    let trails = out
        .trail_list
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|t| {
            Obj::new()
                .s("Name", t.name.as_deref())
                .s("S3BucketName", t.s3_bucket_name.as_deref())
                .s("S3KeyPrefix", t.s3_key_prefix.as_deref())
                .s("SnsTopicName", t.sns_topic_name.as_deref())
                .s("SnsTopicARN", t.sns_topic_arn.as_deref())
                .b(
                    "IncludeGlobalServiceEvents",
                    t.include_global_service_events,
                )
                .b("IsMultiRegionTrail", t.is_multi_region_trail)
                .s("HomeRegion", t.home_region.as_deref())
                .s("TrailARN", t.trail_arn.as_deref())
                .b("LogFileValidationEnabled", t.log_file_validation_enabled)
                .s(
                    "CloudWatchLogsLogGroupArn",
                    t.cloud_watch_logs_log_group_arn.as_deref(),
                )
                .s(
                    "CloudWatchLogsRoleArn",
                    t.cloud_watch_logs_role_arn.as_deref(),
                )
                .s("KmsKeyId", t.kms_key_id.as_deref())
                .b("HasCustomEventSelectors", t.has_custom_event_selectors)
                .b("HasInsightSelectors", t.has_insight_selectors)
                .b("IsOrganizationTrail", t.is_organization_trail)
                .done()
        })
        .collect();
    let body = Obj::new().put("trailList", J::Arr(trails)).done();
    ctx.save(call, "cloudtrail/describe-trails.json".into(), &body)
}
