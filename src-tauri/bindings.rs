//! The TypeScript side of the IPC contract, generated from the Rust types.
//!
//! Two files are generated and committed: `ui/src/lib/backend/bindings.ts` ([`typescript`]: the types) and
//! `ui/src/lib/backend/commands.ts` ([`functions`]: one typed function per command, which the window calls). Every
//! command's argument and result types and its doc comment come from the one command list in [`crate::commands`],
//! every event's payload from its Rust type, and the declarations from those types and every type they name (no
//! list of declarations or functions is kept by hand). The tests below fail when a committed file drifts;
//! `TESSERA_UPDATE_BINDINGS=1 cargo test -p tessera-app bindings` rewrites both.

use crate::contract::{CommandSpec, Declarations};
use tessera_core::grants::RevocationStep;
use tessera_core::hospitals::fan_out::ProgressEvent;
use tessera_core::{ErrorCode, ErrorView};
use ts_rs::{TypeVisitor, TS};

/// Where the generated types live, relative to the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/lib/backend/bindings.ts";
/// Where the generated command functions live, relative to the workspace root.
pub const COMMANDS_PATH: &str = "ui/src/lib/backend/commands.ts";

/// The words of a TypeScript type that are TypeScript's own, not a declared type.
const BUILTIN: [&str; 8] = ["string", "number", "boolean", "null", "Array", "Record", "never", "args"];

/// The declared types a TypeScript type expression names (`Array<HospitalView>`: `HospitalView`).
fn named_types(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|word| !word.is_empty() && !BUILTIN.contains(word))
}

/// `open_record` → `openRecord`.
fn camel_case(name: &str) -> String {
    let mut out = String::new();
    for (i, word) in name.split('_').enumerate() {
        let mut chars = word.chars();
        match chars.next() {
            Some(first) if i > 0 => out.extend(first.to_uppercase().chain(chars)),
            _ => out.push_str(word),
        }
    }
    out
}

/// Every IPC command, from the one list in [`crate::commands`].
pub fn commands() -> Vec<CommandSpec> {
    crate::commands::contract()
}

/// Every event the backend emits: its name and its payload type.
pub fn events() -> Vec<(&'static str, String)> {
    vec![
        (crate::commands::CONNECT_PROGRESS, ProgressEvent::name()),
        (crate::commands::REVOCATION_PROGRESS, RevocationStep::name()),
        (crate::commands::WALLET_LOCKED, <()>::name()),
    ]
}

/// The declaration of every type a command or an event names, found from the types themselves.
fn declarations() -> Vec<String> {
    let mut found = Declarations::default();
    for command in commands() {
        (command.declare)(&mut found);
    }
    // What every failure rejects with (its code one of the code table's), and the events' payloads.
    let codes: Vec<String> = ErrorCode::ALL.iter().map(|code| format!("\"{}\"", code.as_str())).collect();
    found.add("ErrorCode", format!("type ErrorCode = {};", codes.join(" | ")));
    found.visit::<ErrorView>();
    found.visit::<ProgressEvent>();
    found.visit::<RevocationStep>();
    found.into_list()
}

/// The whole generated file.
pub fn typescript() -> String {
    let mut out = String::from("// Generated from the Rust types by src-tauri/bindings.rs. Do not edit by hand.\n\n");
    for decl in declarations() {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.push_str("/** Every IPC command: its arguments and its result. Failures reject with an ErrorView. */\n");
    out.push_str("export interface Commands {\n");
    for command in commands() {
        out.push_str(&format!("  {}: {{ args: {}; result: {} }};\n", command.name, command.args, command.result));
    }
    out.push_str("}\n\n/** Every event the backend emits, with its payload. */\nexport interface Events {\n");
    for (name, payload) in events() {
        out.push_str(&format!("  \"{name}\": {payload};\n"));
    }
    out.push_str("}\n");
    out
}

/// The generated `commands.ts`: for each command, a function of the same name in camelCase that takes its `args`
/// (when it has any) and an optional invoker (for unit tests), documented by the command list's doc comment.
pub fn functions() -> String {
    let commands = commands();
    let mut types = std::collections::BTreeSet::new();
    for command in &commands {
        types.extend(command.args_type.iter().flat_map(|args| named_types(args)).map(str::to_string));
        types.extend(named_types(&command.result).map(str::to_string));
    }
    let mut out = String::from(
        "// Generated from the command list in src-tauri/commands/mod.rs by src-tauri/bindings.rs. Do not edit by \
         hand.\n\nimport { call, type Invoker } from \"./call\";\n",
    );
    let types: Vec<String> = types.into_iter().collect();
    out.push_str(&format!("import type {{ {} }} from \"./bindings\";\n", types.join(", ")));
    for command in &commands {
        out.push_str("\n/**\n");
        for line in command.doc.lines() {
            out.push_str(&format!(" *{}\n", line.trim_end()));
        }
        out.push_str(" */\n");
        let (params, args) = match &command.args_type {
            None => (String::new(), "{}"),
            Some(args) => (format!("args: {args}, "), "{ args }"),
        };
        out.push_str(&format!(
            "export function {}({params}invoker?: Invoker): Promise<{}> {{\n  return call(\"{}\", {args}, invoker);\n}}\n",
            camel_case(command.name),
            command.result,
            command.name,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails when the committed file at `path` (from the workspace root) is not `generated`; rewrites it first when
    /// `TESSERA_UPDATE_BINDINGS` is set.
    fn assert_committed(path: &str, generated: &str) {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        if std::env::var_os("TESSERA_UPDATE_BINDINGS").is_some() {
            std::fs::write(&file, generated).unwrap();
        }
        let committed = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            committed == generated,
            "{path} is out of date with the Rust command list and types; run \
             `TESSERA_UPDATE_BINDINGS=1 cargo test -p tessera-app bindings` and commit the result"
        );
    }

    #[test]
    fn committed_command_functions_match_the_command_list() {
        assert_committed(COMMANDS_PATH, &functions());
    }

    #[test]
    fn every_command_has_a_function_that_calls_it_by_its_rust_name() {
        let generated = functions();
        for command in commands() {
            let call = format!("call(\"{}\", ", command.name);
            assert!(generated.contains(&call), "{} is not called", command.name);
            assert!(generated.contains(&format!("export function {}(", camel_case(command.name))));
            assert!(!command.doc.trim().is_empty(), "{} has no doc comment", command.name);
        }
        assert_eq!(camel_case("sign_in_at_portal"), "signInAtPortal");
        assert_eq!(camel_case("about_tessera"), "aboutTessera");
    }

    #[test]
    fn committed_bindings_match_the_rust_types() {
        assert_committed(BINDINGS_PATH, &typescript());
    }

    #[test]
    fn every_type_a_command_or_event_names_is_declared() {
        let generated = typescript();
        let mut named = Vec::new();
        for command in commands() {
            named.push(command.args);
            named.push(command.result);
        }
        named.extend(events().into_iter().map(|(_, payload)| payload));
        for text in named {
            for word in named_types(&text) {
                assert!(generated.contains(&format!("type {word} =")), "{word} (in {text}) is not generated");
            }
        }
    }
}
