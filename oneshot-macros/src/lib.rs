//! Placeholder until the macro lands (issue 3).
