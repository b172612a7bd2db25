//! Accounts: who is behind a request and what they may do. Users (with guests and the first
//! user an admin), passwords (argon2id), sign-in sessions and personal API tokens (random
//! secrets stored only as hashes), scopes. Knows no web framework; the store keeps the rows.

pub mod oidc;
pub mod password;
pub mod principal;
pub mod scope;
pub mod secret;
mod service;
pub mod username;

pub use principal::{Principal, User, Via};
pub use scope::{Scope, Scopes};
pub use service::{AccountError, Accounts, AccountsConfig, CACHE_TTL, Created, NewTokenRequest};
