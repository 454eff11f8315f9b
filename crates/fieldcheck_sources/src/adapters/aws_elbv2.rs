//! Elastic Load Balancing v2: listeners and their TLS security policies
//! (`aws elbv2 describe-listeners`, optionally `describe-load-balancers` and
//! `describe-ssl-policies`).

use std::collections::HashMap;
use std::sync::OnceLock;

use fieldcheck_kit::{Diagnostic, Kind, Severity};
use serde::Deserialize;

use super::awsops::{OtherCalls, head, noted, plural, some, top_keys, whole};
use super::common::unknown_value;
use crate::emit::{Emitter, FileId};
use crate::read::{bad_json, json_file};
use crate::spec::{OptSpec, OptTy, Spec};
use crate::{Adapter, Input};

/// `aws-elbv2`.
pub(crate) static ELBV2: Adapter = Adapter {
    spec: &Spec {
        name: "aws-elbv2",
        system: "Elastic Load Balancing",
        reads: "the AWS CLI's ELBv2 outputs, under any file name, recognised by their top-level keys: `aws elbv2 describe-listeners` (`{\"Listeners\": [...]}`), for each listener's exposure `aws elbv2 describe-load-balancers` (`{\"LoadBalancers\": [...]}`), and for its policy's protocols and ciphers `aws elbv2 describe-ssl-policies` (`{\"SslPolicies\": [...]}`), the authority for any policy it lists (custom ones included); fieldcheck's table of AWS's predefined policies is the fallback for a policy no describe-ssl-policies output lists, and the row's provenance says which was used. Other calls' outputs (`describe-target-groups`, `describe-rules`) are skipped with a note",
        produces: &[Kind::Endpoints],
        needs_system: true,
        containers: &["Listeners", "LoadBalancers", "SslPolicies"],
        options: &[OptSpec {
            name: "exposure",
            ty: OptTy::Str,
            help: "`public` or `internal`: the exposure of listeners whose load balancer is not in the source; default `public`",
        }],
        example: "[[sources]]\nadapter = \"aws-elbv2\"\npath = \"exports/elbv2/*.json\"\nsystem_id = \"prod-web\"",
    },
    run,
};

#[derive(Deserialize)]
struct Policy {
    min_tls: String,
}

#[derive(Deserialize)]
struct Table {
    policies: HashMap<String, Policy>,
}

fn table() -> &'static HashMap<String, Policy> {
    static T: OnceLock<HashMap<String, Policy>> = OnceLock::new();
    T.get_or_init(|| {
        toml::from_str::<Table>(include_str!("tls_policies.toml"))
            .map(|t| t.policies)
            .unwrap_or_default()
    })
}

/// The lowest TLS version of a policy: the table, else the `TLS13-1-N` naming rule. Whether its
/// ciphers are weak is the encryption control's judgement, not the adapter's.
fn policy(name: &str) -> Option<String> {
    if let Some(p) = table().get(name) {
        return Some(p.min_tls.clone());
    }
    let rest = &name[name.find("TLS13-1-")? + "TLS13-1-".len()..];
    match rest.as_bytes().first()? {
        b @ b'0'..=b'3' => Some(format!("1.{}", b - b'0')),
        _ => None,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Record {
    #[serde(default)]
    listener_arn: Option<String>,
    #[serde(default)]
    load_balancer_arn: Option<String>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    ssl_policy: Option<String>,
    #[serde(default)]
    default_actions: Vec<Action>,
    #[serde(default)]
    scheme: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Action {
    #[serde(default, rename = "Type")]
    kind: Option<String>,
    #[serde(default)]
    redirect_config: Option<Redirect>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Redirect {
    #[serde(default)]
    protocol: Option<String>,
}

/// A `describe-ssl-policies` entry.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SslPolicy {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    ssl_protocols: Vec<String>,
    #[serde(default)]
    ciphers: Vec<Cipher>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Cipher {
    #[serde(default)]
    name: Option<String>,
}

/// A policy as `describe-ssl-policies` lists it: its lowest TLS version, its cipher suites (in
/// the policy's order, `:`-separated as OpenSSL writes cipher lists), and where it was read.
struct Listed {
    min_tls: String,
    ciphers: Option<String>,
    at: String,
}

/// The TLS version of a `describe-ssl-policies` protocol name.
fn protocol_version(p: &str) -> Option<&'static str> {
    match p {
        "TLSv1" | "TLSv1.0" => Some("1.0"),
        "TLSv1.1" => Some("1.1"),
        "TLSv1.2" => Some("1.2"),
        "TLSv1.3" => Some("1.3"),
        _ => None,
    }
}

struct Listener {
    file: FileId,
    line: u32,
    path: Option<String>,
    rec: Record,
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let default_exposure = match input.options.str("exposure") {
        None | Some("public") => "public",
        Some("internal") => "internal",
        Some(other) => {
            input.option_error(
                em,
                "exposure",
                format!("`exposure = \"{other}\"` is neither `public` nor `internal`"),
                "listeners without their load balancer were read as public",
            );
            "public"
        }
    };
    let mut listeners: Vec<Listener> = Vec::new();
    let mut schemes: HashMap<String, String> = HashMap::new();
    let mut listed: HashMap<String, Listed> = HashMap::new();
    let mut others = OtherCalls::default();
    // Whether any file is a `describe-listeners` output (even an empty one), and where the first
    // load balancer was read: load balancers without any listener output lost their listeners.
    let mut listener_output = false;
    let mut first_lb: Option<(FileId, u32)> = None;
    for f in input.files {
        listener_output |= head(input, f)
            .windows(b"\"Listeners\"".len())
            .any(|w| w == b"\"Listeners\"");
        json_file(input, f, em, &mut |el, at, em| {
            if el.key == Some("SslPolicies") {
                let p: SslPolicy = match serde_json::from_slice(el.bytes) {
                    Ok(p) => p,
                    Err(e) => return bad_json(em, at, &e, input.spec.reads),
                };
                let Some(name) = some(&p.name) else {
                    at.bad(
                        em,
                        fieldcheck_kit::Code::BadValue,
                        "the SSL policy has no `Name`",
                        "it was skipped",
                    );
                    return;
                };
                let mut versions = Vec::new();
                for proto in &p.ssl_protocols {
                    match protocol_version(proto) {
                        Some(v) => versions.push(v),
                        None => {
                            // The lowest protocol decides the listener's TLS version: one
                            // fieldcheck cannot read is an error on the policy.
                            unknown_value(
                                em,
                                at,
                                "SslProtocols",
                                proto,
                                "ELB policies list TLSv1, TLSv1.1, TLSv1.2 and TLSv1.3",
                            );
                            return;
                        }
                    }
                }
                let Some(min) = versions.iter().min() else {
                    at.bad(
                        em,
                        fieldcheck_kit::Code::BadValue,
                        format!("the SSL policy `{name}` lists no `SslProtocols`"),
                        "it was skipped; listeners using it fall back to fieldcheck's table",
                    );
                    return;
                };
                listed.insert(
                    name.to_string(),
                    Listed {
                        min_tls: min.to_string(),
                        ciphers: Some(
                            p.ciphers
                                .iter()
                                .filter_map(|c| some(&c.name))
                                .collect::<Vec<_>>()
                                .join(":"),
                        )
                        .filter(|c| !c.is_empty()),
                        at: format!("{}:{}", at.file.shown, at.line),
                    },
                );
                return;
            }
            if whole(el) {
                let keys = top_keys(el.bytes);
                if !keys.is_empty()
                    && !keys.iter().any(|k| {
                        matches!(
                            k.as_str(),
                            "ListenerArn"
                                | "LoadBalancerArn"
                                | "Listeners"
                                | "LoadBalancers"
                                | "SslPolicies"
                        )
                    })
                {
                    others.add_keys(at, &keys, em);
                    return;
                }
            }
            let r: Record = match serde_json::from_slice(el.bytes) {
                Ok(r) => r,
                Err(e) => return bad_json(em, at, &e, input.spec.reads),
            };
            if some(&r.listener_arn).is_some() {
                listeners.push(Listener {
                    file: at.file.clone(),
                    line: at.line,
                    path: at.path.clone(),
                    rec: r,
                });
            } else if let (Some(lb), Some(s)) = (some(&r.load_balancer_arn), some(&r.scheme)) {
                first_lb.get_or_insert_with(|| (at.file.clone(), at.line));
                schemes.insert(lb.to_string(), s.to_string());
            } else if el.key != Some("LoadBalancers") {
                at.bad(
                    em,
                    fieldcheck_kit::Code::BadValue,
                    "the record is neither a listener (no `ListenerArn`) nor a load balancer",
                    "it was skipped",
                );
            }
        });
    }
    if let Some((file, line)) = &first_lb
        && listeners.is_empty()
        && !listener_output
    {
        em.diag(
            Diagnostic::error(
                fieldcheck_kit::Code::SourceMissingCall,
                format!(
                    "{} load balancer{} listed, but the source holds no `aws elbv2 describe-listeners` output",
                    schemes.len(),
                    if schemes.len() == 1 { " is" } else { "s are" }
                ),
            )
            .file(file.shown.clone())
            .line(*line)
            .help("collect `aws elbv2 describe-listeners --load-balancer-arn <arn>` for each load balancer into the source's folder; their endpoints are not evidenced until then"),
        );
    }
    let mut redirects = 0u64;
    for l in listeners {
        let r = &l.rec;
        let protocol = some(&r.protocol).unwrap_or("").to_ascii_uppercase();
        let policy_name = some(&r.ssl_policy);
        let mut path = l.path.clone();
        let (tls, ciphers): (Option<String>, Option<String>) = match protocol.as_str() {
            "HTTPS" | "TLS" => match policy_name
                .and_then(|n| listed.get(n))
                .map(|p| {
                    path = Some(noted(
                        l.path.as_deref(),
                        &format!("policy from describe-ssl-policies at {}", p.at),
                    ));
                    (p.min_tls.clone(), p.ciphers.clone())
                })
                .or_else(|| {
                    let found = policy_name.and_then(policy);
                    if found.is_some() {
                        path = Some(noted(l.path.as_deref(), "policy from fieldcheck's table"));
                    }
                    // The table knows the policy's lowest version, not its suites.
                    found.map(|v| (v, None))
                }) {
                Some((v, c)) => (Some(v), c),
                None => {
                    // A policy fieldcheck cannot read would leave the listener's TLS unknown,
                    // and an unknown TLS version fails no test: an error on its line.
                    let at = crate::read::At {
                        file: l.file.clone(),
                        line: l.line,
                        path: l.path.clone(),
                    };
                    unknown_value(
                        em,
                        &at,
                        "SslPolicy",
                        policy_name.unwrap_or(""),
                        "no `aws elbv2 describe-ssl-policies` output in the source lists this policy, and fieldcheck's table of predefined policies does not know it: collect `aws elbv2 describe-ssl-policies --names <policy>` into the source's folder",
                    );
                    continue;
                }
            },
            "HTTP" => {
                let redirect_only = !r.default_actions.is_empty()
                    && r.default_actions.iter().all(|a| {
                        a.kind.as_deref() == Some("redirect")
                            && a.redirect_config
                                .as_ref()
                                .and_then(|c| some(&c.protocol))
                                .is_none_or(|p| !p.eq_ignore_ascii_case("HTTP"))
                    });
                if redirect_only {
                    redirects += 1;
                    continue;
                }
                (Some("none".into()), None)
            }
            _ => (Some("none".into()), None),
        };
        let exposure = some(&r.load_balancer_arn)
            .and_then(|lb| schemes.get(lb))
            .map(|s| match s.as_str() {
                "internal" => "internal",
                _ => "public",
            })
            .unwrap_or(default_exposure);
        em.row(Kind::Endpoints, &l.file, l.line, path.as_deref())
            .set("endpoint_id", some(&r.listener_arn))
            .set("exposure", exposure)
            .set("tls_min_version", tls)
            .set("policy_name", policy_name)
            .set("ciphers", ciphers)
            .emit();
    }
    others.report(em);
    if redirects > 0 {
        em.diag(
            Diagnostic::new(
                Severity::Note,
                fieldcheck_kit::Code::SourceSkippedRecords,
                format!(
                    "{redirects} HTTP listener{} that only redirect to HTTPS were skipped",
                    plural(redirects)
                ),
            )
            .help("a redirect-only listener carries no data"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    #[test]
    fn the_policy_table_parses_and_covers_the_documented_policies() {
        let t = super::table();
        assert_eq!(t.len(), 42);
        assert_eq!(
            super::policy("ELBSecurityPolicy-2016-08").as_deref(),
            Some("1.0")
        );
        assert_eq!(
            super::policy("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09").as_deref(),
            Some("1.2")
        );
        // The naming rule for names the table does not list.
        assert_eq!(
            super::policy("ELBSecurityPolicy-TLS13-1-1-Ext9-2030-01").as_deref(),
            Some("1.1")
        );
        assert_eq!(super::policy("ELBSecurityPolicy-Custom"), None);
    }

    const LISTENERS: &str = r##"{
    "Listeners": [
        {
            "ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/prod-alb/50dc6c495c0c9188/f2f7dc8efc522ab2",
            "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/prod-alb/50dc6c495c0c9188",
            "Port": 443,
            "Protocol": "HTTPS",
            "Certificates": [{"CertificateArn": "arn:aws:acm:us-east-1:111122223333:certificate/3dcb0a41-bd72-4774-9ad9-756919c40557"}],
            "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/prod-web/73e2d6bc24d8a067"}]
        },
        {
            "ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/prod-alb/50dc6c495c0c9188/0a0a0a0a0a0a0a0a",
            "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/prod-alb/50dc6c495c0c9188",
            "Port": 80,
            "Protocol": "HTTP",
            "DefaultActions": [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}", "StatusCode": "HTTP_301"}}]
        },
        {
            "ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/admin-alb/1111111111111111/2222222222222222",
            "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/admin-alb/1111111111111111",
            "Port": 8080,
            "Protocol": "HTTP",
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/admin/1"}]
        }
    ]
}
{"Listeners": [
  {"ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/net/prod-nlb/3333333333333333/4444444444444444",
   "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/prod-nlb/3333333333333333",
   "Port": 8443, "Protocol": "TLS", "SslPolicy": "ELBSecurityPolicy-2016-08", "DefaultActions": [{"Type": "forward"}]},
  {"ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/net/prod-nlb/3333333333333333/5555555555555555",
   "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/prod-nlb/3333333333333333",
   "Port": 5432, "Protocol": "TCP", "DefaultActions": [{"Type": "forward"}]},
  {"ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/other/6/7",
   "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-3-PQ-2030-01", "DefaultActions": [{"Type": "forward"}]},
  {"ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/other/6/8",
   "Protocol": "HTTPS", "SslPolicy": "MyCustomPolicy", "DefaultActions": [{"Type": "forward"}]},
  {"ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/other/6/9",
   "Protocol": "HTTPS", "DefaultActions": "forward"}
]}
"##;
    const LBS: &str = r#"{"LoadBalancers": [
  {"LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/prod-alb/50dc6c495c0c9188", "LoadBalancerName": "prod-alb", "Scheme": "internet-facing", "Type": "application"},
  {"LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/admin-alb/1111111111111111", "LoadBalancerName": "admin-alb", "Scheme": "internal", "Type": "application"},
  {"LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/prod-nlb/3333333333333333", "LoadBalancerName": "prod-nlb", "Scheme": "internal", "Type": "network"}
]}"#;

    #[test]
    fn listeners_become_endpoints() {
        let out = run(
            "[[sources]]\nadapter = \"aws-elbv2\"\npath = \"elb/*.json\"\nsystem_id = \"prod-web\"\nexposure = \"internal\"",
            &[
                ("elb/listeners.json", LISTENERS.as_bytes()),
                ("elb/load-balancers.json", LBS.as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("endpoints").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "endpoint_id=arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/prod-alb/50dc6c495c0c9188/f2f7dc8efc522ab2|exposure=public|policy_name=ELBSecurityPolicy-TLS13-1-2-2021-06|system_id=prod-web|tls_min_version=1.2",
                "endpoint_id=arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/admin-alb/1111111111111111/2222222222222222|exposure=internal|system_id=prod-web|tls_min_version=none",
                "endpoint_id=arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/net/prod-nlb/3333333333333333/4444444444444444|exposure=internal|policy_name=ELBSecurityPolicy-2016-08|system_id=prod-web|tls_min_version=1.0",
                "endpoint_id=arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/net/prod-nlb/3333333333333333/5555555555555555|exposure=internal|system_id=prod-web|tls_min_version=none",
                "endpoint_id=arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/other/6/7|exposure=internal|policy_name=ELBSecurityPolicy-TLS13-1-3-PQ-2030-01|system_id=prod-web|tls_min_version=1.3",
            ]
        );
        assert_eq!(
            out.codes(),
            ["bad-json", "unknown-value", "source-skipped-records"],
            "{:?}",
            out.diags
        );
        assert_eq!(out.diags[0].line, Some(40));
        // A policy fieldcheck cannot read is an error on the listener's line, never an endpoint
        // whose unknown TLS version passes: the endpoints' controls are not evidenced.
        assert!(out.diags[1].message.contains("`MyCustomPolicy`"));
        assert_eq!(out.diags[1].severity, fieldcheck_kit::Severity::Error);
        assert_eq!(out.diags[1].file.as_deref(), Some("elb/listeners.json"));
        assert_eq!(out.diags[1].line, Some(37));
        assert!(!out.problems("endpoints").is_empty());
        assert!(
            out.diags[2]
                .message
                .starts_with("1 HTTP listener that only redirect")
        );
        let o = &out.origins("endpoints")[2];
        assert_eq!(
            (o.line, o.path.as_deref()),
            (
                29,
                Some("#2 $.Listeners[0] (policy from fieldcheck's table)")
            )
        );
    }

    #[test]
    fn without_load_balancers_listeners_are_public_by_default() {
        let out = run(
            "[[sources]]\nadapter = \"aws-elbv2\"\npath = \"elb/*.json\"\nsystem_id = \"prod-web\"",
            &[(
                "elb/listeners.json",
                LISTENERS
                    .split("\n{\"Listeners\"")
                    .next()
                    .unwrap()
                    .as_bytes(),
            )],
        );
        let rows: Vec<String> = out
            .rows("endpoints")
            .iter()
            .map(|r| r["exposure"].clone())
            .collect();
        assert_eq!(rows, ["public", "public"]);
        assert_eq!(out.codes(), ["source-skipped-records"]);
    }

    #[test]
    fn load_balancers_whose_listeners_were_lost_are_an_error() {
        // Bytes inside the `Listeners` key: the document is damaged, not another call's output.
        let damaged = LISTENERS.replacen(
            "\"Listeners\"",
            &format!("\"Liste{}ners\"", "A".repeat(70_000)),
            1,
        );
        let out = run(
            "[[sources]]\nadapter = \"aws-elbv2\"\npath = \"elb/*.json\"\nsystem_id = \"prod-web\"",
            &[
                (
                    "elb/listeners.json",
                    damaged.split("\n{\"Listeners\"").next().unwrap().as_bytes(),
                ),
                ("elb/load-balancers.json", LBS.as_bytes()),
            ],
        );
        assert!(out.rows("endpoints").is_empty());
        assert_eq!(
            out.codes(),
            ["bad-json", "source-missing-call"],
            "{:?}",
            out.diags
        );
        assert!(
            out.diags[0]
                .message
                .contains("(70009 bytes) is not a key the AWS CLI prints")
        );
        assert!(out.diags[0].message.len() < 400, "the key is clipped");
        assert_eq!(out.diags[1].severity, fieldcheck_kit::Severity::Error);
        assert_eq!(
            out.diags[1].message,
            "3 load balancers are listed, but the source holds no `aws elbv2 describe-listeners` output"
        );
        assert!(!out.problems("endpoints").is_empty());

        // At its boundary: an empty `describe-listeners` output is an output; nothing is missing.
        let out = run(
            "[[sources]]\nadapter = \"aws-elbv2\"\npath = \"elb/*.json\"\nsystem_id = \"prod-web\"",
            &[
                ("elb/listeners.json", b"{\"Listeners\": []}\n"),
                ("elb/load-balancers.json", LBS.as_bytes()),
            ],
        );
        assert_eq!(out.codes(), Vec::<&str>::new(), "{:?}", out.diags);
    }

    // `aws elbv2 describe-ssl-policies --names ELBSecurityPolicy-2015-05`, from the ELBv2 API
    // reference example "To describe a policy used for SSL negotiation"
    // (botocore/data/elbv2/2015-12-01/examples-1.json, elbv2-describe-ssl-policies-1).
    const SSL_POLICIES: &str = r#"{"SslPolicies": [{"Ciphers": [{"Name": "ECDHE-ECDSA-AES128-GCM-SHA256", "Priority": 1}, {"Name": "ECDHE-RSA-AES128-GCM-SHA256", "Priority": 2}, {"Name": "ECDHE-ECDSA-AES128-SHA256", "Priority": 3}, {"Name": "ECDHE-RSA-AES128-SHA256", "Priority": 4}, {"Name": "ECDHE-ECDSA-AES128-SHA", "Priority": 5}, {"Name": "ECDHE-RSA-AES128-SHA", "Priority": 6}, {"Name": "DHE-RSA-AES128-SHA", "Priority": 7}, {"Name": "ECDHE-ECDSA-AES256-GCM-SHA384", "Priority": 8}, {"Name": "ECDHE-RSA-AES256-GCM-SHA384", "Priority": 9}, {"Name": "ECDHE-ECDSA-AES256-SHA384", "Priority": 10}, {"Name": "ECDHE-RSA-AES256-SHA384", "Priority": 11}, {"Name": "ECDHE-RSA-AES256-SHA", "Priority": 12}, {"Name": "ECDHE-ECDSA-AES256-SHA", "Priority": 13}, {"Name": "AES128-GCM-SHA256", "Priority": 14}, {"Name": "AES128-SHA256", "Priority": 15}, {"Name": "AES128-SHA", "Priority": 16}, {"Name": "AES256-GCM-SHA384", "Priority": 17}, {"Name": "AES256-SHA256", "Priority": 18}, {"Name": "AES256-SHA", "Priority": 19}],
  "Name": "ELBSecurityPolicy-2015-05", "SslProtocols": ["TLSv1", "TLSv1.1", "TLSv1.2"]},
 {"Name": "MyCustomPolicy", "SslProtocols": ["TLSv1.2"], "Ciphers": [{"Name": "ECDHE-RSA-AES128-GCM-SHA256", "Priority": 1}]},
 {"Name": "MyLegacyPolicy", "SslProtocols": ["TLSv1.2"], "Ciphers": [{"Name": "ECDHE-RSA-AES128-GCM-SHA256", "Priority": 1}, {"Name": "DES-CBC3-SHA", "Priority": 2}]}
]}"#;

    fn listener(n: u32, policy: &str) -> String {
        format!(
            r#"{{"ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/prod-alb/50dc6c495c0c9188/{n}", "Protocol": "HTTPS", "Port": 443, "SslPolicy": "{policy}", "DefaultActions": [{{"Type": "forward"}}]}}"#
        )
    }

    #[test]
    fn describe_ssl_policies_is_the_authority_and_the_table_the_fallback() {
        let listeners = format!(
            "{{\"Listeners\": [{}, {}, {}, {}]}}",
            listener(1, "MyCustomPolicy"),
            listener(2, "ELBSecurityPolicy-2015-05"),
            listener(3, "MyLegacyPolicy"),
            listener(4, "ELBSecurityPolicy-TLS13-1-2-2021-06"),
        );
        let out = run(
            "[[sources]]\nadapter = \"aws-elbv2\"\npath = \"exports/aws/elbv2/*.json\"\nsystem_id = \"prod-web\"",
            &[
                ("exports/aws/elbv2/describe-listeners-prod-alb.json", listeners.as_bytes()),
                ("exports/aws/elbv2/describe-ssl-policies.json", SSL_POLICIES.as_bytes()),
                ("exports/aws/elbv2/describe-target-groups.json", br#"{"TargetGroups": [{"TargetGroupName": "prod-web", "Protocol": "HTTP", "Port": 80}]}"#),
            ],
        );
        // The policy's lowest version and its suites, as listed: which are weak is the
        // encryption control's judgement, and no row states `weak_ciphers`.
        let rows: Vec<String> = out
            .rows("endpoints")
            .iter()
            .map(|r| {
                assert!(!r.contains_key("weak_ciphers"), "{r:?}");
                format!(
                    "{} {} {}",
                    r["policy_name"],
                    r["tls_min_version"],
                    r.get("ciphers").map_or("-", String::as_str)
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                "MyCustomPolicy 1.2 ECDHE-RSA-AES128-GCM-SHA256",
                "ELBSecurityPolicy-2015-05 1.0 ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:DHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:ECDHE-ECDSA-AES256-SHA:AES128-GCM-SHA256:AES128-SHA256:AES128-SHA:AES256-GCM-SHA384:AES256-SHA256:AES256-SHA",
                "MyLegacyPolicy 1.2 ECDHE-RSA-AES128-GCM-SHA256:DES-CBC3-SHA",
                // From fieldcheck's table: the lowest version only.
                "ELBSecurityPolicy-TLS13-1-2-2021-06 1.2 -",
            ]
        );
        let paths: Vec<String> = out
            .origins("endpoints")
            .iter()
            .map(|o| o.path.clone().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            paths[0],
            "$.Listeners[0] (policy from describe-ssl-policies at exports/aws/elbv2/describe-ssl-policies.json:3)"
        );
        assert_eq!(paths[3], "$.Listeners[3] (policy from fieldcheck's table)");
        assert_eq!(out.codes(), ["source-other-call"], "{:?}", out.diags);
    }

    #[test]
    fn a_policy_with_a_protocol_fieldcheck_cannot_read_is_an_error() {
        let out = run(
            "[[sources]]\nadapter = \"aws-elbv2\"\npath = \"elb/*.json\"\nsystem_id = \"prod-web\"",
            &[
                ("elb/l.json", format!("{{\"Listeners\": [{}]}}", listener(1, "Odd")).as_bytes()),
                ("elb/p.json", br#"{"SslPolicies": [{"Name": "Odd", "SslProtocols": ["SSLv3"], "Ciphers": []}]}"#),
            ],
        );
        assert!(out.rows("endpoints").is_empty());
        assert_eq!(out.codes(), ["unknown-value", "unknown-value"]);
        assert!(!out.problems("endpoints").is_empty());
    }
}
