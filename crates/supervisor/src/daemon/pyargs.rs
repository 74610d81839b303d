//! XML-RPC parameters as the reference's Python methods see them.
//!
//! The reference checks almost no parameter type: it passes what the
//! client sent to `int()`, `str()`, `==` or a dict lookup and lets Python
//! decide. So `"6"` works as an offset, `10` as a signal, and a process
//! name that is an int is simply not found. This module gives each
//! conversion the result Python gives. Where Python raises an exception
//! that the reference does not catch (its answer is then an HTTP 500 and a
//! traceback in its log), we answer the `INCORRECT_PARAMETERS` fault
//! instead (docs/compatibility.md).

use std::borrow::Cow;

use sv_xmlrpc::{Fault, Value};

use crate::faults::{INCORRECT_PARAMETERS, fault};

fn incorrect() -> Fault {
    fault(INCORRECT_PARAMETERS, None)
}

/// Python's `str(value)`.
pub fn py_str(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) | Value::DateTime(s) | Value::Raw(s) => Cow::Borrowed(s),
        _ => Cow::Owned(py_repr(v)),
    }
}

/// Python's `repr(value)`.
pub fn py_repr(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
        Value::String(s) | Value::DateTime(s) | Value::Raw(s) => sv_config::pyrepr::py_repr(s),
        Value::Double(x) => sv_xmlrpc::float_repr(*x),
        Value::Base64(b) => format!("b{}", sv_config::pyrepr::py_repr(&String::from_utf8_lossy(b))),
        Value::Nil => "None".to_owned(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Struct(members) => {
            let inner: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}: {}", sv_config::pyrepr::py_repr(k), py_repr(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Python's type name of a value, as it appears in exception texts.
pub fn py_type(v: &Value) -> &'static str {
    match v {
        Value::Int(_) => "int",
        Value::Bool(_) => "bool",
        Value::String(_) | Value::Raw(_) => "str",
        Value::Double(_) => "float",
        Value::DateTime(_) => "DateTime",
        Value::Base64(_) => "Binary",
        Value::Nil => "NoneType",
        Value::Array(_) => "list",
        Value::Struct(_) => "dict",
    }
}

/// Python's `bool(value)`.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Int(n) => *n != 0,
        Value::Bool(b) => *b,
        Value::String(s) | Value::Raw(s) => !s.is_empty(),
        Value::Double(x) => *x != 0.0,
        Value::DateTime(_) => true,
        Value::Base64(b) => !b.is_empty(),
        Value::Nil => false,
        Value::Array(a) => !a.is_empty(),
        Value::Struct(m) => !m.is_empty(),
    }
}

/// Python's `int(value)`: ints and booleans as they are, doubles truncated
/// toward zero, strings parsed as Python parses them. Anything else, and
/// text that is no integer, is the reference's uncaught exception.
pub fn py_int(v: &Value) -> Result<i64, Fault> {
    match v {
        Value::Int(n) => Ok(*n),
        Value::Bool(b) => Ok(i64::from(*b)),
        // `as` saturates, like the offsets Python would clamp against.
        Value::Double(x) if x.is_finite() => Ok(x.trunc() as i64),
        Value::String(s) => sv_config::datatypes::py_int(s).map_err(|_| incorrect()),
        _ => Err(incorrect()),
    }
}

/// A process name (`name` or `group:name`) for the methods that split it:
/// the reference calls `.split(':')` on it, which only a string has.
pub fn namespec(v: &Value) -> Result<&str, Fault> {
    match v {
        Value::String(s) => Ok(s),
        _ => Err(incorrect()),
    }
}

/// A group name for the methods that look it up in a dict: a string is
/// looked up; any other hashable value is a name no group has (reported
/// with its `str()`); a list or struct cannot be a dict key.
pub enum GroupName<'a> {
    /// A name to look up.
    Name(&'a str),
    /// A value no group can have: `BAD_NAME` with this text.
    Missing(String),
}

/// See [`GroupName`]; `hashed` is false where the reference compares with
/// `==` instead of a lookup (then lists and structs are just not found).
pub fn group_name(v: &Value, hashed: bool) -> Result<GroupName<'_>, Fault> {
    match v {
        Value::String(s) => Ok(GroupName::Name(s)),
        Value::Array(_) | Value::Struct(_) if hashed => Err(incorrect()),
        other => Ok(GroupName::Missing(py_str(other).into_owned())),
    }
}

/// A signal as the reference's `signal_number` reads it: `int(value)`
/// first, then a name; `(number or None, text for the fault)`.
pub fn signal(v: &Value) -> Result<(Option<i32>, String), Fault> {
    let text = py_str(v).into_owned();
    let num = match v {
        Value::String(s) => sv_config::datatypes::signal_number(s).ok(),
        Value::Int(_) | Value::Bool(_) | Value::Double(_) => {
            let n = py_int(v)?;
            sv_config::datatypes::signal_number(&n.to_string()).ok()
        }
        // int() fails with TypeError, then `.strip()` is not there.
        _ => return Err(incorrect()),
    };
    Ok((num, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }

    #[test]
    fn conversions_like_python() {
        // (value, str(), int() or None when Python raises, bool())
        let cases: Vec<(Value, &str, Option<i64>, bool)> = vec![
            (Value::Int(6), "6", Some(6), true),
            (Value::Int(0), "0", Some(0), false),
            (s("6"), "6", Some(6), true),
            (s(" -1_000 "), " -1_000 ", Some(-1000), true),
            (s("abc"), "abc", None, true),
            (s(""), "", None, false),
            (Value::Bool(true), "True", Some(1), true),
            (Value::Bool(false), "False", Some(0), false),
            (Value::Double(1.5), "1.5", Some(1), true),
            (Value::Double(-2.7), "-2.7", Some(-2), true),
            (Value::Double(0.0), "0.0", Some(0), false),
            (Value::Double(f64::INFINITY), "inf", None, true),
            (Value::Nil, "None", None, false),
            (Value::Array(vec![Value::Int(1), s("a")]), "[1, 'a']", None, true),
            (Value::Array(vec![]), "[]", None, false),
            (Value::structure([("k", Value::Bool(false))]), "{'k': False}", None, true),
        ];
        for (v, want_str, want_int, want_bool) in cases {
            assert_eq!(py_str(&v), want_str, "str({v:?})");
            assert_eq!(py_int(&v).ok(), want_int, "int({v:?})");
            assert_eq!(truthy(&v), want_bool, "bool({v:?})");
        }
    }

    #[test]
    fn signals_like_signal_number() {
        let cases: Vec<(Value, Option<Option<i32>>)> = vec![
            (s("HUP"), Some(Some(1))),
            (s("sigterm"), Some(Some(15))),
            (s("10"), Some(Some(10))),
            (s("FOO"), Some(None)),
            (s("99"), Some(None)),
            (Value::Int(10), Some(Some(10))),
            (Value::Int(0), Some(Some(0))),
            (Value::Int(99), Some(None)),
            (Value::Bool(true), Some(Some(1))),
            (Value::Double(15.9), Some(Some(15))),
            (Value::Nil, None),
            (Value::Array(vec![]), None),
        ];
        for (v, want) in cases {
            assert_eq!(signal(&v).ok().map(|x| x.0), want, "signal({v:?})");
        }
    }

    #[test]
    fn names() {
        assert!(namespec(&s("a:b")).is_ok());
        assert!(namespec(&Value::Int(1)).is_err());
        assert!(matches!(group_name(&s("g"), true), Ok(GroupName::Name("g"))));
        assert!(
            matches!(group_name(&Value::Bool(true), true), Ok(GroupName::Missing(t)) if t == "True")
        );
        assert!(group_name(&Value::Array(vec![]), true).is_err());
        assert!(matches!(group_name(&Value::Array(vec![]), false), Ok(GroupName::Missing(_))));
    }
}
