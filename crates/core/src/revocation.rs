//! Ending things: RFC 7009 token revocation at a broker or hospital, and reading a ticket's bit in its issuer's
//! revocation status list (the only proof that a revocation took effect everywhere).

use crate::broker::same_origin;
use crate::http::{Http, Party};
use crate::identity::ClientAuth;
use crate::{Error, ErrorCode, Result, Sensitive};
use serde_json::Value;
use tessera_jose::status_list::StatusList;

/// Largest status list accepted, decompressed.
const MAX_STATUS_LIST: usize = 16 << 20;

/// RFC 7009: asks `endpoint` to revoke `token`, authenticating with a fresh assertion per attempt.
pub async fn revoke_token(
    http: &Http,
    party: Party,
    endpoint: &str,
    token: &Sensitive<String>,
    hint: &str,
    auth: &ClientAuth<'_>,
) -> Result<()> {
    let fields = [("token".to_string(), token.expose().clone()), ("token_type_hint".to_string(), hint.to_string())];
    let answer = http.post_form_idempotent(party, endpoint, || auth.form(endpoint, &fields)).await?;
    match answer.status {
        200 => Ok(()),
        status => {
            Err(Error::new(if party == Party::Broker { ErrorCode::BrokerInvalid } else { ErrorCode::HospitalError })
                .with_detail(format!("revocation endpoint answered HTTP {status}")))
        }
    }
}

/// Whether bit `index` of the status list at `url` is set. The list must live on the issuer's origin; a list that
/// cannot be read is an error (the caller decides how to show "unknown").
pub async fn is_revoked(http: &Http, issuer: &str, url: &str, index: u64) -> Result<bool> {
    if !same_origin(issuer, url) {
        return Err(Error::new(ErrorCode::BrokerInvalid).with_detail("status list on another origin"));
    }
    let answer = http.get(Party::Broker, url, None).await?;
    let bits = answer.json.get("bits").and_then(Value::as_str).filter(|_| answer.status == 200);
    let bits = bits.ok_or_else(|| {
        Error::new(ErrorCode::BrokerInvalid).with_detail(format!("status list: HTTP {}", answer.status))
    })?;
    let list =
        StatusList::decode(bits, MAX_STATUS_LIST).map_err(|e| Error::new(ErrorCode::BrokerInvalid).with_detail(e))?;
    Ok(list.is_set(index as usize))
}
