//! The coaching loop's rules that device and server must agree on: text
//! limits, who may do what, and the messages a refusal carries. The device
//! checks them before it records an op (so the user hears "no" at once,
//! offline too); the server checks them again, because it cannot trust a
//! device.

use crate::api::Role;

pub const MAX_CHALLENGE_TITLE_CHARS: usize = 200;
pub const MAX_PROMPT_CHARS: usize = 5_000;
pub const MAX_COMMENT_CHARS: usize = 5_000;
pub const MAX_SECTION_CHARS: usize = 80;
/// Longest answer a challenge may ask for (one hour).
pub const MAX_ANSWER_LIMIT_MS: u64 = 3_600_000;

/// Things only managers and admins may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagerAction {
    CreateChallenge,
    EditChallenge,
    DeleteChallenge,
    EditPlaybook,
}

impl ManagerAction {
    fn verb(&self) -> &'static str {
        match self {
            ManagerAction::CreateChallenge => "create challenges",
            ManagerAction::EditChallenge => "edit challenges",
            ManagerAction::DeleteChallenge => "delete challenges",
            ManagerAction::EditPlaybook => "add clips to or remove clips from the playbook",
        }
    }

    /// `None` when `role` may do it, else the refusal, naming the role needed.
    pub fn refusal(&self, role: Role) -> Option<String> {
        if role.moderates() {
            None
        } else {
            Some(format!(
                "only managers and admins can {}; your role in this team is {role} \
                 (ask a team admin for the manager role)",
                self.verb()
            ))
        }
    }
}

/// Check a piece of user text: not longer than `max` characters, no
/// control characters except newlines and tabs, and (when `required`) not blank.
pub fn check_text(field: &str, value: &str, max: usize, required: bool) -> Result<(), String> {
    if required && value.trim().is_empty() {
        return Err(format!("{field} is empty; write at least one word"));
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(format!(
            "{field} is {chars} characters long; at most {max} are allowed"
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(format!(
            "{field} contains a control character; only text, newlines and tabs are allowed"
        ));
    }
    Ok(())
}

/// A challenge's answer length limit must be positive and at most an hour.
pub fn check_answer_limit(ms: u64) -> Result<(), String> {
    if ms == 0 || ms > MAX_ANSWER_LIMIT_MS {
        Err(format!(
            "max answer length must be between 1 ms and {} minutes, got {ms} ms",
            MAX_ANSWER_LIMIT_MS / 60_000
        ))
    } else {
        Ok(())
    }
}

/// A playbook section: trimmed, non-empty, short, single line.
pub fn check_section(section: &str) -> Result<(), String> {
    if section.trim() != section || section.contains('\n') {
        return Err(format!(
            "playbook section '{}' has leading/trailing spaces or a newline; use a short one-line name",
            section.escape_default()
        ));
    }
    check_text("playbook section", section, MAX_SECTION_CHARS, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managers_and_admins_may_coach_members_are_told_the_role_needed() {
        assert!(
            ManagerAction::CreateChallenge
                .refusal(Role::Manager)
                .is_none()
        );
        assert!(ManagerAction::EditPlaybook.refusal(Role::Admin).is_none());
        let msg = ManagerAction::EditPlaybook.refusal(Role::Member).unwrap();
        assert!(msg.contains("only managers and admins can"), "{msg}");
        assert!(msg.contains("playbook") && msg.contains("member"), "{msg}");
    }

    #[test]
    fn text_and_limits_are_checked() {
        assert!(check_text("comment", "  ", 10, true).is_err());
        assert!(check_text("comment", "", 10, false).is_ok());
        assert!(check_text("comment", "a\u{7}", 10, true).is_err());
        assert!(check_text("comment", &"é".repeat(10), 10, true).is_ok());
        assert!(check_text("comment", &"é".repeat(11), 10, true).is_err());
        assert!(check_answer_limit(0).is_err());
        assert!(check_answer_limit(120_000).is_ok());
        assert!(check_answer_limit(MAX_ANSWER_LIMIT_MS + 1).is_err());
        assert!(check_section("Objections").is_ok());
        assert!(check_section(" Objections").is_err());
        assert!(check_section("").is_err());
    }
}
