//! Integration tests: each test starts a real server on a random port over a fresh
//! database (SQLite, or PostgreSQL when `ECABINET_TEST_POSTGRES` is set) and drives it with
//! real HTTP and WebSocket clients.

mod access;
mod auth;
mod chaos;
mod crash;
mod devices;
mod documents;
mod exchange;
mod hardening;
mod meetings;
mod minutes;
mod opinions;
mod polls;
mod realtime;
mod render_worker;
mod reporting;
mod scaleout;
mod storage;
