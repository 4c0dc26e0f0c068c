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

/// The April-2026 kernel's `access.permissions` (the reference Data Holder's) as the scope ceiling it stands for:
/// `read` → `r`, `search` → `s`, one scope per entry of `category_any_of` × `code_any_of`. `None` when an entry
/// cannot be read (the hospital then refuses the ticket).
pub fn from_permissions(permissions: &serde_json::Value) -> Option<Vec<Scope>> {
    let mut ceiling = Vec::new();
    for permission in permissions.as_array()? {
        match permission.get("kind")?.as_str()? {
            "data" => {}
            "operation" => continue,
            _ => return None,
        }
        let resource = permission.get("resource_type")?.as_str()?;
        let interactions: Vec<&str> =
            permission.get("interactions")?.as_array()?.iter().filter_map(|i| i.as_str()).collect();
        let mut letters = String::new();
        if interactions.contains(&"read") {
            letters.push('r');
        }
        if interactions.contains(&"search") {
            letters.push('s');
        }
        let values = |name: &str| -> Option<Vec<Option<String>>> {
            let Some(list) = permission.get(name) else { return Some(vec![None]) };
            list.as_array()?
                .iter()
                .map(|c| {
                    let code = c.get("code")?.as_str()?;
                    Some(Some(match c.get("system").and_then(|s| s.as_str()) {
                        Some(system) => format!("{system}|{code}"),
                        None => code.to_string(),
                    }))
                })
                .collect()
        };
        for category in values("category_any_of")? {
            for code in values("code_any_of")? {
                let query: Vec<String> =
                    [category.as_ref().map(|c| format!("category={c}")), code.map(|c| format!("code={c}"))]
                        .into_iter()
                        .flatten()
                        .collect();
                let text = format!("patient/{resource}.{letters}");
                let text = if query.is_empty() { text } else { format!("{text}?{}", query.join("&")) };
                ceiling.push(Scope::parse(&text)?);
            }
        }
    }
    Some(ceiling)
}

impl Scope {
    /// This scope as an April-2026 kernel permission (`{kind: "data", resource_type, interactions,
    /// category_any_of?, code_any_of?}`), for issuing older-kernel tickets.
    pub fn as_permission(&self) -> serde_json::Value {
        let interactions: Vec<&str> = [('r', "read"), ('s', "search")]
            .iter()
            .filter(|(letter, _)| self.permissions.contains(*letter))
            .map(|(_, name)| *name)
            .collect();
        let mut permission =
            serde_json::json!({ "kind": "data", "resource_type": self.resource, "interactions": interactions });
        for pair in self.query.iter().flat_map(|q| q.split('&')) {
            let Some((name, value)) = pair.split_once('=') else { continue };
            let (system, code) = value.split_once('|').map_or((None, value), |(s, c)| (Some(s), c));
            let coding = match system {
                Some(system) => serde_json::json!({ "system": system, "code": code }),
                None => serde_json::json!({ "code": code }),
            };
            permission[format!("{name}_any_of")] = serde_json::json!([coding]);
        }
        permission
    }
}

fn is_ordered_subsequence(text: &str, order: &str) -> bool {
    let mut rest = order.chars();
    text.chars().all(|c| rest.by_ref().any(|o| o == c))
}

/// The resource types the search API serves.
pub const SEARCHABLE: &[&str] = &[
    "Condition",
    "MedicationRequest",
    "AllergyIntolerance",
    "Observation",
    "Immunization",
    "Encounter",
    "DiagnosticReport",
    "DocumentReference",
    "Procedure",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_kernel_permissions_round_trip_through_scopes() {
        let labs = Scope::parse("patient/Observation.rs?category=http://x|laboratory").unwrap();
        let conditions = Scope::parse("patient/Condition.rs").unwrap();
        let permissions =
            serde_json::json!([labs.as_permission(), conditions.as_permission(), {"kind": "operation", "name": "x"}]);
        assert_eq!(from_permissions(&permissions).unwrap(), vec![labs, conditions]);
        assert!(from_permissions(&serde_json::json!([{"kind": "data"}])).is_none());
    }

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
