//! Usernames: what they may be, so that they are safe in URLs (`/git/{owner}/…`), mentions and
//! logs, and cannot be confused with one another (lower case only).

pub const MIN: usize = 3;
pub const MAX: usize = 32;

/// Names that would shadow a route or mislead (`/git/admin/…`, a user called "guest-…").
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "system",
    "api",
    "git",
    "fn",
    "s",
    "static",
    "assets",
    "docs",
    "metrics",
    "healthz",
    "readyz",
    "login",
    "logout",
    "signup",
    "me",
    "anonymous",
    "codecollab",
];

/// The name in its stored form (lower case), or why it is refused.
pub fn normalize(name: &str) -> Result<String, String> {
    let name = name.trim().to_lowercase();
    if name.len() < MIN || name.len() > MAX {
        return Err(format!("a username has {MIN} to {MAX} characters"));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("a username starts with a letter".into());
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return Err("a username has only letters, digits, - and _".into());
    }
    if RESERVED.contains(&name.as_str()) || name.starts_with("guest-") {
        return Err(format!("the username {name:?} is reserved"));
    }
    Ok(name)
}

/// A valid username made from any name (an identity provider's): lower case, other characters
/// as `-`, a letter first, cut to the maximum, never reserved.
pub fn sanitize(name: &str) -> String {
    let mut out: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert(0, 'u');
    }
    out.truncate(MAX - 7);
    while out.len() < MIN {
        out.push('0');
    }
    if normalize(&out).is_err() {
        out = format!("u-{out}");
        out.truncate(MAX - 7);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_case_url_safe_and_not_reserved() {
        assert_eq!(normalize(" Ann_Lee ").as_deref(), Ok("ann_lee"));
        for bad in [
            "ab",
            "1ann",
            "ann lee",
            "ann/..",
            "änn",
            "admin",
            "guest-12",
            &"a".repeat(33),
        ] {
            assert!(normalize(bad).is_err(), "{bad} accepted");
        }
    }
}
