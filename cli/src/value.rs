//! Reading decoded contract values (contract-transcode's `Value`) as Rust data.
//!
//! [`crate::contract::ContractHandle`] strips ink!'s `Ok(..)` wrappers once,
//! with [`unwrap_ok`]; the readers below take values as they are.

use contract_transcode::Value;

/// Strips ink!'s outer `Ok(..)` (the LangError wrapper) and, for messages
/// returning `Result`, the inner `Ok(..)`.
pub fn unwrap_ok(v: &Value) -> &Value {
    let mut cur = v;
    for _ in 0..2 {
        match cur {
            Value::Tuple(t) if t.ident().as_deref() == Some("Ok") => {
                let mut vals = t.values();
                match (vals.next(), vals.next()) {
                    (Some(inner), None) => cur = inner,
                    _ => break,
                }
            }
            _ => break,
        }
    }
    cur
}


/// A named field of a struct value (`Map`).
pub fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    match v {
        Value::Map(m) => m.get_by_str(name),
        _ => None,
    }
}

/// The variant name of an enum value (`Some(..)`, `Locked`, `SetVerifier { .. }`).
pub fn variant(v: &Value) -> Option<String> {
    match v {
        Value::Tuple(t) => t.ident(),
        Value::Map(m) => m.ident(),
        Value::Literal(s) => Some(s.clone()),
        _ => None,
    }
}

/// An unsigned integer.
pub fn uint(v: &Value) -> Option<u128> {
    match v {
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
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// The inner value of `Some(x)`; `None` for `None`.
pub fn some(v: &Value) -> Option<&Value> {
    match v {
        Value::Tuple(t) if t.ident().as_deref() == Some("Some") => t.values().next(),
        _ => None,
    }
}

/// Text: an account (decoded as an SS58 literal) or a string.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::Literal(s) => Some(s.clone()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// The items of a sequence.
pub fn items(v: &Value) -> Vec<&Value> {
    match v {
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

/// An account: an SS58 literal, or the raw bytes contract-transcode gives
/// for an account inside a sequence (its custom decoder only applies to
/// accounts that are not sequence elements).
pub fn account(v: &Value) -> Option<String> {
    if let Some(t) = text(v) {
        return Some(t);
    }
    let bytes: Vec<u8> = match v {
        Value::Tuple(t) => return t.values().next().and_then(account),
        Value::Map(m) => return m.iter().next().and_then(|(_, x)| account(x)),
        Value::Seq(_) => uints(v).into_iter().map(|b| u8::try_from(b).ok()).collect::<Option<Vec<u8>>>()?,
        Value::Hex(h) => hex::decode(format!("{h:?}").trim_start_matches("0x")).ok()?,
        _ => return None,
    };
    let raw: [u8; 32] = bytes.try_into().ok()?;
    Some(subxt::utils::AccountId32(raw).to_string())
}
