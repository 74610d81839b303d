//! The HTTP endpoints of ours, each off unless its server turns it on:
//! `/livez`, `/readyz` and `/healthz` for orchestrators' probes, and
//! `/metrics`, and the read-only JSON view under `/api/v1/`. They answer from the model on the daemon's thread, so an
//! answer also proves that the event loop turns.

use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use sv_config::HttpEndpoints;
use sv_core::readiness::{self, Count};

use super::event_loop::Shared;
use super::http::{Resp, error_response, full};

const HEALTH: [&str; 3] = ["/livez", "/readyz", "/healthz"];

/// Whether `path` is one of ours that this server serves.
pub fn enabled(ours: &HttpEndpoints, path: &str) -> bool {
    (ours.health && HEALTH.contains(&path))
        || (ours.metrics && path == "/metrics")
        || (ours.rest_api && path.starts_with("/api/"))
}

/// Whether a request may pass without credentials under
/// `health_auth=false`: a health path without `verbose` (the bare answer
/// names nothing).
pub fn bare_probe(path: &str, query: Option<&str>) -> bool {
    HEALTH.contains(&path) && !verbose(query)
}

fn verbose(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|kv| kv.split('=').next() == Some("verbose")))
}

fn text(status: StatusCode, body: String) -> Resp {
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /metrics`: the children's use is read from `/proc` on threads of
/// their own while the event loop goes on (a thread started for the
/// scrape answers sooner than tokio's blocking pool, whose hand-over cost
/// about 2 ms with 1000 children), through the `/proc` files kept open
/// since the last scrape; the text of the model is made meanwhile, and the
/// families of the children's use added once it is there.
pub async fn metrics(shared: &Shared, method: &Method) -> Resp {
    if method != Method::GET && method != Method::HEAD {
        return error_response(StatusCode::METHOD_NOT_ALLOWED);
    }
    // One scrape reads /proc at a time: concurrent scrapes wait their turn
    // instead of each starting its threads.
    thread_local! {
        static ONE_AT_A_TIME: std::rc::Rc<tokio::sync::Semaphore> =
            std::rc::Rc::new(tokio::sync::Semaphore::new(1));
        static KEPT: std::cell::RefCell<super::metrics::KeptFiles> = Default::default();
    }
    let gate = ONE_AT_A_TIME.with(std::rc::Rc::clone);
    let Ok(_turn) = gate.acquire().await else {
        return error_response(StatusCode::SERVICE_UNAVAILABLE);
    };
    let pids = super::metrics::pids(&shared.daemon.borrow());
    let kept = KEPT.with_borrow_mut(std::mem::take);
    let budget = super::metrics::kept_budget(&kept);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let reader = std::thread::Builder::new().name("metrics".into()).spawn(move || {
        let _ = tx.send(super::metrics::read_usage(&pids, kept, budget));
    });
    // The rest of the text is made meanwhile.
    let model = super::metrics::render_model(&shared.daemon.borrow());
    let (usage, kept) = match reader {
        Ok(_) => rx.await.unwrap_or_default(),
        Err(_) => Default::default(),
    };
    KEPT.with_borrow_mut(|k| *k = kept);
    let body = super::metrics::render_usage(model, &shared.daemon.borrow(), &usage);
    let mut r = text(StatusCode::OK, body);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(super::metrics::CONTENT_TYPE));
    r
}

/// Answers one of our paths (the caller checked it is enabled and the
/// request authorized).
pub fn serve(shared: &Shared, path: &str, req: &Request<Incoming>) -> Resp {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return error_response(StatusCode::METHOD_NOT_ALLOWED);
    }
    match path {
        "/livez" => text(StatusCode::OK, "ok".into()),
        p if p.starts_with("/api/") => api(shared, p),
        _ => readyz(shared, verbose(req.uri().query())),
    }
}

fn json(status: StatusCode, body: &serde_json::Value) -> Resp {
    let mut r = Response::new(full(body.to_string()));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The read-only JSON view: `/api/v1/processes`, `/api/v1/processes/NAME`
/// and `/api/v1/supervisor`.
fn api(shared: &Shared, path: &str) -> Resp {
    let d = shared.daemon.borrow();
    let path = super::http::percent_decode(path);
    let found = match path.trim_end_matches('/') {
        "/api/v1/processes" => Some(super::rpc::processes_json(&d)),
        "/api/v1/supervisor" => Some(super::rpc::supervisor_json(&d)),
        p => match p.strip_prefix("/api/v1/processes/") {
            Some(name) => match super::rpc::process_json(&d, name) {
                Some(v) => Some(v),
                None => {
                    let e = serde_json::json!({"error": "no such process", "name": name});
                    return json(StatusCode::NOT_FOUND, &e);
                }
            },
            None => None,
        },
    };
    match found {
        Some(v) => json(StatusCode::OK, &v),
        None => json(StatusCode::NOT_FOUND, &serde_json::json!({"error": "no such resource"})),
    }
}

/// `/readyz` (and `/healthz`): 200 when the daemon runs and every program
/// that starts on its own is ready, finished as expected or stopped by an
/// operator; 503 otherwise, and from the moment a shutdown begins.
fn readyz(shared: &Shared, verbose: bool) -> Resp {
    let d = shared.daemon.borrow();
    let mut specs: Vec<(String, sv_core::supervisor::ProcId)> =
        d.sv.ids()
            .into_iter()
            .map(|id| {
                let group = &d.sv.groups[id.group].config.name;
                (sv_core::namespec::make(group, &d.sv.process(id).config.name), id)
            })
            .collect();
    specs.sort_by(|a, b| a.0.cmp(&b.0));
    let (ready, verdicts) = readiness::daemon(
        d.sv.mood,
        specs.iter().map(|(spec, id)| (spec.as_str(), d.sv.process(*id))),
    );
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    if !verbose {
        return text(status, if ready { "ok" } else { "not ready" }.into());
    }
    let mut body = String::new();
    if d.sv.mood != sv_core::state::SupervisorState::Running {
        body.push_str(&format!("[-]supervisord {}\n", d.sv.mood.name()));
    }
    for (spec, count) in verdicts {
        match count {
            Count::Ready => body.push_str(&format!("[+]{spec} ok\n")),
            Count::NotReady(why) => body.push_str(&format!("[-]{spec} not ready: {why}\n")),
            Count::Ignored => {}
        }
    }
    body.push_str(if ready { "readyz check passed\n" } else { "readyz check failed\n" });
    text(status, body)
}
