//! Who is behind a request, once their credential was checked.

use crate::scope::{Scope, Scopes};
use store::UserRecord;

/// A user as the API shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub is_admin: bool,
    pub is_guest: bool,
    pub disabled: bool,
    pub created_at_ms: i64,
}

impl From<&UserRecord> for User {
    fn from(record: &UserRecord) -> Self {
        User {
            id: record.id.clone(),
            username: record.username.clone(),
            display_name: record.display_name.clone(),
            email: record.email.clone(),
            is_admin: record.is_admin,
            is_guest: record.is_guest,
            disabled: record.disabled,
            created_at_ms: record.created_at_ms,
        }
    }
}

/// How they proved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A sign-in session (the browser's cookie); the hash identifies it.
    Session { id_hash: String },
    /// A personal API token.
    Token { id: String, scopes: Scopes },
    /// A JWT access token of the configured OpenID provider.
    AccessToken { scopes: Scopes },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: User,
    pub via: Via,
}

impl Principal {
    /// Whether this credential grants `scope`: a session grants all its user may do, the admin
    /// scope only to admins; a token what it was given (and admin only while its user is one).
    pub fn allows(&self, scope: Scope) -> bool {
        if scope == Scope::Admin && !self.user.is_admin {
            return false;
        }
        match &self.via {
            Via::Session { .. } => true,
            Via::Token { scopes, .. } | Via::AccessToken { scopes } => scopes.contains(scope),
        }
    }

    pub fn is_session(&self) -> bool {
        matches!(self.via, Via::Session { .. })
    }
}
