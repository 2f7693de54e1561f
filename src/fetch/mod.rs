//! Fetchers: prices, factors and news events from public sources, cached, with provenance.
//!
//! Every source is a [`Source`]: one line of the table behind [`sources`] and a `fetch`
//! function in its own file ([`yahoo`], [`stooq`], [`eastmoney`], [`french`],
//! [`federal_register`], [`gdelt`]). The function builds its URLs from a base URL, asks
//! [`Ctx::get`] for each body (network or cache) and converts the bodies into one of the
//! project's input tables ([`Table`]). [`Fetcher`] does the rest:
//!
//! - HTTP ([`http`]): timeouts, retries with exponential backoff and jitter on 5xx and on
//!   network errors, `429` honoured with `Retry-After`, a polite minimum interval per host,
//!   a clear error for any other 4xx;
//! - cache ([`cache`]): one file per request under `<data>/cache/<source>/`, written
//!   atomically (temporary file, then rename) with a provenance sidecar (URL, time fetched,
//!   HTTP status, SHA-256, source). A body whose sidecar is missing or whose hash does not
//!   match is never read back. Bodies are only cached once the source has parsed them;
//! - outputs: the converted CSV is written atomically next to its own
//!   `<file>.provenance.json` (source, query, requests, units, notes, SHA-256 of the CSV),
//!   which `evimpact run` copies into `summary.json`;
//! - concurrency across symbols (threads), reporting to the config's
//!   [`crate::progress::Progress`] (the command line draws the bar).
//!
//! Base URLs: each source has its real host as default; `--base-url [SOURCE=]URL` or
//! `EVIMPACT_FETCH_BASE_URL[_SOURCE]` override it (tests point every source at a loopback
//! server). `EVIMPACT_FETCH_LOOPBACK_ONLY=1` refuses any URL whose host is not loopback.

pub mod cache;
pub mod eastmoney;
pub mod federal_register;
pub mod french;
pub mod gdelt;
pub mod halts;
pub mod http;
pub mod plan;
pub mod stooq;
pub mod yahoo;
pub use crate::data::zip;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::data::provenance::{provenance_path, sha256_hex};
pub use cache::Cache;
pub use http::{Http, HttpConfig};
pub use plan::check_inputs;

use crate::error::{Error, InputError};
use crate::progress::{NoProgress, Progress};

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// What went wrong, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchErrorKind {
    /// Bad usage: unknown source, a symbol the source cannot serve, bad dates (exit 2).
    Usage,
    /// The service says the symbol or query does not exist (HTTP 400/404) (exit 2).
    NotFound,
    /// The service answered, but with no data for the symbol and period (exit 2).
    Empty,
    /// Network failure or timeout after the retries (exit 1).
    Network,
    /// An HTTP error status after the retries (exit 1).
    Status,
    /// A body that does not parse in the service's format (exit 1).
    Parse,
    /// `--offline` and the request is not cached (exit 1).
    Offline,
    /// Local file system (exit 1).
    Io,
}

/// A fetch failure, naming the source, the symbol or query, and the URL.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{source_name} {what}: {message}{}", if url.is_empty() { String::new() } else { format!(" [{url}]") })]
pub struct FetchError {
    pub kind: FetchErrorKind,
    pub source_name: String,
    pub what: String,
    pub url: String,
    pub message: String,
}

impl FetchError {
    pub fn new(
        kind: FetchErrorKind,
        source_name: &str,
        what: &str,
        url: &str,
        message: impl Into<String>,
    ) -> Self {
        FetchError {
            kind,
            source_name: source_name.to_string(),
            what: what.to_string(),
            url: url.to_string(),
            message: message.into(),
        }
    }

    /// A usage error not tied to one source.
    pub fn usage(message: impl Into<String>) -> Self {
        FetchError::new(FetchErrorKind::Usage, "fetch", "", "", message)
    }

    pub fn io(path: &Path, e: &std::io::Error) -> Self {
        FetchError::new(
            FetchErrorKind::Io,
            "fetch",
            "",
            "",
            format!("{}: {e}", path.display()),
        )
    }

    /// Exit code: 2 for bad usage or a symbol/period the service does not have, else 1.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            FetchErrorKind::Usage | FetchErrorKind::NotFound | FetchErrorKind::Empty => 2,
            _ => 1,
        }
    }
}

impl From<FetchError> for Error {
    fn from(e: FetchError) -> Self {
        if e.exit_code() == 2 {
            Error::Input(InputError::Usage(e.to_string()))
        } else {
            Error::Run(anyhow::Error::new(e))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Queries, tables, sources
// ---------------------------------------------------------------------------------------

/// What a source is asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Query {
    /// Daily prices of one security (or, `index = true`, one market index), inclusive dates.
    Prices {
        symbol: String,
        index: bool,
        from: NaiveDate,
        to: NaiveDate,
    },
    /// Daily factors (Fama-French 3), optionally limited to a period.
    Factors {
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    },
    /// Federal Register rules matching `term` by `agency`, published in [from, to].
    Rules {
        term: String,
        agency: String,
        from: NaiveDate,
        to: NaiveDate,
        /// Also list the entities named in each rule (one row per rule and entity).
        entities: bool,
        /// Keep only rules whose title contains `term` (else every rule the search returns).
        title_filter: bool,
        /// Entity → security map (normalised entity name fragment, security).
        securities: Vec<(String, String)>,
    },
    /// Articles per day matching a news query.
    Timeline {
        query: String,
        from: NaiveDate,
        to: NaiveDate,
    },
    /// Headlines matching a news query, as an events file.
    Articles {
        query: String,
        from: NaiveDate,
        to: NaiveDate,
        max: usize,
    },
    /// A file derived from other files (a calendar or halts), not fetched.
    Derived { what: String, inputs: Vec<String> },
}

impl Query {
    /// The query's kind as in its serialized `kind` tag: `prices`, `factors`, `rules`,
    /// `timeline`, `articles`, `derived`.
    pub fn kind(&self) -> &'static str {
        match self {
            Query::Prices { .. } => "prices",
            Query::Factors { .. } => "factors",
            Query::Rules { .. } => "rules",
            Query::Timeline { .. } => "timeline",
            Query::Articles { .. } => "articles",
            Query::Derived { .. } => "derived",
        }
    }

    /// The symbol or query, for messages, cache names and progress.
    pub fn label(&self) -> String {
        match self {
            Query::Prices { symbol, .. } => symbol.clone(),
            Query::Factors { .. } => "F-F_Research_Data_Factors_daily".into(),
            Query::Rules { term, .. } => format!("\"{term}\" rules"),
            Query::Timeline { query, .. } | Query::Articles { query, .. } => {
                format!("\"{query}\"")
            }
            Query::Derived { what, .. } => what.clone(),
        }
    }
}

/// A converted table: one of the project's input formats, with units and notes for the
/// provenance sidecar.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Column → unit ("USD", "shares", "percent per day", ...).
    pub units: BTreeMap<String, String>,
    /// How the table was derived (adjustments applied, rows dropped, conventions).
    pub notes: Vec<String>,
}

/// The columns of a daily price table, in order (sources may add their own after them).
pub const PRICE_COLUMNS: [&str; 7] = [
    "date",
    "open",
    "high",
    "low",
    "close",
    "adj_close",
    "volume",
];

impl Table {
    pub fn new(columns: &[&str]) -> Table {
        Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        }
    }

    pub fn unit(&mut self, column: &str, unit: impl Into<String>) {
        self.units.insert(column.to_string(), unit.into());
    }

    /// Index of a column.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The CSV bytes (header + rows).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        // Writing to a Vec cannot fail; a failure here would be a bug in the csv crate.
        let _ = w.write_record(&self.columns);
        for r in &self.rows {
            let _ = w.write_record(r);
        }
        w.into_inner().unwrap_or_default()
    }
}

/// A number as the CSV writes it: shortest form that reads back to the same f64.
pub fn fmt_num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

/// A volume: an integer when integral.
pub fn fmt_count(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
        format!("{}", v as i64)
    } else {
        fmt_num(v)
    }
}

/// What a source is: its name, the service it talks to, the queries it answers and how
/// politely it must be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct About {
    /// Short name used on the command line, in cache paths and in provenance: `yahoo`.
    pub name: &'static str,
    /// The real service's base URL (scheme and host), e.g. `https://query1.finance.yahoo.com`.
    pub base: &'static str,
    /// The kinds of query (see [`Query::kind`]) this source answers.
    pub answers: &'static [&'static str],
    /// Polite minimum interval between two requests to this source's host, in ms.
    pub min_interval_ms: u64,
    /// File extension of the cached bodies (`json`, `csv`, `zip`).
    pub body_ext: &'static str,
}

impl About {
    /// `About { name, base, answers, min_interval_ms, body_ext }`, for one-line constants.
    pub const fn new(
        name: &'static str,
        base: &'static str,
        answers: &'static [&'static str],
        min_interval_ms: u64,
        body_ext: &'static str,
    ) -> About {
        About {
            name,
            base,
            answers,
            min_interval_ms,
            body_ext,
        }
    }
}

/// A public data source: what it is ([`About`]) and how it fetches and converts. A new
/// source is one file with its `fetch` function plus one line in the table of [`sources`].
pub struct Source {
    pub about: About,
    /// Fetches (through the [`Ctx`]) and converts.
    fetch: fn(&Ctx<'_>, &Query) -> Result<Table, FetchError>,
}

impl Source {
    /// One line of the table of sources.
    const fn new(about: About, fetch: fn(&Ctx<'_>, &Query) -> Result<Table, FetchError>) -> Source {
        Source { about, fetch }
    }

    /// Fetches (through `ctx`) and converts.
    ///
    /// # Errors
    /// Any [`FetchError`], naming the source, the symbol and the URL.
    pub fn fetch(&self, ctx: &Ctx<'_>, q: &Query) -> Result<Table, FetchError> {
        (self.fetch)(ctx, q)
    }
    /// [`About::name`].
    pub fn name(&self) -> &'static str {
        self.about.name
    }
    /// [`About::base`].
    pub fn default_base(&self) -> &'static str {
        self.about.base
    }
    /// Whether this source answers this kind of query.
    pub fn answers(&self, q: &Query) -> bool {
        self.about.answers.contains(&q.kind())
    }
    /// [`About::min_interval_ms`].
    pub fn min_interval(&self) -> Duration {
        Duration::from_millis(self.about.min_interval_ms)
    }
    /// [`About::body_ext`].
    pub fn body_ext(&self) -> &'static str {
        self.about.body_ext
    }
}

/// The sources, one line each: name, the real service's base URL, the queries it answers, the
/// polite interval between two requests (ms), the cached bodies' extension, and the file's
/// `fetch`.
#[rustfmt::skip]
mod table {
    use super::{About, Source, eastmoney, federal_register, french, gdelt, stooq, yahoo};

    pub static YAHOO: Source = Source::new(About::new("yahoo", "https://query1.finance.yahoo.com", &["prices"], 500, "json"), yahoo::fetch);
    pub static STOOQ: Source = Source::new(About::new("stooq", "https://stooq.com", &["prices"], 1000, "csv"), stooq::fetch);
    pub static EASTMONEY: Source = Source::new(About::new("eastmoney", "https://push2his.eastmoney.com", &["prices"], 500, "json"), eastmoney::fetch);
    pub static FRENCH: Source = Source::new(About::new("french", "https://mba.tuck.dartmouth.edu", &["factors"], 1000, "zip"), french::fetch);
    pub static FEDERAL_REGISTER: Source = Source::new(About::new("federal_register", "https://www.federalregister.gov", &["rules"], 500, "json"), federal_register::fetch);
    pub static GDELT: Source = Source::new(About::new("gdelt", "https://api.gdeltproject.org", &["timeline", "articles"], 5000, "json"), gdelt::fetch);
}
pub use table::{EASTMONEY, FEDERAL_REGISTER, FRENCH, GDELT, STOOQ, YAHOO};

/// Every source, in the order the command line lists them.
pub fn sources() -> [&'static Source; 6] {
    [
        &YAHOO,
        &STOOQ,
        &EASTMONEY,
        &FRENCH,
        &FEDERAL_REGISTER,
        &GDELT,
    ]
}

/// A source by name.
///
/// # Errors
/// An unknown name (usage), listing the known ones.
pub fn source(name: &str) -> Result<&'static Source, FetchError> {
    sources()
        .into_iter()
        .find(|s| s.name() == name)
        .ok_or_else(|| {
            FetchError::usage(format!(
                "unknown source \"{name}\" (available: {})",
                sources().map(|s| s.name()).join(", ")
            ))
        })
}

/// Exchange suffix of a Shanghai/Shenzhen listing.
pub fn is_a_share(symbol: &str) -> bool {
    let s = symbol.to_ascii_uppercase();
    s.ends_with(".SZ") || s.ends_with(".SH") || s.ends_with(".SS")
}

/// The default price source for a symbol: Eastmoney for A-shares and Chinese indices, Yahoo
/// for everything else.
pub fn default_price_source(symbol: &str) -> &'static Source {
    if is_a_share(symbol) {
        &EASTMONEY
    } else {
        &YAHOO
    }
}

/// File-name form of a symbol: `^GSPC` → `GSPC`.
pub fn file_stem_of(symbol: &str) -> String {
    symbol
        .trim_start_matches('^')
        .chars()
        .map(file_char)
        .collect()
}

/// A character as it may stand in a file name here: ASCII letters, digits, `.`, `-` and `_`
/// as they are, anything else `_` (symbols in data paths, query labels in cache paths).
pub fn file_char(c: char) -> char {
    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
        c
    } else {
        '_'
    }
}

// ---------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------

/// Everything a fetch needs to know.
#[derive(Clone)]
pub struct FetchConfig {
    /// The data directory the outputs go to (and the cache under `cache/`).
    pub data_dir: PathBuf,
    /// The cache directory [default: `<data>/cache`].
    pub cache_dir: PathBuf,
    /// Ignore cached bodies and outputs: fetch again.
    pub refresh: bool,
    /// Never use the network: everything must come from the cache.
    pub offline: bool,
    /// Concurrent symbols.
    pub jobs: usize,
    /// Where progress goes (symbols done / total); nowhere by default.
    pub progress: std::sync::Arc<dyn Progress + Send>,
    /// Base URL overrides: source name → base; `*` for every source.
    pub base_urls: BTreeMap<String, String>,
    pub http: HttpConfig,
}

impl FetchConfig {
    /// Defaults for a data directory, then the `EVIMPACT_FETCH_*` environment.
    ///
    /// # Errors
    /// An environment variable that does not parse.
    pub fn new(data_dir: &Path) -> Result<FetchConfig, FetchError> {
        let mut cfg = FetchConfig {
            data_dir: data_dir.to_path_buf(),
            cache_dir: data_dir.join("cache"),
            refresh: false,
            offline: false,
            jobs: 4,
            progress: std::sync::Arc::new(NoProgress),
            base_urls: BTreeMap::new(),
            http: HttpConfig::default()
                .with_env()
                .map_err(FetchError::usage)?,
        };
        if let Some(v) = env_nonempty("EVIMPACT_FETCH_BASE_URL") {
            cfg.base_urls.insert("*".into(), v);
        }
        for s in sources() {
            let var = format!("EVIMPACT_FETCH_BASE_URL_{}", s.name().to_ascii_uppercase());
            if let Some(v) = env_nonempty(&var) {
                cfg.base_urls.insert(s.name().into(), v);
            }
        }
        Ok(cfg)
    }

    /// Adds a `--base-url` value: `SOURCE=URL` or `URL` (every source).
    ///
    /// # Errors
    /// An unknown source name.
    pub fn set_base_url(&mut self, spec: &str) -> Result<(), FetchError> {
        match spec.split_once('=') {
            Some((name, url)) if !name.contains(':') && !name.contains('/') => {
                source(name)?;
                self.base_urls
                    .insert(name.into(), url.trim_end_matches('/').into());
            }
            _ => {
                self.base_urls
                    .insert("*".into(), spec.trim_end_matches('/').into());
            }
        }
        Ok(())
    }

    /// The base URL a source uses: its override, else the `*` override, else its real host.
    pub fn base_for(&self, s: &Source) -> String {
        self.base_urls
            .get(s.name())
            .or_else(|| self.base_urls.get("*"))
            .cloned()
            .unwrap_or_else(|| s.default_base().to_string())
            .trim_end_matches('/')
            .to_string()
    }
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

// ---------------------------------------------------------------------------------------
// Provenance records
// ---------------------------------------------------------------------------------------

/// One HTTP request behind a cached body (the cache sidecar) or behind an output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub source: String,
    pub url: String,
    /// RFC 3339, UTC.
    pub fetched_at: String,
    pub http_status: u16,
    /// SHA-256 of the body, hex.
    pub sha256: String,
    pub bytes: usize,
    pub attempts: u32,
    /// The cached body, relative to the data directory when inside it.
    pub cache_file: String,
    /// Whether this run read it from the cache (not stored in the cache sidecar).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_cache: bool,
}

/// The sidecar written next to every output file: `<file>.provenance.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance<'a> {
    /// Format marker of this sidecar.
    pub evimpact_provenance: u32,
    pub file: String,
    /// SHA-256 of the output file, hex.
    pub sha256: String,
    pub source: String,
    pub query: &'a Query,
    pub columns: &'a [String],
    pub rows: usize,
    pub units: &'a BTreeMap<String, String>,
    pub notes: &'a [String],
    pub requests: &'a [RequestRecord],
    pub written_at: String,
    pub tool: String,
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

// ---------------------------------------------------------------------------------------
// The fetch context handed to sources
// ---------------------------------------------------------------------------------------

/// What a source sees while fetching one query: its base URL and a cache-aware `get`.
pub struct Ctx<'a> {
    pub source: &'a Source,
    /// Base URL, no trailing slash.
    pub base: String,
    /// Symbol or query, for messages.
    pub what: String,
    fetcher: &'a Fetcher,
    pending: RefCell<Vec<cache::Entry>>,
    records: RefCell<Vec<RequestRecord>>,
}

impl Ctx<'_> {
    /// `base + path` with the query parameters percent-encoded.
    ///
    /// # Errors
    /// A base URL that does not parse.
    pub fn url(&self, path: &str, params: &[(&str, String)]) -> Result<String, FetchError> {
        let raw = format!("{}{}", self.base, path);
        let mut u = reqwest::Url::parse(&raw).map_err(|e| {
            self.err(
                FetchErrorKind::Usage,
                &raw,
                format!("bad base URL \"{}\": {e}", self.base),
            )
        })?;
        if !params.is_empty() {
            let mut q = u.query_pairs_mut();
            for (k, v) in params {
                q.append_pair(k, v);
            }
        }
        Ok(u.to_string())
    }

    /// A URL the service handed back (e.g. `next_page_url`), moved onto this context's base
    /// so that an override (a test server) is never escaped.
    pub fn rebase(&self, url: &str) -> Result<String, FetchError> {
        let u = reqwest::Url::parse(url).map_err(|e| {
            self.err(
                FetchErrorKind::Parse,
                url,
                format!("the service returned a bad URL: {e}"),
            )
        })?;
        let mut path = u.path().to_string();
        if let Some(q) = u.query() {
            path.push('?');
            path.push_str(q);
        }
        Ok(format!("{}{}", self.base, path))
    }

    /// An error naming this source and symbol.
    pub fn err(&self, kind: FetchErrorKind, url: &str, message: impl Into<String>) -> FetchError {
        FetchError::new(kind, self.source.name(), &self.what, url, message)
    }

    /// A usage error (no URL yet): a query this source cannot answer, a bad symbol.
    pub fn usage(&self, message: impl Into<String>) -> FetchError {
        self.err(FetchErrorKind::Usage, "", message)
    }

    /// The symbol, index flag and inclusive dates of a price query; a usage error for any
    /// other query.
    pub fn price_query<'q>(
        &self,
        q: &'q Query,
    ) -> Result<(&'q str, bool, NaiveDate, NaiveDate), FetchError> {
        match q {
            Query::Prices {
                symbol,
                index,
                from,
                to,
            } => Ok((symbol, *index, *from, *to)),
            _ => Err(self.usage("not a price query")),
        }
    }

    /// The body at `url`: from the cache when present and intact (unless `--refresh`), else
    /// from the network. Network bodies are committed to the cache only if the whole
    /// query succeeds.
    ///
    /// # Errors
    /// Network, HTTP status, `--offline` without a cached copy.
    pub fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let f = self.fetcher;
        let path = f
            .cache
            .path_for(self.source.name(), &self.what, url, self.source.body_ext());
        if !f.cfg.refresh
            && let Some((body, mut rec)) = f.cache.read(&path)
        {
            rec.from_cache = true;
            self.records.borrow_mut().push(rec);
            return Ok(body);
        }
        if f.cfg.offline {
            return Err(self.err(
                FetchErrorKind::Offline,
                url,
                format!("--offline and no intact cached copy at {}", path.display()),
            ));
        }
        let resp = f
            .http
            .get(url, f.interval_for(self.source))
            .map_err(|e| self.err(e.kind(), url, e.to_string()))?;
        let rec = RequestRecord {
            source: self.source.name().into(),
            url: url.into(),
            fetched_at: now_rfc3339(),
            http_status: resp.status,
            sha256: sha256_hex(&resp.body),
            bytes: resp.body.len(),
            attempts: resp.attempts,
            cache_file: f.relative(&path),
            from_cache: false,
        };
        self.records.borrow_mut().push(rec.clone());
        self.pending.borrow_mut().push(cache::Entry {
            path,
            body: resp.body.clone(),
            record: rec,
        });
        Ok(resp.body)
    }
}

// ---------------------------------------------------------------------------------------
// The fetcher
// ---------------------------------------------------------------------------------------

/// A converted table and the requests behind it.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub source: &'static str,
    pub query: Query,
    pub table: Table,
    pub requests: Vec<RequestRecord>,
}

impl Fetched {
    /// How many of the requests came from the cache.
    pub fn from_cache(&self) -> usize {
        self.requests.iter().filter(|r| r.from_cache).count()
    }
}

/// One unit of work for [`Fetcher::run_jobs`]: a query to a source, written to `out`.
#[derive(Clone)]
pub struct Job {
    pub source: &'static Source,
    pub query: Query,
    pub out: PathBuf,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} → {}",
            self.source.name(),
            self.query.label(),
            self.out.display()
        )
    }
}

/// HTTP client, cache and configuration.
pub struct Fetcher {
    pub cfg: FetchConfig,
    http: Http,
    cache: Cache,
}

impl Fetcher {
    /// # Errors
    /// The HTTP client cannot be built, or a base URL override is not allowed
    /// (`loopback_only` and not a loopback host).
    pub fn new(cfg: FetchConfig) -> Result<Fetcher, FetchError> {
        for (name, base) in &cfg.base_urls {
            http::check_url(base, cfg.http.loopback_only)
                .map_err(|m| FetchError::usage(format!("--base-url {name}={base}: {m}")))?;
        }
        let http = Http::new(cfg.http.clone()).map_err(FetchError::usage)?;
        let cache = Cache::new(&cfg.cache_dir);
        Ok(Fetcher { cfg, http, cache })
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    fn interval_for(&self, s: &Source) -> Duration {
        self.cfg
            .http
            .min_interval
            .unwrap_or_else(|| s.min_interval())
    }

    fn relative(&self, p: &Path) -> String {
        p.strip_prefix(&self.cfg.data_dir)
            .unwrap_or(p)
            .display()
            .to_string()
    }

    /// Fetches and converts one query. Cached bodies are reused (unless `--refresh`); new
    /// bodies are cached only when the conversion succeeded.
    ///
    /// # Errors
    /// See [`FetchError`].
    pub fn fetch(&self, s: &'static Source, q: &Query) -> Result<Fetched, FetchError> {
        if !s.answers(q) {
            return Err(FetchError::usage(format!(
                "source {} does not answer {} queries",
                s.name(),
                match q {
                    Query::Prices { .. } => "price",
                    Query::Factors { .. } => "factor",
                    Query::Rules { .. } => "Federal Register",
                    Query::Timeline { .. } | Query::Articles { .. } => "news",
                    Query::Derived { .. } => "derived-file",
                }
            )));
        }
        let ctx = Ctx {
            source: s,
            base: self.cfg.base_for(s),
            what: q.label(),
            fetcher: self,
            pending: RefCell::new(Vec::new()),
            records: RefCell::new(Vec::new()),
        };
        let table = s.fetch(&ctx, q)?;
        for e in ctx.pending.take() {
            self.cache
                .write(&e)
                .map_err(|err| FetchError::io(&e.path, &err))?;
        }
        Ok(Fetched {
            source: s.name(),
            query: q.clone(),
            table,
            requests: ctx.records.take(),
        })
    }

    /// Writes a fetched table to `out` (atomically) with its provenance sidecar.
    ///
    /// # Errors
    /// The file system.
    pub fn write_output(&self, f: &Fetched, out: &Path) -> Result<(), FetchError> {
        write_table_with_provenance(out, f.source, &f.query, &f.table, &f.requests)
    }

    /// Runs jobs concurrently (`cfg.jobs` threads) with a progress bar; each result in the
    /// order of `jobs`. Each job's output is complete or absent, never partial.
    pub fn run_jobs(&self, jobs: &[Job]) -> Vec<Result<Fetched, FetchError>> {
        self.par_map(
            jobs.len(),
            |i| {
                let job = &jobs[i];
                let f = self.fetch(job.source, &job.query)?;
                self.write_output(&f, &job.out)?;
                Ok(f)
            },
            |i| jobs[i].query.label(),
        )
    }

    /// Fetches queries concurrently without writing them; results in order.
    pub fn fetch_many(
        &self,
        items: &[(&'static Source, Query)],
    ) -> Vec<Result<Fetched, FetchError>> {
        self.par_map(
            items.len(),
            |i| self.fetch(items[i].0, &items[i].1),
            |i| items[i].1.label(),
        )
    }

    /// `f(0..n)` on `cfg.jobs` threads, a progress bar counting completions.
    fn par_map<T: Send>(
        &self,
        n: usize,
        f: impl Fn(usize) -> T + Sync,
        label: impl Fn(usize) -> String + Sync,
    ) -> Vec<T> {
        let bar = &*self.cfg.progress;
        bar.start(n as u64);
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
        let workers = self.cfg.jobs.clamp(1, n.max(1));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= n {
                            break;
                        }
                        let r = f(i);
                        bar.tick(&label(i));
                        if let Ok(mut all) = results.lock() {
                            all[i] = Some(r);
                        }
                    }
                });
            }
        });
        bar.finish();
        results
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect()
    }
}

/// Writes a table as CSV at `out` and its sidecar `<out>.provenance.json`, both atomically
/// (the CSV first: a kill in between leaves a CSV whose sidecar hash does not match, which
/// `summary.json` reports as stale).
///
/// # Errors
/// The file system.
pub fn write_table_with_provenance(
    out: &Path,
    source: &str,
    query: &Query,
    table: &Table,
    requests: &[RequestRecord],
) -> Result<(), FetchError> {
    let bytes = table.to_csv();
    let prov = Provenance {
        evimpact_provenance: 1,
        file: out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256: sha256_hex(&bytes),
        source: source.into(),
        query,
        columns: &table.columns,
        rows: table.rows.len(),
        units: &table.units,
        notes: &table.notes,
        requests,
        written_at: now_rfc3339(),
        tool: format!("evimpact {}", env!("CARGO_PKG_VERSION")),
    };
    let json = serde_json::to_vec_pretty(&prov).map_err(|e| {
        FetchError::new(
            FetchErrorKind::Io,
            source,
            &query.label(),
            "",
            e.to_string(),
        )
    })?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| FetchError::io(dir, &e))?;
    }
    crate::fsio::write_atomically(out, &bytes).map_err(|e| FetchError::io(out, &e))?;
    let side = provenance_path(out);
    crate::fsio::write_atomically(&side, &json).map_err(|e| FetchError::io(&side, &e))?;
    Ok(())
}

/// Parses `YYYY-MM-DD` or `YYYYMMDD`.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y%m%d"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_default_to_the_real_hosts_unless_overridden() {
        let mut cfg = FetchConfig {
            data_dir: PathBuf::from("/d"),
            cache_dir: PathBuf::from("/d/cache"),
            refresh: false,
            offline: false,
            jobs: 1,
            progress: std::sync::Arc::new(NoProgress),
            base_urls: BTreeMap::new(),
            http: HttpConfig::default(),
        };
        assert_eq!(cfg.base_for(&YAHOO), "https://query1.finance.yahoo.com");
        cfg.set_base_url("http://127.0.0.1:9/").expect("valid");
        assert_eq!(cfg.base_for(&YAHOO), "http://127.0.0.1:9");
        cfg.set_base_url("stooq=http://127.0.0.1:8").expect("valid");
        assert_eq!(cfg.base_for(&STOOQ), "http://127.0.0.1:8");
        assert_eq!(cfg.base_for(&GDELT), "http://127.0.0.1:9");
        assert!(cfg.set_base_url("nosuch=http://127.0.0.1:8").is_err());
    }

    #[test]
    fn loopback_only_refuses_real_hosts_before_connecting() {
        let mut cfg = FetchConfig::new(Path::new("/tmp")).expect("env");
        cfg.http.loopback_only = true;
        cfg.base_urls
            .insert("*".into(), "https://query1.finance.yahoo.com".into());
        let e = Fetcher::new(cfg).err().expect("refused");
        assert!(e.to_string().contains("not a loopback host"), "{e}");
    }

    #[test]
    fn error_kinds_map_to_exit_codes() {
        let e = FetchError::new(
            FetchErrorKind::Empty,
            "yahoo",
            "QCOM",
            "http://x",
            "no rows",
        );
        assert_eq!(e.exit_code(), 2);
        assert_eq!(e.to_string(), "yahoo QCOM: no rows [http://x]");
        let e = FetchError::new(FetchErrorKind::Parse, "yahoo", "QCOM", "http://x", "bad");
        assert_eq!(Error::from(e).exit_code(), 1);
    }

    #[test]
    fn numbers_round_trip() {
        assert_eq!(fmt_num(60.513634), "60.513634");
        assert_eq!(fmt_num(f64::NAN), "");
        assert_eq!(fmt_count(29607444.0), "29607444");
        assert_eq!(file_stem_of("^GSPC"), "GSPC");
        assert_eq!(parse_day("20191008"), NaiveDate::from_ymd_opt(2019, 10, 8));
    }
}
