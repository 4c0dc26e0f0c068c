//! RFC 7009 token revocation with `private_key_jwt` client authentication (or a public client's id). Built here rather than by the `oauth2`
//! crate, whose `revoke_token` refuses any address that is not https — the loopback test network included.
//! Revocation is idempotent, so it is retried like a GET; each attempt carries a fresh client assertion.

use crate::base::http::{Failed, Http, Party, Retry};
use crate::oauth::token::unreadable;
use crate::oauth::transport::{self, Outcome};
use crate::vault::identity::ClientAuth;
use crate::{Result, Sensitive};

/// Asks `endpoint` to revoke `token` (`hint`: its `token_type_hint`, e.g. `refresh_token`). A 200 is success
/// (RFC 7009 §2.2, also for a token the server no longer knows); an error answer is its party's coded error, typed
/// by its `error` member.
pub async fn revoke_token(
    http: &Http,
    party: Party,
    endpoint: &str,
    token: &Sensitive<String>,
    hint: &str,
    auth: &ClientAuth<'_>,
) -> Result<()> {
    let outcome = http
        .retrying(Retry::Transient, || async move {
            let assertion = auth.assertion_if_any(endpoint).map_err(Failed::fatal)?;
            let mut fields = vec![("token", token.expose().as_str()), ("token_type_hint", hint)];
            fields.extend(transport::client_fields(auth, assertion.as_ref()));
            let request = transport::form_post(endpoint, &fields).map_err(|e| Failed::fatal(unreadable(party, e)))?;
            let response = http.send_once(party, request).await?;
            Ok(transport::read_status(&response))
        })
        .await?;
    match outcome {
        Outcome::Answer(()) => Ok(()),
        Outcome::Refused(refusal) => Err(refusal.into_error(party)),
        Outcome::Unreadable(reason) => Err(unreadable(party, format!("revocation endpoint: {reason}"))),
    }
}
