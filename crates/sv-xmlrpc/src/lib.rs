//! XML-RPC as Supervisor speaks it: the value model, method calls decoded
//! the way the reference's server decodes them (bare `<value>text</value>`
//! is a string, `<nil/>` is nil, base64 arguments arrive as text), and
//! responses and faults encoded the way Python's `xmlrpc.client.dumps`
//! writes them. Pure: bytes in, bytes out.
//!
//! # Layout
//! * [`Value`], [`Fault`]: the intermediate representation;
//! * [`decode_call`], [`decode_response`]: bytes to values (a small tree is
//!   built with `quick-xml`, then read like the reference's unmarshaller);
//! * [`encode_call`], [`encode_response`], [`encode_fault`]: values to bytes.

use std::borrow::Cow;
use std::fmt;

use base64::Engine;
use quick_xml::events::Event;

/// An XML-RPC value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<int>`/`<i4>` (and the other integer tags on input).
    Int(i64),
    /// `<boolean>`.
    Bool(bool),
    /// `<string>` or a bare value.
    String(String),
    /// `<double>`.
    Double(f64),
    /// `<dateTime.iso8601>`, as written.
    DateTime(String),
    /// `<base64>`, decoded.
    Base64(Vec<u8>),
    /// `<array>`.
    Array(Vec<Value>),
    /// `<struct>`, members in order. Names are borrowed when they are
    /// constants (every struct the server builds), saving an allocation per
    /// member.
    Struct(Vec<(Cow<'static, str>, Value)>),
    /// `<nil/>`.
    Nil,
    /// A value already encoded, `<value>...</value>` and its newline, as
    /// [`encode_struct`] and [`begin_array`] write it: the server's way of
    /// answering large lists without building a tree first. Never produced
    /// by decoding.
    Raw(String),
}

/// A struct member's value for [`encode_struct`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'a> {
    /// A string.
    Str(&'a str),
    /// An integer.
    Int(i64),
}

impl Field<'_> {
    /// The same value as a [`Value`].
    pub fn to_value(self) -> Value {
        match self {
            Field::Str(s) => Value::String(s.to_owned()),
            Field::Int(i) => Value::Int(i),
        }
    }
}

/// Writes a struct exactly as [`Value::Struct`] of the same members would
/// be encoded, without building it.
pub fn encode_struct(members: &[(&'static str, Field<'_>)], out: &mut String) {
    out.push_str("<value><struct>\n");
    for (k, v) in members {
        out.push_str("<member>\n<name>");
        out.push_str(k);
        out.push_str("</name>\n<value>");
        match v {
            Field::Str(s) => {
                out.push_str("<string>");
                escape(s, out);
                out.push_str("</string>");
            }
            Field::Int(i) => {
                out.push_str("<int>");
                out.push_str(itoa::Buffer::new().format(*i));
                out.push_str("</int>");
            }
        }
        out.push_str("</value>\n</member>\n");
    }
    out.push_str("</struct></value>\n");
}

/// Opens an array in a [`Value::Raw`] being written; close it with [`end_array`].
pub fn begin_array(out: &mut String) {
    out.push_str("<value><array><data>\n");
}

/// Closes what [`begin_array`] opened.
pub fn end_array(out: &mut String) {
    out.push_str("</data></array></value>\n");
}

impl Value {
    /// A struct from `(name, value)` pairs.
    pub fn structure<I: IntoIterator<Item = (&'static str, Value)>>(members: I) -> Value {
        Value::Struct(members.into_iter().map(|(k, v)| (Cow::Borrowed(k), v)).collect())
    }

    /// A member of a struct.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Struct(m) => m.iter().find(|(k, _)| k.as_ref() == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string (or base64 decoded as UTF-8, as the reference reads it).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            Value::Base64(b) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    /// An integer.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i64::from(i))
    }
}

/// An XML-RPC fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// faultCode.
    pub code: i32,
    /// faultString.
    pub text: String,
}

/// A decoded method call.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    /// The method name, if the request had one.
    pub method: Option<String>,
    /// The parameters (none when `<params>` is absent).
    pub params: Vec<Value>,
}

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Deepest nesting accepted (arrays in structs in arrays ...).
pub const MAX_DEPTH: usize = 64;

/// One element of the document, borrowing its text from the body where it
/// needs no unescaping; tags of the XML-RPC vocabulary are not allocated.
#[derive(Debug, Default)]
struct Node<'a> {
    tag: Cow<'static, str>,
    text: Cow<'a, str>,
    children: Vec<Node<'a>>,
}

/// The element names XML-RPC uses; any other name is allocated.
const TAGS: [&str; 26] = [
    "methodCall",
    "methodResponse",
    "methodName",
    "params",
    "param",
    "value",
    "fault",
    "array",
    "data",
    "struct",
    "member",
    "name",
    "int",
    "i4",
    "i8",
    "i1",
    "i2",
    "biginteger",
    "boolean",
    "string",
    "double",
    "float",
    "bigdecimal",
    "dateTime.iso8601",
    "base64",
    "nil",
];

/// `name` as one of the `known` constants when it is one (no allocation),
/// else owned.
fn interned(known: &'static [&'static str], name: &[u8]) -> Cow<'static, str> {
    match known.iter().find(|k| k.as_bytes() == name) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(String::from_utf8_lossy(name).into_owned()),
    }
}

fn tag_name(local: &[u8]) -> Cow<'static, str> {
    interned(&TAGS, local)
}

fn append<'a>(text: &mut Cow<'a, str>, more: Cow<'a, str>) {
    if text.is_empty() {
        *text = more;
    } else {
        text.to_mut().push_str(&more);
    }
}

fn parse_tree(body: &[u8]) -> Result<Node<'_>, DecodeError> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let err = |e: String| DecodeError(e);
    let mut stack: Vec<Node<'_>> =
        vec![Node { tag: Cow::Borrowed("#document"), ..Node::default() }];
    loop {
        match reader.read_event().map_err(|e| err(e.to_string()))? {
            Event::Start(e) => {
                if stack.len() > MAX_DEPTH * 3 {
                    return Err(err("nesting too deep".into()));
                }
                stack.push(Node { tag: tag_name(e.local_name().as_ref()), ..Node::default() });
            }
            Event::Empty(e) => {
                let tag = tag_name(e.local_name().as_ref());
                if let Some(top) = stack.last_mut() {
                    top.children.push(Node { tag, ..Node::default() });
                }
            }
            Event::End(_) => {
                let node = stack.pop().ok_or_else(|| err("unbalanced end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Err(err("unbalanced end tag".into())),
                }
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(|e| err(e.to_string()))?;
                if let Some(top) = stack.last_mut() {
                    append(&mut top.text, text);
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    let text = match c.into_inner() {
                        Cow::Borrowed(b) => String::from_utf8_lossy(b),
                        Cow::Owned(b) => Cow::Owned(String::from_utf8_lossy(&b).into_owned()),
                    };
                    append(&mut top.text, text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(err("unclosed element".into()));
    }
    let mut doc = stack.pop().unwrap_or_default();
    let root = doc.children.pop().ok_or_else(|| err("no root element".into()))?;
    Ok(root)
}

fn value_of(node: &Node<'_>, depth: usize) -> Result<Value, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError("nesting too deep".into()));
    }
    let Some(inner) = node.children.first() else {
        // A bare <value>text</value> is a string.
        return Ok(Value::String(node.text.clone().into_owned()));
    };
    let bad = |what: &str| DecodeError(format!("bad {what}: {:?}", inner.text));
    Ok(match &*inner.tag {
        "int" | "i4" | "i8" | "i1" | "i2" | "biginteger" => {
            Value::Int(inner.text.trim().parse().map_err(|_| bad(&inner.tag))?)
        }
        "boolean" => match inner.text.trim() {
            "1" => Value::Bool(true),
            "0" => Value::Bool(false),
            _ => return Err(bad("boolean")),
        },
        "string" => Value::String(inner.text.clone().into_owned()),
        "double" | "float" | "bigdecimal" => {
            Value::Double(inner.text.trim().parse().map_err(|_| bad("double"))?)
        }
        "dateTime.iso8601" => Value::DateTime(inner.text.trim().to_owned()),
        "base64" => {
            let clean: String = inner.text.chars().filter(|c| !c.is_whitespace()).collect();
            Value::Base64(
                base64::engine::general_purpose::STANDARD
                    .decode(clean)
                    .map_err(|_| bad("base64"))?,
            )
        }
        "nil" => Value::Nil,
        "array" => {
            let data = inner.children.iter().find(|c| c.tag == "data");
            let values =
                data.map(|d| d.children.iter().filter(|c| c.tag == "value").collect::<Vec<_>>());
            let mut out = Vec::new();
            for v in values.unwrap_or_default() {
                out.push(value_of(v, depth + 1)?);
            }
            Value::Array(out)
        }
        "struct" => {
            let mut out = Vec::new();
            for m in inner.children.iter().filter(|c| c.tag == "member") {
                let name = m
                    .children
                    .iter()
                    .find(|c| c.tag == "name")
                    .map(|n| n.text.clone().into_owned())
                    .unwrap_or_default();
                let v =
                    m.children.iter().find(|c| c.tag == "value").ok_or_else(|| bad("member"))?;
                out.push((Cow::Owned(name), value_of(v, depth + 1)?));
            }
            Value::Struct(out)
        }
        other => return Err(DecodeError(format!("unknown type <{other}>"))),
    })
}

fn params_of(node: &Node<'_>) -> Result<Vec<Value>, DecodeError> {
    let mut out = Vec::new();
    for p in node.children.iter().filter(|c| c.tag == "param") {
        let v = p
            .children
            .iter()
            .find(|c| c.tag == "value")
            .ok_or_else(|| DecodeError("param without value".into()))?;
        out.push(value_of(v, 0)?);
    }
    Ok(out)
}

/// Decodes a `<methodCall>`.
pub fn decode_call(body: &[u8]) -> Result<MethodCall, DecodeError> {
    let root = parse_tree(body)?;
    if root.tag != "methodCall" {
        return Err(DecodeError(format!("expected <methodCall>, got <{}>", root.tag)));
    }
    let method =
        root.children.iter().find(|c| c.tag == "methodName").map(|m| m.text.clone().into_owned());
    let params = match root.children.iter().find(|c| c.tag == "params") {
        Some(p) => params_of(p)?,
        None => Vec::new(),
    };
    Ok(MethodCall { method, params })
}

/// Decodes a `<methodResponse>`: the value, or the fault.
///
/// Responses are decoded in one pass over the parser's events, without the
/// tree that calls are read through: `supervisorctl status` reads a
/// response of 500 bytes per process.
pub fn decode_response(body: &[u8]) -> Result<Result<Value, Fault>, DecodeError> {
    let mut p = Stream { r: quick_xml::Reader::from_reader(body), pending_end: false };
    p.open("methodResponse")?;
    match p.next_element()? {
        Tok::Start(t) if t == "params" => {
            p.open("param")?;
            p.open("value")?;
            let v = p.value(0)?;
            Ok(Ok(v))
        }
        Tok::Start(t) if t == "fault" => {
            p.open("value")?;
            let v = p.value(0)?;
            let code = v.get("faultCode").and_then(Value::as_int).unwrap_or(0);
            let text = v.get("faultString").and_then(Value::as_str).unwrap_or("").to_owned();
            Ok(Err(Fault { code: i32::try_from(code).unwrap_or(0), text }))
        }
        _ => Err(DecodeError("response without a value".into())),
    }
}

/// What [`Stream`] hands out: element starts (empty elements are a start
/// then an end), ends, and text.
enum Tok<'a> {
    Start(Cow<'static, str>),
    End,
    Text(Cow<'a, str>),
}

/// A pull parser over a response body.
struct Stream<'a> {
    r: quick_xml::Reader<&'a [u8]>,
    /// The end of an empty element, still to be handed out.
    pending_end: bool,
}

impl<'a> Stream<'a> {
    fn next(&mut self) -> Result<Tok<'a>, DecodeError> {
        if std::mem::take(&mut self.pending_end) {
            return Ok(Tok::End);
        }
        loop {
            let ev = self.r.read_event().map_err(|e| DecodeError(e.to_string()))?;
            return Ok(match ev {
                Event::Start(e) => Tok::Start(tag_name(e.local_name().as_ref())),
                Event::Empty(e) => {
                    // An empty element is read as its start; the end
                    // follows at once.
                    let tag = tag_name(e.local_name().as_ref());
                    self.pending_end = true;
                    Tok::Start(tag)
                }
                Event::End(_) => Tok::End,
                Event::Text(t) => Tok::Text(t.unescape().map_err(|e| DecodeError(e.to_string()))?),
                Event::CData(c) => Tok::Text(Cow::Owned(String::from_utf8_lossy(&c).into_owned())),
                Event::Eof => return Err(DecodeError("unexpected end of document".into())),
                _ => continue,
            });
        }
    }
}

impl<'a> Stream<'a> {
    /// The next start or end, skipping text between elements.
    fn next_element(&mut self) -> Result<Tok<'a>, DecodeError> {
        loop {
            match self.next()? {
                Tok::Text(_) => {}
                t => return Ok(t),
            }
        }
    }

    /// Expects the start of `tag` (after whitespace).
    fn open(&mut self, tag: &str) -> Result<(), DecodeError> {
        match self.next_element()? {
            Tok::Start(t) if t == tag => Ok(()),
            Tok::Start(t) => Err(DecodeError(format!("expected <{tag}>, got <{t}>"))),
            _ => Err(DecodeError(format!("expected <{tag}>"))),
        }
    }

    /// Expects an end (after whitespace).
    fn close(&mut self) -> Result<(), DecodeError> {
        match self.next_element()? {
            Tok::End => Ok(()),
            _ => Err(DecodeError("expected an end tag".into())),
        }
    }

    /// The text up to the end of the current element.
    fn text(&mut self) -> Result<Cow<'a, str>, DecodeError> {
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        loop {
            match self.next()? {
                Tok::Text(t) => append(&mut text, t),
                Tok::End => return Ok(text),
                Tok::Start(t) => return Err(DecodeError(format!("unexpected <{t}> in text"))),
            }
        }
    }

    /// The value whose `<value>` start was just read, through its end.
    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError("nesting too deep".into()));
        }
        let mut bare: Cow<'a, str> = Cow::Borrowed("");
        let tag = loop {
            match self.next()? {
                Tok::Text(t) => append(&mut bare, t),
                // A bare <value>text</value> is a string.
                Tok::End => return Ok(Value::String(bare.into_owned())),
                Tok::Start(t) => break t,
            }
        };
        let bad = |what: &str, text: &str| DecodeError(format!("bad {what}: {text:?}"));
        let v = match &*tag {
            "int" | "i4" | "i8" | "i1" | "i2" | "biginteger" => {
                let t = self.text()?;
                Value::Int(t.trim().parse().map_err(|_| bad(&tag, &t))?)
            }
            "boolean" => {
                let t = self.text()?;
                match t.trim() {
                    "1" => Value::Bool(true),
                    "0" => Value::Bool(false),
                    _ => return Err(bad("boolean", &t)),
                }
            }
            "string" => Value::String(self.text()?.into_owned()),
            "double" | "float" | "bigdecimal" => {
                let t = self.text()?;
                Value::Double(t.trim().parse().map_err(|_| bad("double", &t))?)
            }
            "dateTime.iso8601" => Value::DateTime(self.text()?.trim().to_owned()),
            "base64" => {
                let t = self.text()?;
                let clean: String = t.chars().filter(|c| !c.is_whitespace()).collect();
                Value::Base64(
                    base64::engine::general_purpose::STANDARD
                        .decode(clean)
                        .map_err(|_| bad("base64", &t))?,
                )
            }
            "nil" => {
                self.text()?;
                Value::Nil
            }
            "array" => {
                let mut items = Vec::new();
                match self.next_element()? {
                    Tok::End => {}
                    Tok::Start(t) if t == "data" => {
                        loop {
                            match self.next_element()? {
                                Tok::Start(t) if t == "value" => items.push(self.value(depth + 1)?),
                                Tok::End => break,
                                Tok::Start(t) => {
                                    return Err(DecodeError(format!("unexpected <{t}> in <data>")));
                                }
                                Tok::Text(_) => {}
                            }
                        }
                        self.close()?;
                    }
                    _ => return Err(DecodeError("expected <data>".into())),
                }
                Value::Array(items)
            }
            "struct" => {
                let mut members = Vec::new();
                loop {
                    match self.next_element()? {
                        Tok::Start(t) if t == "member" => {
                            self.open("name")?;
                            let name = self.text()?;
                            self.open("value")?;
                            let v = self.value(depth + 1)?;
                            self.close()?;
                            members.push((interned(&TAGS_MEMBERS, name.as_bytes()), v));
                        }
                        Tok::End => break,
                        _ => return Err(DecodeError("expected <member>".into())),
                    }
                }
                Value::Struct(members)
            }
            other => return Err(DecodeError(format!("unknown type <{other}>"))),
        };
        self.close()?;
        Ok(v)
    }
}

/// Struct member names the server sends in quantity (process information
/// and faults); they decode without an allocation each.
const TAGS_MEMBERS: [&str; 16] = [
    "name",
    "group",
    "start",
    "stop",
    "now",
    "state",
    "statename",
    "spawnerr",
    "exitstatus",
    "logfile",
    "stdout_logfile",
    "stderr_logfile",
    "pid",
    "description",
    "faultCode",
    "faultString",
];

fn escape(s: &str, out: &mut String) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// Python's `repr(float)` (and `str(float)`): the shortest digits that
/// read back as `x`, fixed notation for exponents -4 to 15, else
/// scientific with a signed exponent of at least two digits (`1e+16`,
/// `1.5e-05`); `inf`, `-inf`, `nan`.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's `{:e}` gives the same shortest round-trip digits as Python's
    // repr: `d.ddde±N`.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let body = if exp >= n - 1 {
            // All digits before the point, padded with zeros: `1500.0`.
            format!("{digits}{}.0", "0".repeat((exp - (n - 1)) as usize))
        } else if exp >= 0 {
            let (int, frac) = digits.split_at(exp as usize + 1);
            format!("{int}.{frac}")
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.abs())
    }
}

fn encode_value(v: &Value, out: &mut String) {
    if let Value::Raw(text) = v {
        out.push_str(text);
        return;
    }
    out.push_str("<value>");
    match v {
        Value::Int(i) => {
            out.push_str("<int>");
            out.push_str(itoa::Buffer::new().format(*i));
            out.push_str("</int>");
        }
        Value::Bool(b) => {
            out.push_str(if *b { "<boolean>1</boolean>" } else { "<boolean>0</boolean>" })
        }
        Value::String(s) => {
            out.push_str("<string>");
            escape(s, out);
            out.push_str("</string>");
        }
        Value::Double(d) => {
            out.push_str("<double>");
            out.push_str(&float_repr(*d));
            out.push_str("</double>");
        }
        Value::DateTime(s) => {
            out.push_str("<dateTime.iso8601>");
            escape(s, out);
            out.push_str("</dateTime.iso8601>");
        }
        Value::Base64(b) => {
            // Lines of 76 characters, each ending in a newline (encodebytes).
            out.push_str("<base64>\n");
            let enc = base64::engine::general_purpose::STANDARD.encode(b);
            for chunk in enc.as_bytes().chunks(76) {
                out.push_str(&String::from_utf8_lossy(chunk));
                out.push('\n');
            }
            out.push_str("</base64>");
        }
        Value::Raw(_) => {}
        Value::Nil => {
            // Python writes no newline after a nil value.
            out.push_str("<nil/></value>");
            return;
        }
        Value::Array(items) => {
            out.push_str("<array><data>\n");
            for i in items {
                encode_value(i, out);
            }
            out.push_str("</data></array>");
        }
        Value::Struct(members) => {
            out.push_str("<struct>\n");
            for (k, v) in members {
                out.push_str("<member>\n<name>");
                match k {
                    // Borrowed names are the server's own constants, which
                    // hold nothing to escape.
                    Cow::Borrowed(k) => out.push_str(k),
                    Cow::Owned(k) => escape(k, out),
                }
                out.push_str("</name>\n");
                encode_value(v, out);
                out.push_str("</member>\n");
            }
            out.push_str("</struct>");
        }
    }
    out.push_str("</value>\n");
}

/// Encodes a successful response, as `xmlrpc.client.dumps((v,), methodresponse=True)` does.
pub fn encode_response(v: &Value) -> String {
    // Large answers (getAllProcessInfo's pre-encoded list, log text) are
    // sized up front: growing a 100 KB string by doubling costs copies and
    // page faults.
    let body = match v {
        Value::Raw(t) | Value::String(t) => t.len() + t.len() / 8,
        _ => 0,
    };
    let mut out = String::with_capacity(body + 256);
    out.push_str("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n");
    encode_value(v, &mut out);
    out.push_str("</param>\n</params>\n</methodResponse>\n");
    out
}

/// Encodes a fault, as `xmlrpc.client.dumps(Fault(code, text))` does.
pub fn encode_fault(f: &Fault) -> String {
    let mut out = String::from("<?xml version='1.0'?>\n<methodResponse>\n<fault>\n");
    let v = Value::Struct(vec![
        ("faultCode".into(), Value::Int(i64::from(f.code))),
        ("faultString".into(), Value::String(f.text.clone())),
    ]);
    encode_value(&v, &mut out);
    out.push_str("</fault>\n</methodResponse>\n");
    out
}

/// Encodes a method call, as `xmlrpc.client.dumps(params, method)` does.
pub fn encode_call(method: &str, params: &[Value]) -> String {
    let mut out = String::from("<?xml version='1.0'?>\n<methodCall>\n<methodName>");
    escape(method, &mut out);
    out.push_str("</methodName>\n<params>\n");
    for p in params {
        out.push_str("<param>\n");
        encode_value(p, &mut out);
        out.push_str("</param>\n");
    }
    out.push_str("</params>\n</methodCall>\n");
    out
}

#[cfg(test)]
mod tests;
