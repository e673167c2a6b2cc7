//! Identifiers and validated values. Every record gets a client-generated UUID (v7) at creation;
//! this crate only parses and carries them (generation needs randomness and a clock, which live
//! in the app and the server).

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

use crate::error::DomainError;
use crate::json::{self, Decode, Reader};

/// A value serde reads through `try_from`: the same conversion, its error's message.
fn decode_via<T: Decode, U: TryFrom<T, Error = DomainError>>(
    r: &mut Reader<'_>,
) -> json::Result<U> {
    let v = T::decode(r)?;
    U::try_from(v).map_err(|e| r.error(e.to_string()))
}

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Parses the textual form of a UUID.
            pub fn parse(s: &str) -> Result<Self, DomainError> {
                Uuid::parse_str(s.trim())
                    .map($name)
                    .map_err(|_| DomainError::InvalidId { what: stringify!($name), value: s.chars().take(64).collect() })
            }
            /// Wraps a UUID made by the caller.
            pub const fn from_uuid(u: Uuid) -> Self { $name(u) }
            /// The nil id, useful as a placeholder in tests only.
            pub const fn nil() -> Self { $name(Uuid::nil()) }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }

        impl std::str::FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, DomainError> { Self::parse(s) }
        }

        impl Decode for $name {
            fn decode(r: &mut Reader<'_>) -> json::Result<Self> { Uuid::decode(r).map($name) }
        }

        impl json::Encode for $name {
            fn encode(&self, w: &mut json::Writer) { self.0.encode(w) }
        }
    )*};
}

id_type!(
    SiteId,
    BuildingId,
    RoomId,
    DepartmentId,
    UserId,
    TemplateId,
    RoundId,
    VisitId,
    HazardId,
    MeasureId,
    CampaignId,
    PhaseId,
    ClassId,
    DrillId,
    EquipmentId,
    PlanId,
    RiskId,
    OpId,
    DeviceId
);

/// Builds a deterministic id from a namespace and a name (UUID v5-like but without a hash
/// dependency): used for seed data so that every installation agrees on the ids of starter rows.
pub fn stable_uuid(namespace: &str, name: &str) -> Uuid {
    // FNV-1a 128, good enough for seed identity (not for security).
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in namespace.bytes().chain([0u8]).chain(name.bytes()) {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    let mut bytes = h.to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8: custom
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    Uuid::from_bytes(bytes)
}

/// The SHA-256 of a photo's bytes, lower-case hex. Photos are addressed by it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct PhotoHash(String);

impl PhotoHash {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let ok = s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok {
            Ok(PhotoHash(s.to_owned()))
        } else {
            Err(DomainError::InvalidPhotoHash)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhotoHash {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        PhotoHash::parse(&s)
    }
}
impl From<PhotoHash> for String {
    fn from(p: PhotoHash) -> String {
        p.0
    }
}
impl fmt::Display for PhotoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bounded, trimmed, non-empty piece of user text (a reason, a note, a measure).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Reason(String);

impl Reason {
    pub const MAX_CHARS: usize = 2000;
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(DomainError::EmptyText);
        }
        if t.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::TextTooLong {
                max: Self::MAX_CHARS,
            });
        }
        Ok(Reason(t.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for Reason {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        Reason::parse(&s)
    }
}
impl From<Reason> for String {
    fn from(r: Reason) -> String {
        r.0
    }
}
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Money in fen (1/100 yuan), never negative.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "i64", into = "i64")]
pub struct Fen(i64);

impl Fen {
    pub const fn zero() -> Self {
        Fen(0)
    }
    pub fn parse(v: i64) -> Result<Self, DomainError> {
        if (0..=1_000_000_000_000).contains(&v) {
            Ok(Fen(v))
        } else {
            Err(DomainError::InvalidAmount)
        }
    }
    pub fn get(self) -> i64 {
        self.0
    }
    /// Reads an amount of yuan as people type it: `1200`, `1200.5`, `1,200.50`, `￥1200`; empty is
    /// zero. At most two decimals (fen); anything else is [`DomainError::InvalidAmount`], whose
    /// message says what to enter. Exact: no floating point between the text and the fen.
    pub fn from_yuan(text: &str) -> Result<Self, DomainError> {
        let t = text.trim().trim_start_matches(['¥', '￥']).trim();
        if t.is_empty() {
            return Ok(Fen(0));
        }
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let whole: String = whole
            .chars()
            .filter(|c| !matches!(c, ',' | '，' | ' '))
            .collect();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !(digits(&whole) && (frac.is_empty() || digits(frac)) && frac.len() <= 2)
            || whole.len() > 12
        {
            return Err(DomainError::InvalidAmount);
        }
        let whole: i64 = whole.parse().map_err(|_| DomainError::InvalidAmount)?;
        let frac: i64 = format!("{frac:0<2}")
            .parse()
            .map_err(|_| DomainError::InvalidAmount)?;
        Fen::parse(whole * 100 + frac)
    }
    /// Yuan with two decimals, for display and export.
    pub fn yuan(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
}
impl TryFrom<i64> for Fen {
    type Error = DomainError;
    fn try_from(v: i64) -> Result<Self, DomainError> {
        Fen::parse(v)
    }
}
impl From<Fen> for i64 {
    fn from(f: Fen) -> i64 {
        f.0
    }
}

impl json::Encode for PhotoHash {
    fn encode(&self, w: &mut json::Writer) {
        w.string(&self.0);
    }
}

impl json::Encode for Reason {
    fn encode(&self, w: &mut json::Writer) {
        w.string(&self.0);
    }
}

impl json::Encode for Fen {
    fn encode(&self, w: &mut json::Writer) {
        w.i64(self.0);
    }
}

impl Decode for PhotoHash {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        decode_via::<String, _>(r)
    }
}

impl Decode for Reason {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        decode_via::<String, _>(r)
    }
}

impl Decode for Fen {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        decode_via::<i64, _>(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn yuan_as_typed_becomes_exact_fen() {
        for (text, fen) in [
            ("", 0),
            ("  ", 0),
            ("0", 0),
            ("1200", 120_000),
            ("1200.5", 120_050),
            ("1200.05", 120_005),
            ("0.1", 10),
            ("7.", 700),
            ("1,200.50", 120_050),
            ("1，200", 120_000),
            ("￥ 88", 8_800),
            ("¥88.8", 8_880),
            ("10000000000", 1_000_000_000_000),
        ] {
            assert_eq!(Fen::from_yuan(text).map(Fen::get), Ok(fen), "{text:?}");
        }
        for text in [
            "-5",
            "1.234",
            "abc",
            "1e3",
            ".5",
            "1.2.3",
            "12 元",
            "10000000000.01",
        ] {
            assert_eq!(
                Fen::from_yuan(text),
                Err(DomainError::InvalidAmount),
                "{text:?}"
            );
        }
    }

    #[test]
    fn ids_parse_and_reject() {
        let u = "0190f5a2-7b1c-7c3d-8e4f-0123456789ab";
        assert_eq!(HazardId::parse(u).unwrap().to_string(), u);
        let err = HazardId::parse("not-a-uuid").unwrap_err();
        assert_eq!(err.code(), "invalid_id");
    }

    #[test]
    fn stable_uuid_is_deterministic_and_distinct() {
        assert_eq!(stable_uuid("room", "a"), stable_uuid("room", "a"));
        assert_ne!(stable_uuid("room", "a"), stable_uuid("room", "b"));
        assert_ne!(stable_uuid("room", "a"), stable_uuid("site", "a"));
    }

    #[test]
    fn photo_hash_rules() {
        assert!(PhotoHash::parse(&"a".repeat(64)).is_ok());
        assert!(PhotoHash::parse(&"A".repeat(64)).is_err());
        assert!(PhotoHash::parse("../../etc/passwd").is_err());
        assert!(serde_json::from_str::<PhotoHash>("\"xyz\"").is_err());
    }

    proptest! {
        #[test]
        fn reason_is_trimmed_and_bounded(s in ".{0,50}") {
            match Reason::parse(&s) {
                Ok(r) => { prop_assert_eq!(r.as_str(), s.trim()); prop_assert!(!r.as_str().is_empty()); }
                Err(_) => prop_assert!(s.trim().is_empty()),
            }
        }

        #[test]
        fn fen_roundtrip(v in 0i64..1_000_000_000) {
            let f = Fen::parse(v).unwrap();
            let back: Fen = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
            prop_assert_eq!(f, back);
        }
    }
}
