//! Directory accounts as the identity provider returns them: the Okta Users API
//! (`GET /api/v1/users`, 200 users a page, and the `status eq "DEPROVISIONED"` search that the
//! plain list leaves out; the user object of developer.okta.com/docs/api/openapi/okta-management/management/tag/User/).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use serde_json::{Value, json};

use super::{Left, get, okta_time, write_json};

/// Okta's people: every human account of the `okta` system. Service identities stay in the
/// identity governance export, which records their owners.
pub(super) fn okta_users(
    dir: &Path,
    config: &mut String,
    left: &mut Left<'_>,
    email: &HashMap<String, String>,
    names: &HashMap<String, String>,
) -> io::Result<()> {
    let users = left.take("accounts", |a| {
        get(a, "system_id") == Some("okta") && get(a, "kind") == Some("human")
    })?;
    let (gone, listed): (Vec<_>, Vec<_>) = users
        .iter()
        .partition(|u| get(u, "status") == Some("disabled"));
    let user = |u: &super::Row| -> Value {
        let person = get(u, "person_id").unwrap_or_default();
        let mail = email.get(person).map_or(person, String::as_str);
        let name = names.get(person).map_or("", String::as_str);
        let (first, last) = name.split_once(' ').unwrap_or((name, ""));
        let created = get(u, "created_at").map(okta_time);
        let disabled = get(u, "disabled_at").map(okta_time);
        json!({
            "id": get(u, "account_id"),
            "status": if disabled.is_some() || get(u, "status") == Some("disabled") { "DEPROVISIONED" } else { "ACTIVE" },
            "created": created,
            "activated": created,
            "statusChanged": disabled.clone().or(created.clone()),
            "lastLogin": null,
            "lastUpdated": disabled.or(created.clone()),
            "passwordChanged": created,
            "type": {"id": "oty1d2wqfdLl0UOKw5d7"},
            "profile": {
                "firstName": first,
                "lastName": last,
                "mobilePhone": null,
                "secondEmail": null,
                "login": mail,
                "email": mail,
                "isAdmin": get(u, "privileged") == Some("true"),
            },
            "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
            "_links": {"self": {"href": format!("https://northpeak.okta.com/api/v1/users/{}", get(u, "account_id").unwrap_or_default())}}
        })
    };
    for (n, page) in listed.chunks(200).enumerate() {
        let v: Vec<Value> = page.iter().map(|u| user(u)).collect();
        write_json(
            dir,
            &format!("exports/okta/users-{:03}.json", n + 1),
            &Value::Array(v),
        )?;
    }
    for (n, page) in gone.chunks(200).enumerate() {
        let v: Vec<Value> = page.iter().map(|u| user(u)).collect();
        write_json(
            dir,
            &format!("exports/okta/users-deprovisioned-{:03}.json", n + 1),
            &Value::Array(v),
        )?;
    }
    let _ = write!(
        config,
        "\n# Okta's people: the Users API (GET /api/v1/users, and ?search=status eq \"DEPROVISIONED\"), 200 users a page.\n[[sources]]\nadapter = \"okta-users\"\npath = \"exports/okta/users-*.json\"\nsystem_id = \"okta\"\nprivileged_attribute = \"isAdmin\"\n"
    );
    Ok(())
}
