//! What an API token may do. A session (a person in the browser) may do everything its user
//! may; a token only what its scopes say.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Submit, watch and cancel runs (the Judge0 and Piston APIs too).
    Runs,
    ProjectsRead,
    ProjectsWrite,
    Functions,
    /// The admin routes, for an admin's token.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::Runs,
        Scope::ProjectsRead,
        Scope::ProjectsWrite,
        Scope::Functions,
        Scope::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Runs => "runs",
            Scope::ProjectsRead => "projects:read",
            Scope::ProjectsWrite => "projects:write",
            Scope::Functions => "functions",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    pub fn all() -> Scopes {
        Scopes(Scope::ALL.iter().fold(0, |bits, s| bits | s.bit()))
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn insert(&mut self, scope: Scope) {
        self.0 |= scope.bit();
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// From names; the first unknown name is the error.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Scopes, String> {
        let mut scopes = Scopes::default();
        for name in names {
            scopes.insert(Scope::parse(name).ok_or_else(|| name.to_string())?);
        }
        Ok(scopes)
    }

    /// Space-separated, as stored.
    pub fn to_text(self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ")
    }

    pub fn from_text(text: &str) -> Scopes {
        // Stored by us; a name a newer version wrote and this one does not know grants nothing.
        let mut scopes = Scopes::default();
        for scope in text.split_whitespace().filter_map(Scope::parse) {
            scopes.insert(scope);
        }
        scopes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_through_text_and_unknown_names_are_refused() {
        let scopes = Scopes::parse(["runs", "projects:write"]).expect("known");
        assert!(scopes.contains(Scope::Runs));
        assert!(!scopes.contains(Scope::Admin));
        assert_eq!(Scopes::from_text(&scopes.to_text()), scopes);
        assert_eq!(Scopes::parse(["runs", "root"]), Err("root".to_string()));
        assert_eq!(
            Scopes::from_text("runs sudo"),
            Scopes::parse(["runs"]).expect("known")
        );
        assert_eq!(Scopes::all().iter().count(), 5);
    }
}
