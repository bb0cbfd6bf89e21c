//! Commands to the HTTP API. Only the browser sends them (from event handlers); on the
//! server this compiles to a stub that is never called.

use ecabinet_protocol::{ApiError, ErrorCode};
use serde_json::Value;

/// Sends `body` as JSON with `method` to `path`; returns the JSON answer (Null if empty)
/// or the server's error.
pub async fn call(
    method: &'static str,
    path: String,
    body: Option<Value>,
) -> Result<Value, ApiError> {
    #[cfg(feature = "hydrate")]
    {
        use gloo_net::http::Request;
        let req = match method {
            "PUT" => Request::put(&path),
            "GET" => Request::get(&path),
            "DELETE" => Request::delete(&path),
            _ => Request::post(&path),
        };
        let sent = match body {
            Some(b) => {
                req.json(&b)
                    .map_err(|e| local_error(e.to_string()))?
                    .send()
                    .await
            }
            None => req.send().await,
        };
        let resp = sent.map_err(|e| local_error(e.to_string()))?;
        let text = resp.text().await.unwrap_or_default();
        if resp.ok() {
            Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
        } else {
            Err(serde_json::from_str(&text)
                .unwrap_or_else(|_| local_error(format!("HTTP {}", resp.status()))))
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (method, path, body);
        Err(local_error("not in a browser".into()))
    }
}

fn local_error(message: String) -> ApiError {
    ApiError {
        code: ErrorCode::Internal,
        message,
        field: None,
        problems: None,
    }
}

/// `POST path {}`.
pub async fn post(path: String) -> Result<Value, ApiError> {
    call("POST", path, Some(serde_json::json!({}))).await
}
