//! The hospital directory: every hospital Tessera knows (from a broker's hints, a Brands bundle, or added by hand),
//! with each one's last connection and the people whose tickets it takes; adding one by address (named from its own
//! SMART configuration or CapabilityStatement), importing a Brands bundle, removing one.

use crate::base::http::Party;
use crate::base::ids::host_of;
use crate::hospitals::exchange;
use crate::hospitals::fan_out::ConnectionStatus;
use crate::store::HospitalRow;
use crate::store::{ConnectionState, HospitalSource};
use crate::view::{serves, HospitalView};
use crate::wallet::Wallet;
use crate::{Error, ErrorCode, Result};
use serde_json::Value;

impl Wallet {
    /// The hospital directory, with each hospital's last connection and the people whose tickets it takes.
    pub async fn hospitals(&self) -> Result<Vec<HospitalView>> {
        let held = self.held_tickets().await?;
        let connections = self.deps.store.connections().await?;
        let portals = self.portal_connections(None, false).await?;
        Ok(self
            .deps
            .store
            .hospitals()
            .await?
            .into_iter()
            .map(|(row, linked)| {
                let mine: Vec<_> = connections.iter().filter(|k| k.fhir_base_url == row.fhir_base_url).collect();
                let through: Vec<_> = portals.iter().filter(|c| c.row.fhir_base_url == row.fhir_base_url).collect();
                // The best outcome across its connections, best first.
                let status = [
                    ConnectionStatus::Connected,
                    ConnectionStatus::NeedsConfirmation,
                    ConnectionStatus::NotShown,
                    ConnectionStatus::NoRecords,
                    ConnectionStatus::Unsupported,
                    ConnectionStatus::Failed,
                    ConnectionStatus::NotCovered,
                ]
                .into_iter()
                .find(|s| {
                    let state = s.kept_as();
                    mine.iter().any(|k| k.status == state) || through.iter().any(|c| c.row.status == state)
                });
                let last = mine.iter().map(|k| k.last_used).chain(through.iter().map(|c| c.row.last_used)).max();
                let mut portal: Vec<String> =
                    through.iter().filter_map(|c| c.secret.as_ref().ok()).map(|s| s.named.full_name()).collect();
                portal.dedup();
                let mut people: Vec<String> = held
                    .iter()
                    .filter(|t| serves(t, &row, &linked))
                    .map(|t| t.ticket.claims.patient.full_name())
                    .collect();
                people.dedup();
                HospitalView {
                    fhir_base_url: row.fhir_base_url,
                    name: row.name,
                    source: row.source,
                    tickets: linked.len() as u32,
                    status,
                    last_contact: last.map(crate::words::describe::date_words),
                    people,
                    portal,
                }
            })
            .collect())
    }

    /// Adds a hospital by its FHIR base URL, after checking it answers SMART discovery; its name is read from its
    /// SMART configuration or CapabilityStatement (never shown as host and port when it names itself).
    pub async fn add_hospital(&self, url: &str) -> Result<HospitalView> {
        let base = crate::base::http::typed_address(url)?;
        let (config, _) = exchange::fetch_configuration(&self.deps.http, &base).await.map_err(|error| {
            let action = "Check the address and that the hospital is online, then add it again; nothing was added.";
            error.with_action(action)
        })?;
        let name = exchange::name_of(&self.deps.http, &base, &config).await.unwrap_or_else(|| host_of(&base));
        let row = HospitalRow::new(base.clone(), name, HospitalSource::Manual);
        self.deps.store.save_hospital(&row, &[], self.deps.clock.unix_now()).await?;
        Ok(self.hospitals().await?.into_iter().find(|h| h.fhir_base_url == base).unwrap_or(HospitalView {
            fhir_base_url: base,
            name: row.name,
            source: row.source,
            tickets: 0,
            status: None,
            last_contact: None,
            people: Vec::new(),
            portal: Vec::new(),
        }))
    }

    /// Removes a hospital from the directory (its registration and cached configuration are forgotten too);
    /// `portal.still_connected`, naming the connection to end, while a patient-portal connection there is in force
    /// or being ended (removing the hospital would leave its token live there, out of sight).
    pub async fn remove_hospital(&self, url: &str) -> Result<()> {
        let base = crate::base::http::normalise_base(url)?;
        if !self.deps.store.hospitals().await?.iter().any(|(row, _)| row.fhir_base_url == base) {
            return Err(Error::new(ErrorCode::InvalidInput)
                .with_message("That hospital is not in your directory.")
                .with_action("Choose one of the hospitals in your directory."));
        }
        let portals = self.deps.store.portal_connections().await?;
        if portals.iter().any(|row| row.fhir_base_url == base && row.status != ConnectionState::Revoked) {
            let name = self.deps.store.hospital_names().await?.remove(&base).unwrap_or_else(|| host_of(&base));
            return Err(Error::new(ErrorCode::PortalStillConnected)
                .with_message(format!("Tessera still reads {name} through its patient portal."))
                .with_action(format!(
                    "End the portal connection first: in Grants (\"End the portal connection to {name}\"); then \
                     remove the hospital."
                )));
        }
        self.deps.store.forget_hospital(&base).await
    }

    /// Imports a SMART User-access Brands bundle from a file path or an http(s) URL into the hospital directory.
    pub async fn import_brands(&self, source: &str) -> Result<Vec<HospitalView>> {
        let bundle: Value = if source.starts_with("https://") || source.starts_with("http://") {
            let answer = self.deps.http.get(Party::Hospital, source, None).await?;
            if answer.status != 200 {
                return Err(
                    Error::new(ErrorCode::HospitalError).with_detail(format!("brands bundle: HTTP {}", answer.status))
                );
            }
            answer.json
        } else {
            let text = std::fs::read_to_string(source).map_err(|e| {
                Error::new(ErrorCode::InvalidInput)
                    .with_message("Tessera cannot read that file.")
                    .with_detail(e.to_string())
            })?;
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        let mut added = Vec::new();
        for brand in crate::hospitals::brands::parse(&bundle)? {
            let row = HospitalRow {
                fhir_base_url: brand.fhir_base_url,
                name: brand.name,
                source: HospitalSource::Brands,
                facts: brand.facts,
            };
            self.deps.store.save_hospital(&row, &[], self.deps.clock.unix_now()).await?;
            added.push(row.fhir_base_url);
        }
        let directory = self.hospitals().await?;
        Ok(added.iter().filter_map(|url| directory.iter().find(|h| &h.fhir_base_url == url).cloned()).collect())
    }
}
