//! A blocking HTTP client with the manners users expect: timeouts, retries with exponential
//! backoff and jitter (5xx, network errors, truncated bodies), `429` honoured with
//! `Retry-After`, and a minimum interval between two requests to the same host.
//!
//! Every waiting time is configurable ([`HttpConfig`], environment `EVIMPACT_FETCH_*`) so
//! that tests run in milliseconds.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::FetchErrorKind;

/// Timeouts, retries and waits.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpConfig {
    /// Whole-request timeout (connect + headers + body).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Retries after the first attempt (on 5xx, 429, network errors, truncated bodies).
    pub retries: u32,
    /// Backoff before retry k (0-based): min(cap, base · 2^k), with "equal jitter"
    /// (a uniform draw in [½, 1] of it).
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Longest `Retry-After` honoured; a longer one fails the request at once.
    pub retry_after_cap: Duration,
    /// Overrides every source's polite interval between two requests to a host.
    pub min_interval: Option<Duration>,
    /// Refuse any URL whose host is not loopback (tests).
    pub loopback_only: bool,
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retries: 4,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(120),
            min_interval: None,
            loopback_only: false,
            user_agent: format!(
                "Mozilla/5.0 (compatible; evimpact/{}; event-study tool)",
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

impl HttpConfig {
    /// Applies `EVIMPACT_FETCH_TIMEOUT_MS`, `_RETRIES`, `_BACKOFF_MS`, `_BACKOFF_CAP_MS`,
    /// `_RETRY_AFTER_CAP_MS`, `_INTERVAL_MS` and `_LOOPBACK_ONLY` (1/true).
    ///
    /// # Errors
    /// A value that is not a number, naming the variable.
    pub fn with_env(mut self) -> Result<Self, String> {
        fn ms(name: &str) -> Result<Option<Duration>, String> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => v
                    .trim()
                    .parse::<u64>()
                    .map(|n| Some(Duration::from_millis(n)))
                    .map_err(|_| format!("{name}: expected milliseconds, found \"{v}\"")),
                _ => Ok(None),
            }
        }
        if let Some(d) = ms("EVIMPACT_FETCH_TIMEOUT_MS")? {
            self.timeout = d;
            self.connect_timeout = self.connect_timeout.min(d);
        }
        if let Some(d) = ms("EVIMPACT_FETCH_BACKOFF_MS")? {
            self.backoff_base = d;
        }
        if let Some(d) = ms("EVIMPACT_FETCH_BACKOFF_CAP_MS")? {
            self.backoff_cap = d;
        }
        if let Some(d) = ms("EVIMPACT_FETCH_RETRY_AFTER_CAP_MS")? {
            self.retry_after_cap = d;
        }
        if let Some(d) = ms("EVIMPACT_FETCH_INTERVAL_MS")? {
            self.min_interval = Some(d);
        }
        if let Ok(v) = std::env::var("EVIMPACT_FETCH_RETRIES")
            && !v.trim().is_empty()
        {
            self.retries = v
                .trim()
                .parse()
                .map_err(|_| format!("EVIMPACT_FETCH_RETRIES: expected a count, found \"{v}\""))?;
        }
        if let Ok(v) = std::env::var("EVIMPACT_FETCH_LOOPBACK_ONLY") {
            self.loopback_only = matches!(v.trim(), "1" | "true" | "yes");
        }
        Ok(self)
    }

    /// The wait before retry `attempt` (0-based) after a 5xx or a network error:
    /// `min(cap, base · 2^attempt)` scaled by `jitter` ∈ [0, 1] into [½, 1] of it.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32.checked_shl(attempt.min(30)).unwrap_or(u32::MAX))
            .min(self.backoff_cap);
        exp.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// A uniform draw in [0, 1) from the standard library's randomly seeded hasher.
fn jitter() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A `Retry-After` value: delay-seconds or an HTTP-date.
pub fn parse_retry_after(v: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let t = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let d = t.with_timezone(&chrono::Utc) - now;
    Some(d.to_std().unwrap_or(Duration::ZERO))
}

/// Checks that a URL parses, is http(s), and (when asked) that its host is loopback.
///
/// # Errors
/// A message saying what is wrong.
pub fn check_url(url: &str, loopback_only: bool) -> Result<reqwest::Url, String> {
    let u = reqwest::Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!("scheme {} is not http or https", u.scheme()));
    }
    if loopback_only {
        let host = u.host_str().unwrap_or("");
        let ok = match host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
        {
            Ok(ip) => ip.is_loopback(),
            Err(_) => host.eq_ignore_ascii_case("localhost"),
        };
        if !ok {
            return Err(format!(
                "host {} is not a loopback host (EVIMPACT_FETCH_LOOPBACK_ONLY is set)",
                u.host_str().unwrap_or("")
            ));
        }
    }
    Ok(u)
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    /// Attempts it took (1 = first try).
    pub attempts: u32,
}

/// Why a request failed (after its retries).
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    NotAllowed(String),
    #[error("HTTP {status}{}{} (after {attempts} attempt(s))", if reason.is_empty() { String::new() } else { format!(" {reason}") }, if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status {
        status: u16,
        reason: String,
        /// The start of the body, for the message.
        body: String,
        attempts: u32,
    },
    #[error("timed out after {timeout:?} (after {attempts} attempt(s))")]
    Timeout { timeout: Duration, attempts: u32 },
    #[error("{message} (after {attempts} attempt(s))")]
    Network { message: String, attempts: u32 },
    #[error("truncated body: {message} (after {attempts} attempt(s))")]
    Truncated { message: String, attempts: u32 },
    #[error(
        "HTTP 429: the server asks to retry after {wait:?}, longer than the {cap:?} this client waits"
    )]
    RetryAfterTooLong { wait: Duration, cap: Duration },
}

impl HttpError {
    pub fn kind(&self) -> FetchErrorKind {
        match self {
            HttpError::NotAllowed(_) => FetchErrorKind::Usage,
            HttpError::Status {
                status: 400 | 404 | 410 | 422,
                ..
            } => FetchErrorKind::NotFound,
            HttpError::Status { .. } | HttpError::RetryAfterTooLong { .. } => {
                FetchErrorKind::Status
            }
            HttpError::Timeout { .. } | HttpError::Network { .. } => FetchErrorKind::Network,
            HttpError::Truncated { .. } => FetchErrorKind::Parse,
        }
    }
}

/// The client: one connection pool, one rate limiter per host.
pub struct Http {
    client: reqwest::blocking::Client,
    pub cfg: HttpConfig,
    next_slot: Mutex<HashMap<String, Instant>>,
}

enum Attempt {
    Done(Response),
    Retry {
        after: Option<Duration>,
        err: HttpError,
    },
    Fail(HttpError),
}

impl Http {
    /// # Errors
    /// The TLS backend cannot be initialised.
    pub fn new(cfg: HttpConfig) -> Result<Http, String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            .user_agent(cfg.user_agent.clone())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Http {
            client,
            cfg,
            next_slot: Mutex::new(HashMap::new()),
        })
    }

    /// Waits for this host's turn: requests to one host are at least `interval` apart.
    fn wait_turn(&self, host: &str, interval: Duration) {
        if interval.is_zero() {
            return;
        }
        let wait = match self.next_slot.lock() {
            Ok(mut slots) => {
                let now = Instant::now();
                let slot = slots.get(host).copied().filter(|t| *t > now).unwrap_or(now);
                slots.insert(host.to_string(), slot + interval);
                slot - now
            }
            Err(_) => Duration::ZERO,
        };
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }

    /// GET with retries. `interval` is the polite minimum interval for this URL's host.
    ///
    /// # Errors
    /// See [`HttpError`]: 4xx other than 429 fail at once; 5xx, 429, network errors and
    /// truncated bodies are retried `cfg.retries` times.
    pub fn get(&self, url: &str, interval: Duration) -> Result<Response, HttpError> {
        let u = check_url(url, self.cfg.loopback_only).map_err(HttpError::NotAllowed)?;
        let host = format!(
            "{}:{}",
            u.host_str().unwrap_or(""),
            u.port_or_known_default().unwrap_or(0)
        );
        let mut attempt = 0u32;
        loop {
            self.wait_turn(&host, interval);
            let n = attempt + 1;
            match self.once(u.clone(), n) {
                Attempt::Done(r) => return Ok(r),
                Attempt::Fail(e) => return Err(e),
                Attempt::Retry { after, err } => {
                    if attempt >= self.cfg.retries {
                        return Err(err);
                    }
                    let wait = match after {
                        Some(w) if w > self.cfg.retry_after_cap => {
                            return Err(HttpError::RetryAfterTooLong {
                                wait: w,
                                cap: self.cfg.retry_after_cap,
                            });
                        }
                        Some(w) => w,
                        None => self.cfg.backoff(attempt, jitter()),
                    };
                    std::thread::sleep(wait);
                    attempt += 1;
                }
            }
        }
    }

    /// A timeout when `e` is one (with this client's timeout), else `other()`.
    fn timeout_or(
        &self,
        e: &reqwest::Error,
        attempts: u32,
        other: impl FnOnce() -> HttpError,
    ) -> HttpError {
        if e.is_timeout() {
            HttpError::Timeout {
                timeout: self.cfg.timeout,
                attempts,
            }
        } else {
            other()
        }
    }

    fn once(&self, u: reqwest::Url, attempts: u32) -> Attempt {
        let resp = match self.client.get(u).send() {
            Ok(r) => r,
            Err(e) => {
                let err = self.timeout_or(&e, attempts, || HttpError::Network {
                    message: error_chain(&e),
                    attempts,
                });
                return Attempt::Retry { after: None, err };
            }
        };
        let status = resp.status();
        let code = status.as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
        let declared = resp.content_length();
        let body = match resp.bytes() {
            Ok(b) => b.to_vec(),
            Err(e) => {
                let err = self.timeout_or(&e, attempts, || HttpError::Truncated {
                    message: format!(
                        "the connection ended before the body was complete{} ({})",
                        declared
                            .map(|n| format!(" (Content-Length {n})"))
                            .unwrap_or_default(),
                        error_chain(&e)
                    ),
                    attempts,
                });
                return Attempt::Retry { after: None, err };
            }
        };
        if let Some(n) = declared
            && n as usize != body.len()
        {
            return Attempt::Retry {
                after: None,
                err: HttpError::Truncated {
                    message: format!("received {} of {n} bytes", body.len()),
                    attempts,
                },
            };
        }
        if status.is_success() {
            return Attempt::Done(Response {
                status: code,
                body,
                attempts,
            });
        }
        let snippet: String = String::from_utf8_lossy(&body)
            .chars()
            .take(200)
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let err = HttpError::Status {
            status: code,
            reason: status.canonical_reason().unwrap_or("").to_string(),
            body: snippet,
            attempts,
        };
        if code == 429 {
            Attempt::Retry {
                after: retry_after,
                err,
            }
        } else if status.is_server_error() {
            Attempt::Retry { after: None, err }
        } else {
            Attempt::Fail(err)
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_equal_jitter() {
        let c = HttpConfig {
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_millis(1000),
            ..Default::default()
        };
        assert_eq!(c.backoff(0, 1.0), Duration::from_millis(100));
        assert_eq!(c.backoff(0, 0.0), Duration::from_millis(50));
        assert_eq!(c.backoff(3, 1.0), Duration::from_millis(800));
        assert_eq!(c.backoff(4, 1.0), Duration::from_millis(1000));
        assert_eq!(c.backoff(60, 0.0), Duration::from_millis(500));
        let j = jitter();
        assert!((0.0..1.0).contains(&j));
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2019-10-07T12:00:00Z")
            .expect("valid")
            .with_timezone(&chrono::Utc);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Mon, 07 Oct 2019 12:00:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn loopback_check() {
        assert!(check_url("http://127.0.0.1:80/x", true).is_ok());
        assert!(check_url("http://localhost/x", true).is_ok());
        assert!(check_url("http://[::1]:8/x", true).is_ok());
        assert!(check_url("https://stooq.com/q/d/l/", true).is_err());
        assert!(check_url("https://stooq.com/q/d/l/", false).is_ok());
        assert!(check_url("ftp://127.0.0.1/", false).is_err());
    }
}
