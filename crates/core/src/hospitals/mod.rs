//! Hospitals: the directory (broker hints, Brands bundles, added by hand), SMART discovery, registration and the
//! RFC 8693 token exchange of a ticket, and reaching many of them at once (bounded, isolated, with progress).

pub mod brands;
pub mod directory;
pub mod exchange;
pub mod fan_out;
pub mod reach;
