//! Tickets and dates in plain words: the one vocabulary the window and the CLI share (what a ticket lets whom do,
//! until when, and the HL7 code-system tables behind relationships, authorities and purposes).

pub mod describe;
