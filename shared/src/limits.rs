//! How long each piece of text people type may be, and what a new password must be. Checked
//! where text enters — an operation through `apply`, a REST body through its `validate` — so a
//! record, a pull page or an export never carries megabytes in one field.

use crate::DomainError;

/// A description, a note, measures, a remark, an answer in words.
pub const LONG: usize = 2000;
/// A rule cited as the basis of a hazard, an address.
pub const MEDIUM: usize = 500;
/// A name: a person, a room, a site, a department, a floor, a phase.
pub const NAME: usize = 100;
/// A checklist item's code.
pub const CODE: usize = 32;

/// `value` is at most `max` characters; the error names the field (`"description / 隐患描述"`).
pub fn text(field: &'static str, value: &str, max: usize) -> Result<(), DomainError> {
    if value.chars().count() > max {
        return Err(DomainError::FieldTooLong { field, max });
    }
    Ok(())
}

/// As [`text`], and not blank.
pub fn required(field: &'static str, value: &str, max: usize) -> Result<(), DomainError> {
    if value.trim().is_empty() {
        return Err(DomainError::MissingField { field });
    }
    text(field, value, max)
}

/// Both languages of a name: the Chinese one required.
pub fn name(field: &'static str, value: &crate::Text) -> Result<(), DomainError> {
    required(field, &value.zh, NAME)?;
    text(field, &value.en, NAME)
}

/// The fewest characters a new password has.
pub const PASSWORD_MIN: usize = 12;
/// The most: argon2 takes any length, but nobody types more.
pub const PASSWORD_MAX: usize = 256;

/// Passwords people choose first when told "at least 12 characters" (lower-cased).
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456123456",
    "123123123123",
    "147258369147",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "a1b2c3d4e5f6",
    "abc123456789",
    "abcd12345678",
    "abcdefghijkl",
    "admin1234567",
    "admin123456789",
    "administrator",
    "demo12345678",
    "iloveyou1234",
    "letmein12345",
    "passw0rd1234",
    "password1234",
    "password123!",
    "password@123",
    "p@ssw0rd1234",
    "qazwsxedcrfv",
    "qwerty123456",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwer1234asdf",
    "welcome12345",
    "woaini123456",
    "woaini131452",
    "zxcvbnm12345",
    "saferounds123",
    "safety123456",
    "anxun1234567",
    "120120120120",
    "119119119119",
];

/// Keyboard rows and counting, forwards: a password that is a run of one of them is refused.
const SEQUENCES: &[&str] = &[
    "01234567890123456789",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
];

/// A password fit to be set: at least [`PASSWORD_MIN`] characters besides spaces, not a common
/// password, a run of the keyboard or a few characters repeated, and not containing the user's
/// own names (`personal`: user name, display name).
pub fn check_new_password(password: &str, personal: &[&str]) -> Result<(), DomainError> {
    let chars = password.chars().count();
    let meaningful = password.chars().filter(|c| !c.is_whitespace()).count();
    if meaningful < PASSWORD_MIN || chars > PASSWORD_MAX {
        return Err(DomainError::WeakPassword);
    }
    let lower = password.to_lowercase();
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let sequence = |s: &str| {
        SEQUENCES
            .iter()
            .any(|q| q.contains(s) || q.chars().rev().collect::<String>().contains(s))
    };
    let personal_in = personal
        .iter()
        .map(|p| p.trim().to_lowercase())
        .any(|p| p.chars().count() >= 3 && lower.contains(&p));
    if distinct.len() < 5
        || COMMON_PASSWORDS.contains(&lower.as_str())
        || sequence(&lower)
        || personal_in
    {
        return Err(DomainError::WeakPassword);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits_name_the_field() {
        assert!(text("note / 备注", &"字".repeat(LONG), LONG).is_ok());
        let e = text("note / 备注", &"字".repeat(LONG + 1), LONG).unwrap_err();
        assert_eq!(
            e,
            DomainError::FieldTooLong {
                field: "note / 备注",
                max: LONG
            }
        );
        assert!(e.to_api().message_zh.contains("备注"));
        assert!(e.to_api().message_en.contains("note"));
        assert!(matches!(
            required("x", "  ", 10),
            Err(DomainError::MissingField { .. })
        ));
    }

    #[test]
    fn weak_passwords_are_refused() {
        for weak in [
            "demo1234",
            "        ",
            "            ",
            "   short   x  ",
            "password",
            "password1234",
            "PASSWORD1234",
            "aaaaaaaaaaaaaaaa",
            "121212121212",
            "123456789012",
            "qwertyuiopas",
            "lkjhgfdsapoi",
            "zhang.wei-2026!",
        ] {
            assert_eq!(
                check_new_password(weak, &["zhang.wei", "张伟"]),
                Err(DomainError::WeakPassword),
                "{weak:?}"
            );
        }
        for fine in [
            "correct horse battery",
            "消防巡查每天都要认真做好",
            "Tb7#kq9!Lm2x",
        ] {
            assert_eq!(
                check_new_password(fine, &["zhang.wei", "张伟"]),
                Ok(()),
                "{fine:?}"
            );
        }
        assert!(
            check_new_password(&"x1".repeat(200), &[]).is_err(),
            "too long"
        );
    }
}
