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

impl Endpoint {
    /// Parses `unix:///path` or `http://host[:port]`.
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        if let Some(p) = url.strip_prefix("unix://") {
            return Ok(Endpoint::Unix(p.to_owned()));
        }
        if let Some(rest) = url.strip_prefix("http://") {
            let hostport = rest.split('/').next().unwrap_or("");
            let (host, port) = match hostport.rsplit_once(':') {
                Some((h, p)) => {
                    (h.to_owned(), p.parse().map_err(|_| format!("bad port in {url}"))?)
                }
                None => (hostport.to_owned(), 80),
            };
            return Ok(Endpoint::Tcp(host, port));
        }
        Err(format!("Unknown protocol for serverurl {url}"))
    }
}

trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

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

fn connect(ep: &Endpoint) -> Result<Box<dyn Stream>, CallError> {
    let map = |e: io::Error| match e.kind() {
        io::ErrorKind::ConnectionRefused => CallError::Refused,
        io::ErrorKind::NotFound => CallError::NoFile,
        _ => CallError::Other(e.to_string()),
    };
    Ok(match ep {
        Endpoint::Unix(p) => Box::new(UnixStream::connect(p).map_err(map)?),
        Endpoint::Tcp(h, port) => {
            let s = TcpStream::connect((h.as_str(), *port)).map_err(map)?;
            let _ = s.set_nodelay(true);
            Box::new(s)
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
        s.write_all(req.as_bytes())
            .and_then(|()| s.write_all(body.as_bytes()))
            .map_err(|e| CallError::Other(e.to_string()))?;
        let mut r = BufReader::new(s);
        let (status, chunked, length) = read_head(&mut r)?;
        if status == 401 {
            return Err(CallError::Unauthorized);
        }
        if status != 200 {
            return Err(CallError::Status(status));
        }
        let body = if chunked {
            let mut out = Vec::new();
            while let Some(c) = read_chunk(&mut r)? {
                out.extend(c);
            }
            out
        } else {
            let mut out = Vec::new();
            match length {
                Some(n) => {
                    out.resize(n, 0);
                    r.read_exact(&mut out).map_err(|e| CallError::Other(e.to_string()))?;
                }
                None => {
                    r.read_to_end(&mut out).map_err(|e| CallError::Other(e.to_string()))?;
                }
            }
            out
        };
        match sv_xmlrpc::decode_response(&body) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(f)) => Err(CallError::Fault(f)),
            Err(e) => Err(CallError::Other(e.to_string())),
        }
    }

    /// `GET path`, calling `sink` with each piece of the body as it arrives.
    /// Returns the HTTP status when it is not 200.
    pub fn stream(&self, path: &str, sink: &mut dyn FnMut(&[u8]) -> bool) -> Result<(), CallError> {
        let mut s = connect(&self.endpoint)?;
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\n{}\r\n",
            self.host_header(),
            self.auth_header()
        );
        s.write_all(req.as_bytes()).map_err(|e| CallError::Other(e.to_string()))?;
        let mut r = BufReader::new(s);
        let (status, chunked, _) = read_head(&mut r)?;
        if status != 200 {
            return Err(CallError::Status(status));
        }
        if chunked {
            while let Some(c) = read_chunk(&mut r)? {
                if !sink(&c) {
                    break;
                }
            }
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

fn read_head(r: &mut impl BufRead) -> Result<(u16, bool, Option<usize>), CallError> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = r.read_until(b'\n', &mut line).map_err(|e| CallError::Other(e.to_string()))?;
        if n == 0 {
            return Err(CallError::Other("connection closed".into()));
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if head.len() > 64 * 1024 {
            return Err(CallError::Other("response head too large".into()));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    resp.parse(&head).map_err(|e| CallError::Other(e.to_string()))?;
    let status = resp.code.unwrap_or(0);
    let mut chunked = false;
    let mut length = None;
    for h in resp.headers.iter() {
        let v = String::from_utf8_lossy(h.value).to_ascii_lowercase();
        if h.name.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
            chunked = true;
        }
        if h.name.eq_ignore_ascii_case("content-length") {
            length = v.trim().parse().ok();
        }
    }
    Ok((status, chunked, length))
}

fn read_chunk(r: &mut impl BufRead) -> Result<Option<Vec<u8>>, CallError> {
    let mut line = String::new();
    if r.read_line(&mut line).map_err(|e| CallError::Other(e.to_string()))? == 0 {
        return Ok(None);
    }
    let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16)
        .map_err(|_| CallError::Other("bad chunk".into()))?;
    if size == 0 {
        return Ok(None);
    }
    let mut data = vec![0u8; size];
    r.read_exact(&mut data).map_err(|e| CallError::Other(e.to_string()))?;
    let mut crlf = [0u8; 2];
    let _ = r.read_exact(&mut crlf);
    Ok(Some(data))
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

    #[test]
    fn chunked_bodies() {
        let mut r = std::io::Cursor::new(b"5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n".to_vec());
        assert_eq!(read_chunk(&mut r).unwrap(), Some(b"hello".to_vec()));
        assert_eq!(read_chunk(&mut r).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_chunk(&mut r).unwrap(), None);
    }
}
