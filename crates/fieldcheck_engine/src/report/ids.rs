//! What the exchange formats (OSCAL, SARIF) share: name-based ids and relative URIs.

use uuid::Uuid;

/// fieldcheck's own namespace for name-based (v5) UUIDs: fixed forever, so the same names give
/// the same ids in every run and release.
const NAMESPACE: Uuid = Uuid::from_u128(0x1154_2218_aac6_400a_92c6_67e4_badd_4213);

/// A version 5 UUID (SHA-1 of fieldcheck's namespace and the parts joined by U+001F, a
/// character no part holds), lower-case and hyphenated.
pub(crate) fn uuid(parts: &[&str]) -> String {
    Uuid::new_v5(&NAMESPACE, parts.join("\u{1f}").as_bytes())
        .hyphenated()
        .to_string()
}

/// A kit-relative file as a relative URI reference under `prefix` (the kit folder as given on
/// the command line, `./` and trailing slashes dropped): every byte but the unreserved ones and
/// `/` percent-encoded, so a space or `#` in a name cannot break the reference.
pub(crate) fn relative_uri(prefix: &str, file: &str) -> String {
    let prefix = prefix.trim_start_matches("./").trim_end_matches('/');
    let path = if prefix.is_empty() || prefix == "." {
        file.to_string()
    } else {
        format!("{prefix}/{file}")
    };
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_v5_and_stable() {
        let a = uuid(&["org", "finding", "c", "t"]);
        assert_eq!(a, uuid(&["org", "finding", "c", "t"]));
        assert_ne!(a, uuid(&["org", "finding", "c", "u"]));
        // Joining cannot collide: ("a", "bc") is not ("ab", "c").
        assert_ne!(uuid(&["a", "bc"]), uuid(&["ab", "c"]));
        assert_eq!(a.as_bytes()[14], b'5', "{a}");
    }

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(relative_uri("./kit/", "people.csv"), "kit/people.csv");
        assert_eq!(relative_uri(".", "people.csv"), "people.csv");
        assert_eq!(relative_uri("", "a b#c.csv"), "a%20b%23c.csv");
        assert_eq!(relative_uri("évidence", "x.csv"), "%C3%A9vidence/x.csv");
    }
}
