//! Helpers shared by the end-to-end tests.
pub mod audit;
pub mod driver;
pub mod notifications;
pub mod pages;
