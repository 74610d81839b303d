//! Golden tests against bytes written by Python's `xmlrpc.client.dumps`
//! (files in `tests/data`), and the reference server's decoding rules.

use super::*;

/// The tree-walking decoder of responses, kept as the streaming one's
/// oracle in tests.
fn decode_response_tree(body: &[u8]) -> Result<Result<Value, Fault>, DecodeError> {
    let root = parse_tree(body)?;
    if root.tag != "methodResponse" {
        return Err(DecodeError(format!("expected <methodResponse>, got <{}>", root.tag)));
    }
    if let Some(f) = root.children.iter().find(|c| c.tag == "fault") {
        let v = f
            .children
            .iter()
            .find(|c| c.tag == "value")
            .ok_or_else(|| DecodeError("empty fault".into()))?;
        let v = value_of(v, 0)?;
        let code = v.get("faultCode").and_then(Value::as_int).unwrap_or(0);
        let text = v.get("faultString").and_then(Value::as_str).unwrap_or("").to_owned();
        return Ok(Err(Fault { code: i32::try_from(code).unwrap_or(0), text }));
    }
    let params = root
        .children
        .iter()
        .find(|c| c.tag == "params")
        .map(params_of)
        .transpose()?
        .unwrap_or_default();
    params.into_iter().next().map(Ok).ok_or_else(|| DecodeError("response without a value".into()))
}

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn decodes_what_python_sends() {
    let call = decode_call(data("call_mixed.xml").as_bytes()).unwrap();
    assert_eq!(call.method.as_deref(), Some("supervisor.startProcess"));
    assert_eq!(
        call.params,
        vec![
            Value::Int(1),
            Value::String("a&b<c>".into()),
            Value::Bool(true),
            Value::Double(1.5),
            Value::Array(vec![
                Value::Int(1),
                Value::String("x".into()),
                Value::Array(vec![Value::Bool(false)])
            ]),
            Value::Struct(vec![("k".into(), Value::Nil), ("n".into(), Value::Int(-7))]),
            Value::Base64(b"hi\0".to_vec()),
            Value::String(String::new()),
        ]
    );
    let call = decode_call(data("call_noparams.xml").as_bytes()).unwrap();
    assert_eq!((call.method.as_deref(), call.params.len()), (Some("supervisor.getState"), 0));
    let call = decode_call(data("call_multicall.xml").as_bytes()).unwrap();
    let Value::Array(calls) = &call.params[0] else { panic!("array") };
    assert_eq!(
        calls[1].get("methodName"),
        Some(&Value::String("supervisor.getProcessInfo".into()))
    );
    assert_eq!(calls[1].get("params"), Some(&Value::Array(vec![Value::String("foo".into())])));
}

#[test]
fn encodes_byte_for_byte_like_python() {
    let v = Value::structure([
        ("statecode", Value::Int(1)),
        ("statename", Value::from("RUNNING")),
        ("list", Value::Array(vec![Value::Int(1), Value::from("two")])),
        ("flag", Value::Bool(false)),
    ]);
    assert_eq!(encode_response(&v), data("response_struct.xml"));
    assert_eq!(
        encode_response(&Value::from("text with \u{e9} & <tags>")),
        data("response_string.xml")
    );
    assert_eq!(encode_fault(&Fault { code: 10, text: "BAD_NAME: foo".into() }), data("fault.xml"));
    assert_eq!(encode_response(&Value::Array(vec![])), data("response_array_empty.xml"));
    let call = decode_call(data("call_mixed.xml").as_bytes()).unwrap();
    assert_eq!(encode_call("supervisor.startProcess", &call.params), data("call_mixed.xml"));
}

#[test]
fn responses_round_trip() {
    let r = decode_response(data("response_struct.xml").as_bytes()).unwrap().unwrap();
    assert_eq!(r.get("statename"), Some(&Value::from("RUNNING")));
    let f = decode_response(data("fault.xml").as_bytes()).unwrap().unwrap_err();
    assert_eq!(f, Fault { code: 10, text: "BAD_NAME: foo".into() });
}

#[test]
fn reference_decoding_rules() {
    // A bare value is a string; missing <params> means no parameters.
    let c = decode_call(b"<methodCall><methodName>a.b</methodName><params><param><value>bare</value></param></params></methodCall>").unwrap();
    assert_eq!(c.params, vec![Value::String("bare".into())]);
    let c = decode_call(b"<methodCall><methodName>a.b</methodName></methodCall>").unwrap();
    assert!(c.params.is_empty());
    let c = decode_call(b"<methodCall><params/></methodCall>").unwrap();
    assert_eq!(c.method, None);
    for bad in [
        &b"garbage"[..],
        b"<methodCall>",
        b"<a></b>",
        b"<methodCall><params><param><value><int>x</int></value></param></params></methodCall>",
    ] {
        assert!(decode_call(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
    }
    let deep = format!(
        "<methodCall><methodName>a.b</methodName><params><param>{}{}</param></params></methodCall>",
        "<value><array><data>".repeat(200),
        "</data></array></value>".repeat(200)
    );
    assert!(decode_call(deep.as_bytes()).is_err(), "nesting is bounded");
}

#[test]
fn raw_structs_encode_like_the_tree() {
    let cases: [&[(&'static str, Field<'_>)]; 3] = [
        &[],
        &[("name", Field::Str("a<b>&c")), ("pid", Field::Int(-42)), ("x", Field::Str(""))],
        &[("now", Field::Int(i64::MAX)), ("description", Field::Str("pid 1, uptime 0:00:01"))],
    ];
    for members in cases {
        let tree = Value::Array(vec![
            Value::structure(members.iter().map(|(k, v)| (*k, v.to_value()))),
            Value::Int(7),
        ]);
        let mut raw = String::new();
        begin_array(&mut raw);
        encode_struct(members, &mut raw);
        raw.push_str("<value><int>7</int></value>\n");
        end_array(&mut raw);
        assert_eq!(encode_response(&Value::Raw(raw)), encode_response(&tree));
    }
}

fn arb_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        any::<i32>().prop_map(|i| Value::Int(i64::from(i))),
        any::<bool>().prop_map(Value::Bool),
        "[ -~\u{e9}\n]{0,12}".prop_map(Value::String),
        (-1e9f64..1e9).prop_map(Value::Double),
        proptest::collection::vec(any::<u8>(), 0..20).prop_map(Value::Base64),
        Just(Value::Nil),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec(("[a-z_]{1,8}", inner), 0..6).prop_map(|m| {
                Value::Struct(m.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect())
            }),
        ]
    })
}

proptest::proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
        let _ = decode_call(&bytes);
        let _ = decode_response(&bytes);
    }

    #[test]
    fn streaming_response_decoder_agrees_with_the_tree(v in arb_value()) {
        let body = encode_response(&v);
        let stream = decode_response(body.as_bytes()).unwrap();
        proptest::prop_assert_eq!(&stream, &decode_response_tree(body.as_bytes()).unwrap());
        proptest::prop_assert_eq!(stream, Ok(v));
    }

    #[test]
    fn mutated_responses_never_panic(pos in 0usize..2000, byte in proptest::prelude::any::<u8>()) {
        let mut b = data("response_struct.xml").into_bytes();
        let p = pos % b.len();
        b[p] = byte;
        let _ = decode_response(&b);
    }

    #[test]
    fn mutated_calls_never_panic(pos in 0usize..600, byte in proptest::prelude::any::<u8>()) {
        let mut b = data("call_mixed.xml").into_bytes();
        let p = pos % b.len();
        b[p] = byte;
        let _ = decode_call(&b);
    }
}

#[test]
fn float_repr_is_pythons() {
    // Expected texts printed by CPython's repr().
    let cases: &[(f64, &str)] = &[
        (1.5, "1.5"),
        (1.0, "1.0"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1e16, "1e+16"),
        (1e15, "1000000000000000.0"),
        (123456789012345.6, "123456789012345.6"),
        (1e-4, "0.0001"),
        (1e-5, "1e-05"),
        (0.1, "0.1"),
        (2.5e-7, "2.5e-07"),
        (-3.25, "-3.25"),
        (1e300, "1e+300"),
        (5e-324, "5e-324"),
        (100.0, "100.0"),
        (1234.5678, "1234.5678"),
        (9999999999999998.0, "9999999999999998.0"),
        (0.00012, "0.00012"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (f64::NAN, "nan"),
    ];
    for (x, want) in cases {
        assert_eq!(float_repr(*x), *want, "repr({x})");
    }
}
