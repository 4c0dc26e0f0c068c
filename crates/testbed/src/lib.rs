//! tessera-testbed
