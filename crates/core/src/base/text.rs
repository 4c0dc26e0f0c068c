//! Text from the network made safe to show and keep: no control characters (terminal escapes, OSC 52 clipboard
//! writes, NUL), no bidirectional overrides that reorder what a person reads, trimmed and capped in length. Every
//! name or phrase a hospital, a broker or a record supplies passes [`plain`] before it is stored or shown.

/// Whether `c` could change how other text is shown rather than being text itself.
fn is_invisible_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// `text` without control characters or direction overrides, whitespace runs kept as one space, trimmed, at most
/// `max` characters; `None` when nothing is left.
pub fn plain(text: &str, max: usize) -> Option<String> {
    let mut out = String::with_capacity(text.len().min(max));
    let mut count = 0;
    for c in text.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).filter(|c| !is_invisible_control(*c)) {
        if count == max {
            break;
        }
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
        count += 1;
    }
    let out = out.trim_end().to_string();
    (!out.is_empty()).then_some(out)
}

/// [`plain`], or `fallback` when nothing is left.
pub fn plain_or(text: &str, max: usize, fallback: impl FnOnce() -> String) -> String {
    plain(text, max).unwrap_or_else(fallback)
}

/// The longest name Tessera keeps for a hospital, a broker or a person.
pub const MAX_NAME: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_direction_overrides_are_removed_and_length_is_capped() {
        // Clear screen, an OSC 52 clipboard write, a bell, NUL, C1 CSI, a right-to-left override.
        let hostile = "\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}Mercy\u{0}\u{9b}31m Hospital\u{202E}lanimret";
        assert_eq!(plain(hostile, 200).as_deref(), Some("[2J]52;c;ZXZpbA==Mercy31m Hospitallanimret"));
        assert_eq!(plain("  Grady \n\t Memorial  ", 200).as_deref(), Some("Grady Memorial"));
        assert_eq!(plain(&"é".repeat(500), 200).map(|t| t.chars().count()), Some(200));
        assert_eq!(plain("\u{1b}\u{7}  ", 200), None);
        assert_eq!(plain_or("", 10, || "fallback".into()), "fallback");
    }
}
