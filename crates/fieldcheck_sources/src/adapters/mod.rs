//! The built-in adapters, one module per source system.

use crate::Adapter;

mod ciso_assistant;
mod common;
mod github;
mod gitlab;
mod jira;
mod knowbe4;
mod okta;

/// Every built-in adapter, in the order `fieldcheck sources` lists them.
pub(crate) static ALL: &[&Adapter] = &[
    &okta::USERS,
    &okta::SYSTEM_LOG,
    &github::GITHUB,
    &gitlab::GITLAB,
    &jira::JIRA,
    &knowbe4::KNOWBE4,
    &ciso_assistant::CISO_ASSISTANT,
];

#[cfg(test)]
mod tests {
    use fieldcheck_kit::parse_config;

    #[test]
    fn every_example_is_a_valid_source_block() {
        for a in super::ALL {
            let text = format!(
                "[org]\nname = \"Acme\"\ntimezone = \"UTC\"\n[window]\nstart = \"2026-01-01\"\nend = \"2026-06-30\"\n\n{}\n",
                a.spec.example
            );
            let (config, diags) = parse_config("fieldcheck.toml", &text);
            let config = config.unwrap_or_else(|| panic!("{}: {diags:?}", a.spec.name));
            let mut d = Vec::new();
            crate::Options::parse(&config.sources[0], a.spec, "fieldcheck.toml", &mut d);
            assert!(d.is_empty(), "{}: {d:?}", a.spec.name);
            assert!(
                a.spec
                    .example
                    .contains(&format!("adapter = \"{}\"", a.spec.name))
            );
            if a.spec.needs_system {
                assert!(a.spec.example.contains("system_id = "), "{}", a.spec.name);
            }
        }
    }
}
