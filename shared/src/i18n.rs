//! Two languages: zh-CN first, English as a switch.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

crate::decode_unit_enum!(Lang {
    Zh: "zh-CN",
    En: "en"
});

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

/// A label in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Text {
    pub zh: String,
    pub en: String,
}

crate::decode_struct!(Text { zh, en });

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
