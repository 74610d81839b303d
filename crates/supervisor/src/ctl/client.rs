//! supervisorctl's side of the wire: a blocking HTTP/1.1 client over a unix
//! socket or TCP (no async runtime, so one-shot commands start fast), XML-RPC
//! calls, and the streaming `GET` that `tail -f` follows.
//!
//! Hand-written because it is small and must speak to both the reference's
//! medusa server and ours the way Python's `xmlrpc.client` does; `httparse`
//! parses the response head.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;

use base64::Engine;
use sv_xmlrpc::{Fault, Value};

/// Why a call failed.
#[derive(Debug)]
pub enum CallError {
    /// The server answered with a fault.
    Fault(Fault),
    /// Connection refused (nothing listens).
    Refused,
    /// The unix socket does not exist.
    NoFile,
    /// HTTP 401.
    Unauthorized,
    /// Another HTTP status.
    Status(u16),
    /// Anything else, described.
    Other(String),
}

/// Where the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `unix://PATH`.
    Unix(String),
    /// `http://HOST:PORT`.
    Tcp(String, u16),
}

/// A server URL supervisorctl cannot use, with the message it prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadUrl(pub String);

impl std::fmt::Display for BadUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Endpoint {
    /// Parses `unix:///path` or `http://host[:port]`.
    pub fn parse(url: &str) -> Result<Endpoint, BadUrl> {
        if let Some(p) = url.strip_prefix("unix://") {
            return Ok(Endpoint::Unix(p.to_owned()));
        }
        if let Some(rest) = url.strip_prefix("http://") {
            let hostport = rest.split('/').next().unwrap_or("");
            let (host, port) = match hostport.rsplit_once(':') {
                Some((h, p)) => {
                    (h.to_owned(), p.parse().map_err(|_| BadUrl(format!("bad port in {url}")))?)
                }
                None => (hostport.to_owned(), 80),
            };
            return Ok(Endpoint::Tcp(host, port));
        }
        Err(BadUrl(format!("Unknown protocol for serverurl {url}")))
    }
}

/// The largest response body accepted (a `getAllProcessInfo` of 10,000
/// processes is about 10 MiB). Nothing is allocated ahead of the bytes
/// that actually arrive, whatever the server announces.
pub const MAX_RESPONSE: u64 = 256 * 1024 * 1024;

/// The longest response head, and the longest chunk-size line.
const MAX_HEAD: u64 = 64 * 1024;

fn io_error(what: &str, e: &io::Error) -> CallError {
    CallError::Other(format!("{what}: {e}"))
}

/// A connection to the server.
#[derive(Debug)]
pub enum Conn {
    /// Over a unix socket.
    Unix(UnixStream),
    /// Over TCP.
    Tcp(TcpStream),
}

impl Conn {
    /// Ends the connection both ways, also for the thread reading it.
    pub fn shutdown(&self) {
        let _ = match self {
            Conn::Unix(s) => s.shutdown(std::net::Shutdown::Both),
            Conn::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }

    /// A second handle on the same connection.
    pub fn try_clone(&self) -> io::Result<Conn> {
        Ok(match self {
            Conn::Unix(s) => Conn::Unix(s.try_clone()?),
            Conn::Tcp(s) => Conn::Tcp(s.try_clone()?),
        })
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Unix(s) => s.read(buf),
            Conn::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Unix(s) => s.write(buf),
            Conn::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl std::os::fd::AsFd for Conn {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        match self {
            Conn::Unix(s) => s.as_fd(),
            Conn::Tcp(s) => s.as_fd(),
        }
    }
}

/// A client for one server.
#[derive(Debug, Clone)]
pub struct Client {
    /// Where to connect.
    pub endpoint: Endpoint,
    /// Basic auth user.
    pub username: Option<String>,
    /// Basic auth password.
    pub password: Option<String>,
}

/// Connects to the server.
pub fn connect(ep: &Endpoint) -> Result<Conn, CallError> {
    let map = |e: io::Error| match e.kind() {
        io::ErrorKind::ConnectionRefused => CallError::Refused,
        io::ErrorKind::NotFound => CallError::NoFile,
        _ => CallError::Other(e.to_string()),
    };
    Ok(match ep {
        Endpoint::Unix(p) => Conn::Unix(UnixStream::connect(p).map_err(map)?),
        Endpoint::Tcp(h, port) => {
            let s = TcpStream::connect((h.as_str(), *port)).map_err(map)?;
            let _ = s.set_nodelay(true);
            Conn::Tcp(s)
        }
    })
}

impl Client {
    fn host_header(&self) -> String {
        match &self.endpoint {
            Endpoint::Unix(_) => "localhost".into(),
            Endpoint::Tcp(h, p) => format!("{h}:{p}"),
        }
    }

    fn auth_header(&self) -> String {
        match (&self.username, &self.password) {
            (Some(u), Some(p)) => format!(
                "Authorization: Basic {}\r\n",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            ),
            _ => String::new(),
        }
    }

    /// Calls an XML-RPC method.
    pub fn call(&self, method: &str, params: &[Value]) -> Result<Value, CallError> {
        let body = sv_xmlrpc::encode_call(method, params);
        let mut s = connect(&self.endpoint)?;
        let req = format!(
            "POST /RPC2 HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: identity\r\nUser-Agent: supervisorctl\r\n\
             Content-Type: text/xml\r\n{}Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.host_header(),
            self.auth_header(),
            body.len()
        );
        let sent = s.write_all(req.as_bytes()).and_then(|()| s.write_all(body.as_bytes()));
        let mut r = BufReader::new(s);
        // A server may answer (401, 413) and close before taking the whole
        // request: its answer is still worth reading.
        let (status, chunked, length) = match (read_head(&mut r), sent) {
            (Ok(head), _) => head,
            (Err(_), Err(e)) => return Err(io_error("the server closed the connection", &e)),
            (Err(e), Ok(())) => return Err(e),
        };
        if status == 401 {
            return Err(CallError::Unauthorized);
        }
        if status != 200 {
            return Err(CallError::Status(status));
        }
        let body = if chunked {
            let mut out = Vec::new();
            while read_chunk(&mut r, MAX_RESPONSE - out.len() as u64, &mut |c| {
                out.extend_from_slice(c);
                true
            })? {}
            out
        } else {
            read_body(&mut r, length)?
        };
        match sv_xmlrpc::decode_response(&body) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(f)) => Err(CallError::Fault(f)),
            Err(e) => Err(CallError::Other(e.to_string())),
        }
    }

    /// `GET path`, calling `sink` with each piece of the body as it arrives.
    /// Returns the HTTP status when it is not 200. Ctrl-C ends it
    /// (see [`super::interrupt`]).
    pub fn stream(&self, path: &str, sink: &mut dyn FnMut(&[u8]) -> bool) -> Result<(), CallError> {
        self.stream_on(connect(&self.endpoint)?, path, sink)
    }

    /// [`Client::stream`] on a connection made by the caller (who can end
    /// it from another thread).
    pub fn stream_on(
        &self,
        mut s: Conn,
        path: &str,
        sink: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Result<(), CallError> {
        let _follow = super::interrupt::Follow::new(&s);
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\n{}\r\n",
            self.host_header(),
            self.auth_header()
        );
        let sent = s.write_all(req.as_bytes());
        let mut r = BufReader::new(s);
        let (status, chunked, _) = match (read_head(&mut r), sent) {
            (Ok(head), _) => head,
            (Err(_), Err(e)) => return Err(io_error("the server closed the connection", &e)),
            (Err(e), Ok(())) => return Err(e),
        };
        if status != 200 {
            return Err(CallError::Status(status));
        }
        if chunked {
            // A stream has no total limit; each chunk is passed on in
            // pieces as it arrives.
            while read_chunk(&mut r, u64::MAX, sink)? {}
        } else {
            let mut buf = [0u8; 8192];
            loop {
                match r.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if !sink(&buf[..n]) {
                            break;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn read_head(r: &mut impl BufRead) -> Result<(u16, bool, Option<u64>), CallError> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        let room = MAX_HEAD.saturating_sub(head.len() as u64) + 1;
        let n = r
            .by_ref()
            .take(room)
            .read_until(b'\n', &mut line)
            .map_err(|e| io_error("reading the response", &e))?;
        if n == 0 {
            return Err(CallError::Other(
                "the server closed the connection without an answer".into(),
            ));
        }
        head.extend_from_slice(&line);
        if head.len() as u64 > MAX_HEAD {
            return Err(CallError::Other("the response head is over 64 KiB".into()));
        }
        if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    resp.parse(&head).map_err(|e| CallError::Other(format!("a malformed response head: {e}")))?;
    let status = resp.code.unwrap_or(0);
    let mut chunked = false;
    let mut length = None;
    for h in resp.headers.iter() {
        let v = String::from_utf8_lossy(h.value).to_ascii_lowercase();
        if h.name.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
            chunked = true;
        }
        if h.name.eq_ignore_ascii_case("content-length") {
            length = Some(v.trim().parse().map_err(|_| {
                CallError::Other(format!("a malformed Content-Length: {}", v.trim()))
            })?);
        }
    }
    Ok((status, chunked, length))
}

fn too_large() -> CallError {
    CallError::Other(format!("the response is over {} MiB", MAX_RESPONSE >> 20))
}

/// A body of `length` bytes, or up to the end of the connection.
fn read_body(r: &mut impl Read, length: Option<u64>) -> Result<Vec<u8>, CallError> {
    if length.is_some_and(|n| n > MAX_RESPONSE) {
        return Err(too_large());
    }
    let want = length.unwrap_or(MAX_RESPONSE + 1);
    // Room for the announced length at once (at most MAX_RESPONSE, checked
    // above): a vector doubling its way to a 7 MB answer (7000 processes)
    // touches twice the memory, and zeroing those fresh pages was a third
    // of `status`.
    let mut out = Vec::with_capacity(usize::try_from(length.unwrap_or(0)).unwrap_or(0));
    r.take(want).read_to_end(&mut out).map_err(|e| io_error("reading the response", &e))?;
    match length {
        Some(n) if (out.len() as u64) < n => Err(CallError::Other(format!(
            "the server closed the connection after {} of {n} bytes",
            out.len()
        ))),
        None if out.len() as u64 > MAX_RESPONSE => Err(too_large()),
        _ => Ok(out),
    }
}

/// Reads one chunk of a chunked body, passing its data to `sink` in
/// pieces as they arrive; false at the last chunk (or when `sink` wants
/// no more). A chunk over `room` bytes is an error.
fn read_chunk(
    r: &mut impl BufRead,
    room: u64,
    sink: &mut dyn FnMut(&[u8]) -> bool,
) -> Result<bool, CallError> {
    let mut line = Vec::new();
    let n = r
        .by_ref()
        .take(4096)
        .read_until(b'\n', &mut line)
        .map_err(|e| io_error("reading the response", &e))?;
    if n == 0 {
        return Ok(false);
    }
    let text = String::from_utf8_lossy(&line);
    let size = u64::from_str_radix(text.trim().split(';').next().unwrap_or("").trim(), 16)
        .map_err(|_| CallError::Other(format!("a malformed chunk size: {:.40}", text.trim())))?;
    if size == 0 {
        return Ok(false);
    }
    if size > room {
        return Err(too_large());
    }
    let mut left = size;
    let mut buf = [0u8; 64 * 1024];
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let got = r.read(&mut buf[..want]).map_err(|e| io_error("reading the response", &e))?;
        if got == 0 {
            return Err(CallError::Other("the server closed the connection inside a chunk".into()));
        }
        left -= got as u64;
        if !sink(&buf[..got]) {
            return Ok(false);
        }
    }
    let mut crlf = [0u8; 2];
    let _ = r.read_exact(&mut crlf);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(Endpoint::parse("unix:///tmp/s.sock"), Ok(Endpoint::Unix("/tmp/s.sock".into())));
        assert_eq!(
            Endpoint::parse("http://localhost:9001"),
            Ok(Endpoint::Tcp("localhost".into(), 9001))
        );
        assert_eq!(Endpoint::parse("http://h"), Ok(Endpoint::Tcp("h".into(), 80)));
        assert!(Endpoint::parse("https://h:1").is_err());
    }

    fn chunks(bytes: &[u8], room: u64) -> Result<Vec<u8>, String> {
        let mut r = std::io::Cursor::new(bytes.to_vec());
        let mut out = Vec::new();
        loop {
            match read_chunk(&mut r, room, &mut |c| {
                out.extend_from_slice(c);
                true
            }) {
                Ok(true) => {}
                Ok(false) => return Ok(out),
                Err(e) => return Err(format!("{e:?}")),
            }
        }
    }

    #[test]
    fn chunked_bodies() {
        assert_eq!(chunks(b"5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n", 100), Ok(b"helloabc".to_vec()));
        // Announced sizes allocate nothing: a huge one is refused, a short
        // one is an error, not a hang or an abort.
        assert!(
            chunks(b"ffffffffffffff\r\nabc", MAX_RESPONSE).unwrap_err().contains("over 256 MiB")
        );
        assert!(chunks(b"10\r\nabc", 100).unwrap_err().contains("inside a chunk"));
        assert!(chunks(b"zz\r\n", 100).unwrap_err().contains("malformed chunk size"));
        assert!(chunks(&[b'1'; 10000], 100).is_err());
    }

    #[test]
    fn bodies_are_bounded() {
        let mut r = std::io::Cursor::new(b"abc".to_vec());
        assert!(format!("{:?}", read_body(&mut r, Some(u64::MAX))).contains("over 256 MiB"));
        let mut r = std::io::Cursor::new(b"abc".to_vec());
        assert!(format!("{:?}", read_body(&mut r, Some(10))).contains("after 3 of 10 bytes"));
        let mut r = std::io::Cursor::new(b"abc".to_vec());
        assert_eq!(read_body(&mut r, None).ok(), Some(b"abc".to_vec()));
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n";
        assert!(read_head(&mut std::io::Cursor::new(head.to_vec())).is_err());
        let mut endless = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
        endless.extend(vec![b'a'; 100_000]);
        let e = read_head(&mut std::io::Cursor::new(endless)).unwrap_err();
        assert!(format!("{e:?}").contains("over 64 KiB"));
        let e = read_head(&mut std::io::Cursor::new(Vec::new())).unwrap_err();
        assert!(format!("{e:?}").contains("without an answer"));
    }

    /// A server that answers each connection with `answer` and closes.
    fn fake_server(answer: &'static [u8]) -> u16 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().map(|a| a.port()).unwrap_or(0);
        std::thread::spawn(move || {
            for s in l.incoming().flatten().take(1) {
                let mut s = s;
                let _ = s.write_all(answer);
            }
        });
        port
    }

    #[test]
    fn hostile_servers_get_errors_not_panics() {
        for answer in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<methodResponse>",
            b"",
            b"garbage\r\n\r\n",
        ] {
            let c = Client {
                endpoint: Endpoint::Tcp("127.0.0.1".into(), fake_server(answer)),
                username: None,
                password: None,
            };
            match c.call("supervisor.getState", &[]) {
                Err(CallError::Other(m)) => assert!(!m.is_empty()),
                other => panic!("{:?} -> {other:?}", String::from_utf8_lossy(answer)),
            }
        }
    }
}
