//! Reading decoded contract values (contract-transcode's `Value`) as Rust data.

use contract_transcode::Value;

use crate::contract::unwrap_ok;

/// A named field of a struct value (`Map`), after ink!'s `Ok(..)` wrappers.
pub fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    match unwrap_ok(v) {
        Value::Map(m) => m.get_by_str(name),
        _ => None,
    }
}

/// An unsigned integer.
pub fn uint(v: &Value) -> Option<u128> {
    match unwrap_ok(v) {
        Value::UInt(n) => Some(*n),
        _ => None,
    }
}

/// A named unsigned field.
pub fn uint_field(v: &Value, name: &str) -> Option<u128> {
    field(v, name).and_then(uint)
}

/// A boolean.
pub fn boolean(v: &Value) -> Option<bool> {
    match unwrap_ok(v) {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// The inner value of `Some(x)`; `None` for `None`.
pub fn some(v: &Value) -> Option<&Value> {
    match unwrap_ok(v) {
        Value::Tuple(t) if t.ident().as_deref() == Some("Some") => t.values().next(),
        _ => None,
    }
}

/// An account printed as SS58 (decoded as a literal).
pub fn account(v: &Value) -> Option<String> {
    match unwrap_ok(v) {
        Value::Literal(s) => Some(s.clone()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// The items of a sequence.
pub fn items(v: &Value) -> Vec<&Value> {
    match unwrap_ok(v) {
        Value::Seq(s) => s.elems().iter().collect(),
        _ => Vec::new(),
    }
}

/// The elements of an unnamed tuple.
pub fn tuple(v: &Value) -> Vec<&Value> {
    match v {
        Value::Tuple(t) => t.values().collect(),
        _ => Vec::new(),
    }
}

/// A fixed-size array of unsigned integers.
pub fn uints(v: &Value) -> Vec<u128> {
    match v {
        Value::Seq(s) => s.elems().iter().filter_map(uint).collect(),
        _ => Vec::new(),
    }
}
