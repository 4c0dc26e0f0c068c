//! Printing: readable text for people, one JSON object for scripts (`--json`).

use crate::hints::{self, SIGN_IN_FIRST};
use serde::Serialize;
use std::sync::Arc;
use tessera_core::grants::activity::ActivityView;
use tessera_core::grants::{GrantView, RevocationStep};
use tessera_core::hospitals::fan_out::{Phase, Progress};
use tessera_core::portal::{possessive, PortalSignIn};
use tessera_core::records::{Category, Via};
use tessera_core::status::WalletStatus;
use tessera_core::store::HospitalSource;
use tessera_core::vault::passphrase::Protection;
use tessera_core::view::{ConnectReport, HospitalView, LoginSummary, PersonView, TicketView};
use tessera_core::words::describe::date_words;
use tessera_core::{Error, ErrorCode};

/// How to print.
#[derive(Clone, Copy)]
pub struct Output {
    /// `--json`.
    pub json: bool,
}

fn print_json(value: &impl Serialize) -> Result<(), Error> {
    let text =
        serde_json::to_string_pretty(value).map_err(|e| Error::new(ErrorCode::Internal).with_detail(e.to_string()))?;
    println!("{text}");
    Ok(())
}

impl Output {
    /// Live progress: one line per hospital step on stderr (nothing with `--json`).
    pub fn progress(&self) -> Progress {
        if self.json {
            return tessera_core::hospitals::fan_out::no_progress();
        }
        Arc::new(|event| {
            let what = match event.phase {
                Phase::Discovering => "looking up".to_string(),
                Phase::Registering => "registering Tessera".to_string(),
                Phase::Exchanging => "presenting the ticket".to_string(),
                Phase::Reading if event.resources == 0 => "reading records".to_string(),
                Phase::Reading => return,
                Phase::Done => format!("done, {} records", event.resources),
                Phase::Failed => format!("failed: {}", event.error.as_ref().map(|e| e.message.as_str()).unwrap_or("")),
            };
            eprintln!("  {:<40} {what}", event.name);
        })
    }

    /// `status`.
    pub fn status(&self, status: &WalletStatus) -> Result<(), Error> {
        if self.json {
            return print_json(status);
        }
        println!("Tessera {} — profile {}\n{}", status.version, status.profile, status.summary);
        Ok(())
    }

    /// `passphrase set` and `off`: what now holds (`{"protection": …}` with `--json`).
    pub fn protection(&self, protection: Protection) -> Result<(), Error> {
        if self.json {
            return print_json(&serde_json::json!({ "protection": protection }));
        }
        match protection {
            Protection::Passphrase => println!("Tessera now asks for this passphrase whenever it unlocks."),
            Protection::Off | Protection::Unset => {
                println!("Tessera no longer asks for a passphrase: its lock only hides the screen.")
            }
        }
        Ok(())
    }

    fn ticket_lines(ticket: &TicketView) {
        println!("{}  [{}]  {}", ticket.id, ticket.status, ticket.description.headline);
        println!("    {} — issued by {}", ticket.description.patient, ticket.description.issuer);
        if let Some(warning) = &ticket.warning {
            println!("    ! {warning}");
        }
        for line in ticket.description.access.iter().chain(&ticket.description.details) {
            println!("    · {line}");
        }
    }

    /// `login`.
    pub fn login(&self, summary: &LoginSummary) -> Result<(), Error> {
        if self.json {
            return print_json(summary);
        }
        println!(
            "Signed in with {}: {}, {} suggested.",
            summary.broker,
            tessera_core::status::plural(u32::try_from(summary.tickets.len()).unwrap_or(u32::MAX), "ticket", "tickets"),
            tessera_core::status::plural(summary.hospitals, "hospital", "hospitals"),
        );
        summary.tickets.iter().for_each(Self::ticket_lines);
        Ok(())
    }

    /// `tickets`.
    pub fn tickets(&self, tickets: &[TicketView]) -> Result<(), Error> {
        if self.json {
            return print_json(&serde_json::json!({ "tickets": tickets }));
        }
        if tickets.is_empty() {
            println!("No tickets yet. {SIGN_IN_FIRST}");
        }
        tickets.iter().for_each(Self::ticket_lines);
        Ok(())
    }

    /// `people`.
    pub fn people(&self, people: &[PersonView]) -> Result<(), Error> {
        if self.json {
            return print_json(&serde_json::json!({ "people": people }));
        }
        if people.is_empty() {
            println!("{SIGN_IN_FIRST}");
            return Ok(());
        }
        println!("{:<10} {:<28} {:<12} RELATIONSHIP", "ID", "NAME", "BORN");
        for person in people {
            println!(
                "{:<10} {:<28} {:<12} {}",
                person.id,
                shown(&person.name),
                person.birth_date.as_deref().unwrap_or("—"),
                person.relationship.code()
            );
        }
        Ok(())
    }

    /// `hospitals`.
    pub fn hospitals(&self, hospitals: &[HospitalView]) -> Result<(), Error> {
        if self.json {
            return print_json(&serde_json::json!({ "hospitals": hospitals }));
        }
        println!("{:<40} {:<8} {:<7} FHIR BASE URL", "NAME", "SOURCE", "TICKETS");
        for h in hospitals {
            println!("{:<40} {:<8} {:<7} {}", shown(&h.name), source_words(h.source), h.tickets, h.fhir_base_url);
        }
        Ok(())
    }

    /// `connect`: the outcome table (the `--json` shape is a contract).
    pub fn connect(&self, report: &ConnectReport) -> Result<(), Error> {
        if self.json {
            return print_json(&serde_json::json!({ "hospitals": report.hospitals }));
        }
        println!("{:<40} {:<12} {:>9}  NOTE", "HOSPITAL", "STATUS", "RESOURCES");
        for h in &report.hospitals {
            let note = match (&h.error, h.not_available.is_empty()) {
                (Some(e), _) => format!("{} {} [{}]", e.message, hints::action(e), e.code),
                (None, false) => format!("not shared here under this permission: {}", h.not_available.join(", ")),
                (None, true) => String::new(),
            };
            let note = match h.via {
                Via::Portal => format!("via its patient portal. {note}").trim_end().to_string(),
                Via::Ticket => note,
            };
            println!("{:<40} {:<12} {:>9}  {note}", shown(&h.name), h.status.as_str(), h.resources);
        }
        Ok(())
    }

    /// `connect --portal`: the sign-in, then the hospital's outcome (`--json`: `{"portal", "hospitals"}`).
    pub fn portal(&self, signed: &PortalSignIn, report: &ConnectReport) -> Result<(), Error> {
        if self.json {
            return print_json(&serde_json::json!({ "portal": signed, "hospitals": report.hospitals }));
        }
        let added = if signed.new_person { " (added as a new person)" } else { "" };
        println!(
            "Signed in at {} patient portal: Tessera reads {} records there{added} — grant {}.",
            possessive(&signed.hospital),
            possessive(&signed.patient),
            signed.id
        );
        self.connect(report)
    }

    /// Asks on the terminal whether the portal's patient, whom nobody known matches, is added as a new person;
    /// false when not confirmed (or no terminal, or `--json`).
    pub fn confirm_new_person(&self, signed: &PortalSignIn) -> bool {
        use std::io::{BufRead, IsTerminal, Write};
        if self.json || !std::io::stdin().is_terminal() {
            return false;
        }
        let born = signed.born.as_deref().map(|b| format!(", born {b},")).unwrap_or_default();
        print!("{}{born} is not someone Tessera knows yet. Add them as a new person? [y/N] ", signed.patient);
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        matches!(answer.trim(), "y" | "Y" | "yes")
    }

    /// `records`: the merged record, grouped by kind.
    pub fn records(&self, report: &ConnectReport, only: Option<Category>) -> Result<(), Error> {
        let items: Vec<_> = report.records.iter().filter(|r| only.is_none_or(|c| r.category == c)).collect();
        if self.json {
            return print_json(&serde_json::json!({ "hospitals": report.hospitals, "records": items }));
        }
        let mut current = None;
        for item in items {
            if current != Some(item.category) {
                println!("\n{}", item.category.name().to_uppercase());
                current = Some(item.category);
            }
            let sources: Vec<String> = item
                .sources
                .iter()
                .map(|s| {
                    let via = match s.via {
                        Via::Portal => ", via its patient portal",
                        Via::Ticket => "",
                    };
                    // Each hospital's own entry: its date and its own detail (its prescriber, its value).
                    let own = [s.date.as_deref(), s.detail.as_deref()].into_iter().flatten().collect::<Vec<_>>();
                    let own = own.join(", ") + via;
                    match own.trim_start_matches(", ") {
                        "" => s.hospital.clone(),
                        own => format!("{} ({own})", s.hospital),
                    }
                })
                .collect();
            let detail = item.detail.as_deref().map(|d| format!(" — {}", shown(d))).unwrap_or_default();
            let flag = item.flag.map(|f| format!(" [{}]", f.as_str().to_uppercase())).unwrap_or_default();
            println!("  {}{detail}{flag}", shown(&item.title));
            let facts: Vec<String> = [
                item.dose.clone(),
                item.status.as_deref().map(medicine_status),
                item.reason.as_deref().map(|r| format!("for {r}")),
                item.range.as_deref().map(|r| format!("normal range {r}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !facts.is_empty() {
                println!("      {}", shown(&facts.join(" · ")));
            }
            println!("      from {}", shown(&sources.join("; ")));
        }
        Ok(())
    }

    /// `grants`.
    pub fn grants(&self, grants: &[GrantView]) -> Result<(), Error> {
        if self.json {
            return print_json(&serde_json::json!({ "grants": grants }));
        }
        if grants.is_empty() {
            println!("No grants yet. {SIGN_IN_FIRST}");
            return Ok(());
        }
        println!("{:<22} {:<11} {:<19} {:<22} {:<12} SUMMARY", "ID", "KIND", "STATUS", "PERSON", "ENDS");
        for g in grants {
            let ends = g.expiry.map(date_words).unwrap_or_else(|| "—".into());
            let place = g.hospital.as_deref().map(|h| format!(" at {h}")).unwrap_or_default();
            println!("{:<22} {:<11} {:<19} {:<22} {:<12} {}{place}", g.id, g.kind, g.status, g.person, ends, g.summary);
            if let Some(warning) = &g.warning {
                println!("{:<22} ! {warning}", "");
            }
        }
        Ok(())
    }

    /// Shows the revocation preview and asks on the terminal; false when not confirmed (or no terminal).
    pub fn confirm(&self, steps: &[RevocationStep]) -> bool {
        use std::io::{BufRead, IsTerminal, Write};
        if self.json || !std::io::stdin().is_terminal() {
            if !self.json {
                eprintln!("Revoking would:");
                steps.iter().for_each(|s| eprintln!("  - {}", s.what));
            }
            return false;
        }
        println!("Revoking will:");
        steps.iter().for_each(|s| println!("  - {}", s.what));
        print!("Revoke now? [y/N] ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        matches!(answer.trim(), "y" | "Y" | "yes")
    }

    /// `revoke`: each step and its state.
    pub fn revocation(&self, id: &str, steps: &[RevocationStep]) -> Result<(), Error> {
        let complete = steps.iter().all(|s| s.state == tessera_core::grants::status::StepState::Done);
        if self.json {
            return print_json(&serde_json::json!({ "id": id, "complete": complete, "steps": steps }));
        }
        for step in steps {
            let note = step.error.as_ref().map(|e| format!(" — {} [{}]", e.message, e.code)).unwrap_or_default();
            println!("  [{}] {}{note}", step.state, step.what);
        }
        println!(
            "{}",
            if complete {
                "Revoked everywhere."
            } else {
                "Revoked here; some places are pending and will be retried automatically."
            }
        );
        Ok(())
    }

    /// `activity --csv`: one row per entry, RFC 4180 quoting, times in RFC 3339.
    pub fn activity_csv(&self, entries: &[ActivityView]) -> Result<(), Error> {
        print!("{}", tessera_core::grants::activity::to_csv(entries));
        Ok(())
    }

    /// `activity`.
    pub fn activity(&self, entries: &[ActivityView]) -> Result<(), Error> {
        if self.json {
            println!("{}", tessera_core::grants::activity::to_json(entries));
            return Ok(());
        }
        for e in entries {
            println!(
                "{:<12} {:<32} {:<24} {:<10} {}",
                e.day,
                e.what,
                e.outcome,
                e.grant.as_deref().unwrap_or(""),
                [e.hospital.as_deref(), e.detail.as_deref()].iter().flatten().copied().collect::<Vec<_>>().join(" — ")
            );
        }
        Ok(())
    }
}

/// Where a hospital came from, in the directory's SOURCE column.
fn source_words(source: HospitalSource) -> &'static str {
    match source {
        HospitalSource::Hint => "hint",
        HospitalSource::Brands => "brands",
        HospitalSource::Manual => "manual",
    }
}

/// A medicine order's FHIR status in words.
fn medicine_status(status: &str) -> String {
    match status {
        "active" => "being taken".to_string(),
        "on-hold" => "on hold".to_string(),
        "stopped" => "stopped".to_string(),
        "completed" => "finished".to_string(),
        "cancelled" => "cancelled".to_string(),
        "entered-in-error" => "entered in error".to_string(),
        "draft" => "not yet ordered".to_string(),
        other => format!("status: {other}"),
    }
}

/// Text from the network as the terminal may show it: no escape sequence or control character reaches it (names are
/// cleaned when kept; this also covers what an older Tessera kept).
fn shown(text: &str) -> String {
    tessera_core::base::text::plain_or(text, 2000, String::new)
}

#[cfg(test)]
mod shown_tests {
    #[test]
    fn no_escape_from_a_hospital_reaches_the_terminal() {
        let name = "\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2JMercy";
        assert!(!super::shown(name).chars().any(|c| c.is_control()));
        assert!(super::shown(name).ends_with("Mercy"));
    }
}
