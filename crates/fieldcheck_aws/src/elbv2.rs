//! Elastic Load Balancing v2: load balancers, each one's listeners, and the TLS policies.

use aws_sdk_elasticloadbalancingv2::types::{Action, Listener, LoadBalancer, SslPolicy};

use crate::json::{J, Obj, s};
use crate::{Call, Ctx, client, file_part};
use fieldcheck_pull::PullError;

pub(crate) async fn pull(ctx: &mut Ctx<'_, '_>) -> Result<(), PullError> {
    let elb = client!(ctx, aws_sdk_elasticloadbalancingv2);

    let call = Call::new(
        ctx.call("elbv2-describe-load-balancers"),
        "elasticloadbalancing:DescribeLoadBalancers",
    );
    let mut lbs = Vec::new();
    ctx.listing(
        call,
        "LoadBalancers",
        "elbv2/describe-load-balancers.json".into(),
        |marker| elb.describe_load_balancers().set_marker(marker).send(),
        |out, items| {
            for lb in out.load_balancers.as_deref().unwrap_or_default() {
                if let (Some(arn), Some(name)) = (&lb.load_balancer_arn, &lb.load_balancer_name) {
                    lbs.push((arn.clone(), name.clone()));
                }
                items.push(load_balancer(lb));
            }
            out.next_marker.clone()
        },
    )
    .await?;

    let spec = ctx.call("elbv2-describe-listeners");
    ctx.none(spec);
    for (arn, name) in &lbs {
        let call =
            Call::new(spec, "elasticloadbalancing:DescribeListeners").param("LoadBalancerArn", arn);
        ctx.listing(
            call,
            "Listeners",
            format!("elbv2/describe-listeners-{}.json", file_part(name)),
            |marker| {
                elb.describe_listeners()
                    .load_balancer_arn(arn)
                    .set_marker(marker)
                    .send()
            },
            |out, items| {
                let listeners = out.listeners.as_deref().unwrap_or_default();
                items.extend(listeners.iter().map(listener));
                out.next_marker.clone()
            },
        )
        .await?;
    }

    let call = Call::new(
        ctx.call("elbv2-describe-ssl-policies"),
        "elasticloadbalancing:DescribeSSLPolicies",
    );
    ctx.listing(
        call,
        "SslPolicies",
        "elbv2/describe-ssl-policies.json".into(),
        |marker| elb.describe_ssl_policies().set_marker(marker).send(),
        |out, items| {
            let policies = out.ssl_policies.as_deref().unwrap_or_default();
            items.extend(policies.iter().map(ssl_policy));
            out.next_marker.clone()
        },
    )
    .await
}

fn load_balancer(lb: &LoadBalancer) -> J {
    Obj::new()
        .s("LoadBalancerArn", lb.load_balancer_arn.as_deref())
        .s("DNSName", lb.dns_name.as_deref())
        .s(
            "CanonicalHostedZoneId",
            lb.canonical_hosted_zone_id.as_deref(),
        )
        .t("CreatedTime", lb.created_time.as_ref())
        .s("LoadBalancerName", lb.load_balancer_name.as_deref())
        .s("Scheme", lb.scheme.as_ref().map(|x| x.as_str()))
        .s("VpcId", lb.vpc_id.as_deref())
        .put(
            "State",
            lb.state.as_ref().map(|st| {
                Obj::new()
                    .s("Code", st.code.as_ref().map(|x| x.as_str()))
                    .s("Reason", st.reason.as_deref())
                    .done()
            }),
        )
        .s("Type", lb.r#type.as_ref().map(|x| x.as_str()))
        .list("AvailabilityZones", lb.availability_zones.as_deref(), |z| {
            Obj::new()
                .s("ZoneName", z.zone_name.as_deref())
                .s("SubnetId", z.subnet_id.as_deref())
                .s("OutpostId", z.outpost_id.as_deref())
                .list(
                    "LoadBalancerAddresses",
                    z.load_balancer_addresses.as_deref(),
                    |a| {
                        Obj::new()
                            .s("IpAddress", a.ip_address.as_deref())
                            .s("AllocationId", a.allocation_id.as_deref())
                            .s("PrivateIPv4Address", a.private_ipv4_address.as_deref())
                            .s("IPv6Address", a.ipv6_address.as_deref())
                            .done()
                    },
                )
                .done()
        })
        .strs("SecurityGroups", lb.security_groups.as_deref())
        .s(
            "IpAddressType",
            lb.ip_address_type.as_ref().map(|x| x.as_str()),
        )
        .s(
            "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic",
            lb.enforce_security_group_inbound_rules_on_private_link_traffic
                .as_deref(),
        )
        .done()
}

fn action(a: &Action) -> J {
    Obj::new()
        .s("Type", a.r#type.as_ref().map(|x| x.as_str()))
        .s("TargetGroupArn", a.target_group_arn.as_deref())
        .i("Order", a.order.map(i64::from))
        .put(
            "RedirectConfig",
            a.redirect_config.as_ref().map(|r| {
                Obj::new()
                    .s("Protocol", r.protocol.as_deref())
                    .s("Port", r.port.as_deref())
                    .s("Host", r.host.as_deref())
                    .s("Path", r.path.as_deref())
                    .s("Query", r.query.as_deref())
                    .s("StatusCode", r.status_code.as_ref().map(|x| x.as_str()))
                    .done()
            }),
        )
        .put(
            "FixedResponseConfig",
            a.fixed_response_config.as_ref().map(|f| {
                Obj::new()
                    .s("MessageBody", f.message_body.as_deref())
                    .s("StatusCode", f.status_code.as_deref())
                    .s("ContentType", f.content_type.as_deref())
                    .done()
            }),
        )
        .put(
            "ForwardConfig",
            a.forward_config.as_ref().map(|f| {
                Obj::new()
                    .list("TargetGroups", f.target_groups.as_deref(), |t| {
                        Obj::new()
                            .s("TargetGroupArn", t.target_group_arn.as_deref())
                            .i("Weight", t.weight.map(i64::from))
                            .done()
                    })
                    .put(
                        "TargetGroupStickinessConfig",
                        f.target_group_stickiness_config.as_ref().map(|c| {
                            Obj::new()
                                .b("Enabled", c.enabled)
                                .i("DurationSeconds", c.duration_seconds.map(i64::from))
                                .done()
                        }),
                    )
                    .done()
            }),
        )
        .done()
}

fn listener(l: &Listener) -> J {
    Obj::new()
        .s("ListenerArn", l.listener_arn.as_deref())
        .s("LoadBalancerArn", l.load_balancer_arn.as_deref())
        .i("Port", l.port.map(i64::from))
        .s("Protocol", l.protocol.as_ref().map(|x| x.as_str()))
        .list("Certificates", l.certificates.as_deref(), |c| {
            Obj::new()
                .s("CertificateArn", c.certificate_arn.as_deref())
                .b("IsDefault", c.is_default)
                .done()
        })
        .s("SslPolicy", l.ssl_policy.as_deref())
        .list("DefaultActions", l.default_actions.as_deref(), action)
        .strs("AlpnPolicy", l.alpn_policy.as_deref())
        .put(
            "MutualAuthentication",
            l.mutual_authentication.as_ref().map(|m| {
                Obj::new()
                    .s("Mode", m.mode.as_deref())
                    .s("TrustStoreArn", m.trust_store_arn.as_deref())
                    .b(
                        "IgnoreClientCertificateExpiry",
                        m.ignore_client_certificate_expiry,
                    )
                    .done()
            }),
        )
        .done()
}

fn ssl_policy(p: &SslPolicy) -> J {
    Obj::new()
        .strs("SslProtocols", p.ssl_protocols.as_deref())
        .list("Ciphers", p.ciphers.as_deref(), |c| {
            Obj::new()
                .s("Name", c.name.as_deref())
                .i("Priority", c.priority.map(i64::from))
                .done()
        })
        .s("Name", p.name.as_deref())
        .list(
            "SupportedLoadBalancerTypes",
            p.supported_load_balancer_types.as_deref(),
            |t| s(t),
        )
        .done()
}
