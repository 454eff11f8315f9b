//! `encryption` (CC6.7): data stores are encrypted under the right key model and an allowed
//! algorithm, customer-managed keys rotate, and endpoints require modern TLS.

use fieldcheck_kit::{FastMap, FastSet};

use fieldcheck_kit::{DataStore, Exposure, Key, KeyManager, TlsVersion};

use super::{Unknown, short_list, unknown_notes};
use crate::control_params::encryption::Params;
use crate::reasons::encryption::{AtRest, InTransit, KeyRotation};
use crate::{Cx, Dev, Tally, TestResult};

pub(crate) fn run(cx: &Cx<'_, Params>) -> Vec<TestResult> {
    let kit = cx.kit;
    let keys: FastMap<&str, &Key> = kit.keys.iter().map(|k| (&*k.key_id, k)).collect();
    let stores: FastMap<&str, &DataStore> = kit
        .data_stores
        .iter()
        .map(|s| (&*s.resource_id, s))
        .collect();
    let cmk_for = cx.p.cmk_required_for.as_slice();
    let allowed = cx.p.allowed_algorithms.as_slice();
    // A store with no known key counts as manager `none`; a known key without a manager has none.
    let manager_of = |s: &DataStore| -> Option<&'static str> {
        match s.key_id.as_deref().and_then(|k| keys.get(k)) {
            Some(k) => k.manager.map(KeyManager::as_str),
            None => Some("none"),
        }
    };
    // at-rest
    let mut at_rest = Tally::default();
    let mut used_keys: FastSet<&str> = FastSet::default();
    let mut no_class = Unknown::new(
        "systems.classification",
        "data store",
        "the customer-managed key rule was not applied (the spec requires it for the listed classifications)",
    );
    let mut no_manager = Unknown::new(
        "keys.manager",
        "data store",
        "provider_managed_key was not judged (the spec flags a missing key or `manager = provider`)",
    );
    let mut no_algorithm = Unknown::new(
        "keys.algorithm",
        "data store",
        "weak_algorithm was not judged (the spec flags a set algorithm that is not allowed)",
    );
    for s in &kit.data_stores {
        let Some(sys) = cx.in_scope.get(&*s.system_id) else {
            continue;
        };
        let key = s.key_id.as_deref().and_then(|k| keys.get(k).copied());
        if let Some(k) = key {
            used_keys.insert(&k.key_id);
        }
        let mut dev = Dev::new(&*s.resource_id)
            .system(&*s.system_id)
            .lead(format!(
                "{} {} of {}",
                s.kind.map_or("data store", |k| k.as_str()),
                s.resource_id,
                s.system_id
            ));
        dev.ev(s.loc);
        if let Some(k) = key {
            dev.ev(k.loc);
        }
        if s.encrypted != Some(true) {
            dev.fail(AtRest::Unencrypted, "is not encrypted");
        }
        if sys.classification.is_none() && manager_of(s) != Some("customer") {
            no_class.add(&*s.resource_id);
        }
        if let Some(class) = sys.classification
            && cmk_for.iter().any(|c| c == class.as_str())
        {
            if key.is_some_and(|k| k.manager.is_none()) {
                no_manager.add(&*s.resource_id);
            }
            match (s.key_id.as_deref(), key) {
                (None, _) => dev.fail(
                    AtRest::ProviderManagedKey,
                    format!("has no key although {} is {}", s.system_id, class.as_str()),
                ),
                (Some(k), None) => dev.fail(
                    AtRest::ProviderManagedKey,
                    format!(
                        "key {k} is not in keys although {} is {}",
                        s.system_id,
                        class.as_str()
                    ),
                ),
                (_, Some(k)) if k.manager == Some(KeyManager::Provider) => dev.fail(
                    AtRest::ProviderManagedKey,
                    format!(
                        "key {} is provider-managed although {} is {}",
                        k.key_id,
                        s.system_id,
                        class.as_str()
                    ),
                ),
                _ => {}
            }
        }
        if let Some(primary) = s.primary_id.as_deref().and_then(|p| stores.get(p).copied()) {
            let (mine, theirs) = (manager_of(s), manager_of(primary));
            if mine != theirs {
                dev.ev(primary.loc);
                dev.fail(
                    AtRest::KeyModelMismatch,
                    format!(
                        "is a copy of {} but its key model is {}, the primary's {}",
                        primary.resource_id,
                        mine.unwrap_or("unknown"),
                        theirs.unwrap_or("unknown")
                    ),
                );
            }
        }
        if let Some(k) = key {
            match &k.algorithm {
                Some(alg) if !allowed.iter().any(|a| a == &**alg) => {
                    dev.fail(
                        AtRest::WeakAlgorithm,
                        format!("key {} uses {alg}", k.key_id),
                    );
                }
                Some(_) => {}
                None => no_algorithm.add(&*s.resource_id),
            }
        }
        at_rest.add(dev);
    }
    // key-rotation: customer-managed keys used by those stores, each once, in keys.csv order.
    let max_days = cx.p.max_rotation_days;
    let mut rotation = Tally::default();
    let mut no_period = Unknown::new(
        "keys.rotation_period_days",
        "rotating key",
        "its period was not compared with the maximum (the spec flags only a period above it)",
    );
    for k in kit
        .keys
        .iter()
        .filter(|k| k.manager == Some(KeyManager::Customer) && used_keys.contains(&*k.key_id))
    {
        let mut dev = Dev::new(&*k.key_id).lead(format!("customer-managed key {}", k.key_id));
        dev.ev(k.loc);
        if k.rotation_enabled != Some(true) {
            dev.fail(KeyRotation::RotationDisabled, "has automatic rotation off");
        } else {
            match k.rotation_period_days {
                Some(days) if days > max_days => dev.fail(
                    KeyRotation::RotationDisabled,
                    format!("rotates every {days} days, more than {max_days}"),
                ),
                Some(_) => {}
                None => no_period.add(&*k.key_id),
            }
        }
        rotation.add(dev);
    }
    // in-transit
    let min_public = cx.p.min_tls_public;
    let min_internal = cx.p.min_tls_internal;
    let weak_patterns: Vec<String> =
        cx.p.weak_cipher_patterns
            .iter()
            .map(|w| w.to_ascii_uppercase())
            .collect();
    let imply = cx.p.weak_tls_versions_imply_weak_ciphers;
    let mut transit = Tally::default();
    let mut no_ciphers = Unknown::new(
        "endpoints.weak_ciphers",
        "endpoint",
        "weak_ciphers was not judged (the spec flags only `weak_ciphers = true`)",
    );
    for e in kit.endpoints.iter().filter(|e| cx.in_scope(&e.system_id)) {
        let mut dev = Dev::new(&*e.endpoint_id)
            .system(&*e.system_id)
            .lead(format!(
                "{} endpoint {} of {}",
                e.exposure.map_or("unclassified", |x| x.as_str()),
                e.endpoint_id,
                e.system_id
            ));
        dev.ev(e.loc);
        // Unknown exposure is held to the public minimum.
        let min = if e.exposure == Some(Exposure::Internal) {
            min_internal
        } else {
            min_public
        };
        match e.tls_min_version {
            Some(TlsVersion::None) => dev.fail(InTransit::NoTls, "accepts connections without TLS"),
            // Unknown: nothing shows that TLS 1.2 or later is enforced (v2).
            None => dev.fail(
                InTransit::WeakTls,
                format!(
                    "has no recorded minimum TLS version{} (minimum {})",
                    e.policy_name
                        .as_deref()
                        .map(|p| format!(" under policy {p}"))
                        .unwrap_or_default(),
                    min.as_str()
                ),
            ),
            Some(v) if v < min => dev.fail(
                InTransit::WeakTls,
                format!(
                    "accepts TLS {}{} (minimum {})",
                    v.as_str(),
                    e.policy_name
                        .as_deref()
                        .map(|p| format!(" under policy {p}"))
                        .unwrap_or_default(),
                    min.as_str()
                ),
            ),
            _ => {}
        }
        // The cipher list when the source gives one, else the stated flag, else the TLS version
        // (`docs/readings.md`, "Adapters only translate").
        let implied = e
            .tls_min_version
            .filter(|v| imply && matches!(v, TlsVersion::V1_0 | TlsVersion::V1_1) && *v < min);
        let listed: Option<Vec<&str>> = e
            .ciphers
            .as_deref()
            .map(cipher_names)
            .filter(|l| !l.is_empty());
        match (listed, e.weak_ciphers, implied) {
            (Some(list), _, _) => {
                let weak: Vec<&str> = list
                    .into_iter()
                    .filter(|c| weak_cipher(&weak_patterns, c))
                    .collect();
                if !weak.is_empty() {
                    dev.fail(
                        InTransit::WeakCiphers,
                        format!("offers weak cipher suites ({})", short_list(&weak)),
                    );
                } else if let Some(v) = implied {
                    dev.fail(InTransit::WeakCiphers, implied_detail(v));
                }
            }
            (None, Some(true), _) => dev.fail(InTransit::WeakCiphers, "accepts weak ciphers"),
            (None, Some(false), _) => {}
            (None, None, Some(v)) => dev.fail(InTransit::WeakCiphers, implied_detail(v)),
            (None, None, None) => no_ciphers.add(&*e.endpoint_id),
        }
        transit.add(dev);
    }
    vec![
        at_rest.finish(
            "at-rest",
            unknown_notes([no_class, no_manager, no_algorithm]),
        ),
        rotation.finish("key-rotation", unknown_notes([no_period])),
        transit.finish("in-transit", unknown_notes([no_ciphers])),
    ]
}

/// The suite names of an endpoint's `ciphers`: separated by `:` (OpenSSL's cipher lists), `,`
/// or white space.
fn cipher_names(list: &str) -> Vec<&str> {
    list.split(|c: char| c == ':' || c == ',' || c.is_whitespace())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Whether a suite is weak: a part of its name (split at `-` and `_`) starts with one of the
/// (upper-case) patterns.
fn weak_cipher(patterns: &[String], suite: &str) -> bool {
    let suite = suite.to_ascii_uppercase();
    suite.split(['-', '_']).any(|part| {
        patterns
            .iter()
            .any(|w| !w.is_empty() && part.starts_with(w.as_str()))
    })
}

fn implied_detail(v: TlsVersion) -> String {
    format!(
        "accepts weak ciphers (TLS {} negotiates only legacy suites)",
        v.as_str()
    )
}

#[cfg(test)]
mod tests {
    use crate::builtin::testkit::*;
    use crate::params::ParamValue;

    const SYSTEMS: &str = "system_id,in_scope,classification\ndb,true,restricted\nweb,true,internal\nlab,false,restricted\n";
    const KEYS: &str = "key_id,manager,algorithm,rotation_enabled,rotation_period_days\nk1,customer,AES_256,true,365\nk2,provider,AES_256,,\nk3,customer,AES_128,true,90\nk4,customer,AES_256,false,\nk5,customer,AES_256,true,366\nk6,,AES_256,true,365\n";

    fn kit(stores: &str, endpoints: &str) -> Kit {
        KitBuilder::new()
            .file("systems.csv", SYSTEMS)
            .file("keys.csv", KEYS)
            .file("data_stores.csv", &format!("resource_id,system_id,kind,primary_id,region,encrypted,key_id\n{stores}"))
            .file("endpoints.csv", &format!("endpoint_id,system_id,exposure,tls_min_version,weak_ciphers,policy_name\n{endpoints}"))
            .build()
    }

    /// The reasons of the one store `s1`, which must be in the population.
    fn store(line: &str) -> Vec<&'static str> {
        reasons_of(&run_control(&kit(line, ""), "encryption", |_| {}), "s1")
    }

    #[test]
    fn at_rest() {
        assert!(store("s1,db,database,,us-east-1,true,k1\n").is_empty());
        assert_eq!(
            store("s1,db,database,,us-east-1,false,k1\n"),
            ["unencrypted"]
        );
        assert_eq!(store("s1,db,database,,us-east-1,,k1\n"), ["unencrypted"]);
        assert_eq!(
            store("s1,db,database,,us-east-1,true,k2\n"),
            ["provider_managed_key"]
        );
        assert_eq!(
            store("s1,db,database,,us-east-1,true,\n"),
            ["provider_managed_key"]
        );
        assert_eq!(
            store("s1,db,database,,us-east-1,true,k9\n"),
            ["provider_managed_key"]
        );
        // Only a provider-managed (or missing) key is flagged, not a key of unknown manager.
        assert!(store("s1,db,database,,us-east-1,true,k6\n").is_empty());
        // An internal system may use a provider key.
        assert!(store("s1,web,bucket,,us-east-1,true,k2\n").is_empty());
        assert_eq!(
            store("s1,db,database,,us-east-1,true,k3\n"),
            ["weak_algorithm"]
        );
        // Out of scope: not in the population at all.
        excluded(
            &run_control(
                &kit("s1,lab,database,,us-east-1,false,\n", ""),
                "encryption",
                |_| {},
            ),
            "s1",
        );
    }

    /// Every note of every test, as (field, detail).
    fn notes(stores: &str, endpoints: &str) -> Vec<(String, String)> {
        run_control(&kit(stores, endpoints), "encryption", |_| {})
            .tests
            .iter()
            .flat_map(|t| t.notes.iter().map(|n| (n.item.clone(), n.detail.clone())))
            .collect()
    }

    #[test]
    fn values_the_spec_lets_pass_when_empty_are_noted() {
        let k = "key_id,manager,algorithm,rotation_enabled,rotation_period_days\nk1,customer,AES_256,true,365\nk2,provider,AES_256,,\nk6,,AES_256,true,365\nk7,customer,,true,\n";
        let with_keys = |stores: &str, endpoints: &str| {
            let kit = KitBuilder::new()
                .file("systems.csv", "system_id,in_scope,classification\ndb,true,restricted\nnew,true,\n")
                .file("keys.csv", k)
                .file("data_stores.csv", &format!("resource_id,system_id,kind,primary_id,region,encrypted,key_id\n{stores}"))
                .file("endpoints.csv", &format!("endpoint_id,system_id,exposure,tls_min_version,weak_ciphers,policy_name\n{endpoints}"))
                .build();
            let r = run_control(&kit, "encryption", |_| {});
            (reasons(&r), note_items(&r), items(&r))
        };
        // Unclassified system with a provider key; a restricted store whose key has no manager;
        // a key with no algorithm and no rotation period; an endpoint with unknown ciphers.
        let (devs, noted, population) = with_keys(
            "s1,new,bucket,,,true,k2\ns2,db,database,,,true,k6\ns3,db,database,,,true,k7\n",
            "e1,db,public,1.2,,\n",
        );
        assert!(devs.is_empty(), "{devs:?}");
        // k6, of unknown manager, is noted rather than judged for rotation.
        assert_eq!(population, ["e1", "k7", "s1", "s2", "s3"]);
        assert_eq!(
            noted,
            [
                "systems.classification",
                "keys.manager",
                "keys.algorithm",
                "keys.rotation_period_days",
                "endpoints.weak_ciphers"
            ]
        );
        // Boundary: with every value known nothing is noted.
        let (devs, noted, population) =
            with_keys("s1,db,database,,,true,k1\n", "e1,db,public,1.2,false,\n");
        assert!(devs.is_empty(), "{devs:?}");
        assert_eq!(population, ["e1", "k1", "s1"]);
        assert!(noted.is_empty(), "{noted:?}");
        // And an unclassified system's store under a customer key loses nothing.
        let (devs, noted, population) = with_keys("s1,new,bucket,,,true,k1\n", "");
        assert!(devs.is_empty(), "{devs:?}");
        assert_eq!(population, ["k1", "s1"]);
        assert!(noted.is_empty(), "{noted:?}");
    }

    #[test]
    fn a_note_names_the_field_and_the_items() {
        let n = notes("", "e1,web,public,1.2,,\ne2,web,public,1.3,,\n");
        assert_eq!(
            n,
            [(
                "endpoints.weak_ciphers".to_string(),
                "2 endpoints with an empty `endpoints.weak_ciphers`: weak_ciphers was not judged (the spec flags only `weak_ciphers = true`) (e1, e2)".to_string()
            )]
        );
    }

    #[test]
    fn copies_keep_their_primarys_key_model() {
        // The primary may sit on an out-of-scope system; a copy without a key counts as `none`.
        let r = reasons(&run_control(
            &kit(
                "p1,lab,database,,us-east-1,true,k1\nc1,web,snapshot,p1,us-west-2,true,k2\nc2,web,replica,p1,us-west-2,true,k1\nc3,web,snapshot,p1,us-west-2,true,\nc4,web,snapshot,zz,us-west-2,true,k2\n",
                "",
            ),
            "encryption",
            |_| {},
        ));
        assert_eq!(
            r,
            [
                ("c1".to_string(), vec!["key_model_mismatch"]),
                ("c3".to_string(), vec!["key_model_mismatch"])
            ]
        );
    }

    #[test]
    fn key_rotation_population_is_used_customer_keys() {
        let r = run_control(
            &kit(
                "s1,db,database,,,true,k1\ns2,db,database,,,true,k1\ns3,web,bucket,,,true,k2\ns4,web,bucket,,,true,k4\ns5,web,bucket,,,true,k5\n",
                "",
            ),
            "encryption",
            |_| {},
        );
        // k2 is provider-managed and k3 and k6 are unused: not in it.
        assert_eq!(test_items(&r, 1), ["k1", "k4", "k5"]);
        assert_eq!(
            reasons(&r),
            [
                ("k4".to_string(), vec!["rotation_disabled"]),
                ("k5".to_string(), vec!["rotation_disabled"])
            ]
        );
        let r = run_control(&kit("s5,web,bucket,,,true,k5\n", ""), "encryption", |p| {
            p.set("encryption", "max_rotation_days", ParamValue::Int(366))
        });
        all_pass(&r, &["k5", "s5"]);
    }

    #[test]
    fn unknown_tls_detail() {
        let r = run_control(
            &kit("", "e1,web,public,,false,custom-policy\n"),
            "encryption",
            |_| {},
        );
        assert_eq!(
            r.tests[2].deviations[0].detail,
            "public endpoint e1 of web; has no recorded minimum TLS version under policy custom-policy (minimum 1.2)"
        );
    }

    #[test]
    fn in_transit() {
        let e = |line: &str| reasons_of(&run_control(&kit("", line), "encryption", |_| {}), "e1");
        assert!(e("e1,web,public,1.2,false,ELBSecurityPolicy-TLS13-1-2-2021-06\n").is_empty());
        assert_eq!(e("e1,web,public,1.1,false,\n"), ["weak_tls"]);
        assert_eq!(
            e("e1,web,internal,1.0,true,\n"),
            ["weak_ciphers", "weak_tls"]
        );
        assert_eq!(e("e1,web,public,none,,\n"), ["no_tls"]);
        excluded(
            &run_control(&kit("", "e1,lab,public,none,,\n"), "encryption", |_| {}),
            "e1",
        );
        // v2: an unknown minimum version is weak (nothing shows 1.2 or later is enforced); an
        // unknown exposure is held to the public minimum, and 1.2 meets it.
        assert_eq!(e("e1,web,internal,,false,\n"), ["weak_tls"]);
        assert!(e("e1,web,,1.2,false,\n").is_empty());
        let r = run_control(
            &kit("", "e1,web,internal,1.1,false,\n"),
            "encryption",
            |p| {
                p.set(
                    "encryption",
                    "min_tls_internal",
                    ParamValue::Tls(fieldcheck_kit::TlsVersion::V1_1),
                )
            },
        );
        all_pass(&r, &["e1"]);
    }

    /// In-transit reasons and details of endpoints with a `ciphers` column, parameters tweaked.
    fn transit(endpoints: &str, tweak: impl FnOnce(&mut crate::Params)) -> crate::ControlResult {
        let kit = KitBuilder::new()
            .file("systems.csv", SYSTEMS)
            .file(
                "endpoints.csv",
                &format!("endpoint_id,system_id,exposure,tls_min_version,weak_ciphers,policy_name,ciphers\n{endpoints}"),
            )
            .build();
        run_control(&kit, "encryption", tweak)
    }

    const STRONG: &str = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384";

    #[test]
    fn the_issue_case_an_accepted_tls_1_1_listener_with_strong_ciphers_passes() {
        // `min_tls_internal = "1.1"` and an internal TLS 1.1 listener whose suites are strong:
        // the version the organisation accepted no longer implies weak ciphers.
        let line = format!("l1,web,internal,1.1,,MyTls11Policy,{STRONG}\n");
        let r = transit(&line, |p| {
            p.set(
                "encryption",
                "min_tls_internal",
                ParamValue::Tls(fieldcheck_kit::TlsVersion::V1_1),
            )
        });
        assert_eq!(
            r.tests[2].items,
            ["l1"],
            "the listener is in the population"
        );
        assert!(reasons(&r).is_empty(), "{:?}", reasons(&r));
        assert!(note_items(&r).is_empty());
        // Boundary: at the default minimum (1.2) the same listener is below it, and TLS 1.1
        // implies weak ciphers (`weak_tls_versions_imply_weak_ciphers`), as the ELBv2 adapter
        // used to decide.
        let r = transit(&line, |_| {});
        assert_eq!(reasons_of(&r, "l1"), ["weak_ciphers", "weak_tls"]);
        assert_eq!(
            r.tests[2].deviations[0].detail,
            "internal endpoint l1 of web; accepts TLS 1.1 under policy MyTls11Policy (minimum 1.2); accepts weak ciphers (TLS 1.1 negotiates only legacy suites)"
        );
    }

    #[test]
    fn weak_cipher_patterns_judge_the_cipher_list() {
        let line = "l1,web,public,1.2,,MyLegacyPolicy,ECDHE-RSA-AES128-GCM-SHA256:DES-CBC3-SHA\n";
        let r = transit(line, |_| {});
        assert_eq!(reasons_of(&r, "l1"), ["weak_ciphers"]);
        assert_eq!(
            r.tests[2].deviations[0].detail,
            "public endpoint l1 of web; offers weak cipher suites (DES-CBC3-SHA)"
        );
        // Boundary: a list the patterns do not catch passes; with `DES` dropped from the
        // patterns the same list passes too.
        let strong = format!("l1,web,public,1.2,,P,{STRONG}\n");
        let r = transit(&strong, |_| {});
        assert_eq!(r.tests[2].items, ["l1"]);
        assert!(reasons(&r).is_empty());
        let r = transit(line, |p| {
            p.set(
                "encryption",
                "weak_cipher_patterns",
                ParamValue::List(vec!["RC4".into(), "MD5".into()]),
            )
        });
        assert_eq!(r.tests[2].items, ["l1"]);
        assert!(reasons(&r).is_empty());
        // Names split at `:`, `,` or spaces, any case; a name part must start with the pattern
        // (`DHE` is not `DES`).
        let r = transit(
            "l1,web,public,1.2,,P,\"dhe-rsa-aes128-sha, TLS_RSA_EXPORT_WITH_RC4_40_MD5\"\n",
            |_| {},
        );
        assert_eq!(
            r.tests[2].deviations[0].detail,
            "public endpoint l1 of web; offers weak cipher suites (TLS_RSA_EXPORT_WITH_RC4_40_MD5)"
        );
    }

    #[test]
    fn a_cipher_list_wins_over_the_stated_flag_and_the_flag_over_the_version() {
        // A hand-written kit may state `weak_ciphers`; the list, when present, decides.
        let r = transit(&format!("l1,web,public,1.2,true,P,{STRONG}\n"), |_| {});
        assert_eq!(r.tests[2].items, ["l1"]);
        assert!(reasons(&r).is_empty());
        // Without a list the stated flag decides, even against the version's implication.
        let r = transit("l1,web,public,1.0,false,P,\n", |_| {});
        assert_eq!(reasons_of(&r, "l1"), ["weak_tls"]);
        let r = transit("l1,web,public,1.2,true,P,\n", |_| {});
        assert_eq!(reasons_of(&r, "l1"), ["weak_ciphers"]);
    }

    #[test]
    fn weak_tls_versions_imply_weak_ciphers_without_a_list_or_a_flag() {
        // The ELBv2 adapter's table gives a policy's lowest version, never its suites.
        let line = "l1,web,public,1.0,,ELBSecurityPolicy-2016-08,\n";
        let r = transit(line, |_| {});
        assert_eq!(reasons_of(&r, "l1"), ["weak_ciphers", "weak_tls"]);
        assert!(note_items(&r).is_empty());
        // Boundary: with the parameter off nothing judges the ciphers, and the note says so.
        let r = transit(line, |p| {
            p.set(
                "encryption",
                "weak_tls_versions_imply_weak_ciphers",
                ParamValue::Bool(false),
            )
        });
        assert_eq!(reasons_of(&r, "l1"), ["weak_tls"]);
        assert_eq!(note_items(&r), ["endpoints.weak_ciphers"]);
        // TLS 1.2 implies nothing: noted as before.
        let r = transit("l1,web,public,1.2,,P,\n", |_| {});
        assert_eq!(r.tests[2].items, ["l1"]);
        assert!(reasons(&r).is_empty());
        assert_eq!(note_items(&r), ["endpoints.weak_ciphers"]);
    }
}
