//! Revocation status lists, read by the wallet and written by the test broker: `{"kid", "bits"}` where `bits` = base64url(gzip(bitstring)), bit `i` at
//! byte `i / 8` under mask `1 << (i % 8)` (least significant bit first, as the reference Data Holder reads it).

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::{Read, Write};

/// A growable bitstring of revocation flags.
#[derive(Debug, Clone, Default)]
pub struct StatusList {
    bytes: Vec<u8>,
}

impl StatusList {
    /// A list with room for `capacity` entries, all clear (at least 16 KiB, so lists are not per-ticket sized).
    pub fn with_capacity(capacity: usize) -> Self {
        Self { bytes: vec![0; (capacity / 8 + 1).max(16_384)] }
    }

    /// Sets bit `index` (revoked).
    pub fn set(&mut self, index: usize) {
        if index / 8 >= self.bytes.len() {
            self.bytes.resize(index / 8 + 1, 0);
        }
        self.bytes[index / 8] |= 1 << (index % 8);
    }

    /// Whether bit `index` is set; an index beyond the list is not set.
    pub fn is_set(&self, index: usize) -> bool {
        self.bytes.get(index / 8).is_some_and(|byte| byte & (1 << (index % 8)) != 0)
    }

    /// The `bits` member: base64url(gzip(bitstring)).
    pub fn encode(&self) -> String {
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(&self.bytes).expect("writing to memory");
        crate::b64url(&gz.finish().expect("writing to memory"))
    }

    /// Reads a `bits` member. Refuses more than `max_bytes` of bitstring (a gzip bomb).
    pub fn decode(bits: &str, max_bytes: usize) -> Result<Self, String> {
        let compressed = crate::b64url_decode(bits).map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        GzDecoder::new(compressed.as_slice())
            .take(max_bytes as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("bad gzip: {e}"))?;
        if bytes.len() > max_bytes {
            return Err("status list too large".into());
        }
        Ok(Self { bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_lsb_first() {
        let mut list = StatusList::with_capacity(100);
        list.set(7);
        list.set(42);
        let decoded = StatusList::decode(&list.encode(), 1 << 20).unwrap();
        assert!(decoded.is_set(7) && decoded.is_set(42));
        assert!(!decoded.is_set(8) && !decoded.is_set(1_000_000));
        assert_eq!(decoded.bytes[0], 0b1000_0000);
    }

    #[test]
    fn reads_the_spec_vector_as_its_readme_says() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/spec-vectors/status-list.generated.json");
        let text = std::fs::read_to_string(path).expect("the spec vectors are kept in tests/spec-vectors");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let list = StatusList::decode(json["bits"].as_str().unwrap(), 1 << 20).unwrap();
        for revoked in [7, 4722] {
            assert!(list.is_set(revoked), "{revoked}");
        }
        for clear in [0, 8, 4721, 4723, 8191, 100_000] {
            assert!(!list.is_set(clear), "{clear}");
        }
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(StatusList::decode("H4sIAAAAAAAA/2NgYGBgBGIOAwA+T46LBQAAAA", 1 << 20).is_err());
        assert!(StatusList::decode("", 1 << 20).is_err());
    }
}
