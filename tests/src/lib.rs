//! Helpers shared by the integration tests: drop counting, wakers that
//! count their wake-ups, and a minimal executor.
