//! Whether a new build of a contract can take over the storage its deployed
//! code left, read from the two builds' ink! metadata (the `storage` layout
//! and the `types` registry of a `.contract` bundle or `.json` metadata).
//!
//! How ink! 5 keeps a contract's storage:
//! - the root struct (the `#[ink(storage)]` struct) is SCALE-encoded as one
//!   value under the root key `0x00000000`, and ink! decodes it before every
//!   message — `set_code` included. A new code whose root struct encodes
//!   differently traps on every call, so no later vote can repair it;
//! - its `Mapping`, `Lazy` and `StorageVec` fields encode to nothing there:
//!   each lives under its own storage key (an automatic key is derived from
//!   the struct's and the field's names) and is read when it is used.
//!
//! The rule [`check`] applies, old layout against new:
//! 1. the root key is the same;
//! 2. the root struct's packed fields (those encoded under the root key) are
//!    the same fields, named alike, in the same order, whose types have the
//!    same shape. Shapes are compared through each build's own registry
//!    (type ids differ between builds): primitives and integer widths,
//!    compact encodings, sequences, array lengths, tuples, field names and
//!    order of structs, variant names, indexes and fields of enums. Type
//!    names and paths are not compared: they do not change the encoding;
//! 3. every field under its own key keeps its key, its kind (`Mapping`,
//!    `Lazy`, `StorageVec`), its key type and its value type (a field dropped
//!    or re-keyed would orphan its data);
//! 4. new fields under fresh keys of their own may be added.

use std::fmt;
use std::path::{Path, PathBuf};

use contract_transcode::ink_metadata::layout::{Layout, RootLayout};
use scale_info::form::PortableForm;
use scale_info::{PortableRegistry, TypeDef, TypeDefPrimitive};
use serde::{Deserialize, Serialize};

/// The encoding shape of a type, independent of its registry id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// `bool`, `char`, `str`, `u8` … `u256`, `i8` … `i256`.
    Primitive(String),
    /// SCALE compact encoding of the inner type.
    Compact(Box<Shape>),
    /// A length-prefixed sequence (`Vec<T>`).
    Sequence(Box<Shape>),
    /// A fixed-length array.
    Array { len: u32, of: Box<Shape> },
    /// A tuple (`()` is the empty tuple).
    Tuple(Vec<Shape>),
    /// A struct (or a tuple struct: its fields are unnamed).
    Struct { name: String, fields: Vec<FieldShape> },
    /// An enum.
    Enum { name: String, variants: Vec<VariantShape> },
    /// A bit sequence.
    BitSequence { store: Box<Shape>, order: Box<Shape> },
    /// A type that contains itself, named where it recurs.
    Recursive(String),
}

/// A field of a struct or of an enum variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldShape {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub ty: Shape,
}

/// A variant of an enum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantShape {
    pub name: String,
    pub index: u8,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldShape>,
}

/// A field of the root struct encoded under the root key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackedField {
    pub name: String,
    pub ty: Shape,
}

/// A field under its own storage key (`Mapping`, `Lazy`, `StorageVec`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LazyField {
    /// Field name (`outer.inner` when nested in a packed field).
    pub name: String,
    /// Its storage key, as the metadata writes it (`0x7335cc32`).
    pub key: String,
    /// `Mapping`, `Lazy`, `StorageVec`, … (the type's name).
    pub kind: String,
    /// A mapping's key type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_ty: Option<Shape>,
    /// The type of what is stored under the key.
    pub value: Shape,
}

/// A contract's storage layout, normalized: what [`check`] compares, and what
/// `docs/layouts/<contract>.json` keeps of each governed contract's release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageLayout {
    /// The contract's name in its metadata (empty when unknown).
    #[serde(default)]
    pub contract: String,
    /// The root struct's name.
    pub root: String,
    /// The root key.
    pub root_key: String,
    /// The root struct's fields encoded under the root key, in order.
    pub packed: Vec<PackedField>,
    /// Fields under their own keys.
    pub lazy: Vec<LazyField>,
}

/// What goes wrong reading or comparing layouts; each renders as a sentence.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// The file cannot be read.
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    /// The file is not ink! metadata (nor a stored layout).
    #[error("{path} holds no ink! storage layout ({reason}); give a .contract bundle or its .json metadata")]
    NotMetadata { path: PathBuf, reason: String },
    /// The metadata's layout or registry is inconsistent.
    #[error("the storage layout in the metadata is not valid: {0}")]
    Malformed(String),
    /// The new code cannot take over the deployed storage.
    #[error("{}", incompatible_sentence(.contract, .code, .diffs))]
    Incompatible { contract: String, code: String, diffs: Vec<Incompatibility> },
    /// A code hash was given without the code's metadata.
    #[error("dcu cannot check that code {hash} reads {contract}'s storage without its metadata: pass the code's .contract bundle instead of the hash (or with --bundle PATH)")]
    NeedBundle { contract: String, hash: String },
    /// The bundle given for a code hash holds other code.
    #[error("the bundle {path} holds code {found}, not {expected}")]
    HashMismatch { path: PathBuf, expected: String, found: String },
    /// The deployed contract runs code whose metadata dcu does not have (an
    /// upgrade executed since the manifest's bundle was written).
    #[error("{contract} runs code {running} on chain, not the code of {bundle} (it was upgraded since): pass that code's .contract bundle with --current-bundle PATH so the new code is checked against the storage it would take over")]
    UnknownBaseline { contract: String, running: String, bundle: PathBuf },
}

/// One difference that makes a new layout unable to take over an old one.
/// Each renders as the words that follow "<contract>'s storage".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incompatibility {
    RootKeyChanged { from: String, to: String },
    RootFieldAdded { field: String },
    RootFieldRemoved { field: String },
    RootFieldsReordered { from: Vec<String>, to: Vec<String> },
    RootFieldChanged { field: String, change: String },
    LazyFieldRemoved { field: String, key: String },
    LazyKeyChanged { field: String, from: String, to: String },
    LazyKindChanged { field: String, from: String, to: String },
    LazyKeyTypeChanged { field: String, change: String },
    LazyValueChanged { field: String, change: String },
    KeyClash { field: String, key: String, with: String },
}

impl Incompatibility {
    /// Whether the difference is in the root struct (every call would trap),
    /// rather than data under a key of its own being lost.
    pub fn bricks(&self) -> bool {
        matches!(
            self,
            Incompatibility::RootKeyChanged { .. }
                | Incompatibility::RootFieldAdded { .. }
                | Incompatibility::RootFieldRemoved { .. }
                | Incompatibility::RootFieldsReordered { .. }
                | Incompatibility::RootFieldChanged { .. }
        )
    }
}

impl fmt::Display for Incompatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Incompatibility::RootKeyChanged { from, to } => write!(f, "root key changed from {from} to {to}"),
            Incompatibility::RootFieldAdded { field } => write!(f, "field `{field}` was added to the root struct"),
            Incompatibility::RootFieldRemoved { field } => write!(f, "field `{field}` was removed from the root struct"),
            Incompatibility::RootFieldsReordered { from, to } => {
                write!(f, "root struct's fields were reordered ({} became {})", from.join(", "), to.join(", "))
            }
            Incompatibility::RootFieldChanged { field, change } => write!(f, "field `{field}` changed type: {change}"),
            Incompatibility::LazyFieldRemoved { field, key } => write!(f, "field `{field}` under key {key} was removed (its data would be orphaned)"),
            Incompatibility::LazyKeyChanged { field, from, to } => write!(f, "field `{field}` moved from key {from} to {to} (its data would be orphaned)"),
            Incompatibility::LazyKindChanged { field, from, to } => write!(f, "field `{field}` changed from a {from} to a {to}"),
            Incompatibility::LazyKeyTypeChanged { field, change } => write!(f, "field `{field}` changed its key type: {change}"),
            Incompatibility::LazyValueChanged { field, change } => write!(f, "field `{field}` changed its value type: {change}"),
            Incompatibility::KeyClash { field, key, with } => write!(f, "new field `{field}` takes key {key}, which {with} already uses"),
        }
    }
}

/// "<contract>'s storage <difference>; <difference>…", one clause per difference.
pub fn describe(contract: &str, diffs: &[Incompatibility]) -> String {
    let list = diffs.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
    format!("{contract}'s storage {list}")
}

fn incompatible_sentence(contract: &str, code: &str, diffs: &[Incompatibility]) -> String {
    let consequence = if diffs.iter().any(Incompatibility::bricks) {
        "upgraded to it, the contract could not decode its storage and every call, `set_code` included, would trap for good"
    } else {
        "upgraded to it, the contract would lose the data kept under those keys"
    };
    format!("code {code} cannot replace {contract}'s: {}; {consequence}", describe(contract, diffs))
}

impl StorageLayout {
    /// The layout of ink! metadata: a `.contract` bundle's or `.json`
    /// metadata's JSON (`storage` and `types`).
    pub fn from_metadata(meta: &serde_json::Value) -> Result<StorageLayout, LayoutError> {
        let storage = meta.get("storage").ok_or_else(|| LayoutError::Malformed("it has no `storage` section".into()))?;
        let types = meta.get("types").ok_or_else(|| LayoutError::Malformed("it has no `types` registry".into()))?;
        let layout: Layout<PortableForm> =
            serde_json::from_value(storage.clone()).map_err(|e| LayoutError::Malformed(format!("the `storage` section does not parse ({e})")))?;
        let registry: PortableRegistry =
            serde_json::from_value(serde_json::json!({ "types": types })).map_err(|e| LayoutError::Malformed(format!("the `types` registry does not parse ({e})")))?;
        let contract = meta.pointer("/contract/name").and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let Layout::Root(root) = &layout else { return Err(LayoutError::Malformed("its storage does not start at a root key".into())) };
        let Layout::Struct(st) = root.layout() else { return Err(LayoutError::Malformed("its root is not a struct".into())) };
        let root_ty = root.ty().id;
        let ty = registry.resolve(root_ty).ok_or(LayoutError::Malformed(format!("the root struct's type {root_ty} is not in the registry")))?;
        let TypeDef::Composite(comp) = &ty.type_def else { return Err(LayoutError::Malformed("the root struct's type is not a struct".into())) };
        let mut packed = Vec::new();
        let mut lazy = Vec::new();
        for f in st.fields() {
            let name = f.name().to_string();
            match f.layout() {
                Layout::Root(r) => {
                    lazy.push(lazy_field(&registry, &name, r)?);
                    nested_roots(&registry, r.layout(), &name, &mut lazy)?;
                }
                other => {
                    let field = comp
                        .fields
                        .iter()
                        .find(|c| c.name.as_deref() == Some(name.as_str()))
                        .ok_or_else(|| LayoutError::Malformed(format!("the root struct's type has no field `{name}`")))?;
                    packed.push(PackedField { name: name.clone(), ty: shape(&registry, field.ty.id, &mut Vec::new())? });
                    nested_roots(&registry, other, &name, &mut lazy)?;
                }
            }
        }
        Ok(StorageLayout { contract, root: st.name().to_string(), root_key: key_text(root.root_key().key()), packed, lazy })
    }

    /// Reads a layout from a `.contract` bundle, a `.json` metadata file or a
    /// stored layout (`docs/layouts/<contract>.json`).
    pub fn load(path: &Path) -> Result<StorageLayout, LayoutError> {
        let v = read_json(path)?;
        if v.get("storage").is_some() {
            return StorageLayout::from_metadata(&v).map_err(|e| LayoutError::NotMetadata { path: path.to_path_buf(), reason: inner_reason(e) });
        }
        serde_json::from_value(v).map_err(|e| LayoutError::NotMetadata { path: path.to_path_buf(), reason: e.to_string() })
    }

    /// The readable JSON stored under `docs/layouts/`.
    pub fn to_pretty_json(&self) -> String {
        // A struct of strings, vectors and enums always serializes.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn inner_reason(e: LayoutError) -> String {
    match e {
        LayoutError::Malformed(r) => r,
        other => other.to_string(),
    }
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> Result<serde_json::Value, LayoutError> {
    let text = std::fs::read_to_string(path).map_err(|e| LayoutError::Unreadable { path: path.to_path_buf(), reason: e.to_string() })?;
    serde_json::from_str(&text).map_err(|e| LayoutError::NotMetadata { path: path.to_path_buf(), reason: format!("not JSON: {e}") })
}

/// The blake2-256 hash of a `.contract` bundle's Wasm (`source.wasm`): the
/// code hash the chain gives it.
pub fn bundle_code_hash(bundle: &serde_json::Value) -> Option<String> {
    let wasm = bundle.pointer("/source/wasm")?.as_str()?;
    let bytes = hex::decode(wasm.trim_start_matches("0x")).ok()?;
    Some(format!("0x{}", hex::encode(sp_core::hashing::blake2_256(&bytes))))
}

/// A storage key as the metadata writes it: its SCALE (little-endian) bytes.
fn key_text(key: &u32) -> String {
    format!("0x{}", hex::encode(key.to_le_bytes()))
}

fn lazy_field(reg: &PortableRegistry, name: &str, r: &RootLayout<PortableForm>) -> Result<LazyField, LayoutError> {
    let id = r.ty().id;
    let ty = reg.resolve(id).ok_or_else(|| LayoutError::Malformed(format!("field `{name}`'s type {id} is not in the registry")))?;
    let kind = ty.path.segments.last().cloned().unwrap_or_else(|| "storage".into());
    let param = |p: &str| ty.type_params.iter().find(|t| t.name == p).and_then(|t| t.ty).map(|t| t.id);
    let key_ty = param("K").map(|k| shape(reg, k, &mut Vec::new())).transpose()?;
    let value = match param("V") {
        Some(v) => shape(reg, v, &mut Vec::new())?,
        None => shape(reg, id, &mut Vec::new())?,
    };
    Ok(LazyField { name: name.to_string(), key: key_text(r.root_key().key()), kind, key_ty, value })
}

/// Fields under their own keys nested inside `l` (a lazy field's value or
/// a packed field), named `outer.inner`.
fn nested_roots(reg: &PortableRegistry, l: &Layout<PortableForm>, path: &str, out: &mut Vec<LazyField>) -> Result<(), LayoutError> {
    match l {
        Layout::Leaf(_) => Ok(()),
        Layout::Root(r) => {
            out.push(lazy_field(reg, path, r)?);
            nested_roots(reg, r.layout(), path, out)
        }
        Layout::Hash(h) => nested_roots(reg, h.layout(), path, out),
        Layout::Array(a) => nested_roots(reg, a.layout(), &format!("{path}[]"), out),
        Layout::Struct(s) => s.fields().iter().try_for_each(|f| nested_roots(reg, f.layout(), &format!("{path}.{}", f.name()), out)),
        Layout::Enum(e) => e.variants().values().try_for_each(|v| {
            v.fields().iter().try_for_each(|f| nested_roots(reg, f.layout(), &format!("{path}.{}.{}", v.name(), f.name()), out))
        }),
    }
}

fn primitive_name(p: &TypeDefPrimitive) -> &'static str {
    match p {
        TypeDefPrimitive::Bool => "bool",
        TypeDefPrimitive::Char => "char",
        TypeDefPrimitive::Str => "str",
        TypeDefPrimitive::U8 => "u8",
        TypeDefPrimitive::U16 => "u16",
        TypeDefPrimitive::U32 => "u32",
        TypeDefPrimitive::U64 => "u64",
        TypeDefPrimitive::U128 => "u128",
        TypeDefPrimitive::U256 => "u256",
        TypeDefPrimitive::I8 => "i8",
        TypeDefPrimitive::I16 => "i16",
        TypeDefPrimitive::I32 => "i32",
        TypeDefPrimitive::I64 => "i64",
        TypeDefPrimitive::I128 => "i128",
        TypeDefPrimitive::I256 => "i256",
    }
}

/// The shape of registry type `id`; `stack` holds the types being expanded.
fn shape(reg: &PortableRegistry, id: u32, stack: &mut Vec<u32>) -> Result<Shape, LayoutError> {
    let ty = reg.resolve(id).ok_or_else(|| LayoutError::Malformed(format!("type {id} is not in the registry")))?;
    let name = ty.path.segments.last().cloned().unwrap_or_default();
    if stack.contains(&id) {
        return Ok(Shape::Recursive(name));
    }
    stack.push(id);
    let fields = |fs: &[scale_info::Field<PortableForm>], stack: &mut Vec<u32>| -> Result<Vec<FieldShape>, LayoutError> {
        fs.iter().map(|f| Ok(FieldShape { name: f.name.clone(), ty: shape(reg, f.ty.id, stack)? })).collect()
    };
    let out = match &ty.type_def {
        TypeDef::Primitive(p) => Shape::Primitive(primitive_name(p).into()),
        TypeDef::Compact(c) => Shape::Compact(Box::new(shape(reg, c.type_param.id, stack)?)),
        TypeDef::Sequence(s) => Shape::Sequence(Box::new(shape(reg, s.type_param.id, stack)?)),
        TypeDef::Array(a) => Shape::Array { len: a.len, of: Box::new(shape(reg, a.type_param.id, stack)?) },
        TypeDef::Tuple(t) => Shape::Tuple(t.fields.iter().map(|f| shape(reg, f.id, stack)).collect::<Result<_, _>>()?),
        TypeDef::Composite(c) => Shape::Struct { name, fields: fields(&c.fields, stack)? },
        TypeDef::Variant(v) => {
            let mut variants =
                v.variants.iter().map(|x| Ok(VariantShape { name: x.name.clone(), index: x.index, fields: fields(&x.fields, stack)? })).collect::<Result<Vec<_>, LayoutError>>()?;
            variants.sort_by_key(|x| x.index);
            Shape::Enum { name, variants }
        }
        TypeDef::BitSequence(b) => Shape::BitSequence {
            store: Box::new(shape(reg, b.bit_store_type.id, stack)?),
            order: Box::new(shape(reg, b.bit_order_type.id, stack)?),
        },
    };
    stack.pop();
    Ok(out)
}

impl Shape {
    /// Whether values of the two shapes encode alike and mean the same
    /// fields: type names are ignored, field and variant names are not.
    pub fn encodes_like(&self, other: &Shape) -> bool {
        first_difference(self, other, "").is_none()
    }

    /// A short rendering for messages: `u32`, `Vec<(AccountId, u16)>`,
    /// `Option<Wiring>`, `[u8; 32]`.
    pub fn short(&self) -> String {
        match self {
            Shape::Primitive(p) => p.clone(),
            Shape::Compact(s) => format!("Compact<{}>", s.short()),
            Shape::Sequence(s) => format!("Vec<{}>", s.short()),
            Shape::Array { len, of } => format!("[{}; {len}]", of.short()),
            Shape::Tuple(ts) => format!("({})", ts.iter().map(Shape::short).collect::<Vec<_>>().join(", ")),
            Shape::Struct { name, fields } if name.is_empty() => {
                format!("{{ {} }}", fields.iter().map(|f| format!("{}: {}", f.name.as_deref().unwrap_or("_"), f.ty.short())).collect::<Vec<_>>().join(", "))
            }
            Shape::Struct { name, .. } => name.clone(),
            Shape::Enum { name, variants } if name == "Option" => {
                let inner = variants.iter().find(|v| v.name == "Some").and_then(|v| v.fields.first()).map(|f| f.ty.short()).unwrap_or_default();
                format!("Option<{inner}>")
            }
            Shape::Enum { name, .. } => name.clone(),
            Shape::BitSequence { .. } => "BitVec".into(),
            Shape::Recursive(name) => name.clone(),
        }
    }
}

/// The first place two shapes differ, as "`path` is X, was Y" or "X → Y";
/// `None` when they encode alike.
fn first_difference(old: &Shape, new: &Shape, path: &str) -> Option<String> {
    let here = |what: String| Some(if path.is_empty() { what } else { format!("`{path}` {what}") });
    let swap = || here(format!("{} → {}", old.short(), new.short()));
    let sub = |p: &str| if path.is_empty() { p.to_string() } else { format!("{path}.{p}") };
    match (old, new) {
        (Shape::Primitive(a), Shape::Primitive(b)) if a == b => None,
        (Shape::Compact(a), Shape::Compact(b)) | (Shape::Sequence(a), Shape::Sequence(b)) => first_difference(a, b, path).and(swap()),
        (Shape::Array { len: la, of: a }, Shape::Array { len: lb, of: b }) if la == lb => first_difference(a, b, path).and(swap()),
        (Shape::Tuple(a), Shape::Tuple(b)) if a.len() == b.len() => {
            a.iter().zip(b).enumerate().find_map(|(i, (x, y))| first_difference(x, y, &sub(&i.to_string())))
        }
        (Shape::Struct { fields: a, .. }, Shape::Struct { fields: b, .. }) => fields_difference(a, b, path, &sub),
        (Shape::Enum { variants: a, .. }, Shape::Enum { variants: b, .. }) => {
            // New variants may follow the release's (stored data holds only
            // the old ones, which keep their names and indexes); none may be
            // renamed, re-indexed or dropped.
            let names = |vs: &[VariantShape]| vs.iter().map(|v| format!("{}#{}", v.name, v.index)).collect::<Vec<_>>();
            let appended = b.len() >= a.len() && names(a)[..] == names(b)[..a.len()] && b[a.len()..].iter().all(|v| a.iter().all(|o| v.index > o.index));
            if !appended {
                let list = |vs: &[VariantShape]| vs.iter().map(|v| v.name.clone()).collect::<Vec<_>>().join(" | ");
                return here(format!("has variants {}, was {}", list(b), list(a)));
            }
            a.iter().zip(b).find_map(|(x, y)| fields_difference(&x.fields, &y.fields, &sub(&x.name), &|p: &str| format!("{}.{p}", sub(&x.name))))
        }
        (Shape::BitSequence { store: sa, order: oa }, Shape::BitSequence { store: sb, order: ob }) => {
            first_difference(sa, sb, path).or_else(|| first_difference(oa, ob, path)).and(swap())
        }
        (Shape::Recursive(a), Shape::Recursive(b)) if a == b => None,
        _ => swap(),
    }
}

fn fields_difference(a: &[FieldShape], b: &[FieldShape], path: &str, sub: &dyn Fn(&str) -> String) -> Option<String> {
    let label = |f: &FieldShape, i: usize| f.name.clone().unwrap_or_else(|| i.to_string());
    let la: Vec<String> = a.iter().enumerate().map(|(i, f)| label(f, i)).collect();
    let lb: Vec<String> = b.iter().enumerate().map(|(i, f)| label(f, i)).collect();
    if la != lb {
        let what = format!("has fields ({}), was ({})", lb.join(", "), la.join(", "));
        return Some(if path.is_empty() { what } else { format!("`{path}` {what}") });
    }
    a.iter().zip(b).zip(&la).find_map(|((x, y), n)| first_difference(&x.ty, &y.ty, &sub(n)))
}

/// Everything that keeps `new` from taking over storage laid out as `old`;
/// empty when it can.
pub fn check(old: &StorageLayout, new: &StorageLayout) -> Vec<Incompatibility> {
    let mut out = Vec::new();
    if old.root_key != new.root_key {
        out.push(Incompatibility::RootKeyChanged { from: old.root_key.clone(), to: new.root_key.clone() });
    }
    // The root struct: the same packed fields, in the same order, alike.
    let has = |fs: &[PackedField], n: &str| fs.iter().any(|f| f.name == n);
    for f in &old.packed {
        if !has(&new.packed, &f.name) {
            out.push(Incompatibility::RootFieldRemoved { field: f.name.clone() });
        }
    }
    for f in &new.packed {
        if !has(&old.packed, &f.name) {
            out.push(Incompatibility::RootFieldAdded { field: f.name.clone() });
        }
    }
    let common_old: Vec<String> = old.packed.iter().filter(|f| has(&new.packed, &f.name)).map(|f| f.name.clone()).collect();
    let common_new: Vec<String> = new.packed.iter().filter(|f| has(&old.packed, &f.name)).map(|f| f.name.clone()).collect();
    if common_old != common_new {
        out.push(Incompatibility::RootFieldsReordered { from: common_old, to: common_new });
    }
    for f in &old.packed {
        if let Some(n) = new.packed.iter().find(|n| n.name == f.name) {
            if let Some(change) = first_difference(&f.ty, &n.ty, "") {
                out.push(Incompatibility::RootFieldChanged { field: f.name.clone(), change });
            }
        }
    }
    // Fields under their own keys: matched by name, else by key (a renamed
    // field whose key was pinned keeps its data).
    let mut matched = vec![false; new.lazy.len()];
    for f in &old.lazy {
        let by_name = new.lazy.iter().position(|n| n.name == f.name);
        let found = by_name.or_else(|| new.lazy.iter().enumerate().position(|(i, n)| !matched[i] && n.key == f.key && !old.lazy.iter().any(|o| o.name == n.name)));
        let Some(i) = found else {
            out.push(Incompatibility::LazyFieldRemoved { field: f.name.clone(), key: f.key.clone() });
            continue;
        };
        matched[i] = true;
        let n = &new.lazy[i];
        if n.key != f.key {
            out.push(Incompatibility::LazyKeyChanged { field: f.name.clone(), from: f.key.clone(), to: n.key.clone() });
        }
        if n.kind != f.kind {
            out.push(Incompatibility::LazyKindChanged { field: f.name.clone(), from: f.kind.clone(), to: n.kind.clone() });
        }
        match (&f.key_ty, &n.key_ty) {
            // A new kind is reported as such (a Lazy has no key type).
            _ if n.kind != f.kind => {}
            (Some(a), Some(b)) => {
                if let Some(change) = first_difference(a, b, "") {
                    out.push(Incompatibility::LazyKeyTypeChanged { field: f.name.clone(), change });
                }
            }
            (None, None) => {}
            (a, b) => {
                let t = |s: &Option<Shape>| s.as_ref().map(Shape::short).unwrap_or_else(|| "none".into());
                out.push(Incompatibility::LazyKeyTypeChanged { field: f.name.clone(), change: format!("{} → {}", t(a), t(b)) });
            }
        }
        if let Some(change) = first_difference(&f.value, &n.value, "") {
            out.push(Incompatibility::LazyValueChanged { field: f.name.clone(), change });
        }
    }
    // New fields under keys of their own: allowed when the key is fresh.
    for (i, n) in new.lazy.iter().enumerate() {
        if matched[i] {
            continue;
        }
        if n.key == old.root_key {
            out.push(Incompatibility::KeyClash { field: n.name.clone(), key: n.key.clone(), with: "the root struct".into() });
        } else if let Some(o) = old.lazy.iter().find(|o| o.key == n.key) {
            out.push(Incompatibility::KeyClash { field: n.name.clone(), key: n.key.clone(), with: format!("field `{}`", o.name) });
        }
    }
    out
}

/// `Ok` when `new` can take over storage laid out as `old`, else
/// [`LayoutError::Incompatible`] naming every difference.
pub fn ensure_compatible(contract: &str, code: &str, old: &StorageLayout, new: &StorageLayout) -> Result<(), LayoutError> {
    let diffs = check(old, new);
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(LayoutError::Incompatible { contract: contract.to_string(), code: code.to_string(), diffs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// A tiny type registry for fixtures: each helper appends a type and
    /// returns its id.
    #[derive(Default)]
    struct Reg(Vec<Value>);

    impl Reg {
        fn add(&mut self, ty: Value) -> u32 {
            let id = self.0.len() as u32;
            self.0.push(json!({ "id": id, "type": ty }));
            id
        }
        fn prim(&mut self, p: &str) -> u32 {
            self.add(json!({ "def": { "primitive": p } }))
        }
        fn account(&mut self) -> u32 {
            let u8_ = self.prim("u8");
            let arr = self.add(json!({ "def": { "array": { "len": 32, "type": u8_ } } }));
            self.add(json!({ "def": { "composite": { "fields": [{ "type": arr, "typeName": "[u8; 32]" }] } }, "path": ["ink_primitives", "types", "AccountId"] }))
        }
        fn strukt(&mut self, name: &str, fields: &[(&str, u32)]) -> u32 {
            let fs: Vec<Value> = fields.iter().map(|(n, t)| json!({ "name": n, "type": t })).collect();
            self.add(json!({ "def": { "composite": { "fields": fs } }, "path": ["fixture", name] }))
        }
        fn option(&mut self, t: u32) -> u32 {
            self.add(json!({ "def": { "variant": { "variants": [{ "index": 0, "name": "None" }, { "index": 1, "name": "Some", "fields": [{ "type": t }] }] } }, "params": [{ "name": "T", "type": t }], "path": ["Option"] }))
        }
        fn vec(&mut self, t: u32) -> u32 {
            self.add(json!({ "def": { "sequence": { "type": t } } }))
        }
        fn mapping(&mut self, k: u32, v: u32) -> u32 {
            let key = self.add(json!({ "def": { "composite": {} }, "path": ["ink_storage_traits", "impls", "AutoKey"] }));
            self.add(json!({ "def": { "composite": {} }, "params": [{ "name": "K", "type": k }, { "name": "V", "type": v }, { "name": "KeyType", "type": key }], "path": ["ink_storage", "lazy", "mapping", "Mapping"] }))
        }
        fn lazy(&mut self, v: u32) -> u32 {
            let key = self.add(json!({ "def": { "composite": {} }, "path": ["ink_storage_traits", "impls", "AutoKey"] }));
            self.add(json!({ "def": { "composite": {} }, "params": [{ "name": "V", "type": v }, { "name": "KeyType", "type": key }], "path": ["ink_storage", "lazy", "Lazy"] }))
        }
    }

    /// One field of a fixture contract's root struct.
    enum F {
        /// Encoded under the root key, with its type id.
        Packed(&'static str, u32),
        /// A Mapping or Lazy under `key`, with its own type and value type.
        Keyed(&'static str, &'static str, u32, u32),
    }

    /// Metadata (`storage` + `types`) of a contract whose root struct has `fields`.
    fn metadata(mut reg: Reg, fields: &[F]) -> Value {
        let comp: Vec<(&str, u32)> = fields
            .iter()
            .map(|f| match f {
                F::Packed(n, t) => (*n, *t),
                F::Keyed(n, _, t, _) => (*n, *t),
            })
            .collect();
        let root_ty = reg.strukt("Fixture", &comp);
        let layouts: Vec<Value> = fields
            .iter()
            .map(|f| match f {
                F::Packed(n, t) => json!({ "name": n, "layout": { "leaf": { "key": "0x00000000", "ty": t } } }),
                F::Keyed(n, key, t, v) => json!({ "name": n, "layout": { "root": { "root_key": key, "ty": t, "layout": { "leaf": { "key": key, "ty": v } } } } }),
            })
            .collect();
        json!({
            "contract": { "name": "fixture" },
            "storage": { "root": { "root_key": "0x00000000", "ty": root_ty, "layout": { "struct": { "name": "Fixture", "fields": layouts } } } },
            "types": reg.0,
        })
    }

    /// The reference contract: owner, count: u32, params { a: u32, b: u128 },
    /// members: Mapping<AccountId, u32> under 0x11111111.
    fn base(padding: usize) -> Value {
        let mut r = Reg::default();
        // Unrelated types first: ids differ from another build's.
        for _ in 0..padding {
            r.prim("bool");
        }
        let acc = r.account();
        let u32_ = r.prim("u32");
        let u128_ = r.prim("u128");
        let params = r.strukt("Params", &[("a", u32_), ("b", u128_)]);
        let map = r.mapping(acc, u32_);
        metadata(r, &[F::Packed("owner", acc), F::Packed("count", u32_), F::Packed("params", params), F::Keyed("members", "0x11111111", map, u32_)])
    }

    fn layout(v: &Value) -> StorageLayout {
        StorageLayout::from_metadata(v).expect("fixture parses")
    }

    fn diffs(new: &Value) -> Vec<Incompatibility> {
        check(&layout(&base(0)), &layout(new))
    }

    #[test]
    fn the_same_layout_under_other_type_ids_is_compatible() {
        let (a, b) = (layout(&base(0)), layout(&base(7)));
        assert_eq!(a, b, "shapes do not depend on type ids");
        assert!(check(&a, &b).is_empty());
        assert_eq!(a.packed.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["owner", "count", "params"]);
        assert_eq!(a.lazy[0].key, "0x11111111");
        assert_eq!(a.lazy[0].kind, "Mapping");
        assert_eq!(a.lazy[0].key_ty.as_ref().map(Shape::short).as_deref(), Some("AccountId"));
        assert_eq!(a.lazy[0].value, Shape::Primitive("u32".into()));
    }

    #[test]
    fn a_changed_integer_width_is_refused() {
        let mut r = Reg::default();
        let acc = r.account();
        let u32_ = r.prim("u32");
        let u64_ = r.prim("u64");
        let u128_ = r.prim("u128");
        let params = r.strukt("Params", &[("a", u32_), ("b", u128_)]);
        let map = r.mapping(acc, u32_);
        let d = diffs(&metadata(r, &[F::Packed("owner", acc), F::Packed("count", u64_), F::Packed("params", params), F::Keyed("members", "0x11111111", map, u32_)]));
        assert_eq!(d, vec![Incompatibility::RootFieldChanged { field: "count".into(), change: "u32 → u64".into() }]);
        assert!(d[0].bricks());
        assert_eq!(describe("trust_graph", &d), "trust_graph's storage field `count` changed type: u32 → u64");
    }

    #[test]
    fn a_changed_type_inside_a_packed_struct_is_named_by_its_path() {
        let mut r = Reg::default();
        let acc = r.account();
        let u32_ = r.prim("u32");
        let u16_ = r.prim("u16");
        let u128_ = r.prim("u128");
        let params = r.strukt("Params", &[("a", u16_), ("b", u128_)]);
        let map = r.mapping(acc, u32_);
        let d = diffs(&metadata(r, &[F::Packed("owner", acc), F::Packed("count", u32_), F::Packed("params", params), F::Keyed("members", "0x11111111", map, u32_)]));
        assert_eq!(d, vec![Incompatibility::RootFieldChanged { field: "params".into(), change: "`a` u32 → u16".into() }]);
    }

    #[test]
    fn swapped_root_fields_are_refused_even_of_one_type() {
        let mut r = Reg::default();
        let acc = r.account();
        let u32_ = r.prim("u32");
        let u128_ = r.prim("u128");
        let params = r.strukt("Params", &[("b", u128_), ("a", u32_)]);
        let map = r.mapping(acc, u32_);
        // the root: count before owner; inside params: b before a
        let d = diffs(&metadata(r, &[F::Packed("count", u32_), F::Packed("owner", acc), F::Packed("params", params), F::Keyed("members", "0x11111111", map, u32_)]));
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0], Incompatibility::RootFieldsReordered { from: vec!["owner".into(), "count".into(), "params".into()], to: vec!["count".into(), "owner".into(), "params".into()] });
        assert_eq!(d[1].to_string(), "field `params` changed type: has fields (b, a), was (a, b)");
        // two fields of one type swapped: the bytes decode, the meaning does not
        let mut r = Reg::default();
        let u32_ = r.prim("u32");
        let old = metadata(Reg(r.0.clone()), &[F::Packed("x", u32_), F::Packed("y", u32_)]);
        let new = metadata(r, &[F::Packed("y", u32_), F::Packed("x", u32_)]);
        assert!(matches!(check(&layout(&old), &layout(&new))[..], [Incompatibility::RootFieldsReordered { .. }]));
    }

    #[test]
    fn an_added_or_removed_root_field_is_refused() {
        let mut r = Reg::default();
        let acc = r.account();
        let u32_ = r.prim("u32");
        let u128_ = r.prim("u128");
        let params = r.strukt("Params", &[("a", u32_), ("b", u128_)]);
        let map = r.mapping(acc, u32_);
        let d = diffs(&metadata(
            Reg(r.0.clone()),
            &[F::Packed("owner", acc), F::Packed("count", u32_), F::Packed("params", params), F::Packed("x", u32_), F::Keyed("members", "0x11111111", map, u32_)],
        ));
        assert_eq!(d, vec![Incompatibility::RootFieldAdded { field: "x".into() }]);
        let d = diffs(&metadata(r, &[F::Packed("owner", acc), F::Packed("params", params), F::Keyed("members", "0x11111111", map, u32_)]));
        assert_eq!(d, vec![Incompatibility::RootFieldRemoved { field: "count".into() }]);
    }

    #[test]
    fn a_changed_mapping_value_or_key_type_or_key_is_refused() {
        let build = |value: &str, key_is_u32: bool, key: &'static str| {
            let mut r = Reg::default();
            let acc = r.account();
            let u32_ = r.prim("u32");
            let u128_ = r.prim("u128");
            let v = r.prim(value);
            let params = r.strukt("Params", &[("a", u32_), ("b", u128_)]);
            let map = r.mapping(if key_is_u32 { u32_ } else { acc }, v);
            metadata(r, &[F::Packed("owner", acc), F::Packed("count", u32_), F::Packed("params", params), F::Keyed("members", key, map, v)])
        };
        assert!(diffs(&build("u32", false, "0x11111111")).is_empty());
        let d = diffs(&build("u64", false, "0x11111111"));
        assert_eq!(d, vec![Incompatibility::LazyValueChanged { field: "members".into(), change: "u32 → u64".into() }]);
        assert!(!d[0].bricks());
        let d = diffs(&build("u32", true, "0x11111111"));
        assert_eq!(d, vec![Incompatibility::LazyKeyTypeChanged { field: "members".into(), change: "AccountId → u32".into() }]);
        let d = diffs(&build("u32", false, "0x22222222"));
        assert_eq!(d, vec![Incompatibility::LazyKeyChanged { field: "members".into(), from: "0x11111111".into(), to: "0x22222222".into() }]);
    }

    #[test]
    fn an_added_mapping_under_a_fresh_key_is_accepted_and_a_clashing_one_refused() {
        let build = |key: &'static str| {
            let mut r = Reg::default();
            let acc = r.account();
            let u32_ = r.prim("u32");
            let u128_ = r.prim("u128");
            let params = r.strukt("Params", &[("a", u32_), ("b", u128_)]);
            let map = r.mapping(acc, u32_);
            let notes = r.vec(u32_);
            let map2 = r.mapping(u32_, notes);
            let lazy = r.lazy(u128_);
            metadata(
                r,
                &[
                    F::Packed("owner", acc),
                    F::Keyed("extra", key, map2, notes),
                    F::Packed("count", u32_),
                    F::Packed("params", params),
                    F::Keyed("members", "0x11111111", map, u32_),
                    F::Keyed("total", "0x33333333", lazy, u128_),
                ],
            )
        };
        assert_eq!(diffs(&build("0x22222222")), vec![], "new fields under their own fresh keys are fine, wherever they are declared");
        let d = diffs(&build("0x11111111"));
        assert_eq!(d, vec![Incompatibility::KeyClash { field: "extra".into(), key: "0x11111111".into(), with: "field `members`".into() }]);
        let d = diffs(&build("0x00000000"));
        assert!(matches!(&d[..], [Incompatibility::KeyClash { with, .. }] if with == "the root struct"), "{d:?}");
    }

    #[test]
    fn a_removed_mapping_or_a_mapping_turned_lazy_is_refused() {
        let mut r = Reg::default();
        let acc = r.account();
        let u32_ = r.prim("u32");
        let u128_ = r.prim("u128");
        let params = r.strukt("Params", &[("a", u32_), ("b", u128_)]);
        let lazy = r.lazy(u32_);
        let d = diffs(&metadata(Reg(r.0.clone()), &[F::Packed("owner", acc), F::Packed("count", u32_), F::Packed("params", params)]));
        assert_eq!(d, vec![Incompatibility::LazyFieldRemoved { field: "members".into(), key: "0x11111111".into() }]);
        let d = diffs(&metadata(r, &[F::Packed("owner", acc), F::Packed("count", u32_), F::Packed("params", params), F::Keyed("members", "0x11111111", lazy, u32_)]));
        assert_eq!(d, vec![Incompatibility::LazyKindChanged { field: "members".into(), from: "Mapping".into(), to: "Lazy".into() }]);
    }

    #[test]
    fn an_option_and_enum_variants_are_compared() {
        let build = |some: &str| {
            let mut r = Reg::default();
            let acc = r.account();
            let opt = r.option(acc);
            let t = r.add(json!({ "def": { "variant": { "variants": [{ "index": 0, "name": "Open" }, { "index": 1, "name": some }] } }, "path": ["State"] }));
            metadata(r, &[F::Packed("wiring", opt), F::Packed("state", t)])
        };
        let old = layout(&build("Closed"));
        assert!(check(&old, &layout(&build("Closed"))).is_empty());
        let d = check(&old, &layout(&build("Shut")));
        assert_eq!(d[0].to_string(), "field `state` changed type: has variants Open | Shut, was Open | Closed");
        assert_eq!(old.packed[0].ty.short(), "Option<AccountId>");
    }

    #[test]
    fn an_enum_may_gain_variants_after_its_release_but_not_lose_any() {
        let build = |variants: &[&str]| {
            let mut r = Reg::default();
            let vs: Vec<_> = variants.iter().enumerate().map(|(i, n)| json!({ "index": i, "name": n })).collect();
            let t = r.add(json!({ "def": { "variant": { "variants": vs } }, "path": ["Target"] }));
            metadata(r, &[F::Packed("target", t)])
        };
        let old = layout(&build(&["Pool", "Graph"]));
        // Stored data holds only the old variants, which decode as before.
        assert!(check(&old, &layout(&build(&["Pool", "Graph", "Contract"]))).is_empty());
        let dropped = check(&old, &layout(&build(&["Pool"])));
        assert_eq!(dropped[0].to_string(), "field `target` changed type: has variants Pool, was Pool | Graph");
        assert_eq!(check(&old, &layout(&build(&["Contract", "Pool", "Graph"]))).len(), 1, "a variant inserted before the old ones re-indexes them");
    }

    #[test]
    fn the_refusal_is_one_sentence_naming_the_fields() {
        let d = vec![
            Incompatibility::RootFieldChanged { field: "params".into(), change: "`a` u32 → u16".into() },
            Incompatibility::RootFieldAdded { field: "x".into() },
        ];
        let e = LayoutError::Incompatible { contract: "trust_graph".into(), code: "0xab".into(), diffs: d }.to_string();
        assert_eq!(
            e,
            "code 0xab cannot replace trust_graph's: trust_graph's storage field `params` changed type: `a` u32 → u16; field `x` was added to the root struct; upgraded to it, the contract could not decode its storage and every call, `set_code` included, would trap for good"
        );
        assert!(!e.contains('\n'));
    }

    #[test]
    fn a_stored_layout_round_trips_and_garbage_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let l = layout(&base(3));
        let p = dir.path().join("fixture.json");
        std::fs::write(&p, l.to_pretty_json()).unwrap();
        assert_eq!(StorageLayout::load(&p).unwrap(), l);
        let m = dir.path().join("meta.json");
        std::fs::write(&m, base(0).to_string()).unwrap();
        assert_eq!(StorageLayout::load(&m).unwrap(), l);
        std::fs::write(&p, "{ \"storage\": 1, \"types\": [] }").unwrap();
        assert!(matches!(StorageLayout::load(&p), Err(LayoutError::NotMetadata { .. })));
        std::fs::write(&p, "not json").unwrap();
        assert!(matches!(StorageLayout::load(&p), Err(LayoutError::NotMetadata { .. })));
        assert!(matches!(StorageLayout::load(&dir.path().join("none.json")), Err(LayoutError::Unreadable { .. })));
        assert!(matches!(StorageLayout::from_metadata(&json!({ "types": [] })), Err(LayoutError::Malformed(_))));
    }

    #[test]
    fn a_bundles_code_hash_is_the_blake2_of_its_wasm() {
        let b = json!({ "source": { "wasm": "0x0061736d01000000" } });
        let expected = format!("0x{}", hex::encode(sp_core::hashing::blake2_256(&[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0])));
        assert_eq!(bundle_code_hash(&b), Some(expected));
        assert_eq!(bundle_code_hash(&json!({ "source": {} })), None);
    }

    /// The stored layouts of the governed contracts parse and are each
    /// compatible with themselves; trust_graph's holds what this module reads
    /// from ink! metadata (its members mapping under its automatic key).
    #[test]
    fn the_stored_layouts_parse() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/layouts");
        for c in ["trust_graph", "credit_pool", "warrant_escrow", "loan_manager", "governance"] {
            let l = StorageLayout::load(&dir.join(format!("{c}.json"))).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(l.contract, c);
            assert!(check(&l, &l).is_empty());
        }
        let tg = StorageLayout::load(&dir.join("trust_graph.json")).unwrap();
        let members = tg.lazy.iter().find(|f| f.name == "members").expect("members");
        assert_eq!((members.key.as_str(), members.kind.as_str()), ("0x7335cc32", "Mapping"));
        let count = tg.packed.iter().find(|f| f.name == "member_count").expect("member_count");
        assert_eq!(count.ty, Shape::Primitive("u32".into()));
    }
}
