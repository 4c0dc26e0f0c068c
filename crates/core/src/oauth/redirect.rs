//! The loopback redirect listener of a native app (RFC 8252 §7.3): a real HTTP server on 127.0.0.1 that waits for
//! the one redirect carrying this request's `state`, and answers everything else with a neutral page.
//!
//! The listener is an axum server: it takes many connections at once (an idle or slow one delays nobody), serves
//! only `GET /callback`, accepts a query of at most `MAX_REDIRECT_QUERY` bytes with exactly one `state`, and closes
//! after answering the first request that carries this sign-in's `state`.

use crate::{Error, ErrorCode, Result};
use std::time::Duration;
use tokio::net::TcpListener;

/// A spawned task that is stopped when its handle is dropped.
pub(crate) struct AbortOnDrop<T>(pub(crate) tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The longest redirect query accepted (a real one is a few hundred bytes).
pub const MAX_REDIRECT_QUERY: usize = 4096;

/// Serves the loopback redirect on a real HTTP server: many connections at once (an idle or slow one delays
/// nobody), only `GET /callback`. A request whose `state` is not this sign-in's — a local process or a web page
/// probing loopback ports — gets a neutral page and the sign-in keeps waiting; the first one with the right
/// `state` is answered "you can close this tab", its query parameters returned, and the server closes.
pub(crate) async fn accept_redirect(listener: TcpListener, state: String) -> Result<Vec<(String, String)>> {
    type Answer = std::sync::Mutex<Option<tokio::sync::oneshot::Sender<Vec<(String, String)>>>>;
    let (answered, answer) = tokio::sync::oneshot::channel();
    let slot: std::sync::Arc<Answer> = std::sync::Arc::new(std::sync::Mutex::new(Some(answered)));
    let callback = {
        let slot = slot.clone();
        move |axum::extract::RawQuery(query): axum::extract::RawQuery| {
            let slot = slot.clone();
            let state = state.clone();
            async move {
                let Ok(params) = redirect_params(&query.unwrap_or_default(), &state) else {
                    return (axum::http::StatusCode::BAD_REQUEST, axum::response::Html(NOT_OURS_PAGE));
                };
                if let Some(answered) = slot.lock().unwrap_or_else(|p| p.into_inner()).take() {
                    let _ = answered.send(params);
                }
                (axum::http::StatusCode::OK, axum::response::Html(CLOSE_TAB_PAGE))
            }
        }
    };
    let app = axum::Router::new().route("/callback", axum::routing::get(callback));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    let _server = AbortOnDrop(server);
    let params = answer.await.map_err(|_| Error::new(ErrorCode::Internal).with_detail("redirect listener stopped"))?;
    // Give the browser its page before closing.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _ = stop.send(());
    Ok(params)
}

/// Reads a request to the loopback redirect listener: its query parameters when it is this sign-in's answer — at most
/// [`MAX_REDIRECT_QUERY`] bytes with exactly one `state`, equal to `state` —, else `signin.state_mismatch`: the
/// listener answers such a request with a neutral page and keeps waiting for the real one.
pub fn redirect_params(query: &str, state: &str) -> Result<Vec<(String, String)>> {
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let mut states = params.iter().filter(|(k, _)| k == "state");
    let ours =
        query.len() <= MAX_REDIRECT_QUERY && states.next().is_some_and(|(_, v)| v == state) && states.next().is_none();
    if ours {
        Ok(params)
    } else {
        Err(Error::new(ErrorCode::SigninStateMismatch).with_detail("not this sign-in's redirect"))
    }
}

const CLOSE_TAB_PAGE: &str = "<!doctype html><html lang=en><head><meta charset=utf-8><title>Tessera</title></head><body style=\"font-family:sans-serif;text-align:center;margin-top:20vh\"><h1>You can close this tab</h1><p>Tessera received the answer and is back in charge.</p></body></html>";
const NOT_OURS_PAGE: &str = "<!doctype html><html lang=en><head><meta charset=utf-8><title>Tessera</title></head><body style=\"font-family:sans-serif;text-align:center;margin-top:20vh\"><h1>Nothing to do here</h1><p>This address is not waiting for this page.</p></body></html>";
