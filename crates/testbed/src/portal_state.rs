//! What a hospital's patient portal keeps: the accounts that can sign in, the grants given, sign-ins under way, codes,
//! refresh tokens and their rotation state. The portal's pages and token answers are in [`crate::portal`].

use crate::access::scope_text;
use crate::oauth::AuthorizationRequest;
use crate::scopes::{Scope, SEARCHABLE};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// A person who can sign in to a hospital's portal, and the charts they may open there.
#[derive(Debug, Clone)]
pub struct PortalAccount {
    /// The network person id (what `login_hint` names).
    pub person_id: String,
    /// Their name, on the login page.
    pub name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// The charts in the picker's order: the local Patient id and, for proxy access, the authority's v3-RoleCode.
    pub charts: Vec<(String, Option<&'static str>)>,
}

/// One sign-in through a hospital's portal: who signed in, whose chart they chose, for which app. No tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalGrant {
    /// `pg1`, `pg2`, … in the order they were given.
    pub id: String,
    /// The app it was given to.
    pub client_id: String,
    /// The network person id of who signed in.
    pub account: String,
    /// The local Patient id chosen in the picker (`patient` in the token response).
    pub patient: String,
    /// The network person id of that patient (testbed only).
    pub patient_person: String,
    /// The granted scope, as in the token response.
    pub scope: String,
    /// When it was given (the code exchange).
    pub issued_at: i64,
    /// Why it ended, once revoked (RFC 7009, a reused refresh token, a reused code).
    pub revoked: Option<String>,
}

impl PortalGrant {
    /// Whether its tokens still work.
    pub fn active(&self) -> bool {
        self.revoked.is_none()
    }
}

/// Where a refresh token issued by a portal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshState {
    /// It can be used (once).
    Active,
    /// It was used and replaced by a new one; it is refused, and presenting it again ends the grant.
    Rotated,
    /// It, or its grant, was revoked.
    Revoked,
}

/// What a portal grants of a requested `scope`: each SMART v2 `patient/` resource scope on a type served here (or
/// `*`), its permissions cut to what exists here (read and search: `cruds` becomes `rs`), kept only when its
/// narrowing is a `category`/`code` query this server understands; `launch/patient` and `offline_access` when asked
/// for. `user/` and `system/` scopes are not granted by a patient portal, nor `openid`/`fhirUser` (no `id_token`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    /// The resource scopes.
    pub resources: Vec<Scope>,
    /// The whole granted scope, as answered.
    pub scope: String,
    /// Whether `offline_access` was granted (a refresh token).
    pub offline: bool,
}

impl Granted {
    /// What is granted of `requested`.
    pub fn of(requested: &str) -> Self {
        let mut resources: Vec<Scope> = Vec::new();
        for scope in requested.split(' ').filter_map(Scope::parse) {
            let served =
                scope.resource == "*" || scope.resource == "Patient" || SEARCHABLE.contains(&scope.resource.as_str());
            let understood = scope.query.as_deref().is_none_or(|q| {
                q.split('&').all(|pair| {
                    pair.split_once('=')
                        .is_some_and(|(name, value)| matches!(name, "category" | "code") && !value.is_empty())
                })
            });
            let permissions: String = scope.permissions.chars().filter(|c| matches!(c, 'r' | 's')).collect();
            if scope.context != "patient" || !served || !understood || permissions.is_empty() {
                continue;
            }
            let scope = Scope { permissions, ..scope };
            if !resources.contains(&scope) {
                resources.push(scope);
            }
        }
        let asked = |name: &str| requested.split(' ').any(|s| s == name);
        let mut words: Vec<String> = resources.iter().map(scope_text).collect();
        if asked("launch/patient") {
            words.push("launch/patient".into());
        }
        let offline = asked("offline_access");
        if offline {
            words.push("offline_access".into());
        }
        Self { resources, scope: words.join(" "), offline }
    }
}

/// A sign-in under way: the checked request, and who signed in once they have.
pub(crate) struct Pending {
    pub(crate) request: AuthorizationRequest,
    pub(crate) granted: Granted,
    pub(crate) patient_hint: Option<String>,
    pub(crate) account: Option<String>,
    pub(crate) expires_at: i64,
}

pub(crate) struct Code {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) challenge: String,
    pub(crate) expires_at: i64,
    pub(crate) account: String,
    pub(crate) patient: String,
    pub(crate) scope: String,
}

#[derive(Clone)]
pub(crate) struct RefreshToken {
    pub(crate) grant: String,
    pub(crate) client_id: String,
    pub(crate) state: RefreshState,
}

#[derive(Default)]
pub(crate) struct PortalState {
    pub(crate) pending: HashMap<String, Pending>,
    pub(crate) codes: HashMap<String, Code>,
    /// Codes already exchanged, with the grant each gave.
    pub(crate) used_codes: HashMap<String, String>,
    pub(crate) grants: Vec<PortalGrant>,
    pub(crate) refresh: HashMap<String, RefreshToken>,
    /// Access tokens issued here: their grant and client.
    pub(crate) access: HashMap<String, (String, String)>,
}

/// A hospital's portal state: sign-ins under way, codes, grants and their tokens.
#[derive(Default)]
pub struct Portal {
    pub(crate) state: Mutex<PortalState>,
}

impl Portal {
    pub(crate) fn lock(&self) -> MutexGuard<'_, PortalState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
