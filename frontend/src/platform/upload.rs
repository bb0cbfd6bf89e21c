//! File uploads with progress. `fetch` cannot report how much of a body has been sent, so
//! uploads go through `XMLHttpRequest`, whose `upload.onprogress` can. The browser's `File`
//! objects stay here (they are not `Send`, signals want `Send`); the UI holds plain ids.

use ecabinet_protocol::ApiError;
use serde_json::Value;

/// A file the user picked or dropped, described for the UI.
#[derive(Clone, Debug, PartialEq)]
pub struct Picked {
    /// Key of the browser's `File` in this module's store.
    pub key: u32,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: f64,
}

/// Takes the files of a drop or of a file input's change event into the store.
pub fn take_files(ev: &leptos::ev::Event) -> Vec<Picked> {
    #[cfg(feature = "hydrate")]
    {
        imp::take_files(ev)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        Vec::new()
    }
}

/// Forgets a picked file (removed from the queue before it was sent).
pub fn forget(key: u32) {
    #[cfg(feature = "hydrate")]
    imp::forget(key);
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

/// Posts the picked files `keys` as multipart parts `file` to `url`, with `meta` (JSON)
/// as the part `meta` if given; with no key, the form carries `meta` alone (a revocation
/// has no file). `progress` gets the fraction sent; `done` the answer.
pub fn send(
    url: String,
    meta: Option<String>,
    keys: Vec<u32>,
    progress: impl Fn(f64) + 'static,
    done: impl FnOnce(Result<Value, ApiError>) + 'static,
) {
    #[cfg(feature = "hydrate")]
    imp::send(url, meta, keys, progress, done);
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (url, meta, keys, progress);
        done(Err(ApiError {
            code: ecabinet_protocol::ErrorCode::Internal,
            message: "not in a browser".into(),
            field: None,
            problems: None,
        }));
    }
}

#[cfg(feature = "hydrate")]
mod imp {
    use super::Picked;
    use ecabinet_protocol::{ApiError, ErrorCode};
    use serde_json::Value;
    use std::cell::RefCell;
    use std::collections::HashMap;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use web_sys::{File, FileList, FormData, ProgressEvent, XmlHttpRequest};

    /// What one request in flight keeps alive: the request and its callbacks.
    struct InFlight {
        _xhr: XmlHttpRequest,
        _callbacks: Vec<Closure<dyn FnMut(JsValue)>>,
    }

    #[derive(Default)]
    struct Store {
        next: u32,
        files: HashMap<u32, File>,
        flying: HashMap<u32, InFlight>,
    }

    thread_local! {
        static STORE: RefCell<Store> = RefCell::new(Store::default());
    }

    fn file_list(ev: &leptos::ev::Event) -> Option<FileList> {
        if let Some(drop) = ev.dyn_ref::<web_sys::DragEvent>() {
            return drop.data_transfer()?.files();
        }
        ev.target()?
            .dyn_into::<web_sys::HtmlInputElement>()
            .ok()?
            .files()
    }

    pub fn take_files(ev: &leptos::ev::Event) -> Vec<Picked> {
        let Some(list) = file_list(ev) else {
            return Vec::new();
        };
        let picked = STORE.with_borrow_mut(|s| {
            (0..list.length())
                .filter_map(|i| list.get(i))
                .map(|f| {
                    s.next += 1;
                    let p = Picked {
                        key: s.next,
                        name: f.name(),
                        size: f.size(),
                    };
                    s.files.insert(s.next, f);
                    p
                })
                .collect()
        });
        // Let the same file be chosen again from the input.
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.set_value("");
        }
        picked
    }

    pub fn forget(key: u32) {
        STORE.with_borrow_mut(|s| s.files.remove(&key));
    }

    fn local(message: impl Into<String>) -> ApiError {
        ApiError {
            code: ErrorCode::Internal,
            message: message.into(),
            field: None,
            problems: None,
        }
    }

    pub fn send(
        url: String,
        meta: Option<String>,
        keys: Vec<u32>,
        progress: impl Fn(f64) + 'static,
        done: impl FnOnce(Result<Value, ApiError>) + 'static,
    ) {
        let mut files = Vec::with_capacity(keys.len());
        for k in &keys {
            match STORE.with_borrow(|s| s.files.get(k).cloned()) {
                Some(f) => files.push(f),
                None => {
                    done(Err(local("the file is gone")));
                    return;
                }
            }
        }
        // The request is kept in flight under a key of its own.
        let key = STORE.with_borrow_mut(|s| {
            s.next += 1;
            s.next
        });
        let Ok(xhr) = XmlHttpRequest::new() else {
            done(Err(local("the browser cannot upload")));
            return;
        };
        let on_progress = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            if let Ok(p) = ev.dyn_into::<ProgressEvent>()
                && p.length_computable()
                && p.total() > 0.0
            {
                progress(p.loaded() / p.total());
            }
        });
        if let Ok(up) = xhr.upload() {
            up.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        // Exactly one of load, error and abort ends the request; `done` runs once.
        let done = std::rc::Rc::new(RefCell::new(Some(
            Box::new(done) as Box<dyn FnOnce(Result<Value, ApiError>)>
        )));
        let finish = {
            let xhr = xhr.clone();
            move |network_failed: bool| {
                let result = if network_failed {
                    Err(local("the connection failed during the upload"))
                } else {
                    let text = xhr.response_text().ok().flatten().unwrap_or_default();
                    let status = xhr.status().unwrap_or(0);
                    if (200..300).contains(&status) {
                        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
                    } else {
                        Err(serde_json::from_str(&text)
                            .unwrap_or_else(|_| local(format!("HTTP {status}"))))
                    }
                };
                let sent = result.is_ok();
                if let Some(f) = done.borrow_mut().take() {
                    f(result);
                }
                // The callbacks are running now: free them on the next turn. A file that
                // was refused stays, so that it can be sent again.
                let keys = keys.clone();
                gloo_timers::callback::Timeout::new(0, move || {
                    STORE.with_borrow_mut(|s| {
                        s.flying.remove(&key);
                        if sent {
                            for k in &keys {
                                s.files.remove(k);
                            }
                        }
                    });
                })
                .forget();
            }
        };
        let finish = std::rc::Rc::new(finish);
        let on_load = {
            let f = finish.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_| f(false))
        };
        let on_error = {
            let f = finish.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_| f(true))
        };
        xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
        xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        xhr.set_onabort(Some(on_error.as_ref().unchecked_ref()));
        // Listeners first: Chromium reports upload progress only to listeners that were
        // there when the request was sent.
        let sent = (|| -> Result<(), JsValue> {
            let form = FormData::new()?;
            if let Some(meta) = &meta {
                form.append_with_str("meta", meta)?;
            }
            for file in &files {
                form.append_with_blob_and_filename("file", file, &file.name())?;
            }
            xhr.open("POST", &url)?;
            xhr.set_request_header("Accept", "application/json")?;
            xhr.send_with_opt_form_data(Some(&form))
        })();
        if sent.is_err() {
            // The browser refused to start it: the same as a failed connection.
            finish(true);
            return;
        }
        STORE.with_borrow_mut(|s| {
            s.flying.insert(
                key,
                InFlight {
                    _xhr: xhr,
                    _callbacks: vec![on_progress, on_load, on_error],
                },
            )
        });
    }
}
