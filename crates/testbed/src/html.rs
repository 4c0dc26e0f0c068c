//! Small helpers for the testbed's HTML pages (the broker's sign-in and consent page, the hospitals' patient
//! confirmation page). Everything interpolated is escaped.

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            other => other.to_string(),
        })
        .collect()
}

/// A whole page with the testbed's look. `body` must already be escaped where needed.
pub fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:system-ui,sans-serif;background:#eef2f4;color:#1b2a30;margin:0}}
main{{max-width:640px;margin:40px auto;background:#fff;border-radius:12px;padding:28px 32px;box-shadow:0 1px 4px #0002}}
h1{{font-size:1.5rem;color:#1f4e5f;margin-top:0}} fieldset{{border:1px solid #cdd8dc;border-radius:8px;margin:16px 0;padding:12px 16px}}
legend{{font-weight:600}} label{{display:block;margin:6px 0}} button{{background:#1f4e5f;color:#fff;border:0;border-radius:8px;padding:10px 20px;font-size:1rem}}
.note{{color:#5d6d73;font-size:.9rem}}
</style></head><body><main>{body}</main></body></html>"#,
        title = escape(title)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::escape(r#"<a href="x">O'Neil & co</a>"#),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;"
        );
    }
}
