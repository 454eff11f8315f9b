//! Okta Identity Governance access certifications: campaigns
//! (`GET /governance/api/v1/campaigns`) and their reviews (`GET /governance/api/v1/reviews`).

use std::collections::{BTreeMap, HashMap};

use fieldcheck_kit::{Diagnostic, Kind, Severity};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use super::common::time;
use crate::emit::Emitter;
use crate::read::{At, bad_json, json_file};
use crate::spec::{OptSpec, OptTy, Spec};
use crate::{Adapter, Input};

/// `okta-iga`.
pub(crate) static IGA: Adapter = Adapter {
    spec: &Spec {
        name: "okta-iga",
        system: "Okta Identity Governance",
        reads: "Okta Identity Governance campaigns (`GET /governance/api/v1/campaigns` or `/campaigns/{id}`) and reviews (`GET /governance/api/v1/reviews?filter=campaignId eq \"...\"`), `{\"data\": [...]}` pages or single objects, campaigns and reviews in any files of the source",
        produces: &[
            Kind::AccessReviews,
            Kind::AccessReviewDecisions,
            Kind::Identities,
        ],
        needs_system: true,
        containers: &["data"],
        options: &[OptSpec {
            name: "systems",
            ty: OptTy::Map,
            help: "the system each reviewed resource belongs to: an Okta resource id (`0oa…` app, `00g…` group) or a campaign name → a system_id of systems.csv; default: the source's `system_id`",
        }],
        example: "[[sources]]\nadapter = \"okta-iga\"\npath = \"exports/okta/iga-*.json\"\nsystem_id = \"okta\"\nsystems = { \"0oa1prodawsapp0001\" = \"aws-prod\", \"Quarterly GitHub review\" = \"github\" }",
    },
    run: run_iga,
};

#[derive(Deserialize)]
struct Probe {
    #[serde(default, rename = "campaignId")]
    campaign_id: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Campaign {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, rename = "startDate")]
    start_date: Value,
    #[serde(default, rename = "endDate")]
    end_date: Value,
    #[serde(default, rename = "lastUpdated")]
    last_updated: Value,
    #[serde(default, rename = "createdBy")]
    created_by: Option<String>,
    #[serde(default, rename = "scheduleSettings")]
    schedule: Option<Schedule>,
    #[serde(default, rename = "resourceSettings")]
    resources: Option<ResourceSettings>,
}

#[derive(Deserialize)]
struct Schedule {
    #[serde(default, rename = "startDate")]
    start_date: Value,
    #[serde(default, rename = "endDate")]
    end_date: Value,
}

#[derive(Deserialize)]
struct ResourceSettings {
    #[serde(default, rename = "targetResources")]
    targets: Option<Vec<Target>>,
}

#[derive(Deserialize)]
struct Target {
    #[serde(default, rename = "resourceId")]
    resource_id: Option<String>,
}

#[derive(Deserialize)]
struct Review {
    #[serde(rename = "campaignId")]
    campaign_id: String,
    #[serde(default, rename = "resourceId")]
    resource_id: Option<String>,
    #[serde(default)]
    decision: Option<String>,
    #[serde(default)]
    decided: Value,
    #[serde(default, rename = "principalProfile")]
    principal: Option<Profile>,
    #[serde(default, rename = "reviewerProfile")]
    reviewer: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    login: Option<String>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn run_iga(input: &Input<'_>, em: &mut Emitter) {
    let systems: HashMap<String, String> = input.options.map("systems").into_iter().collect();
    let source_system = input.system_id.unwrap_or_default().to_string();
    let mut campaigns: Vec<(Campaign, At)> = Vec::new();
    let mut reviews: Vec<(Review, At)> = Vec::new();
    for f in input.files {
        json_file(input, f, em, &mut |el, at, em| {
            let is_review = serde_json::from_slice::<Probe>(el.bytes)
                .map(|p| p.campaign_id.is_some())
                .unwrap_or(false);
            if is_review {
                match serde_json::from_slice::<Review>(el.bytes) {
                    Ok(r) => reviews.push((r, at.clone())),
                    Err(e) => bad_json(em, at, &e, input.spec.reads),
                }
            } else {
                match serde_json::from_slice::<Campaign>(el.bytes) {
                    Ok(c) => campaigns.push((c, at.clone())),
                    Err(e) => bad_json(em, at, &e, input.spec.reads),
                }
            }
        });
    }

    // A campaign's system: its name in `systems`, else the first of its target resources or of
    // its reviews' resources that `systems` maps.
    let mut review_systems: HashMap<&str, Vec<&str>> = HashMap::new();
    for (r, _) in &reviews {
        if let Some(s) = nonempty(&r.resource_id).and_then(|id| systems.get(id)) {
            let v = review_systems.entry(r.campaign_id.as_str()).or_default();
            if !v.contains(&s.as_str()) {
                v.push(s.as_str());
            }
        }
    }
    let mut campaign_system: HashMap<String, String> = HashMap::new();
    let mut spanning: Vec<String> = Vec::new();
    for (c, _) in &campaigns {
        let named = nonempty(&c.name).and_then(|n| systems.get(n)).cloned();
        let targeted = c
            .resources
            .as_ref()
            .and_then(|r| r.targets.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|t| nonempty(&t.resource_id).and_then(|id| systems.get(id)))
            .next()
            .cloned();
        let from_reviews = review_systems.get(c.id.as_str());
        if named.is_none()
            && let Some(v) = from_reviews
            && v.len() > 1
        {
            spanning.push(format!("`{}` ({})", c.id, v.join(", ")));
        }
        let sys = named
            .or(targeted)
            .or_else(|| from_reviews.and_then(|v| v.first()).map(|s| s.to_string()));
        if let Some(s) = sys {
            campaign_system.insert(c.id.clone(), s);
        }
    }

    let mut deleted = 0u32;
    for (c, at) in &campaigns {
        let status = c.status.as_deref().unwrap_or("").to_ascii_uppercase();
        match status.as_str() {
            "DELETED" => {
                deleted += 1;
                continue;
            }
            "READY" | "SCHEDULED" | "LAUNCHING" | "ACTIVE" | "COMPLETED" | "ERROR" => {}
            // The status decides whether the campaign is complete: one fieldcheck cannot read
            // is an error.
            other => {
                super::common::unknown_value(
                    em,
                    at,
                    "status",
                    other,
                    "Okta campaign statuses are READY, SCHEDULED, LAUNCHING, ACTIVE, COMPLETED, ERROR and DELETED",
                );
                continue;
            }
        }
        let sched = c.schedule.as_ref();
        let start_v = if c.start_date.is_null() {
            sched.map_or(&Value::Null, |s| &s.start_date)
        } else {
            &c.start_date
        };
        let end_v = if c.end_date.is_null() {
            sched.map_or(&Value::Null, |s| &s.end_date)
        } else {
            &c.end_date
        };
        let started = time(input, em, at, "startDate", start_v);
        let end = time(input, em, at, "endDate", end_v);
        let updated = time(input, em, at, "lastUpdated", &c.last_updated);
        // A campaign ended early was last updated before its end date; a `lastUpdated` before
        // the start (Okta's documented example has one) cannot be the completion.
        let updated = updated.filter(|u| started.is_none_or(|s| *u >= s));
        let completed = if status == "COMPLETED" {
            match (end, updated) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        } else {
            None
        };
        em.row(Kind::AccessReviews, &at.file, at.line, at.path())
            .set("review_id", c.id.as_str())
            .set("system_id", campaign_system.get(&c.id))
            .set("started_at", started)
            .set("completed_at", completed)
            .set("owner_id", nonempty(&c.created_by))
            .emit();
    }

    let mut unknown: BTreeMap<String, u32> = BTreeMap::new();
    for (r, at) in &reviews {
        let Some(account) = r.principal.as_ref().and_then(|p| nonempty(&p.id)) else {
            at.bad(
                em,
                fieldcheck_kit::Code::BadValue,
                "the review has no `principalProfile.id`",
                "the review was skipped",
            );
            continue;
        };
        let raw = r
            .decision
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_ascii_uppercase();
        let decision = match raw.as_str() {
            "APPROVE" => "keep",
            "REVOKE" => "revoke",
            "UNREVIEWED" => "no_response",
            _ => {
                *unknown.entry(raw).or_default() += 1;
                at.bad(
                    em,
                    fieldcheck_kit::Code::UnknownValue,
                    format!(
                        "the review's decision `{}` is not APPROVE, REVOKE or UNREVIEWED",
                        r.decision.as_deref().unwrap_or("")
                    ),
                    "the review was skipped",
                );
                continue;
            }
        };
        let decided = if decision == "no_response" {
            None
        } else {
            time(input, em, at, "decided", &r.decided)
        };
        let reviewer = r.reviewer.as_ref().and_then(|p| {
            nonempty(&p.email)
                .or(nonempty(&p.login))
                .or(nonempty(&p.id))
        });
        let system = nonempty(&r.resource_id)
            .and_then(|id| systems.get(id))
            .or_else(|| campaign_system.get(&r.campaign_id));
        em.row(Kind::AccessReviewDecisions, &at.file, at.line, at.path())
            .set("review_id", r.campaign_id.as_str())
            .set("system_id", system)
            .set("account_id", account)
            .set("reviewer_id", reviewer)
            .set("decision", decision)
            .set("decided_at", decided)
            .emit();
        for p in [r.principal.as_ref(), r.reviewer.as_ref()]
            .into_iter()
            .flatten()
        {
            if let (Some(id), Some(email)) = (nonempty(&p.id), nonempty(&p.email)) {
                em.identity(&at.file, at.line, at.path(), &source_system, id, email);
            }
        }
    }
    if deleted > 0 {
        em.diag(Diagnostic::new(
            Severity::Note,
            fieldcheck_kit::Code::SourceSkippedRecords,
            format!(
                "{deleted} DELETED campaign{} left out of access_reviews",
                if deleted == 1 { " was" } else { "s were" }
            ),
        ));
    }
    if !spanning.is_empty() {
        em.diag(
            Diagnostic::new(
                Severity::Note,
                fieldcheck_kit::Code::SourceReviewSystems,
                format!(
                    "{} campaign{} review resources of several systems: {}",
                    spanning.len(),
                    if spanning.len() == 1 { "" } else { "s" },
                    spanning.join("; ")
                ),
            )
            .help("the campaign's access_reviews row names the first system; each decision names its resource's system. Map the campaign's name in `systems` to choose"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const CAMPAIGNS: &str = r#"{
  "data": [
    {"id": "icizigd86iM9sOcbN1d6", "name": "Q1 AWS production access", "description": "Quarterly",
     "status": "COMPLETED", "startDate": "2025-03-01T00:00:00.000Z", "endDate": "2025-03-15T00:00:00.000Z",
     "scheduleType": "ONE_OFF", "reviewerType": "USER",
     "created": "2025-02-20T10:00:00.000Z", "createdBy": "00u1admin00000001",
     "lastUpdated": "2025-03-13T17:30:00.000Z", "lastUpdatedBy": "00u1admin00000001", "_links": {}},
    {"id": "icilate0000000002", "name": "Quarterly GitHub review", "status": "COMPLETED",
     "startDate": "2025-04-01T00:00:00.000Z", "endDate": "2025-04-10T00:00:00.000Z",
     "created": "2025-03-20T10:00:00.000Z", "createdBy": "00u1admin00000001",
     "lastUpdated": "2025-04-12T08:00:00.000Z", "lastUpdatedBy": "00u1admin00000001"},
    {"id": "iciactive00000003", "name": "Okta admins", "status": "ACTIVE",
     "startDate": "2025-06-01T00:00:00.000Z", "endDate": "2025-06-15T00:00:00.000Z",
     "created": "2025-05-20T10:00:00.000Z", "createdBy": "00u1admin00000001",
     "lastUpdated": "2025-06-02T08:00:00.000Z"},
    {"id": "icideleted0000004", "name": "Draft", "status": "DELETED",
     "startDate": "2025-01-01T00:00:00.000Z", "created": "2024-12-20T10:00:00.000Z", "createdBy": "00u1admin00000001"}
  ],
  "_links": {"self": {"href": "https://acme.okta.com/governance/api/v1/campaigns"}}
}
"#;

    const FULL_CAMPAIGN: &str = r#"{"id": "icifull0000000005", "name": "Payments app", "status": "COMPLETED",
  "created": "2025-05-01T00:00:00.000Z", "createdBy": "00u1admin00000001",
  "lastUpdated": "2025-05-09T12:00:00.000Z", "lastUpdatedBy": "00u1admin00000001",
  "campaignType": "RESOURCE",
  "scheduleSettings": {"type": "ONE_OFF", "startDate": "2025-05-02T00:00:00.000Z", "durationInDays": 14,
    "timeZone": "America/New_York", "endDate": "2025-05-16T00:00:00.000Z"},
  "resourceSettings": {"type": "APPLICATION", "targetResources": [{"resourceId": "0oa1paymentsapp001", "resourceType": "APPLICATION"}]},
  "reviewerSettings": {"type": "USER"},
  "remediationSettings": {"accessApproved": "NO_ACTION", "accessRevoked": "DENY", "noResponse": "NO_ACTION"},
  "_links": {}}"#;

    const REVIEWS_1: &str = r#"{"data": [
  {"id": "icrztblxbBFiVKepb1d6", "campaignId": "icizigd86iM9sOcbN1d6", "resourceId": "0oa1prodawsapp0001",
   "decision": "REVOKE", "decided": "2025-03-12T16:04:51.000Z", "remediationStatus": "SUCCESS",
   "principalProfile": {"id": "00u1bob0000000001", "email": "bob@example.com", "login": "bob@example.com",
     "firstName": "Bob", "lastName": "Ng", "status": "ACTIVE"},
   "reviewerProfile": {"id": "00u1ann0000000001", "email": "ann@example.com", "login": "ann@example.com",
     "firstName": "Ann", "lastName": "Lee", "status": "ACTIVE"},
   "reviewerType": "USER", "currentReviewerLevel": "FIRST", "delegated": false,
   "created": "2025-03-01T00:00:05.000Z", "createdBy": "00u1admin00000001",
   "lastUpdated": "2025-03-12T16:05:30.000Z", "lastUpdatedBy": "00u1ann0000000001", "_links": {}},
  {"id": "icr2", "campaignId": "icizigd86iM9sOcbN1d6", "resourceId": "0oa1prodawsapp0001",
   "decision": "UNREVIEWED", "decided": null, "remediationStatus": null,
   "principalProfile": {"id": "00u1cat0000000001", "email": "cat@example.com", "login": "cat@example.com"},
   "reviewerProfile": {"id": "00u1ann0000000001", "login": "ann.lee"}}
], "_links": {"next": {"href": "https://acme.okta.com/governance/api/v1/reviews?after=icr2"}}}
{"data": [
  {"id": "icr3", "campaignId": "icizigd86iM9sOcbN1d6", "resourceId": "0oa1prodawsapp0001",
   "decision": "APPROVE", "decided": "2025-03-05T09:00:00.000Z",
   "principalProfile": {"id": "00u1ann0000000001", "email": "ann@example.com"},
   "reviewerProfile": {"id": "00u1mgr0000000001"}},
  {"id": "icr4", "campaignId": "icizigd86iM9sOcbN1d6", "resourceId": "0oa1prodawsapp0001",
   "decision": "MAYBE", "decided": null,
   "principalProfile": {"id": "00u1dan0000000001"}}
]}
"#;

    const REVIEWS_2: &str = r#"{"data": [
  {"id": "icr5", "campaignId": "icilate0000000002", "resourceId": "00g1githubgroup001",
   "decision": "APPROVE", "decided": "2025-04-02T09:00:00.000Z",
   "principalProfile": {"id": "00u1bob0000000001", "email": "bob@example.com"},
   "reviewerProfile": {"id": "00u1ann0000000001", "email": "ann@example.com"}},
  {"id": "icr6", "campaignId": "icifull0000000005", "resourceId": "0oa1paymentsapp001",
   "decision": "APPROVE", "decided": "2025-05-03T09:00:00.000Z",
   "principalProfile": {"id": "00u1bob0000000001", "email": "bob@example.com"},
   "reviewerProfile": {"id": "00u1ann0000000001", "email": "ann@example.com"}},
  {"id": "icr7", "campaignId": "iciactive00000003",
   "decision": "APPROVE",
   "decided": true,
   "principalProfile": {"id": "00u1eve0000000001"},
   "reviewerProfile": {"id": "00u1ann0000000001", "email": "ann@example.com"}},
  {"id": "icr8", "campaignId": "iciactive00000003",
   "decision": ["APPROVE"],
   "principalProfile": {"id": "00u1eve0000000001"}}
]}"#;

    const CONFIG: &str = "[[sources]]\nadapter = \"okta-iga\"\npath = \"iga/*.json\"\nsystem_id = \"okta\"\nsystems = { \"0oa1prodawsapp0001\" = \"aws-prod\", \"Quarterly GitHub review\" = \"github\", \"0oa1paymentsapp001\" = \"payments\" }";

    #[test]
    fn campaigns_and_reviews_become_access_reviews_and_decisions() {
        let out = run(
            CONFIG,
            &[
                ("iga/campaigns.json", CAMPAIGNS.as_bytes()),
                ("iga/campaign-full.json", FULL_CAMPAIGN.as_bytes()),
                ("iga/reviews-1.json", REVIEWS_1.as_bytes()),
                ("iga/reviews-2.json", REVIEWS_2.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("access_reviews").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                // Files are read in name order: campaign-full.json first.
                "completed_at=2025-05-09T12:00:00Z|owner_id=00u1admin00000001|review_id=icifull0000000005|started_at=2025-05-02T00:00:00Z|system_id=payments",
                "completed_at=2025-03-13T17:30:00Z|owner_id=00u1admin00000001|review_id=icizigd86iM9sOcbN1d6|started_at=2025-03-01T00:00:00Z|system_id=aws-prod",
                "completed_at=2025-04-10T00:00:00Z|owner_id=00u1admin00000001|review_id=icilate0000000002|started_at=2025-04-01T00:00:00Z|system_id=github",
                "owner_id=00u1admin00000001|review_id=iciactive00000003|started_at=2025-06-01T00:00:00Z|system_id=okta",
            ]
        );
        let rows: Vec<String> = out
            .rows("access_review_decisions")
            .iter()
            .map(flat)
            .collect();
        assert_eq!(
            rows,
            [
                "account_id=00u1bob0000000001|decided_at=2025-03-12T16:04:51Z|decision=revoke|review_id=icizigd86iM9sOcbN1d6|reviewer_id=ann@example.com|system_id=aws-prod",
                "account_id=00u1cat0000000001|decision=no_response|review_id=icizigd86iM9sOcbN1d6|reviewer_id=ann.lee|system_id=aws-prod",
                "account_id=00u1ann0000000001|decided_at=2025-03-05T09:00:00Z|decision=keep|review_id=icizigd86iM9sOcbN1d6|reviewer_id=00u1mgr0000000001|system_id=aws-prod",
                "account_id=00u1bob0000000001|decided_at=2025-04-02T09:00:00Z|decision=keep|review_id=icilate0000000002|reviewer_id=ann@example.com|system_id=github",
                "account_id=00u1bob0000000001|decided_at=2025-05-03T09:00:00Z|decision=keep|review_id=icifull0000000005|reviewer_id=ann@example.com|system_id=payments",
                "account_id=00u1eve0000000001|decision=keep|review_id=iciactive00000003|reviewer_id=ann@example.com|system_id=okta",
            ]
        );
        let ids: Vec<String> = out.rows("identities").iter().map(flat).collect();
        assert_eq!(
            ids,
            [
                "external_id=00u1bob0000000001|person_id=bob@example.com|system_id=okta",
                "external_id=00u1ann0000000001|person_id=ann@example.com|system_id=okta",
                "external_id=00u1cat0000000001|person_id=cat@example.com|system_id=okta",
            ]
        );
        // The array-typed decision is a bad record, the unknown decision is skipped, the boolean
        // `decided` is read as unknown; the DELETED campaign is a note.
        assert_eq!(
            out.codes(),
            [
                "bad-json",
                "unknown-value",
                "bad-value",
                "source-skipped-records"
            ],
            "{:?}",
            out.diags
        );
        let bad = &out.diags[0];
        assert_eq!(
            (bad.file.as_deref(), bad.line),
            (Some("iga/reviews-2.json"), Some(16))
        );
        assert_eq!(
            (out.diags[1].file.as_deref(), out.diags[1].line),
            (Some("iga/reviews-1.json"), Some(21))
        );
        assert_eq!(
            (out.diags[2].file.as_deref(), out.diags[2].line),
            (Some("iga/reviews-2.json"), Some(10))
        );
        assert_eq!(out.problems("access_review_decisions").len(), 1);
        let o = &out.origins("access_review_decisions")[2];
        assert_eq!((o.line, o.path.as_deref()), (17, Some("#2 $.data[0]")));
    }

    #[test]
    fn a_campaign_over_several_systems_takes_its_first_and_says_so() {
        let reviews = r#"{"data": [
 {"campaignId": "icimix", "resourceId": "0oa1prodawsapp0001", "decision": "APPROVE", "decided": "2025-03-05T09:00:00Z", "principalProfile": {"id": "00u1"}},
 {"campaignId": "icimix", "resourceId": "0oa1paymentsapp001", "decision": "APPROVE", "decided": "2025-03-05T09:00:00Z", "principalProfile": {"id": "00u2"}}]}"#;
        let campaign = r#"{"id": "icimix", "name": "Mixed", "status": "ACTIVE", "startDate": "2025-03-01T00:00:00.000Z", "lastUpdated": "N/A"}"#;
        let out = run(
            CONFIG,
            &[
                ("iga/a.json", campaign.as_bytes()),
                ("iga/b.json", reviews.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("access_reviews").iter().map(flat).collect();
        assert_eq!(
            rows,
            ["review_id=icimix|started_at=2025-03-01T00:00:00Z|system_id=aws-prod"]
        );
        let systems: Vec<String> = out
            .rows("access_review_decisions")
            .iter()
            .map(|r| r["system_id"].clone())
            .collect();
        assert_eq!(systems, ["aws-prod", "payments"]);
        assert_eq!(out.codes(), ["source-review-systems"]);
        assert!(
            out.diags[0]
                .message
                .contains("`icimix` (aws-prod, payments)")
        );
    }

    #[test]
    fn a_truncated_reviews_page_keeps_what_came_before() {
        let cut = &REVIEWS_1[..REVIEWS_1.find("\"id\": \"icr2\"").unwrap()];
        let out = run(CONFIG, &[("iga/reviews.json", cut.as_bytes())]);
        assert_eq!(out.rows("access_review_decisions").len(), 1);
        assert_eq!(out.codes(), ["truncated-export"]);
        assert_eq!(out.problems("access_reviews").len(), 1);
    }

    /// Okta's documented "List all campaigns" response (example
    /// `campaigns-list-response-01-filtered-by-status`, with the page's `_links.next`),
    /// https://developer.okta.com/docs/api/iga/openapi/governance.api/tag/Campaigns/#tag/Campaigns/operation/listCampaigns
    /// (okta/okta-governance-sdk-golang, `governance/api/openapi.yaml`, as the page prints it in
    /// JSON). Its second campaign's dates end in a stray `'`.
    const DOC_CAMPAIGNS: &str = r#"{
  "data": [
    {
      "id": "ici2b0ozhrs1S9sVf0g4",
      "created": "2022-04-20T14:15:22Z",
      "createdBy": "59473jfjdJGdsfds354",
      "lastUpdated": "2022-04-24T14:15:22Z",
      "lastUpdatedBy": "00ub0oNGTSWTBKOLGLNR",
      "name": "HR Review",
      "description": "Review access of all HR team members to a specific app",
      "scheduleType": "ONE_OFF",
      "startDate": "2022-05-31T17:00:01.001-07:00",
      "endDate": "2022-06-29T17:00:01.001-07:00",
      "status": "COMPLETED",
      "_links": {
        "launchCampaign": {
          "href": "https://myorg.okta.com/governance/api/v1/campaigns/ici2b0ozhrs1S9sVf0g4/launch"
        },
        "endCampaign": {
          "href": "https://myorg.okta.com/governance/api/v1/campaigns/ici2b0ozhrs1S9sVf0g4/end"
        },
        "campaignDetails": {
          "href": "https://myorg.okta.com/governance/api/v1/campaigns/ici2b0ozhrs1S9sVf0g4"
        },
        "reviews": {
          "href": "https://myorg.okta.com/governance/api/v1/reviews?filter%3DcampaignId%20eq%20%22ici2b0ozhrs1S9sVf0g4%22"
        },
        "self": {
          "href": "https://myorg.okta.com/governance/api/v1/campaigns/ici2b0ozhrs1S9sVf0g4"
        }
      }
    },
    {
      "id": "ici2b0ozhrs1S9sVG9g0",
      "created": "2019-05-10T14:15:22Z",
      "createdBy": "59473jfjdJGdsfds354",
      "lastUpdated": "2019-05-14T14:15:22Z",
      "lastUpdatedBy": "00ub0oNGTSWTBKOLGLNR",
      "name": "Sales Review",
      "description": "Review access of all sales team members to a specific app",
      "scheduleType": "ONE_OFF",
      "startDate": "2022-07-01T00:00:01.001Z'",
      "endDate": "2022-07-30T00:00:01.001Z'",
      "status": "COMPLETED",
      "_links": {
        "launchCampaign": {
          "href": "https://myorg.okta.com/governance/api/v1/campaigns/ici2b0ozhrs1S9sVG9g0/launch"
        },
        "endCampaign": {
          "href": "https://myorg.okta.com/governance/api/v1/campaigns/ici2b0ozhrs1S9sVG9g0/end"
        },
        "campaignDetails": {
          "href": "https://myorg.okta.com/governance/api/v1/campaigns/ici2b0ozhrs1S9sVG9g0"
        },
        "reviews": {
          "href": "https://myorg.okta.com/governance/api/v1/reviews?filter%3DcampaignId%20eq%20%22ici2b0ozhrs1S9sVG9g0%22"
        },
        "self": {
          "href": "https://myorg.okta.com/governance/api/v1/campaigns/ici2b0ozhrs1S9sVG9g0"
        }
      }
    }
  ],
  "_links": {
    "next": {
      "href": "https://myorg.okta.com/governance/api/v1/campaigns?after=2&filter%3Dstatus%20eq%20%22COMPLETED%22"
    },
    "self": {
      "href": "https://myorg.okta.com/governance/api/v1/campaigns?filter%3Dstatus%20eq%20%22COMPLETED%22"
    }
  }
}"#;

    /// Okta's documented "List all reviews" response (example
    /// `reviews-list-response-01-filtered-by-campaignId`),
    /// https://developer.okta.com/docs/api/iga/openapi/governance.api/tag/Reviews/#tag/Reviews/operation/listReviews
    /// (okta/okta-governance-sdk-golang, `governance/api/openapi.yaml`, in JSON).
    const DOC_REVIEWS: &str = r#"{
  "data": [
    {
      "campaignId": "icitdyhndQ6qstyvR8g5",
      "resourceId": "00gco5q3vQ20oPncs8g5",
      "decided": "2019-08-24T14:15:22Z",
      "principalProfile": {
        "id": "00u28w6vzKKultXP98g5",
        "email": "jessie.smith@example.com",
        "firstName": "Jessie",
        "lastName": "Smith",
        "status": "ACTIVE"
      },
      "reviewerProfile": {
        "id": "00u5v5viPvg84h0W68g4",
        "email": "admin@admin.com",
        "firstName": "admin",
        "lastName": "admin",
        "status": "ACTIVE"
      },
      "decision": "APPROVE",
      "remediationStatus": "NONE",
      "reviewerType": "USER",
      "id": "icrtg6mwccZTRc6Ub8g5",
      "created": "2019-08-24T14:15:22Z",
      "createdBy": "00ub0oNGTSWTBKOLGLNR",
      "lastUpdated": "2019-08-24T14:15:22Z",
      "lastUpdatedBy": "00ub0oNGTSWTBKOLGLNR",
      "_links": {
        "self": {
          "href": "https://myorg.okta.com/governance/api/v1/reviews?filter%3DcampaignId%20eq%20%22icitdyhndQ6qstyvR8g5%22"
        },
        "reassignReview": {
          "href": "https://myorg.okta.com/governance/api/v1/campaigns/icitdyhndQ6qstyvR8g5/reviews/reassign"
        }
      }
    }
  ],
  "_links": {
    "self": {
      "href": "https://myorg.okta.com/governance/api/v1/reviews?filter%3DcampaignId%20eq%20%22icitdyhndQ6qstyvR8g5%22"
    },
    "next": {
      "href": "https://myorg.okta.com/governance/api/v1/reviews?after%3D1"
    }
  }
}"#;

    #[test]
    fn documented_campaigns_and_reviews_are_read_as_printed() {
        let out = run(
            "[[sources]]\nadapter = \"okta-iga\"\npath = \"okta/iga-*.json\"\nsystem_id = \"okta\"",
            &[
                ("okta/iga-campaigns.json", DOC_CAMPAIGNS.as_bytes()),
                ("okta/iga-reviews.json", DOC_REVIEWS.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("access_reviews").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                // Completed at its end date: its `lastUpdated` is before its start.
                "completed_at=2022-06-30T00:00:01.001Z|owner_id=59473jfjdJGdsfds354|review_id=ici2b0ozhrs1S9sVf0g4|started_at=2022-06-01T00:00:01.001Z|system_id=okta",
                // Both dates are unreadable (`...Z'`): unknown, each an error on its line.
                "completed_at=2019-05-14T14:15:22Z|owner_id=59473jfjdJGdsfds354|review_id=ici2b0ozhrs1S9sVG9g0|system_id=okta",
            ]
        );
        let rows: Vec<String> = out
            .rows("access_review_decisions")
            .iter()
            .map(flat)
            .collect();
        assert_eq!(
            rows,
            [
                "account_id=00u28w6vzKKultXP98g5|decided_at=2019-08-24T14:15:22Z|decision=keep|review_id=icitdyhndQ6qstyvR8g5|reviewer_id=admin@admin.com|system_id=okta"
            ]
        );
        let ids: Vec<String> = out.rows("identities").iter().map(flat).collect();
        assert_eq!(
            ids,
            [
                "external_id=00u28w6vzKKultXP98g5|person_id=jessie.smith@example.com|system_id=okta",
                "external_id=00u5v5viPvg84h0W68g4|person_id=admin@admin.com|system_id=okta",
            ]
        );
        assert_eq!(out.codes(), ["bad-value", "bad-value"], "{:?}", out.diags);
        assert!(
            out.diags.iter().all(|d| d.line == Some(33)),
            "{:?}",
            out.diags
        );
        assert!(
            out.diags[0]
                .message
                .contains("`startDate` is not a timestamp")
        );
    }

    #[test]
    fn a_campaign_completed_early_is_completed_when_last_updated() {
        // Boundary of the rule above: a `lastUpdated` after the start and before the end is the
        // completion.
        let early = DOC_CAMPAIGNS.replace("2022-04-24T14:15:22Z", "2022-06-10T12:00:00Z");
        let out = run(
            "[[sources]]\nadapter = \"okta-iga\"\npath = \"c.json\"\nsystem_id = \"okta\"",
            &[("c.json", early.as_bytes())],
        );
        assert_eq!(
            out.rows("access_reviews")[0]["completed_at"],
            "2022-06-10T12:00:00Z"
        );
    }
}
