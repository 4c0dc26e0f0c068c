//! What a hospital knows of a patient and what an access token it issued allows: the types its token endpoints,
//! its patient portal and its FHIR API share.

use crate::scopes::Scope;

/// A patient as this hospital knows them.
#[derive(Debug, Clone)]
pub struct LocalPatient {
    /// The local Patient id.
    pub id: String,
    /// The network person id (for the test only; real hospitals have no such link).
    pub person_id: String,
    /// Given name.
    pub given: String,
    /// Family name.
    pub family: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `male` / `female`.
    pub gender: String,
}

/// What an access token allows.
#[derive(Debug, Clone)]
pub struct AccessGrant {
    /// The local patient id.
    pub patient: String,
    /// Granted scopes.
    pub scopes: Vec<Scope>,
    /// Unix expiry.
    pub expires_at: i64,
    /// The ticket's `data_period` (`start`, `end`), as dates.
    pub data_period: (Option<String>, Option<String>),
    /// Sensitivity codes to withhold.
    pub withhold: Vec<String>,
    /// The thumbprint of the key the ticket was bound to (the presenting client's).
    pub jkt: String,
}

/// The text form of a scope.
pub fn scope_text(scope: &Scope) -> String {
    let base = format!("{}/{}.{}", scope.context, scope.resource, scope.permissions);
    scope.query.as_ref().map_or(base.clone(), |q| format!("{base}?{q}"))
}
