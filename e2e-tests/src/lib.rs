//! Shared fixtures of the DCU e2e tests.
