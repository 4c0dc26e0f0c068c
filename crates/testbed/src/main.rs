//! `tessera-testbed`: starts a trust broker and N hospitals on loopback, writes the manifest (to `--manifest FILE`,
//! else as the first line of stdout) and serves until SIGINT or SIGTERM.

use clap::Parser;
use std::path::PathBuf;
use tessera_testbed::broker::{Dialect, TicketFormat};
use tessera_testbed::{faults, Config, Testbed};

#[derive(Parser)]
#[command(name = "tessera-testbed", version, about = "A trust broker and N hospitals on loopback")]
struct Args {
    /// Number of hospitals.
    #[arg(long, default_value_t = 8)]
    sites: usize,
    /// Seed of the synthetic data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Latency added to every hospital response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Faults per hospital, e.g. `2=down,4=latency:3000+rate-limit:1` (see the README).
    #[arg(long, default_value = "")]
    faults: String,
    /// Approve sign-ins without a person (as the `login_hint` person, default the first caregiver); a `portal-only`
    /// hospital's portal also picks the `patient_hint` patient (default the first patient that person may see).
    #[arg(long)]
    auto_approve: bool,
    /// Serve a directory of per-site FHIR bundles (the shared synthetic-patients layout) instead of generated data;
    /// `--sites` is then the number of sites found.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Write the manifest to this file instead of stdout.
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// The ticket kernel: `current` (`access.smart_scopes`) or `april-2026` (`access.permissions`, the reference
    /// implementation's).
    #[arg(long, default_value = "current", value_parser = TicketFormat::parse)]
    ticket_format: TicketFormat,
    /// One ticket per hospital (each with the hospital's base as `aud` and a `data_holder_filter` naming it) unless
    /// the person chooses otherwise on the consent page; else one ticket for the network.
    #[arg(long)]
    tickets_per_site: bool,
    /// Tickets say `must_understand: ["sensitivity_policy"]` with `sensitivity_policy.unlisted_sensitive_data`.
    #[arg(long)]
    sensitivity_policy: bool,
    /// Seconds the broker's own access token lives (the reference issuer's live 300).
    #[arg(long)]
    issuer_token_secs: Option<i64>,
    /// Seconds a ticket stays redeemable (the reference issuer's live 3600).
    #[arg(long, default_value_t = 30 * 86_400)]
    ticket_lifetime_secs: i64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let faults = faults::parse_spec(&args.faults).map_err(|e| anyhow::anyhow!("--faults: {e}"))?;
    if let Some(index) = faults.keys().find(|i| args.data.is_none() && **i >= args.sites) {
        anyhow::bail!("--faults: hospital {index} does not exist (there are {} hospitals)", args.sites);
    }
    let config = Config {
        sites: args.sites,
        seed: args.seed,
        latency_ms: args.latency_ms,
        faults,
        auto_approve: args.auto_approve,
        data_dir: args.data.clone(),
        ticket_lifetime_secs: args.ticket_lifetime_secs,
        dialect: Dialect {
            format: args.ticket_format,
            per_site: args.tickets_per_site,
            sensitivity_policy: args.sensitivity_policy,
            access_token_secs: args.issuer_token_secs,
            network_limit: None,
        },
        ..Config::default()
    };
    let testbed = Testbed::start(config).await?;
    let manifest = serde_json::to_string(&testbed.manifest)?;
    match &args.manifest {
        Some(path) => std::fs::write(path, format!("{manifest}\n"))?,
        None => println!("{manifest}"),
    }
    eprintln!(
        "tessera-testbed: broker {} and {} hospitals listening; Ctrl-C to stop",
        testbed.manifest.broker,
        testbed.hospitals.len()
    );
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    testbed.stop().await;
    Ok(())
}
