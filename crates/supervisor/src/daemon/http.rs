//! The HTTP servers of `[inet_http_server]` and `[unix_http_server]`:
//! HTTP/1.0 and 1.1 with keep-alive (hyper), Basic auth checked in constant
//! time, size limits on headers and bodies, and XML-RPC at `/RPC2`.
//!
//! Every connection is its own task on the daemon's thread; a slow client
//! only holds its own task (headers must arrive within 30 s).

use std::convert::Infallible;
use std::rc::Rc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use sha1::{Digest, Sha1};
use sv_config::LogLevel;

use super::event_loop::Shared;

/// Largest request body accepted.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Credentials a server requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password: plain, or `{SHA}` and the hex SHA-1 of the plain text.
    pub password: String,
}

/// Compares in time independent of where the inputs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// The outcome of checking a request's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The right user and password.
    Granted,
    /// Missing or wrong credentials (401).
    Denied,
    /// An undecodable header (400).
    Malformed,
}

/// Checks a `Basic` authorization header value against the credentials.
pub fn authorized(header: Option<&str>, creds: &Credentials) -> Auth {
    let Some(h) = header else { return Auth::Denied };
    let Some(encoded) = h.strip_prefix("Basic ").or_else(|| h.strip_prefix("basic ")) else {
        return Auth::Denied;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return Auth::Malformed;
    };
    let text = String::from_utf8_lossy(&decoded);
    let Some((user, pass)) = text.split_once(':') else { return Auth::Denied };
    let pass_ok = match creds.password.strip_prefix("{SHA}") {
        Some(hex) => {
            let digest = Sha1::digest(pass.as_bytes());
            let mine: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            same(mine.as_bytes(), hex.to_lowercase().as_bytes())
        }
        None => same(pass.as_bytes(), creds.password.as_bytes()),
    };
    let user_ok = same(user.as_bytes(), creds.username.as_bytes());
    if user_ok & pass_ok { Auth::Granted } else { Auth::Denied }
}

pub(super) type Body = UnsyncBoxBody<Bytes, Infallible>;
pub(super) type Resp = Response<Body>;

pub(super) fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).boxed_unsync()
}

/// An answer this large gives the heap's free pages back once it is sent.
const LARGE_ANSWER: usize = 1024 * 1024;

/// A large answer's text, which gives the heap's free pages back when the
/// last of it is gone. Building `getAllProcessInfo`'s answer for thousands
/// of processes fills free space inside the heap (glibc serves even a large
/// block from a free one big enough before it maps new memory), and those
/// pages would stay with the daemon: 4.8 MB with 5000 processes, a quarter
/// of its memory. The pages are given back after the answer was written.
struct GiveBackWhenSent(Vec<u8>);

impl AsRef<[u8]> for GiveBackWhenSent {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for GiveBackWhenSent {
    fn drop(&mut self) {
        drop(std::mem::take(&mut self.0));
        sv_sys::memory::give_back_free_pages();
    }
}

/// The body of an answer of `text`.
fn answer(text: String) -> Body {
    if text.len() >= LARGE_ANSWER {
        full(Bytes::from_owner(GiveBackWhenSent(text.into_bytes())))
    } else {
        full(text)
    }
}

/// The reference's HTML error response.
pub fn error_response(status: StatusCode) -> Resp {
    let body = format!(
        "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n<p>Error code {}.\r\n<p>Message: {}.\r\n</body>\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    r
}

fn unauthorized() -> Resp {
    let mut r = error_response(StatusCode::UNAUTHORIZED);
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"default\""));
    r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// What every connection of one server shares: its credentials and the
/// endpoints of ours it serves.
pub struct ServerCtx {
    /// What clients must send, if anything.
    pub creds: Option<Credentials>,
    /// The endpoints of ours it serves.
    pub endpoints: sv_config::HttpEndpoints,
}

async fn handle(
    shared: Rc<Shared>,
    server: Rc<ServerCtx>,
    req: Request<Incoming>,
) -> Result<Resp, Infallible> {
    let mut resp = route(&shared, &server, req).await;
    resp.headers_mut().insert(header::SERVER, HeaderValue::from_static("Medusa/1.12"));
    Ok(resp)
}

/// How much of a refused request's body is read before the answer.
const MAX_DRAIN: usize = 1024 * 1024;
/// How long a refused request's body may take to arrive.
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// Answers `resp` to a request whose body is not wanted, after reading the
/// body (up to [`MAX_DRAIN`] bytes within [`DRAIN_TIME`]): a client that
/// is still sending when the answer comes and the connection closes gets a
/// reset instead of the answer (Python's http.client then reports a broken
/// pipe, not the 401).
async fn refuse(req: Request<Incoming>, resp: Resp) -> Resp {
    let mut body = req.into_body();
    let mut read = 0usize;
    let drain = async {
        while let Some(Ok(frame)) = body.frame().await {
            read += frame.data_ref().map_or(0, Bytes::len);
            if read > MAX_DRAIN {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
    resp
}

async fn route(shared: &Rc<Shared>, server: &ServerCtx, req: Request<Incoming>) -> Resp {
    let path = req.uri().path().to_owned();
    let ours = &server.endpoints;
    if ours.health && !ours.health_auth && super::endpoints::bare_probe(&path, req.uri().query()) {
        let resp = super::endpoints::serve(shared, &path, &req);
        return refuse(req, resp).await;
    }
    if let Some(c) = &server.creds {
        let h = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        match authorized(h, c) {
            Auth::Granted => {}
            Auth::Denied => return refuse(req, unauthorized()).await,
            Auth::Malformed => return refuse(req, error_response(StatusCode::BAD_REQUEST)).await,
        }
    }
    if path.starts_with("/RPC2") {
        return rpc(shared, req).await;
    }
    if matches!(path.as_str(), "/" | "/index.html" | "/tail.html" | "/ok.html") {
        if req.method() != Method::GET && req.method() != Method::POST {
            return refuse(req, error_response(StatusCode::BAD_REQUEST)).await;
        }
        let resp = page(shared, &path, &req).await;
        return refuse(req, resp).await;
    }
    if path.starts_with("/logtail") || path.starts_with("/mainlogtail") {
        if req.method() != Method::GET {
            return refuse(req, error_response(StatusCode::BAD_REQUEST)).await;
        }
        let resp = tail(shared, &percent_decode(&path));
        return refuse(req, resp).await;
    }
    if path == "/metrics" && ours.metrics {
        let resp = super::endpoints::metrics(shared, req.method()).await;
        return refuse(req, resp).await;
    }
    if super::endpoints::enabled(ours, &path) {
        let resp = super::endpoints::serve(shared, &path, &req);
        return refuse(req, resp).await;
    }
    refuse(req, error_response(StatusCode::NOT_FOUND)).await
}

fn html(body: String) -> Resp {
    let mut r = Response::new(full(body));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html;charset=utf-8"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::EXPIRES, HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"));
    r
}

async fn page(shared: &Rc<Shared>, path: &str, req: &Request<Incoming>) -> Resp {
    use super::web;
    if path == "/ok.html" {
        let mut r = Response::new(full("OK"));
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        return r;
    }
    let q = web::query(req.uri().query().unwrap_or(""));
    let get = |k: &str| q.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
    if path == "/tail.html" {
        let limit = get("limit").and_then(|l| l.parse().ok()).unwrap_or(1024);
        return html(web::tail_page(shared, get("processname").as_deref(), limit).await);
    }
    let header = |h: header::HeaderName| {
        req.headers().get(h).and_then(|v| v.to_str().ok()).map(str::to_owned)
    };
    if let Some(action) = get("action") {
        let host = header(header::HOST);
        let site =
            req.headers().get("sec-fetch-site").and_then(|v| v.to_str().ok()).map(str::to_owned);
        if !web::same_origin(
            host.as_deref(),
            site.as_deref(),
            header(header::ORIGIN).as_deref(),
            header(header::REFERER).as_deref(),
        ) {
            return error_response(StatusCode::FORBIDDEN);
        }
        let Some(message) = web::action(shared, &action, get("processname").as_deref()).await
        else {
            return error_response(StatusCode::INTERNAL_SERVER_ERROR);
        };
        // Back to the page of the table the action came from.
        let page = match web::page_number(get("page").as_deref()) {
            0 => String::new(),
            n => format!("&page={n}"),
        };
        let location = format!(
            "http://{}/?message={}{page}",
            host.unwrap_or_else(|| "localhost".into()),
            web::urlquote(&message)
        );
        let mut r = error_response(StatusCode::MOVED_PERMANENTLY);
        if let Ok(v) = HeaderValue::from_str(&location) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        return r;
    }
    let page = web::page_number(get("page").as_deref());
    html(web::status_page(shared, get("message").as_deref(), page))
}

async fn rpc(shared: &Rc<Shared>, req: Request<Incoming>) -> Resp {
    if req.method() != Method::POST {
        return refuse(req, error_response(StatusCode::BAD_REQUEST)).await;
    }
    if !req.headers().contains_key(header::CONTENT_LENGTH) {
        return refuse(req, error_response(StatusCode::LENGTH_REQUIRED)).await;
    }
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return error_response(StatusCode::PAYLOAD_TOO_LARGE),
    };
    let call = match sv_xmlrpc::decode_call(&body) {
        Ok(c) => c,
        Err(_) => {
            let d = shared.daemon.borrow();
            d.log(
                LogLevel::Error,
                &format!(
                    "XML-RPC request data {:?} is invalid: unmarshallable",
                    String::from_utf8_lossy(&body)
                ),
            );
            return error_response(StatusCode::BAD_REQUEST);
        }
    };
    let Some(method) = call.method.filter(|m| !m.is_empty()) else {
        shared.daemon.borrow().log(
            LogLevel::Error,
            &format!(
                "XML-RPC request data {:?} is invalid: no method name",
                String::from_utf8_lossy(&body)
            ),
        );
        return error_response(StatusCode::BAD_REQUEST);
    };
    shared.daemon.borrow().log(LogLevel::Trace, &format!("XML-RPC method called: {method}()"));
    let result = super::rpc::call(shared, &method, &call.params).await;
    shared.daemon.borrow_mut().stats.rpc_call(&method, result.is_ok());
    let text = match result {
        Ok(v) => {
            shared
                .daemon
                .borrow()
                .log(LogLevel::Trace, &format!("XML-RPC method {method}() returned successfully"));
            sv_xmlrpc::encode_response(&v)
        }
        Err(f) => {
            shared.daemon.borrow().log(
                LogLevel::Trace,
                &format!("XML-RPC method {method}() returned fault: [{}] {}", f.code, f.text),
            );
            sv_xmlrpc::encode_fault(&f)
        }
    };
    let mut r = Response::new(answer(text));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    r
}

/// `%XX` decoding of a URL path.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The last `n` bytes of a file.
fn last_bytes(path: &str, n: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(n)))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)?;
    Ok(buf)
}

/// `/logtail/<name>[/<channel>]` and `/mainlogtail`: the last 1024 bytes,
/// then everything written after, as it is written.
fn tail(shared: &Rc<Shared>, path: &str) -> Resp {
    let d = shared.daemon.borrow();
    let trimmed = path.trim_start_matches('/');
    let (file, rx, logtail) = if trimmed.starts_with("mainlogtail") {
        let Some(file) = d.cfg.supervisord.logfile.clone() else {
            return error_response(StatusCode::NOT_FOUND);
        };
        (file, d.logger.borrow().tx.subscribe(), false)
    } else {
        let Some((_, rest)) = trimmed.split_once('/') else {
            return error_response(StatusCode::NOT_FOUND);
        };
        let (name, channel) = rest.split_once('/').unwrap_or((rest, "stdout"));
        let (g, p) = sv_core::namespec::split(name);
        let found = d.sv.groups.iter().enumerate().find(|(_, x)| x.config.name == g).and_then(
            |(gi, grp)| {
                grp.processes
                    .iter()
                    .position(|x| Some(x.config.name.as_str()) == p)
                    .map(|pi| (gi, pi))
            },
        );
        let Some((gi, pi)) = found else { return error_response(StatusCode::NOT_FOUND) };
        let rt = &d.sv.groups[gi].processes[pi].ext;
        let (file, tx) = match channel {
            "stdout" => (&rt.paths.stdout, &rt.link.tails[0]),
            "stderr" => (&rt.paths.stderr, &rt.link.tails[1]),
            _ => return error_response(StatusCode::NOT_FOUND),
        };
        let Some(file) = file else { return error_response(StatusCode::NOT_FOUND) };
        (file.display().to_string(), super::output::follow(tx), true)
    };
    let Ok(head) = last_bytes(&file, 1024) else { return error_response(StatusCode::NOT_FOUND) };
    let mtime = std::fs::metadata(&file).and_then(|m| m.modified()).ok();
    use tokio_stream::StreamExt;
    let first = tokio_stream::once(Bytes::from(head));
    let rest = tokio_stream::wrappers::BroadcastStream::new(rx).filter_map(Result::ok);
    let stream = first.chain(rest).map(|b| Ok::<_, Infallible>(hyper::body::Frame::data(b)));
    let mut r = Response::new(StreamBody::new(stream).boxed_unsync());
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain;charset=utf-8"));
    if logtail {
        h.insert("X-Accel-Buffering", HeaderValue::from_static("no"));
    }
    if let Some(t) = mtime
        && let Ok(v) = HeaderValue::from_str(&httpdate(t))
    {
        h.insert(header::LAST_MODIFIED, v);
    }
    r
}

/// An RFC 1123 date, as HTTP headers carry it.
fn httpdate(t: std::time::SystemTime) -> String {
    let dt: chrono::DateTime<chrono::Utc> = t.into();
    dt.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Most connections one server serves at once. More wait in the kernel's
/// backlog until one closes; each costs a task, buffers and an fd, and the
/// fds are shared with the children's pipes.
pub const MAX_CONNECTIONS: usize = 512;

fn serve_connection<S>(
    shared: &Rc<Shared>,
    server: &Rc<ServerCtx>,
    stream: S,
    permit: tokio::sync::OwnedSemaphorePermit,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + 'static,
{
    let shared = shared.clone();
    let server = server.clone();
    let service =
        hyper::service::service_fn(move |req| handle(shared.clone(), server.clone(), req));
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .max_buf_size(64 * 1024)
        .keep_alive(true)
        // A client may shut down its sending side once the request is
        // out (`printf ... | nc`, proxies): the request is still answered.
        .half_close(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::task::spawn_local(async move {
        let _ = conn.await;
        drop(permit);
    });
}

/// A bound server socket.
pub enum Socket {
    /// TCP.
    Tcp(std::net::TcpListener),
    /// Unix.
    Unix(std::os::unix::net::UnixListener),
}

/// A configured server: its section name, credentials and socket.
pub struct Server {
    /// `inet_http_server` or `unix_http_server`, for log lines.
    pub section: String,
    /// What clients must send, if anything.
    pub creds: Option<Credentials>,
    /// The endpoints of ours it serves.
    pub endpoints: sv_config::HttpEndpoints,
    /// The bound socket.
    pub socket: Socket,
}

/// Whether an accept error means the process or the system is out of a
/// resource (fds, memory), so that trying again at once would spin.
fn out_of_resources(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM))
}

/// Accepts connections on one server for as long as the daemon runs: at
/// most [`MAX_CONNECTIONS`] at once, and with a growing pause (up to 1 s)
/// while accept fails for want of fds or memory.
fn accept_loop(shared: Rc<Shared>, server: Server) -> std::io::Result<()> {
    enum L {
        Tcp(tokio::net::TcpListener),
        Unix(tokio::net::UnixListener),
    }
    let listener = match server.socket {
        Socket::Tcp(l) => {
            l.set_nonblocking(true)?;
            L::Tcp(tokio::net::TcpListener::from_std(l)?)
        }
        Socket::Unix(l) => {
            l.set_nonblocking(true)?;
            L::Unix(tokio::net::UnixListener::from_std(l)?)
        }
    };
    let ctx = Rc::new(ServerCtx { creds: server.creds, endpoints: server.endpoints });
    let section = server.section;
    tokio::task::spawn_local(async move {
        let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        let mut pause = Duration::from_millis(10);
        let mut said_full: Option<tokio::time::Instant> = None;
        loop {
            let permit = match slots.clone().try_acquire_owned() {
                Ok(p) => p,
                Err(_) => {
                    // Said once a minute at most, however busy the server.
                    let now = tokio::time::Instant::now();
                    if said_full.is_none_or(|t| now - t >= Duration::from_secs(60)) {
                        said_full = Some(now);
                        shared.daemon.borrow().log(
                            LogLevel::Warn,
                            &format!(
                                "{section}: {MAX_CONNECTIONS} connections open, the most served \
                                 at once; new ones wait until one closes"
                            ),
                        );
                    }
                    match slots.clone().acquire_owned().await {
                        Ok(p) => p,
                        Err(_) => return,
                    }
                }
            };
            let accepted = match &listener {
                L::Tcp(l) => l.accept().await.map(|(s, _)| {
                    let _ = s.set_nodelay(true);
                    serve_connection(&shared, &ctx, s, permit);
                }),
                L::Unix(l) => {
                    l.accept().await.map(|(s, _)| serve_connection(&shared, &ctx, s, permit))
                }
            };
            match accepted {
                Ok(()) => pause = Duration::from_millis(10),
                Err(e) if out_of_resources(&e) => {
                    shared.daemon.borrow().log(
                        LogLevel::Warn,
                        &format!(
                            "{section}: cannot accept a connection ({e}); trying again in {} ms",
                            pause.as_millis()
                        ),
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
                // A connection that was reset before we took it, and the like.
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::ECONNABORTED | libc::EPROTO | libc::EINTR | libc::EAGAIN)
                    ) => {}
                // Anything else that repeats must not spin either.
                Err(_) => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
            }
        }
    });
    Ok(())
}

/// Starts accepting on every server; runs until the daemon's tasks end.
pub fn start(shared: &Rc<Shared>, servers: Vec<Server>) -> std::io::Result<()> {
    for s in servers {
        accept_loop(shared.clone(), s)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, pass: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        )
    }

    #[test]
    fn basic_auth_plain_and_sha() {
        let plain = Credentials { username: "user".into(), password: "secret".into() };
        assert_eq!(authorized(Some(&basic("user", "secret")), &plain), Auth::Granted);
        assert_eq!(authorized(Some(&basic("user", "wrong")), &plain), Auth::Denied);
        assert_eq!(authorized(Some(&basic("other", "secret")), &plain), Auth::Denied);
        assert_eq!(authorized(None, &plain), Auth::Denied);
        assert_eq!(authorized(Some("Bearer x"), &plain), Auth::Denied);
        assert_eq!(authorized(Some("Basic !!!"), &plain), Auth::Malformed);
        let sha = Credentials {
            username: "user".into(),
            password: "{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4".into(),
        };
        assert_eq!(authorized(Some(&basic("user", "secret")), &sha), Auth::Granted);
        assert_eq!(
            authorized(Some(&basic("user", "{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4")), &sha),
            Auth::Denied
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/logtail/grp%3Aga/stderr"), "/logtail/grp:ga/stderr");
        assert_eq!(percent_decode("/a%2"), "/a%2");
        assert_eq!(percent_decode("/%zz"), "/%zz");
    }

    #[test]
    fn error_body_like_medusa() {
        let r = error_response(StatusCode::NOT_FOUND);
        assert_eq!(r.status(), 404);
    }
}
