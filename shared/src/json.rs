//! The phone's JSON: one small reader and one small writer, and per type a plain function of
//! each.
//!
//! serde's derived decoders are generic over the input, so each type's decoder is compiled
//! together with the parts of `serde_json` it calls, and it is the largest part of the phone's
//! WASM module after the views. Here the reader ([`Reader`]) and the writer ([`Writer`]) are
//! compiled once, and a type's decoder ([`Decode`]) is a loop over its keys calling the
//! decoders of its fields, one per field type; its encoder ([`Encode`]) writes the fields in
//! the order declared. The wire format stays the one serde's derives define (the server reads
//! and writes with serde); `wire::assert_round_trips` reads every wire type's encoding both
//! ways, with each key left out in turn, and checks both write it byte for byte alike.
//!
//! A type gets both with `#[derive(Json)]` (the `saferounds-json-derive` crate), which reads the
//! type's `#[serde(...)]` attributes — `rename`, `rename_all`, `default` — and expands to
//! [`json_struct!`] or [`json_unit_enum!`]; an attribute it does not know is a compile error, so
//! the two codecs cannot disagree on a name or a default. Tagged enums are written by hand in
//! `wire`.
//!
//! Unknown keys are skipped, as serde's derives do; an absent `Option` is `None`; a field with
//! serde's `#[serde(default)]` takes its default. A key
//! given twice counts once, the last time (serde refuses it; checking costs 1% of the phone's
//! module, and nothing this product writes repeats a key).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// Why a text could not be decoded, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub message: String,
    /// Byte offset in the text.
    pub at: usize,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.at)
    }
}

impl std::error::Error for DecodeError {}

/// Boxed: every decoder passes errors up through each `?`, and a pointer is one word to move
/// and test where the error itself is four (the phone's module is 3% smaller).
pub type Result<T> = std::result::Result<T, Box<DecodeError>>;

/// Nesting deeper than this is refused (serde_json's limit too).
const MAX_DEPTH: u32 = 128;

/// A JSON text being read, value by value.
#[derive(Debug)]
pub struct Reader<'a> {
    text: &'a str,
    pos: usize,
    depth: u32,
}

/// An object being read: [`Object::next_key`] until it gives `None`.
#[derive(Debug)]
pub struct Object {
    first: bool,
}

/// An array being read: [`Array::next`] until it gives `false`.
#[derive(Debug)]
pub struct Array {
    first: bool,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Self {
        Reader {
            text,
            pos: 0,
            depth: 0,
        }
    }

    /// An error at the current position.
    #[cold]
    #[inline(never)]
    pub fn error(&self, message: impl Into<String>) -> Box<DecodeError> {
        Box::new(DecodeError {
            message: message.into(),
            at: self.pos,
        })
    }

    /// The error for a missing key.
    #[cold]
    #[inline(never)]
    pub fn missing(&self, key: &str) -> Box<DecodeError> {
        self.error(format!("missing field `{key}`"))
    }

    /// The next byte that is not white space, not consumed.
    fn peek(&mut self) -> Option<u8> {
        let b = self.text.as_bytes();
        while let Some(&c) = b.get(self.pos) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                return Some(c);
            }
        }
        None
    }

    fn eat(&mut self, c: u8) -> Result<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected `{}`", c as char)))
        }
    }

    fn word(&mut self, w: &str) -> bool {
        if self.text[self.pos..].starts_with(w) {
            self.pos += w.len();
            true
        } else {
            false
        }
    }

    /// Consumes a `null` if one comes next.
    pub fn null(&mut self) -> bool {
        self.peek() == Some(b'n') && self.word("null")
    }

    pub fn bool(&mut self) -> Result<bool> {
        self.peek();
        if self.word("true") {
            Ok(true)
        } else if self.word("false") {
            Ok(false)
        } else {
            Err(self.error("expected true or false"))
        }
    }

    /// A string, borrowed from the text unless it has escapes.
    pub fn string(&mut self) -> Result<Cow<'a, str>> {
        self.eat(b'"')?;
        let b = self.text.as_bytes();
        let start = self.pos;
        self.pos += plain_run(&b[start..]);
        match b.get(self.pos) {
            None => return Err(self.error("unterminated string")),
            Some(b'"') => {
                let s = &self.text[start..self.pos];
                self.pos += 1;
                return Ok(Cow::Borrowed(s));
            }
            Some(b'\\') => {}
            Some(_) => return Err(self.error("control character in string")),
        }
        let mut out = String::from(&self.text[start..self.pos]);
        loop {
            match b.get(self.pos) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = match b.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !self.word("\\u") {
                                    return Err(self.error("lone surrogate in string"));
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.error("lone surrogate in string"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(
                                char::from_u32(code)
                                    .ok_or_else(|| self.error("lone surrogate in string"))?,
                            );
                            continue;
                        }
                        _ => return Err(self.error("invalid escape in string")),
                    };
                    out.push(c);
                    self.pos += 1;
                }
                Some(&c) if c < 0x20 => return Err(self.error("control character in string")),
                Some(_) => {
                    // Copy up to the next quote or escape at once.
                    let start = self.pos;
                    self.pos += plain_run(&b[start..]);
                    out.push_str(&self.text[start..self.pos]);
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        let v = u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    /// The text of a number.
    fn number(&mut self) -> Result<&'a str> {
        self.peek();
        let b = self.text.as_bytes();
        let start = self.pos;
        while let Some(&c) = b.get(self.pos) {
            if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E') {
                self.pos += 1;
            } else {
                break;
            }
        }
        if start == self.pos {
            return Err(self.error("expected a number"));
        }
        Ok(&self.text[start..self.pos])
    }

    pub fn i64(&mut self) -> Result<i64> {
        let n = self.number()?;
        n.parse()
            .map_err(|_| self.error(format!("expected an integer, not {n}")))
    }

    pub fn u64(&mut self) -> Result<u64> {
        let n = self.number()?;
        n.parse()
            .map_err(|_| self.error(format!("expected a non-negative integer, not {n}")))
    }

    pub fn f64(&mut self) -> Result<f64> {
        let n = self.number()?;
        n.parse()
            .map_err(|_| self.error(format!("expected a number, not {n}")))
    }

    fn enter(&mut self, open: u8) -> Result<()> {
        self.eat(open)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        Ok(())
    }

    /// Starts reading an object.
    pub fn object(&mut self) -> Result<Object> {
        self.enter(b'{')?;
        Ok(Object { first: true })
    }

    /// Starts reading an array.
    pub fn array(&mut self) -> Result<Array> {
        self.enter(b'[')?;
        Ok(Array { first: true })
    }

    /// Skips one value of any kind.
    pub fn skip(&mut self) -> Result<()> {
        match self.peek() {
            Some(b'"') => self.string().map(drop),
            Some(b'{') => {
                let mut o = self.object()?;
                while o.next_key(self)?.is_some() {
                    self.skip()?;
                }
                Ok(())
            }
            Some(b'[') => {
                let mut a = self.array()?;
                while a.next(self)? {
                    self.skip()?;
                }
                Ok(())
            }
            Some(b't' | b'f') => self.bool().map(drop),
            Some(b'n') if self.null() => Ok(()),
            _ => self.number().map(drop),
        }
    }

    /// The text of the next value, skipped.
    pub fn raw(&mut self) -> Result<&'a str> {
        self.peek();
        let start = self.pos;
        self.skip()?;
        Ok(&self.text[start..self.pos])
    }

    /// Checks that nothing but white space is left.
    pub fn finish(mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters")),
        }
    }
}

/// How many bytes from the start of `b` need no unescaping (up to a quote, a backslash or a
/// control character).
fn plain_run(b: &[u8]) -> usize {
    // Eight bytes at a time: a byte's high bit is set in `hit` where it is a quote, a
    // backslash or below 0x20 (exact up to the first such byte, which is all that is used).
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let hit = zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(b.len() - i)
}

impl Object {
    /// The next key (its value is read next), or `None` at the end of the object.
    pub fn next_key<'a>(&mut self, r: &mut Reader<'a>) -> Result<Option<Cow<'a, str>>> {
        if r.peek() == Some(b'}') {
            r.pos += 1;
            r.depth -= 1;
            return Ok(None);
        }
        if !std::mem::replace(&mut self.first, false) {
            r.eat(b',')?;
        }
        let key = r.string()?;
        r.eat(b':')?;
        Ok(Some(key))
    }
}

impl Array {
    /// Whether another element follows (read it next).
    pub fn next(&mut self, r: &mut Reader<'_>) -> Result<bool> {
        if r.peek() == Some(b']') {
            r.pos += 1;
            r.depth -= 1;
            return Ok(false);
        }
        if !std::mem::replace(&mut self.first, false) {
            r.eat(b',')?;
        }
        Ok(true)
    }
}

/// A type read from JSON by [`Reader`].
pub trait Decode: Sized {
    fn decode(r: &mut Reader<'_>) -> Result<Self>;

    /// The value of a key the object lacks: an error, but for `Option`s (`None`).
    fn absent(r: &Reader<'_>, key: &'static str) -> Result<Self> {
        Err(r.missing(key))
    }
}

/// A type read from an object's key (a map's key).
pub trait DecodeKey: Sized {
    fn decode_key(r: &Reader<'_>, key: &str) -> Result<Self>;
}

/// Decodes a whole text as `T`.
pub fn from_str<T: Decode>(text: &str) -> Result<T> {
    let mut r = Reader::new(text);
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

impl Decode for bool {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.bool()
    }
}

impl Decode for String {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.string().map(Cow::into_owned)
    }
}

impl DecodeKey for String {
    fn decode_key(_: &Reader<'_>, key: &str) -> Result<Self> {
        Ok(key.to_owned())
    }
}

macro_rules! integers {
    ($($t:ty: $read:ident),*) => {$(
        impl Decode for $t {
            fn decode(r: &mut Reader<'_>) -> Result<Self> {
                let v = r.$read()?;
                <$t>::try_from(v).map_err(|_| r.error(format!("{v} is out of range")))
            }
        }
    )*};
}
integers!(u8: u64, u16: u64, u32: u64, u64: u64, usize: u64, i32: i64, i64: i64);

impl Decode for f64 {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.f64()
    }
}

impl<T: Decode> Decode for Option<T> {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        if r.null() {
            Ok(None)
        } else {
            T::decode(r).map(Some)
        }
    }
    fn absent(_: &Reader<'_>, _: &'static str) -> Result<Self> {
        Ok(None)
    }
}

impl<T: Decode> Decode for Vec<T> {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut a = r.array()?;
        let mut out = Vec::new();
        while a.next(r)? {
            out.push(T::decode(r)?);
        }
        Ok(out)
    }
}

/// A pair, written as a two-element array.
impl<A: Decode, B: Decode> Decode for (A, B) {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut arr = r.array()?;
        let mut next = |r: &mut Reader<'_>| -> Result<()> {
            if arr.next(r)? {
                Ok(())
            } else {
                Err(r.error("expected an array of two values"))
            }
        };
        next(r)?;
        let a = A::decode(r)?;
        next(r)?;
        let b = B::decode(r)?;
        if arr.next(r)? {
            return Err(r.error("expected an array of two values"));
        }
        Ok((a, b))
    }
}

impl<T: Decode> Decode for Box<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        T::decode(r).map(Box::new)
    }
}

impl<K: DecodeKey + Ord, V: Decode> Decode for BTreeMap<K, V> {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut o = r.object()?;
        let mut out = BTreeMap::new();
        while let Some(key) = o.next_key(r)? {
            let k = K::decode_key(r, &key)?;
            out.insert(k, V::decode(r)?);
        }
        Ok(out)
    }
}

impl Decode for chrono::NaiveDate {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let s = r.string()?;
        crate::api::parse_day(&s)
            .ok_or_else(|| r.error(format!("expected a date (YYYY-MM-DD), not {s}")))
    }
}

impl Decode for chrono::DateTime<chrono::Utc> {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let s = r.string()?;
        crate::api::parse_time(&s)
            .ok_or_else(|| r.error(format!("expected a time (RFC 3339), not {s}")))
    }
}

impl Decode for uuid::Uuid {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let s = r.string()?;
        uuid::Uuid::parse_str(&s).map_err(|_| r.error(format!("expected a UUID, not {s}")))
    }
}

/// Any JSON value, not read (an answer whose content does not matter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ignored;

impl Decode for Ignored {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.skip().map(|()| Ignored)
    }
}

/// A tagged union's tag and content (`{"type": …, "data": …}`), read as their keys arrive:
/// the content is decoded at once when the tag came first, else kept as text and decoded once
/// the tag is known.
#[derive(Debug)]
pub struct Adjacent<'a, K, T> {
    kind: Option<K>,
    value: Option<T>,
    early: Option<&'a str>,
}

impl<'a, K: Decode + Copy, T> Adjacent<'a, K, T> {
    pub fn new() -> Self {
        Adjacent {
            kind: None,
            value: None,
            early: None,
        }
    }

    /// Reads the tag's value.
    pub fn tag(&mut self, r: &mut Reader<'a>) -> Result<()> {
        self.kind = Some(K::decode(r)?);
        Ok(())
    }

    /// Reads the content's value.
    pub fn content(
        &mut self,
        r: &mut Reader<'a>,
        read: fn(K, &mut Reader<'_>) -> Result<T>,
    ) -> Result<()> {
        match self.kind {
            Some(kind) => self.value = Some(read(kind, r)?),
            None => self.early = Some(r.raw()?),
        }
        Ok(())
    }

    /// The value, once the object has ended; `absent` gives the variant when its content is
    /// absent (a unit variant; a newtype of an `Option`, `None`; else an error).
    pub fn finish(
        self,
        r: &Reader<'_>,
        tag: &'static str,
        read: fn(K, &mut Reader<'_>) -> Result<T>,
        absent: fn(K, &Reader<'_>) -> Result<T>,
    ) -> Result<T> {
        let Some(kind) = self.kind else {
            return Err(r.missing(tag));
        };
        match (self.value, self.early) {
            (Some(v), _) => Ok(v),
            (None, Some(text)) => from_reader(text, |r| read(kind, r)),
            (None, None) => absent(kind, r),
        }
    }
}

impl<K: Decode + Copy, T> Default for Adjacent<'_, K, T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads `{tag: …, content: …}` (serde's adjacently tagged form), the keys in any order.
pub fn adjacent<K: Decode + Copy, T>(
    r: &mut Reader<'_>,
    tag: &'static str,
    content: &'static str,
    read: fn(K, &mut Reader<'_>) -> Result<T>,
    absent: fn(K, &Reader<'_>) -> Result<T>,
) -> Result<T> {
    let mut a = Adjacent::new();
    let mut o = r.object()?;
    while let Some(key) = o.next_key(r)? {
        if key == tag {
            a.tag(r)?;
        } else if key == content {
            a.content(r, read)?;
        } else {
            r.skip()?;
        }
    }
    a.finish(r, tag, read, absent)
}

/// Reads an object whose key `tag` names the variant and whose other keys are the variant's
/// own (serde's internally tagged form): the tag is found first, then `read` reads the whole
/// object (the tag is a key it does not know, so skips).
pub fn internal<K: Decode, T>(
    r: &mut Reader<'_>,
    tag: &'static str,
    read: fn(K, &mut Reader<'_>) -> Result<T>,
) -> Result<T> {
    let text = r.raw()?;
    let kind = from_reader(text, |r| {
        let mut o = r.object()?;
        while let Some(key) = o.next_key(r)? {
            if key == tag {
                return K::decode(r);
            }
            r.skip()?;
        }
        Err(r.missing(tag))
    })?;
    from_reader(text, |r| read(kind, r))
}

/// Reads a struct with a `#[serde(flatten)]` field: the object once as `S` (the struct's own
/// fields, skipping the flattened value's keys) and once as `F` (skipping the struct's).
pub fn flattened<S: Decode, F: Decode>(r: &mut Reader<'_>) -> Result<(S, F)> {
    let text = r.raw()?;
    Ok((from_reader(text, S::decode)?, from_reader(text, F::decode)?))
}

/// Writes `v` as an object of its fields.
pub fn object<T: EncodeFields + ?Sized>(v: &T, w: &mut Writer) {
    let mut first = true;
    w.raw("{");
    v.encode_fields(w, &mut first);
    w.raw("}");
}

/// Decodes one value from the start of `text` (a part of a larger text).
fn from_reader<T>(text: &str, read: impl FnOnce(&mut Reader<'_>) -> Result<T>) -> Result<T> {
    read(&mut Reader::new(text))
}

/// Skips a value and gives `v`: a unit variant's content.
pub fn unit<T>(r: &mut Reader<'_>, v: T) -> Result<T> {
    r.skip()?;
    Ok(v)
}

/// JSON text being written, as `serde_json::to_string` writes it (no spaces, keys in order,
/// the same escapes, floats by the same printer).
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// Text that is already JSON.
    pub fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// A string, quoted and escaped.
    pub fn string(&mut self, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.out.push('"');
        let b = s.as_bytes();
        let mut start = 0;
        loop {
            let run = plain_run(&b[start..]);
            self.out.push_str(&s[start..start + run]);
            start += run;
            let Some(&c) = b.get(start) else { break };
            match c {
                b'"' => self.out.push_str("\\\""),
                b'\\' => self.out.push_str("\\\\"),
                b'\n' => self.out.push_str("\\n"),
                b'\r' => self.out.push_str("\\r"),
                b'\t' => self.out.push_str("\\t"),
                0x08 => self.out.push_str("\\b"),
                0x0c => self.out.push_str("\\f"),
                _ => {
                    self.out.push_str("\\u00");
                    self.out.push(char::from(HEX[usize::from(c >> 4)]));
                    self.out.push(char::from(HEX[usize::from(c & 0xf)]));
                }
            }
            start += 1;
        }
        self.out.push('"');
    }

    /// An object's key, after a comma unless it is the first.
    pub fn key(&mut self, first: &mut bool, name: &str) {
        if !std::mem::replace(first, false) {
            self.out.push(',');
        }
        self.string(name);
        self.out.push(':');
    }

    pub fn u64(&mut self, v: u64) {
        self.out.push_str(itoa::Buffer::new().format(v));
    }

    pub fn i64(&mut self, v: i64) {
        self.out.push_str(itoa::Buffer::new().format(v));
    }

    /// A number; `null` for what JSON cannot write (NaN, infinities), as serde_json does.
    pub fn f64(&mut self, v: f64) {
        if v.is_finite() {
            self.out.push_str(zmij::Buffer::new().format_finite(v));
        } else {
            self.out.push_str("null");
        }
    }

    pub fn into_string(self) -> String {
        self.out
    }
}

/// A type written as JSON by [`Writer`].
pub trait Encode {
    fn encode(&self, w: &mut Writer);
}

/// A struct's fields written into an object already open (an internally tagged variant's
/// content follows its tag).
pub trait EncodeFields {
    fn encode_fields(&self, w: &mut Writer, first: &mut bool);
}

/// A type written as an object's key (a map's key).
pub trait EncodeKey {
    fn key(&self) -> &str;
}

/// Writes `v` as JSON text.
pub fn to_string<T: Encode + ?Sized>(v: &T) -> String {
    let mut w = Writer::default();
    v.encode(&mut w);
    w.into_string()
}

impl Encode for bool {
    fn encode(&self, w: &mut Writer) {
        w.raw(if *self { "true" } else { "false" });
    }
}

impl Encode for str {
    fn encode(&self, w: &mut Writer) {
        w.string(self);
    }
}

impl Encode for String {
    fn encode(&self, w: &mut Writer) {
        w.string(self);
    }
}

impl EncodeKey for String {
    fn key(&self) -> &str {
        self
    }
}

macro_rules! encode_integers {
    ($($t:ty: $write:ident as $as:ty),*) => {$(
        impl Encode for $t {
            fn encode(&self, w: &mut Writer) {
                w.$write(*self as $as);
            }
        }
    )*};
}
encode_integers!(u8: u64 as u64, u16: u64 as u64, u32: u64 as u64, u64: u64 as u64, usize: u64 as u64, i32: i64 as i64, i64: i64 as i64);

impl Encode for f64 {
    fn encode(&self, w: &mut Writer) {
        w.f64(*self);
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, w: &mut Writer) {
        (**self).encode(w);
    }
}

impl<T: Encode + ?Sized> Encode for Box<T> {
    fn encode(&self, w: &mut Writer) {
        (**self).encode(w);
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, w: &mut Writer) {
        match self {
            Some(v) => v.encode(w),
            None => w.raw("null"),
        }
    }
}

impl<T: Encode> Encode for [T] {
    fn encode(&self, w: &mut Writer) {
        w.raw("[");
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                w.raw(",");
            }
            v.encode(w);
        }
        w.raw("]");
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, w: &mut Writer) {
        self.as_slice().encode(w);
    }
}

impl<A: Encode, B: Encode> Encode for (A, B) {
    fn encode(&self, w: &mut Writer) {
        w.raw("[");
        self.0.encode(w);
        w.raw(",");
        self.1.encode(w);
        w.raw("]");
    }
}

impl<K: EncodeKey, V: Encode> Encode for BTreeMap<K, V> {
    fn encode(&self, w: &mut Writer) {
        let mut first = true;
        w.raw("{");
        for (k, v) in self {
            w.key(&mut first, k.key());
            v.encode(w);
        }
        w.raw("}");
    }
}

impl Encode for chrono::NaiveDate {
    fn encode(&self, w: &mut Writer) {
        w.string(&self.to_string());
    }
}

impl Encode for chrono::DateTime<chrono::Utc> {
    fn encode(&self, w: &mut Writer) {
        w.string(&self.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
    }
}

impl Encode for uuid::Uuid {
    fn encode(&self, w: &mut Writer) {
        w.string(
            self.hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer()),
        );
    }
}

/// Any JSON value (what the desk's forms send), through serde_json.
impl Encode for serde_json::Value {
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.to_string());
    }
}

/// Reads a field's value into its slot (a key given twice: the last value counts). Out of
/// line, one per field type: the struct's decoder is then a call per key, not the value's
/// decoding and the dropping of an earlier value inlined per field.
#[doc(hidden)]
#[inline(never)]
pub fn set<T: Decode>(slot: &mut Option<T>, r: &mut Reader<'_>) -> Result<()> {
    *slot = Some(T::decode(r)?);
    Ok(())
}

/// A field's value once absent keys have been filled in.
#[doc(hidden)]
#[inline(always)]
pub fn present<T>(v: Option<T>) -> T {
    match v {
        Some(v) => v,
        None => unreachable!("absent keys are filled in first"),
    }
}

/// Implements [`Decode`] and [`Encode`] for a struct as serde's derives read and write it: every
/// field by its name (`field: "name"` where serde renames it), in the order declared (the
/// encoder writes them in this order, as serde does), `field = expr` for one serde fills in when
/// the key is absent (`#[serde(default)]`). A field left out does not compile.
#[macro_export]
macro_rules! json_struct {
    ($ty:ident $(<$g:ident>)? { $($field:ident $(: $name:literal)? $(= $default:expr)?),* $(,)? }) => {
        impl$(<$g: $crate::json::Decode>)? $crate::json::Decode for $ty$(<$g>)? {
            fn decode(r: &mut $crate::json::Reader<'_>) -> $crate::json::Result<Self> {
                $(let mut $field = None;)*
                let mut o = r.object()?;
                while let Some(key) = o.next_key(r)? {
                    match &*key {
                        $($crate::json_struct!(@name $field $($name)?) =>
                            $crate::json::set(&mut $field, r)?,)*
                        _ => r.skip()?,
                    }
                }
                // Absent keys first, while every field is still an `Option`: one way out on an
                // error, not one per field with the fields before it to drop (which made the
                // decoder of a large struct several times its size).
                $(if $field.is_none() {
                    $field = Some($crate::json_struct!(
                        @absent r, $field, $crate::json_struct!(@name $field $($name)?) $(, $default)?
                    ));
                })*
                Ok($ty { $($field: $crate::json::present($field),)* })
            }
        }
        impl$(<$g: $crate::json::Encode>)? $crate::json::Encode for $ty$(<$g>)? {
            fn encode(&self, w: &mut $crate::json::Writer) {
                let mut first = true;
                w.raw("{");
                $crate::json::EncodeFields::encode_fields(self, w, &mut first);
                w.raw("}");
            }
        }
        impl$(<$g: $crate::json::Encode>)? $crate::json::EncodeFields for $ty$(<$g>)? {
            fn encode_fields(&self, w: &mut $crate::json::Writer, first: &mut bool) {
                $(
                    w.key(first, $crate::json_struct!(@name $field $($name)?));
                    $crate::json::Encode::encode(&self.$field, w);
                )*
            }
        }
    };
    (@name $field:ident) => { stringify!($field) };
    (@name $field:ident $name:literal) => { $name };
    (@absent $r:ident, $field:ident, $name:expr) => {
        $crate::json::Decode::absent($r, $name)?
    };
    (@absent $r:ident, $field:ident, $name:expr, $default:expr) => { $default };
}

/// An enum of unit variants and the name serde writes for each.
pub trait Variants: Sized + Copy + 'static {
    const VARIANTS: &'static [(Self, &'static str)];
    /// The type's name, for errors.
    const NAME: &'static str;
}

/// The variant named `key`.
pub fn variant<T: Variants>(r: &Reader<'_>, key: &str) -> Result<T> {
    match T::VARIANTS.iter().find(|(_, name)| *name == key) {
        Some(&(v, _)) => Ok(v),
        None => Err(r.error(format!("unknown {} `{key}`", T::NAME))),
    }
}

/// Implements [`Decode`], [`DecodeKey`], [`Encode`] and [`EncodeKey`] for an enum of unit
/// variants, each by the name serde writes ([`Variants`]). A variant left out does not compile.
#[macro_export]
macro_rules! json_unit_enum {
    ($ty:ident { $($variant:ident: $name:literal),* $(,)? }) => {
        impl $crate::json::Variants for $ty {
            const VARIANTS: &'static [(Self, &'static str)] = &[$(($ty::$variant, $name)),*];
            const NAME: &'static str = stringify!($ty);
        }
        // Exhaustive: a variant added to the enum must be named above.
        const _: fn($ty) = |v| match v { $($ty::$variant => ()),* };
        impl $crate::json::DecodeKey for $ty {
            fn decode_key(r: &$crate::json::Reader<'_>, key: &str) -> $crate::json::Result<Self> {
                $crate::json::variant(r, key)
            }
        }
        impl $crate::json::Decode for $ty {
            fn decode(r: &mut $crate::json::Reader<'_>) -> $crate::json::Result<Self> {
                let s = r.string()?;
                $crate::json::variant(r, &s)
            }
        }
        impl $crate::json::EncodeKey for $ty {
            fn key(&self) -> &str {
                match self { $($ty::$variant => $name),* }
            }
        }
        impl $crate::json::Encode for $ty {
            fn encode(&self, w: &mut $crate::json::Writer) {
                w.string($crate::json::EncodeKey::key(self));
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, crate::Json)]
    struct Sample {
        a: String,
        b: Option<u32>,
        #[serde(rename = "type")]
        kind: Vec<i64>,
        #[serde(default)]
        d: bool,
        e: f64,
    }

    /// `derive(Json)` follows serde's attributes: a variant's name under `rename_all` or its own
    /// `rename`, a default from a function.
    #[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize, crate::Json)]
    #[serde(rename_all = "snake_case")]
    enum Shade {
        DarkRed,
        #[serde(rename = "蓝")]
        Blue,
    }
    fn seven() -> u32 {
        7
    }
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, crate::Json)]
    struct Painted {
        shade: Shade,
        #[serde(default = "seven")]
        coats: u32,
    }

    #[test]
    fn the_derive_reads_serdes_attributes() {
        for p in [
            Painted {
                shade: Shade::DarkRed,
                coats: 1,
            },
            Painted {
                shade: Shade::Blue,
                coats: 7,
            },
        ] {
            let text = serde_json::to_string(&p).unwrap();
            assert_eq!(to_string(&p), text);
            assert_eq!(from_str::<Painted>(&text).unwrap(), p);
        }
        let absent = r#"{"shade":"dark_red"}"#;
        assert_eq!(
            from_str::<Painted>(absent).unwrap(),
            serde_json::from_str::<Painted>(absent).unwrap()
        );
        assert!(from_str::<Painted>(r#"{"shade":"Blue"}"#).is_err());
    }

    #[test]
    fn reads_what_serde_writes() {
        for s in [
            Sample {
                a: "plain".into(),
                b: Some(7),
                kind: vec![-1, 0, i64::MAX],
                d: true,
                e: 1.5e-3,
            },
            Sample {
                a: "引号\"、反斜杠\\、换行\n、\u{1}、emoji 🧯 and \u{2028}".into(),
                b: None,
                kind: vec![],
                d: false,
                e: -0.0,
            },
        ] {
            let text = serde_json::to_string(&s).unwrap();
            assert_eq!(to_string(&s), text);
            assert_eq!(from_str::<Sample>(&text).unwrap(), s, "{text}");
            let pretty = serde_json::to_string_pretty(&s).unwrap();
            assert_eq!(from_str::<Sample>(&pretty).unwrap(), s, "{pretty}");
        }
    }

    #[test]
    fn absent_options_and_defaults_unknown_keys_and_escapes() {
        let s: Sample = from_str(
            r#"{"e":2,"x":{"y":[1,{"z":null}],"w":"\ud83e\uddef"},"a":"\u00e9","type":[]}"#,
        )
        .unwrap();
        assert_eq!(s.a, "é");
        assert_eq!((s.b, s.d, s.e), (None, false, 2.0));
        assert_eq!(
            from_str::<String>(r#""\ud83e\uddef\t\/""#).unwrap(),
            "🧯\t/"
        );
    }

    /// Every unit variant's name is the one serde writes.
    #[test]
    fn unit_variants_are_named_as_serde_names_them() {
        fn check<T: Variants + serde::Serialize + Decode + PartialEq + fmt::Debug>() {
            for &(v, name) in T::VARIANTS {
                assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{name}\""));
                assert_eq!(from_str::<T>(&format!("\"{name}\"")).unwrap(), v);
            }
            assert!(from_str::<T>("\"no such variant\"").is_err());
        }
        use crate::checklist::{Category, InspectionType};
        use crate::hazard::{EventKind, Field, Grade, Status};
        use crate::lists::{MeasureKind, MeasureStatus, SortKey};
        use crate::org::{Role, RoomKind, SiteKind};
        use crate::training::{ClassKind, DrillKind};
        check::<Category>();
        check::<InspectionType>();
        check::<crate::equipment::EquipmentKind>();
        check::<Status>();
        check::<Grade>();
        check::<Field>();
        check::<crate::Lang>();
        check::<MeasureKind>();
        check::<MeasureStatus>();
        check::<SortKey>();
        check::<SiteKind>();
        check::<RoomKind>();
        check::<Role>();
        check::<ClassKind>();
        check::<DrillKind>();
        // EventKind is never written on its own: its names are the events' tags.
        for &(kind, name) in EventKind::VARIANTS {
            assert_eq!(from_str::<EventKind>(&format!("\"{name}\"")).unwrap(), kind);
        }
    }

    #[test]
    fn plain_runs_end_at_the_first_quote_backslash_or_control_character() {
        for stop in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
            for at in 0..20 {
                let mut text = "中文abcdefghijklmnopqrstuvwxyz".as_bytes()[..].to_vec();
                text.insert(at, stop);
                assert_eq!(plain_run(&text), at, "{stop} at {at}");
            }
        }
        assert_eq!(
            plain_run("无需转义 plain text ~".as_bytes()),
            "无需转义 plain text ~".len()
        );
        assert_eq!(plain_run(b""), 0);
    }

    #[test]
    fn writes_what_serde_writes() {
        let every_control: String = (0u8..0x20).map(char::from).collect();
        for text in [every_control.as_str(), "\u{7f}\"\\/ 中文 🧯 \u{2028}", ""] {
            assert_eq!(to_string(text), serde_json::to_string(text).unwrap());
        }
        for n in [
            0.0,
            -0.0,
            1.0,
            0.1,
            1.5e-7,
            1e21,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(to_string(&n), serde_json::to_string(&n).unwrap(), "{n}");
        }
        for n in [0, -1, i64::MIN, i64::MAX] {
            assert_eq!(to_string(&n), serde_json::to_string(&n).unwrap());
        }
        assert_eq!(to_string(&u64::MAX), u64::MAX.to_string());
    }

    #[test]
    fn refuses_what_serde_refuses() {
        for bad in [
            r#"{"a":"x","type":[]}"#,              // e missing
            r#"{"a":"x","type":[],"e":1"#,         // unterminated
            r#"{"a":"x","type":[1,],"e":1}"#,      // trailing comma
            r#"{"a":"x" "type":[],"e":1}"#,        // missing comma
            r#"{,"a":"x","type":[],"e":1}"#,       // leading comma
            r#"{"a":1,"type":[],"e":1}"#,          // wrong type
            r#"{"a":"x","b":-1,"type":[],"e":1}"#, // out of range
            r#"{"a":"\ud83e","type":[],"e":1}"#,   // lone surrogate
            r#"{"a":"x","type":[],"e":1} x"#,      // trailing text
            "[]",
            "",
        ] {
            assert!(from_str::<Sample>(bad).is_err(), "{bad}");
            assert!(serde_json::from_str::<Sample>(bad).is_err(), "{bad}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(from_str::<Ignored>(&deep).is_err());
        let fine = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(from_str::<Ignored>(&fine), Ok(Ignored));
        let mut r = Reader::new(&deep);
        assert!(r.skip().is_err());
    }
}
