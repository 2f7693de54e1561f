#!/usr/bin/env Rscript
# Deterministic, seeded generation of the small input CSVs for the second-stage golden
# values (issue 12). Run by hand from the repository root:
#
#     Rscript scripts/golden/make_inputs.R
#
# Writes tests/golden/second_stage/*_input.csv. Everything downstream
# (scripts/golden/second_stage.R and the Rust tests) reads these CSV files, never the
# in-memory draws, so both sides start from the same decimal strings. Numbers are written
# with at most 10 significant digits so that every CSV parser (R's, Rust's) reads the
# same double.
#
# The RNG is pinned: Mersenne-Twister, Inversion normals, Rejection sampling (R >= 3.6
# defaults, written out so a future default change cannot alter the inputs). Each file
# has its own seed so that changing one generator does not change the others.

out_dir <- file.path("tests", "golden", "second_stage")
if (!dir.exists(out_dir)) stop("run from the repository root (", out_dir, " not found)")

seed <- function(s) set.seed(s, kind = "Mersenne-Twister", normal.kind = "Inversion",
                             sample.kind = "Rejection")
g10 <- function(x) sprintf("%.10g", x)
write_input <- function(df, name) {
  path <- file.path(out_dir, name)
  write.csv(df, path, row.names = FALSE, quote = FALSE)
  cat("wrote", path, "(", nrow(df), "rows )\n")
}

## a. regression_input.csv -------------------------------------------------------------
## 40 events on 6 event dates (cluster sizes 9,7,8,5,6,5). 'security' is the listing code;
## 'cluster_security' is the issuer: S03/S04 and S10/S11 are two listings of one issuer
## (I03, I10), every other security is its own issuer. Errors are heteroskedastic (sd
## rises with leverage and with exposure) and share a per-date shock, so HC and clustered
## standard errors differ from the classical ones.
seed(20240601)
dates <- c("2019-05-16", "2019-08-14", "2019-10-08", "2020-05-15", "2020-08-17", "2020-12-18")
sizes <- c(9, 7, 8, 5, 6, 5)
secs <- sprintf("S%02d", 1:22)
event_date <- rep(dates, sizes)
security <- unlist(lapply(sizes, function(k) sort(sample(secs, k))))
issuer <- sub("^S", "I", security)
issuer[security == "S04"] <- "I03"
issuer[security == "S11"] <- "I10"
n <- length(security)
log_size <- rnorm(n, 8, 1.5)
leverage <- rbeta(n, 2, 5)
exposed <- rbinom(n, 1, 0.45)
group <- ifelse(runif(n) < 0.45, "listed_entity", "supplier")
date_shock <- rnorm(length(dates), 0, 0.012)[match(event_date, dates)]
sd_e <- 0.008 + 0.04 * leverage^2 + 0.012 * exposed
car <- 0.01 - 0.004 * (log_size - 8) + 0.03 * leverage - 0.02 * exposed -
  0.012 * (group == "listed_entity") + date_shock + rnorm(n, 0, sd_e)
bhar <- 0.9 * car + 0.002 + rnorm(n, 0, 0.006 * (1 + 2 * leverage))
write_input(data.frame(
  event_id = sprintf("E%02d", 1:n), security = security, event_date = event_date,
  cluster_security = issuer,
  car = sprintf("%.8f", car), bhar = sprintf("%.8f", bhar),
  log_size = sprintf("%.6f", log_size), leverage = sprintf("%.6f", leverage),
  exposed = exposed, group = group), "regression_input.csv")

## b. residuals_input.csv --------------------------------------------------------------
## R1: n=120, AR(1) phi=0.4, Student-t(5) innovations x 0.01.
## R2: n=180, MA(1) theta=0.3, Student-t(3) innovations x 0.012.
## R3: n=250, AR(1) phi=0.15, centred chi-square(3) innovations (right-skewed) x 0.01,
##     plus a non-zero mean 0.002 (so demeaning in the statistics matters).
seed(20240602)
ar1 <- function(n, phi, eps) { x <- numeric(n); x[1] <- eps[1]
  for (t in 2:n) x[t] <- phi * x[t - 1] + eps[t]; x }
n1 <- 120; n2 <- 180; n3 <- 250
e1 <- ar1(n1, 0.4, 0.01 * rt(n1, 5))
u2 <- 0.012 * rt(n2 + 1, 3); e2 <- u2[-1] + 0.3 * u2[-(n2 + 1)]
e3 <- 0.002 + ar1(n3, 0.15, 0.01 * (rchisq(n3, 3) - 3) / sqrt(6))
write_input(data.frame(
  series_id = rep(c("R1", "R2", "R3"), c(n1, n2, n3)),
  t = c(1:n1, 1:n2, 1:n3), e = g10(c(e1, e2, e3))), "residuals_input.csv")

## c. garch_input.csv ------------------------------------------------------------------
## One security: r_t = ALPHA + BETA m_t + e_t, e_t = sqrt(h_t) z_t, z_t ~ N(0,1),
## h_t = OMEGA + A e_{t-1}^2 + B h_{t-1}; m_t ~ N(0.0003, 0.006^2) iid.
## True values: ALPHA=0.0002, BETA=1.1, OMEGA=6e-6, A=0.08, B=0.90 (persistence 0.98,
## unconditional variance 3e-4, i.e. 88% of var(r)). 500 burn-in draws (started at the unconditional
## variance) are discarded; then 500 estimation observations (tau -510..-11) and 21
## event-window observations (tau -10..+10). An abnormal return of +0.08 at tau=0 and
## +0.03 at tau=+1 is added to r after the simulation (it does not enter h).
## The seed was picked among 20240603..20240606 (same parameters): with 20240603 the
## constant-mean GARCH fit of r (second_stage.R, part d.ii) had a ~ 0.005 (SE 0.017), too
## weakly identified for a useful optimizer comparison; 20240605 gives interior,
## well-identified optima for both the market-model and the constant-mean fit.
seed(20240605)
ALPHA <- 0.0002; BETA <- 1.1; OMEGA <- 6e-6; A <- 0.08; B <- 0.90
burn <- 500; T_est <- 500; T_evt <- 21; N <- burn + T_est + T_evt
m <- rnorm(N, 0.0003, 0.006); z <- rnorm(N)
h <- numeric(N); e <- numeric(N)
h[1] <- OMEGA / (1 - A - B); e[1] <- sqrt(h[1]) * z[1]
for (t in 2:N) { h[t] <- OMEGA + A * e[t - 1]^2 + B * h[t - 1]; e[t] <- sqrt(h[t]) * z[t] }
r <- ALPHA + BETA * m + e
keep <- (burn + 1):N
r <- r[keep]; m <- m[keep]
tau <- seq(-510, 10)
r[tau == 0] <- r[tau == 0] + 0.08
r[tau == 1] <- r[tau == 1] + 0.03
write_input(data.frame(obs = seq_along(tau), tau = tau,
  window = ifelse(tau < -10, "est", "event"), r = g10(r), m = g10(m)), "garch_input.csv")

## d. calendar_time_input.csv ----------------------------------------------------------
## 300 weekdays from 2019-01-02. Factors: mkt_rf ~ N(4e-4, 0.01^2); smb, hml, mom
## correlated with mkt_rf (see below). n_securities = 1 + Poisson(5).
## port = 3e-4 + 1.05 mkt_rf + 0.4 smb - 0.2 hml + 0.1 mom + u_t,
## u_t = 0.012 v_t / sqrt(n_securities_t), v_t AR(1) with phi = 0.25 and N(0,1) shocks
## (autocorrelated and heteroskedastic, so Newey-West and WLS differ from OLS).
seed(20240604)
days <- seq(as.Date("2019-01-02"), by = "day", length.out = 500)
days <- days[!(format(days, "%u") %in% c("6", "7"))][1:300]
nT <- 300
mkt <- rnorm(nT, 4e-4, 0.01)
smb <- 0.1 * mkt + rnorm(nT, 0, 0.005)
hml <- -0.15 * mkt + rnorm(nT, 0, 0.005)
mom <- -0.2 * mkt + 0.3 * hml + rnorm(nT, 0, 0.007)
nsec <- 1 + rpois(nT, 5)
v <- ar1(nT, 0.25, rnorm(nT))
port <- 3e-4 + 1.05 * mkt + 0.4 * smb - 0.2 * hml + 0.1 * mom + 0.012 * v / sqrt(nsec)
write_input(data.frame(date = format(days), port = g10(port), mkt_rf = g10(mkt),
  smb = g10(smb), hml = g10(hml), mom = g10(mom), n_securities = nsec),
  "calendar_time_input.csv")

## e. pvalues_input.csv ----------------------------------------------------------------
## Written by hand (not random): ties (0.04 x3, 0.5 x2), tiny values, an exact 1 and 0.05.
p <- c(0.04, 1e-12, 0.5, 0.04, 3.2e-8, 0.2, 0.0001, 0.04, 0.5, 0.012, 1,
       0.05, 0.0007, 0.31, 0.009)
write_input(data.frame(test_id = sprintf("H%02d", seq_along(p)), p = g10(p)),
  "pvalues_input.csv")

## f. volatility_input.csv -------------------------------------------------------------
## Five events, long format (one row per event-window day). est_length = L1 days in the
## estimation window, est_df = L1 - 2 (market model), est_ar_var = SSR/(L1-2) drawn as
## sigma^2 * chisq(L1-2)/(L1-2). Event-window ARs ~ N(0, k * sigma^2) with variance
## multiplier k in {1, 2.5, 1, 4, 1.5}; windows of different lengths, all containing -1..+1.
seed(20240607)
ev <- data.frame(event_id = sprintf("V%d", 1:5), L1 = c(250, 200, 120, 180, 240),
  sigma = c(0.015, 0.02, 0.011, 0.025, 0.018), k = c(1, 2.5, 1, 4, 1.5),
  from = c(-5, -2, -10, -1, -1), to = c(5, 2, 10, 10, 1))
rows <- list()
for (i in seq_len(nrow(ev))) {
  d <- ev$L1[i] - 2
  s2 <- ev$sigma[i]^2 * rchisq(1, d) / d
  taus <- ev$from[i]:ev$to[i]
  ar <- rnorm(length(taus), 0, sqrt(ev$k[i]) * ev$sigma[i])
  rows[[i]] <- data.frame(event_id = ev$event_id[i], est_length = ev$L1[i], est_df = d,
    est_ar_var = g10(s2), tau = taus, ar = g10(ar))
}
write_input(do.call(rbind, rows), "volatility_input.csv")
