//! SMART v2 scope strings as the hospitals read them: `patient/Observation.rs?category=…|laboratory`.

/// A parsed resource scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// `patient`, `user` or `system`.
    pub context: String,
    /// A resource type or `*`.
    pub resource: String,
    /// Permission letters from `cruds`.
    pub permissions: String,
    /// The granular query, without `?`.
    pub query: Option<String>,
}

impl Scope {
    /// Parses `context/resource.perms[?query]`; `None` for anything else (e.g. `openid`).
    pub fn parse(text: &str) -> Option<Self> {
        let (context, rest) = text.split_once('/')?;
        let (resource_perms, query) = rest.split_once('?').map_or((rest, None), |(a, q)| (a, Some(q.to_string())));
        let (resource, permissions) = resource_perms.rsplit_once('.')?;
        let valid_context = matches!(context, "patient" | "user" | "system");
        let valid_resource =
            resource == "*" || (!resource.is_empty() && resource.chars().all(|c| c.is_ascii_alphabetic()));
        let valid_perms = !permissions.is_empty() && is_ordered_subsequence(permissions, "cruds");
        (valid_context && valid_resource && valid_perms).then(|| Self {
            context: context.into(),
            resource: resource.into(),
            permissions: permissions.into(),
            query,
        })
    }

    /// Whether this scope (a ceiling) allows everything `other` asks for.
    pub fn covers(&self, other: &Scope) -> bool {
        self.context == other.context
            && (self.resource == "*" || self.resource == other.resource)
            && other.permissions.chars().all(|p| self.permissions.contains(p))
            && (self.query.is_none() || self.query == other.query)
    }

    /// Whether this scope allows `letter` (`r` or `s`) on `resource`.
    pub fn allows(&self, resource: &str, letter: char) -> bool {
        (self.resource == "*" || self.resource == resource) && self.permissions.contains(letter)
    }
}

fn is_ordered_subsequence(text: &str, order: &str) -> bool {
    let mut rest = order.chars();
    text.chars().all(|c| rest.by_ref().any(|o| o == c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_intersects() {
        let all = Scope::parse("patient/*.rs").unwrap();
        let labs = Scope::parse("patient/Observation.rs?category=http://x|laboratory").unwrap();
        assert!(all.covers(&labs));
        assert!(!labs.covers(&Scope::parse("patient/Observation.rs").unwrap()));
        assert!(!Scope::parse("patient/Condition.r").unwrap().covers(&Scope::parse("patient/Condition.rs").unwrap()));
        for bad in ["openid", "patient/Condition.sr", "patient/Con-dition.rs", "patient/.rs", "group/X.r"] {
            assert!(Scope::parse(bad).is_none(), "{bad}");
        }
    }
}
