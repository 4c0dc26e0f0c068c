//! `tessera demo`: the headless tour. Starts the embedded demo network (six hospitals, one of them down tonight, one
//! that needs the patient confirmed — confirmed automatically here),
//! signs in with auto-approve as the first caregiver, connects everywhere and prints each hospital's outcome and
//! the merged record's summary. Uses `--home` if given, else a fresh temporary profile.

use crate::output::Output;
use std::collections::HashMap;
use std::path::Path;
use tessera_core::broker::Browser;
use tessera_core::records::Category;
use tessera_core::{Error, ErrorCode, OsRandom};
use tessera_testbed::Testbed;

/// Runs the demo.
pub async fn run(home: Option<&Path>, out: Output) -> Result<(), Error> {
    let testbed = Testbed::start(tessera_testbed::demo::config(true)).await.map_err(|e| {
        Error::new(ErrorCode::Internal).with_message("The demo network could not start.").with_detail(e.to_string())
    })?;
    // A name no other user can guess and create first (the profile would then be refused as `profile.unsafe`).
    let temporary = std::env::temp_dir().join(format!("tessera-demo-{}", tessera_core::Random::token(&OsRandom, 12)));
    let wallet = crate::open_wallet(Some(home.unwrap_or(&temporary)), Browser::Fetch).await?;
    let caregiver = &testbed.manifest.people[0];
    if !out.json {
        println!("Demo network: a trust broker and {} hospitals on this computer.", testbed.manifest.hospitals.len());
        println!("Signing in as {} (a caregiver)…", caregiver.name);
    }
    let login = wallet.login(&testbed.manifest.broker, &Browser::Fetch, Some(&caregiver.id)).await?;
    let report = wallet.connect(None, out.progress()).await?;
    if out.json {
        let counts: HashMap<&str, usize> = Category::ALL
            .iter()
            .map(|c| (c.name(), report.records.iter().filter(|r| r.category == *c).count()))
            .collect();
        println!(
            "{}",
            serde_json::json!({ "tickets": login.tickets.len(), "hospitals": report.hospitals, "records": counts })
        );
    } else {
        for ticket in &login.tickets {
            println!("\n{} — {}", ticket.description.headline, ticket.description.patient);
        }
        println!();
        out.connect(&report)?;
        let shared = report.records.iter().filter(|r| r.sources.len() > 1).count();
        println!("\nOne merged record: {} items ({shared} reported by more than one hospital).", report.records.len());
        for category in Category::ALL {
            let items: Vec<_> = report.records.iter().filter(|r| r.category == category).collect();
            let sample: Vec<&str> = items.iter().take(3).map(|r| r.title.as_str()).collect();
            println!("  {:<14} {:>3}  {}", category.name(), items.len(), sample.join(", "));
        }
    }
    testbed.stop().await;
    if home.is_none() {
        let _ = std::fs::remove_dir_all(&temporary);
    }
    Ok(())
}
