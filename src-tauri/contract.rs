//! What the IPC contract is made of: one command's shape ([`CommandSpec`]) and the declarations of the types that
//! cross IPC, found from the types themselves ([`Declarations`]). The commands declare theirs in
//! [`crate::commands`]; [`crate::bindings`] writes the TypeScript from them.

use ts_rs::{TypeVisitor, TS};

/// One IPC command: its name, its argument object and its result (TypeScript).
#[derive(Clone)]
pub struct CommandSpec {
    /// The command's name.
    pub name: &'static str,
    /// What it does: its doc comment in the command list, one line per `///` line.
    pub doc: &'static str,
    /// The type of its `args` (`None`: it takes none).
    pub args_type: Option<String>,
    /// The argument object: `Record<string, never>` or `{ args: T }`.
    pub args: String,
    /// The result type.
    pub result: String,
    /// Whether it answers while the wallet is locked (every other command refuses with `wallet.locked`).
    pub answers_while_locked: bool,
    /// Adds the declarations of its argument and result types (and every type they name) to `found`.
    pub declare: fn(&mut Declarations),
}

impl CommandSpec {
    /// The contract of the command `name` (documented by `doc`), which takes `{ args: In }` (nothing when `In` is
    /// `()`), answers `Out`, and answers while locked or not.
    pub fn of<In: TS + 'static, Out: TS + 'static>(
        name: &'static str,
        doc: &'static str,
        answers_while_locked: bool,
    ) -> Self {
        let args_type = (std::any::TypeId::of::<In>() != std::any::TypeId::of::<()>()).then(In::name);
        let args = match &args_type {
            None => "Record<string, never>".to_string(),
            Some(name) => format!("{{ args: {name} }}"),
        };
        CommandSpec {
            name,
            doc,
            args_type,
            args,
            result: Out::name(),
            answers_while_locked,
            declare: |found| {
                found.visit::<In>();
                found.visit::<Out>();
            },
        }
    }
}

/// The declarations of the types that cross IPC, each once, by type name (TypeScript needs no order, and a fixed
/// one keeps the generated file the same from build to build).
#[derive(Default)]
pub struct Declarations {
    seen: std::collections::HashSet<std::any::TypeId>,
    out: std::collections::BTreeMap<String, String>,
}

impl Declarations {
    /// A declaration written by hand (`type Name = …;`), for a type that is not derived.
    pub fn add(&mut self, name: &str, declaration: String) {
        self.out.insert(name.to_string(), declaration);
    }

    /// The declarations found, by type name.
    pub fn into_list(self) -> Vec<String> {
        self.out.into_values().collect()
    }
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(std::any::TypeId::of::<T>()) {
            return;
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
        // Built-in shapes (strings, numbers, arrays, options) have no declaration of their own.
        if T::output_path().is_some() {
            self.out.insert(T::ident(), T::decl());
        }
    }
}
