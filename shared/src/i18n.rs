//! Two languages: zh-CN first, English as a switch.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn from_code(s: &str) -> Lang {
        if s.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

/// A rate as people read it: `87.5%` with `decimals` places, or `—` where there is none
/// (nothing to count).
pub fn percent(rate: Option<f64>, decimals: usize) -> String {
    match rate {
        Some(r) => format!("{:.*}%", decimals, r * 100.0),
        None => "—".into(),
    }
}

/// A number as people read it: the shortest text that reads back as the same value, without a
/// trailing `.0` (1, 0.8, 1.25). Through the float printer `serde_json` already carries
/// (`zmij`), not the standard library's, which the phone's module would otherwise carry too.
pub fn number(v: f64) -> String {
    let mut b = zmij::Buffer::new();
    let s = b.format(v);
    s.strip_suffix(".0").unwrap_or(s).to_owned()
}

/// A label in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// Enum labels shown on screen and in exports.
pub trait Label {
    fn zh(&self) -> &'static str;
    fn en(&self) -> &'static str;
    fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh(),
            Lang::En => self.en(),
        }
    }
}

/// Declares `Label` for an enum from a table of `Variant => ("中文", "English")`.
#[macro_export]
macro_rules! labels {
    ($ty:ty { $($variant:ident => ($zh:expr, $en:expr)),* $(,)? }) => {
        impl $crate::i18n::Label for $ty {
            fn zh(&self) -> &'static str { match self { $(Self::$variant { .. } => $zh),* } }
            fn en(&self) -> &'static str { match self { $(Self::$variant { .. } => $en),* } }
        }
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_read_as_people_write_them() {
        let shown: Vec<String> = [1.0, 0.8, 1.25, -3.0, 1e21, 0.1 + 0.2]
            .into_iter()
            .map(super::number)
            .collect();
        assert_eq!(
            shown,
            ["1", "0.8", "1.25", "-3", "1e+21", "0.30000000000000004"]
        );
    }
}
