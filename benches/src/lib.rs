//! Placeholder member.
