#!/usr/bin/env Rscript
# Golden values for evimpact's second-stage analysis (issue 12), computed with R.
# Run by hand (not in CI) from the repository root, after scripts/golden/make_inputs.R:
#
#     Rscript scripts/golden/second_stage.R
#
# Reads tests/golden/second_stage/*_input.csv, writes the golden outputs next to them
# (every non-integer number as sprintf("%.17g"), missing as NA), plus checks.txt (the
# sanity checks this script asserts; it stops on the first failure) and VERSIONS.
# Every definition is spelled out in tests/golden/second_stage/README.md.
#
# Needs Debian's r-base-core, r-cran-sandwich, r-cran-lmtest, r-cran-tseries, r-cran-fgarch.

suppressPackageStartupMessages({
  library(sandwich)
  library(lmtest)
  library(tseries)
  library(fGarch)
})

dir <- file.path("tests", "golden", "second_stage")
if (!dir.exists(dir)) stop("run from the repository root (", dir, " not found)")
timings <- list()
tick <- function(name, expr) {
  t0 <- proc.time()[["elapsed"]]
  force(expr)
  timings[[name]] <<- proc.time()[["elapsed"]] - t0
  invisible(NULL)
}

## ---- output helpers --------------------------------------------------------------------
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
write_out <- function(df, name) {
  for (j in seq_along(df)) if (is.double(df[[j]])) df[[j]] <- fmt(df[[j]])
  path <- file.path(dir, name)
  write.csv(df, path, row.names = FALSE, quote = FALSE, na = "NA")
  cat("wrote", path, "\n")
}
checks <- character()
check <- function(name, ok, detail = "") {
  line <- sprintf("%s  %s%s", if (isTRUE(ok)) "PASS" else "FAIL", name,
                  if (nzchar(detail)) paste0(": ", detail) else "")
  checks <<- c(checks, line)
  cat(line, "\n")
  if (!isTRUE(ok)) stop("check failed: ", name)
}
reldiff <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))
g3 <- function(x) sprintf("%.3g", x)
p2 <- function(t, df) 2 * pt(abs(t), df, lower.tail = FALSE)   # two-sided t p-value
pn2 <- function(t) 2 * pnorm(abs(t), lower.tail = FALSE)        # two-sided normal p-value

## =========================================================================================
## a. Cross-sectional OLS with classical, HC0-HC3 and clustered standard errors
## =========================================================================================
tick("ols", {
reg <- read.csv(file.path(dir, "regression_input.csv"), stringsAsFactors = FALSE)
models <- list(
  car_full = car ~ log_size + leverage + exposed,
  bhar_full = bhar ~ log_size + leverage + exposed,
  car_const = car ~ 1,
  bhar_const = bhar ~ 1)
coef_rows <- list(); fit_rows <- list()
for (mname in names(models)) {
  fit <- lm(models[[mname]], data = reg)
  X <- model.matrix(fit); e <- unname(resid(fit)); n <- nrow(X); k <- ncol(X)
  y <- unname(model.response(model.frame(fit)))
  b <- coef(fit)
  XtXi <- solve(crossprod(X))
  hii <- rowSums((X %*% XtXi) * X)
  cl_date <- reg$event_date; cl_sec <- reg$cluster_security
  V <- list(
    classical = vcov(fit),
    HC0 = vcovHC(fit, type = "HC0"),
    HC1 = vcovHC(fit, type = "HC1"),
    HC2 = vcovHC(fit, type = "HC2"),
    HC3 = vcovHC(fit, type = "HC3"),
    CL1_date = vcovCL(fit, cluster = ~event_date, type = "HC1", cadjust = TRUE),
    CL0_date = vcovCL(fit, cluster = ~event_date, type = "HC0", cadjust = TRUE),
    CL1_security = vcovCL(fit, cluster = ~cluster_security, type = "HC1", cadjust = TRUE),
    CL0_security = vcovCL(fit, cluster = ~cluster_security, type = "HC0", cadjust = TRUE))
  G <- c(classical = NA, HC0 = NA, HC1 = NA, HC2 = NA, HC3 = NA,
         CL1_date = length(unique(cl_date)), CL0_date = length(unique(cl_date)),
         CL1_security = length(unique(cl_sec)), CL0_security = length(unique(cl_sec)))
  ## The same matrices by hand, from the formulas in README.md.
  sand <- function(w) XtXi %*% crossprod(X * sqrt(w)) %*% XtXi  # (X'X)^-1 X' diag(w) X (X'X)^-1
  clus <- function(cl) { U <- rowsum(X * e, cl); XtXi %*% crossprod(U) %*% XtXi }
  Gd <- G[["CL1_date"]]; Gs <- G[["CL1_security"]]
  H <- list(
    classical = sum(e^2) / (n - k) * XtXi,
    HC0 = sand(e^2), HC1 = n / (n - k) * sand(e^2),
    HC2 = sand(e^2 / (1 - hii)), HC3 = sand(e^2 / (1 - hii)^2),
    CL1_date = Gd / (Gd - 1) * (n - 1) / (n - k) * clus(cl_date),
    CL0_date = Gd / (Gd - 1) * clus(cl_date),
    CL1_security = Gs / (Gs - 1) * (n - 1) / (n - k) * clus(cl_sec),
    CL0_security = Gs / (Gs - 1) * clus(cl_sec))
  for (v in names(V)) {
    check(sprintf("ols %s %s vcov equals the README formula", mname, v),
          reldiff(V[[v]], H[[v]]) < 1e-11, sprintf("max rel diff %s", g3(reldiff(V[[v]], H[[v]]))))
    se <- sqrt(diag(V[[v]])); tval <- b / se
    ct <- coeftest(fit, vcov. = V[[v]])   # lmtest: t(n-k) for every vcov
    stopifnot(max(abs(ct[, 4] - p2(tval, n - k))) < 1e-15)
    coef_rows[[length(coef_rows) + 1]] <- data.frame(
      model = mname, term = names(b), vcov = v, estimate = unname(b), se = unname(se),
      t = unname(tval), df_resid = as.integer(n - k), p_resid = unname(p2(tval, n - k)),
      n_clusters = as.integer(G[[v]]),
      p_cluster = if (is.na(G[[v]])) NA_real_ else unname(p2(tval, G[[v]] - 1)),
      p_normal = unname(pn2(tval)))
  }
  s <- summary(fit)
  chk <- s$coefficients
  check(sprintf("ols %s classical se/t/p equal summary.lm", mname),
        reldiff(sqrt(diag(V$classical)), chk[, 2]) < 1e-13 &&
          reldiff(p2(b / sqrt(diag(V$classical)), n - k), chk[, 4]) < 1e-12)
  fstat <- if (is.null(s$fstatistic)) c(NA, NA, NA) else unname(s$fstatistic)
  fit_rows[[length(fit_rows) + 1]] <- data.frame(
    model = mname, n = as.integer(n), k = as.integer(k), df_resid = as.integer(n - k),
    y_mean = mean(y), y_sd = sd(y), rss = sum(e^2), sigma = s$sigma,
    r_squared = s$r.squared, adj_r_squared = s$adj.r.squared,
    f_statistic = fstat[1], f_df1 = as.integer(fstat[2]), f_df2 = as.integer(fstat[3]),
    f_p = if (is.na(fstat[1])) NA_real_ else pf(fstat[1], fstat[2], fstat[3], lower.tail = FALSE))
  if (grepl("_const$", mname)) {
    tcs <- mean(y) / (sd(y) / sqrt(n))
    check(sprintf("ols %s: constant-only estimate = mean, classical t = mean/(sd/sqrt(n))", mname),
          abs(b[[1]] - mean(y)) < 1e-15 && abs(b[[1]] / sqrt(V$classical[1, 1]) - tcs) < 1e-12 * abs(tcs),
          sprintf("mean %s, t %s", g3(mean(y)), g3(tcs)))
    tt <- t.test(y)
    check(sprintf("ols %s: classical t equals one-sample t.test", mname),
          abs(unname(tt$statistic) - tcs) < 1e-12 * abs(tcs))
  } else {
    se0 <- sqrt(diag(V$HC0)); se3 <- sqrt(diag(V$HC3)); sec <- sqrt(diag(V$classical))
    check(sprintf("ols %s: HC3 > HC2 > HC0 for every coefficient", mname),
          all(se3 > sqrt(diag(V$HC2))) && all(sqrt(diag(V$HC2)) > se0),
          sprintf("HC3/HC0 %s; HC0/classical %s", paste(g3(se3 / se0), collapse = " "),
                  paste(g3(se0 / sec), collapse = " ")))
  }
}
write_out(do.call(rbind, coef_rows), "ols_coefficients.csv")
write_out(do.call(rbind, fit_rows), "ols_fit.csv")

## b. Two-sample tests of the group difference ----------------------------------------------
gx <- "listed_entity"; gy <- "supplier"
welch_rows <- list()
for (outcome in c("car", "bhar")) {
  x <- reg[[outcome]][reg$group == gx]; yv <- reg[[outcome]][reg$group == gy]
  for (ve in c(FALSE, TRUE)) {
    tt <- t.test(x, yv, var.equal = ve)
    nx <- length(x); ny <- length(yv)
    if (!ve) {
      se <- sqrt(var(x) / nx + var(yv) / ny)
      df <- (var(x) / nx + var(yv) / ny)^2 / ((var(x) / nx)^2 / (nx - 1) + (var(yv) / ny)^2 / (ny - 1))
    } else {
      df <- nx + ny - 2
      se <- sqrt(((nx - 1) * var(x) + (ny - 1) * var(yv)) / df * (1 / nx + 1 / ny))
    }
    check(sprintf("t.test %s var.equal=%s equals the README formula", outcome, ve),
          abs((mean(x) - mean(yv)) / se - tt$statistic) < 1e-12 * abs(tt$statistic) &&
            abs(df - tt$parameter) < 1e-12 * df)
    welch_rows[[length(welch_rows) + 1]] <- data.frame(
      outcome = outcome, test = if (ve) "pooled" else "welch", group_x = gx, group_y = gy,
      n_x = nx, n_y = ny, mean_x = mean(x), mean_y = mean(yv), var_x = var(x), var_y = var(yv),
      diff = mean(x) - mean(yv), se = se, t = unname(tt$statistic), df = unname(tt$parameter),
      p = tt$p.value)
  }
}
write_out(do.call(rbind, welch_rows), "group_tests.csv")
})

## =========================================================================================
## c. Residual diagnostics
## =========================================================================================
tick("diagnostics", {
res <- read.csv(file.path(dir, "residuals_input.csv"), stringsAsFactors = FALSE)
diag_rows <- list(); acf_rows <- list()
for (sid in unique(res$series_id)) {
  x <- res$e[res$series_id == sid][order(res$t[res$series_id == sid])]
  n <- length(x); xm <- mean(x); d <- x - xm
  m2 <- sum(d^2) / n; m3 <- sum(d^3) / n; m4 <- sum(d^4) / n
  skew <- m3 / m2^1.5; kurt <- m4 / m2^2
  jb <- jarque.bera.test(x)
  jb_hand <- n * skew^2 / 6 + n * (kurt - 3)^2 / 24
  check(sprintf("diag %s Jarque-Bera equals n(S^2/6+(K-3)^2/24)", sid),
        abs(jb$statistic - jb_hand) < 1e-12 * jb_hand, sprintf("JB %s", g3(jb_hand)))
  rk <- sapply(1:10, function(k) sum(d[(k + 1):n] * d[1:(n - k)]) / sum(d^2))
  check(sprintf("diag %s acf equals the README formula", sid),
        reldiff(rk, acf(x, lag.max = 10, plot = FALSE)$acf[2:11]) < 1e-12)
  acf_rows[[length(acf_rows) + 1]] <- data.frame(series_id = sid, lag = 1:10, acf = rk)
  lb <- function(h) Box.test(x, lag = h, type = "Ljung-Box", fitdf = 0)
  bp <- function(h) Box.test(x, lag = h, type = "Box-Pierce", fitdf = 0)
  lb5 <- lb(5); lb10 <- lb(10); bp5 <- bp(5); bp10 <- bp(10)
  for (h in c(5, 10)) {
    q <- n * (n + 2) * sum(rk[1:h]^2 / (n - (1:h)))
    check(sprintf("diag %s Ljung-Box(%d) equals n(n+2) sum r_k^2/(n-k)", sid, h),
          abs(lb(h)$statistic - q) < 1e-12 * q)
  }
  dw <- sum(diff(x)^2) / sum(x^2)
  sw <- shapiro.test(x)
  diag_rows[[length(diag_rows) + 1]] <- data.frame(
    series_id = sid, n = n, mean = xm, m2 = m2, skewness = skew, kurtosis = kurt,
    jb_stat = unname(jb$statistic), jb_df = as.integer(jb$parameter), jb_p = jb$p.value,
    jb_p_upper = pchisq(unname(jb$statistic), 2, lower.tail = FALSE),
    lb5_stat = unname(lb5$statistic), lb5_df = 5L, lb5_p = lb5$p.value,
    lb5_p_upper = pchisq(unname(lb5$statistic), 5, lower.tail = FALSE),
    lb10_stat = unname(lb10$statistic), lb10_df = 10L, lb10_p = lb10$p.value,
    lb10_p_upper = pchisq(unname(lb10$statistic), 10, lower.tail = FALSE),
    bp5_stat = unname(bp5$statistic), bp5_p = bp5$p.value,
    bp10_stat = unname(bp10$statistic), bp10_p = bp10$p.value,
    dw = dw, sw_w = unname(sw$statistic), sw_p = sw$p.value)
}
write_out(do.call(rbind, diag_rows), "diagnostics.csv")
write_out(do.call(rbind, acf_rows), "diagnostics_acf.csv")
})

## =========================================================================================
## d. GARCH(1,1) by Gaussian maximum likelihood
## =========================================================================================
## Mean e_t = y_t - Z_t' c (Z = [1, m] for the market model, [1] for the constant mean);
## h_1 from 'init' (see README), h_t = omega + a e_{t-1}^2 + b h_{t-1} for t >= 2;
## negative log-likelihood 0.5 * sum_{t=1}^T [log(2 pi) + log h_t + e_t^2 / h_t].
## theta = (c, omega, a, b). init = list(type = "fixed", h1 = value) or list(type = "fgarch")
## (h_1 = omega + (a+b) mean(e^2), fGarch's "mci" start). Returns value, gradient, e, h.
garch_nll <- function(theta, y, Z, init, grad = FALSE) {
  p <- ncol(Z); cf <- theta[1:p]; omega <- theta[p + 1]; a <- theta[p + 2]; b <- theta[p + 3]
  e <- as.vector(y - Z %*% cf); T <- length(e)
  h <- numeric(T)
  D <- if (grad) matrix(0, T, p + 3) else NULL   # D[t, ] = d h_t / d theta
  if (init$type == "fixed") {
    h[1] <- init$h1
  } else {
    me2 <- mean(e^2)
    h[1] <- omega + (a + b) * me2
    if (grad) D[1, ] <- c((a + b) * colMeans(-2 * e * Z), 1, me2, me2)
  }
  for (t in 2:T) {
    h[t] <- omega + a * e[t - 1]^2 + b * h[t - 1]
    if (grad) D[t, ] <- c(-2 * a * e[t - 1] * Z[t - 1, ], 1, e[t - 1]^2, h[t - 1]) + b * D[t - 1, ]
  }
  val <- 0.5 * sum(log(2 * pi) + log(h) + e^2 / h)
  out <- list(value = val, e = e, h = h)
  if (grad) {
    dE <- cbind(-Z, matrix(0, T, 3))               # d e_t / d theta
    out$gradient <- 0.5 * colSums(D * ((1 - e^2 / h) / h) + 2 * dE * (e / h))
  }
  out
}

## EGARCH(1,1) (Nelson 1991), own likelihood, same mean equation:
## ln h_t = omega + a (|z_{t-1}| - sqrt(2/pi)) + g z_{t-1} + b ln h_{t-1},  z_t = e_t / sqrt(h_t),
## ln h_1 = lnh1 fixed. theta = (c, omega, a, g, b).
egarch_nll <- function(theta, y, Z, lnh1, grad = FALSE) {
  p <- ncol(Z); cf <- theta[1:p]; omega <- theta[p + 1]; a <- theta[p + 2]; g <- theta[p + 3]
  b <- theta[p + 4]; k <- sqrt(2 / pi)
  e <- as.vector(y - Z %*% cf); T <- length(e); lnh <- numeric(T); lnh[1] <- lnh1
  D <- if (grad) matrix(0, T, p + 4) else NULL     # D[t, ] = d ln h_t / d theta
  for (t in 2:T) {
    s <- exp(-0.5 * lnh[t - 1]); zt <- e[t - 1] * s
    lnh[t] <- omega + a * (abs(zt) - k) + g * zt + b * lnh[t - 1]
    if (grad) {
      dz <- c(-Z[t - 1, ] * s, 0, 0, 0, 0) - 0.5 * zt * D[t - 1, ]
      D[t, ] <- (a * sign(zt) + g) * dz + c(rep(0, p), 1, abs(zt) - k, zt, lnh[t - 1]) + b * D[t - 1, ]
    }
  }
  h <- exp(lnh)
  out <- list(value = 0.5 * sum(log(2 * pi) + lnh + e^2 / h), e = e, h = h, lnh = lnh)
  if (grad) {
    dE <- cbind(-Z, matrix(0, T, 4))
    out$gradient <- 0.5 * colSums(D * (1 - e^2 / h) + 2 * dE * (e / h))
  }
  out
}

## Newton polish of an optimizer's result: u = theta / scale, Newton steps with the analytic
## gradient and optimHess's Hessian (finite differences of that gradient), step halving if
## the objective rises, until max |d nll / d u| < tol. Returns the Hessian-based SEs too.
newton_polish <- function(theta, fn, gr, scale, tol = 1e-10, max_iter = 30) {
  fu <- function(v) fn(v * scale); gu <- function(v) gr(v * scale) * scale
  u <- theta / scale; it <- 0
  while (max(abs(gu(u))) >= tol && it < max_iter) {
    it <- it + 1
    step <- solve(optimHess(u, fu, gu), gu(u)); lam <- 1; f0 <- fu(u)
    while (!is.finite(fu(u - lam * step)) || fu(u - lam * step) > f0 + 1e-13 * abs(f0)) {
      lam <- lam / 2; if (lam < 1e-10) break }
    u <- u - lam * step
  }
  list(theta = u * scale, value = fu(u), grad_scaled = gu(u), newton_iterations = it,
       se = sqrt(diag(solve(optimHess(u, fu, gu)))) * scale)
}

## GARCH fit, stage 1: nlminb (PORT) on a box-constrained reparametrisation q of theta,
##   q = (c / cscale, omega / vscale, P = a + b, S = a / (a + b)),
##   omega/vscale in [1e-8, Inf), P in [0, 1 - 1e-8], S in [0, 1],
## so that omega > 0, a >= 0, b >= 0, a + b < 1 hold exactly; analytic gradient.
## Stage 2: newton_polish in theta / (cscale, vscale, 1, 1).
garch_fit <- function(y, Z, init, start, cscale, vscale) {
  p <- ncol(Z)
  to_theta <- function(q) c(q[1:p] * cscale, q[p + 1] * vscale, q[p + 2] * q[p + 3], q[p + 2] * (1 - q[p + 3]))
  to_q <- function(th) { P <- th[p + 2] + th[p + 3]; c(th[1:p] / cscale, th[p + 1] / vscale, P, th[p + 2] / P) }
  fn <- function(th) garch_nll(th, y, Z, init)$value
  gr <- function(th) garch_nll(th, y, Z, init, grad = TRUE)$gradient
  gq <- function(q) { gt <- gr(to_theta(q)); P <- q[p + 2]; S <- q[p + 3]
    c(gt[1:p] * cscale, gt[p + 1] * vscale, gt[p + 2] * S + gt[p + 3] * (1 - S), (gt[p + 2] - gt[p + 3]) * P) }
  opt <- nlminb(to_q(start), function(q) fn(to_theta(q)), gq,
                lower = c(rep(-Inf, p), 1e-8, 0, 0), upper = c(rep(Inf, p), Inf, 1 - 1e-8, 1),
                control = list(rel.tol = 1e-14, x.tol = 1e-12, eval.max = 5000, iter.max = 5000))
  pol <- newton_polish(to_theta(opt$par), fn, gr, c(cscale, vscale, 1, 1))
  c(pol, list(nlminb_theta = to_theta(opt$par), nlminb = opt))
}
## Independent route for the cross-check: optim BFGS on theta / scale (analytic gradient,
## invalid points get 1e300), from another start, then the same polish.
garch_fit_bfgs <- function(y, Z, init, start, scale) {
  np <- length(start)
  fn <- function(th) { if (th[np - 2] <= 0 || th[np - 1] < 0 || th[np] < 0 || th[np - 1] + th[np] >= 1)
    return(1e300); garch_nll(th, y, Z, init)$value }
  gr <- function(th) garch_nll(th, y, Z, init, grad = TRUE)$gradient
  opt <- optim(start / scale, function(u) fn(u * scale), function(u) gr(u * scale) * scale,
               method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
  c(newton_polish(opt$par * scale, fn, gr, scale), list(bfgs_theta = opt$par * scale, bfgs = opt))
}

tick("garch", {
gi <- read.csv(file.path(dir, "garch_input.csv"), stringsAsFactors = FALSE)
est <- gi[gi$window == "est", ]; evt <- gi[gi$window == "event", ]
y <- est$r; Zmm <- cbind(1, est$m); T <- length(y)
ols <- lm(r ~ m, data = est)
s2 <- sum(resid(ols)^2) / T                         # h_1 for the market model
init_mm <- list(type = "fixed", h1 = s2)
start_mm <- c(unname(coef(ols)), 0.05 * s2, 0.05, 0.90)
truth <- c(alpha = 0.0002, beta = 1.1, omega = 6e-6, a = 0.08, b = 0.90)   # make_inputs.R
sc_mm <- c(sd(y), 1, s2, 1, 1)

numgrad <- function(f, x, typ) sapply(seq_along(x), function(j) { hs <- 1e-6 * max(abs(x[j]), typ[j])
  up <- x; dn <- x; up[j] <- up[j] + hs; dn[j] <- dn[j] - hs; (f(up) - f(dn)) / (2 * hs) })
gnum <- numgrad(function(th) garch_nll(th, y, Zmm, init_mm)$value, start_mm, sc_mm)
gan <- garch_nll(start_mm, y, Zmm, init_mm, grad = TRUE)$gradient
check("garch analytic gradient equals central differences at the start values",
      reldiff(gan, gnum) < 1e-5, sprintf("max rel diff %s", g3(reldiff(gan, gnum))))

fit_mm <- garch_fit(y, Zmm, init_mm, start_mm, cscale = c(sd(y), 1), vscale = s2)
th <- fit_mm$theta; names(th) <- names(truth)
fit_mm2 <- garch_fit_bfgs(y, Zmm, init_mm, c(unname(coef(ols)), 0.1 * s2, 0.1, 0.8), scale = sc_mm)
check("garch market model: max |scaled gradient| at the reported optimum < 1e-9",
      max(abs(fit_mm$grad_scaled)) < 1e-9,
      sprintf("%s after nlminb (%s) + %d Newton steps", g3(max(abs(fit_mm$grad_scaled))),
              fit_mm$nlminb$message, fit_mm$newton_iterations))
check("garch market model: BFGS from another start (+ polish) agrees to 1e-9 relative",
      reldiff(fit_mm2$theta, th) < 1e-9, sprintf("max rel diff %s", g3(reldiff(fit_mm2$theta, th))))
check("garch market model: what the optimizers alone reached (before the Newton polish)",
      TRUE, sprintf("nlminb max rel diff %s (loglik %s lower), BFGS reltol=1e-16 max rel diff %s (loglik %s lower)",
      g3(reldiff(fit_mm$nlminb_theta, th)), g3(fit_mm$nlminb$objective - fit_mm$value),
      g3(reldiff(fit_mm2$bfgs_theta, th)), g3(fit_mm2$bfgs$value - fit_mm$value)))
zs <- (th - truth) / fit_mm$se
check("garch market model: every estimate within 3 Hessian standard errors of the simulated truth",
      all(abs(zs) < 3), paste(names(th), g3(th), "z", g3(zs), collapse = "; "))
fl <- garch_nll(th, y, Zmm, init_mm)
## Event window: multi-step forecasts from the end of the estimation window.
L <- nrow(evt); ar <- evt$r - th[["alpha"]] - th[["beta"]] * evt$m
eT <- fl$e[T]; hT <- fl$h[T]
h_fc <- numeric(L); h_fc[1] <- th[["omega"]] + th[["a"]] * eT^2 + th[["b"]] * hT
for (k in 2:L) h_fc[k] <- th[["omega"]] + (th[["a"]] + th[["b"]]) * h_fc[k - 1]
h_fl <- numeric(L); h_fl[1] <- h_fc[1]
for (k in 2:L) h_fl[k] <- th[["omega"]] + th[["a"]] * ar[k - 1]^2 + th[["b"]] * h_fl[k - 1]
sar <- ar / sqrt(h_fc)
check("garch event window: SAR at tau=0 > 3 (the simulated +0.08 shock)", sar[evt$tau == 0] > 3,
      sprintf("SAR(0) = %s", g3(sar[evt$tau == 0])))
## Prediction-error variances (README): the mean's estimation error x'Vx with the GLS form
## V = (sum_t x_t x_t' / h_t)^-1 at theta-hat, per day and for the CAR [-10, tau].
V <- solve(crossprod(Zmm / sqrt(fl$h)))
Zev <- cbind(1, evt$m)
v_mean <- rowSums((Zev %*% V) * Zev)
Zcum <- apply(Zev, 2, cumsum)
car_var <- cumsum(h_fc) + rowSums((Zcum %*% V) * Zcum)
check("garch event window: x'Vx of a day is O(1/T) of its forecast, of the 21-day CAR O(L/T)",
      all(v_mean / h_fc < 0.05) && car_var[L] / sum(h_fc) - 1 > 0.5 * L / T,
      sprintf("day max %s, CAR [-10,+10] %s (L/T = %s)", g3(max(v_mean / h_fc)),
              g3(car_var[L] / sum(h_fc) - 1), g3(L / T)))
write_out(data.frame(obs = evt$obs, tau = evt$tau, r = evt$r, m = evt$m, ar = ar,
  h_forecast = h_fc, sar = sar, h_filtered = h_fl, sar_filtered = ar / sqrt(h_fl),
  v_mean = v_mean, sar_pe = ar / sqrt(h_fc + v_mean), car_var = car_var),
  "garch_event_window.csv")
write_out(data.frame(obs = est$obs, tau = est$tau, e = fl$e, h = fl$h), "garch_estimation_filter.csv")

## Constant-mean GARCH(1,1): fGarch versus the same likelihood written here.
Z1 <- matrix(1, T, 1)
fg <- garchFit(~garch(1, 1), data = y, include.mean = TRUE, cond.dist = "norm", trace = FALSE)
fgc <- coef(fg); fg_th <- unname(fgc[c("mu", "omega", "alpha1", "beta1")])
fg_nll <- fg@fit$llh
own_fg_at_fg <- garch_nll(fg_th, y, Z1, list(type = "fgarch"))
check("fGarch's reported -loglik equals this script's likelihood with fGarch's initialisation, at fGarch's estimates",
      abs(own_fg_at_fg$value - fg_nll) < 1e-10 * abs(fg_nll),
      sprintf("own %s vs fGarch %s (rel diff %s); h_t series max rel diff %s", sprintf("%.15g", own_fg_at_fg$value),
              sprintf("%.15g", fg_nll), g3(abs(own_fg_at_fg$value - fg_nll) / abs(fg_nll)),
              g3(reldiff(own_fg_at_fg$h, fg@h.t))))
s2c <- sum((y - mean(y))^2) / T
start_c <- c(mean(y), 0.05 * s2c, 0.05, 0.90)
fit_c_fixed <- garch_fit(y, Z1, list(type = "fixed", h1 = s2c), start_c, cscale = sd(y), vscale = s2c)
fit_c_fg <- garch_fit(y, Z1, list(type = "fgarch"), start_c, cscale = sd(y), vscale = s2c)
fit_c_fg2 <- garch_fit(y, Z1, list(type = "fgarch"), fg_th, cscale = sd(y), vscale = s2c)
for (ff in list(fit_c_fixed, fit_c_fg, fit_c_fg2)) stopifnot(max(abs(ff$grad_scaled)) < 1e-9)
check("own likelihood with fGarch initialisation: optimum from two starts agrees to 1e-9",
      reldiff(fit_c_fg2$theta, fit_c_fg$theta) < 1e-9, g3(reldiff(fit_c_fg2$theta, fit_c_fg$theta)))
check("own optimum with fGarch's initialisation is at least as good as fGarch's own estimate",
      fit_c_fg$value <= fg_nll + 1e-10 * abs(fg_nll), sprintf("-loglik own %s, fGarch %s (fGarch - own = %s)",
      sprintf("%.15g", fit_c_fg$value), sprintf("%.15g", fg_nll), g3(fg_nll - fit_c_fg$value)))
check("own likelihood with fGarch initialisation reproduces fGarch's parameters to 1e-4 relative",
      reldiff(fg_th, fit_c_fg$theta) < 1e-4,
      paste(c("mu", "omega", "a", "b"), g3(abs(fg_th - fit_c_fg$theta) / abs(fit_c_fg$theta)), collapse = " "))
check("constant mean: fixed h1 vs fGarch's initialisation (difference from the initialisation alone)",
      TRUE, paste(c("mu", "omega", "a", "b"), g3(abs(fit_c_fixed$theta - fit_c_fg$theta) / abs(fit_c_fg$theta)),
                  collapse = " "))
cm <- function(method, th, se, nll, note) data.frame(method = method, mu = th[1], omega = th[2],
  a = th[3], b = th[4], persistence = th[3] + th[4], loglik = -nll,
  se_mu = se[1], se_omega = se[2], se_a = se[3], se_b = se[4],
  max_rel_diff_vs_fgarch = reldiff(th, fg_th), note = note)
write_out(rbind(
  cm("fgarch", fg_th, unname(fg@fit$se.coef[c("mu", "omega", "alpha1", "beta1")]), fg_nll,
     "fGarch::garchFit defaults (init.rec=mci; nlminb; llh=internal; series scaled by sd)"),
  cm("own_fgarch_init", fit_c_fg$theta, fit_c_fg$se, fit_c_fg$value,
     "own likelihood; h1 = omega + (a+b) mean(e^2) recomputed at every theta"),
  cm("own_fixed_h1", fit_c_fixed$theta, fit_c_fixed$se, fit_c_fixed$value,
     "own likelihood; h1 = sum((r - mean(r))^2)/T fixed")),
  "garch_constant_mean.csv")

## Optional EGARCH(1,1), market-model mean, ln h_1 = ln s2.
eg_start <- c(unname(coef(ols)), 0.1 * log(s2), 0.1, 0, 0.9)
eg_scale <- c(sd(y), 1, 1, 1, 1, 1)
efn <- function(th) egarch_nll(th, y, Zmm, log(s2))$value
egr <- function(th) egarch_nll(th, y, Zmm, log(s2), grad = TRUE)$gradient
gnum <- numgrad(efn, eg_start, eg_scale); gan <- egr(eg_start)
check("egarch analytic gradient equals central differences at the start values",
      reldiff(gan, gnum) < 1e-5, sprintf("max rel diff %s", g3(reldiff(gan, gnum))))
eg1 <- nlminb(eg_start / eg_scale, function(u) efn(u * eg_scale), function(u) egr(u * eg_scale) * eg_scale,
              lower = c(rep(-Inf, 5), -1 + 1e-8), upper = c(rep(Inf, 5), 1 - 1e-8),
              control = list(rel.tol = 1e-14, x.tol = 1e-12, eval.max = 5000, iter.max = 5000))
fit_eg <- newton_polish(eg1$par * eg_scale, efn, egr, eg_scale)
eg_alt <- c(unname(coef(ols)), 0.2 * log(s2), 0.05, -0.05, 0.8)
eg2 <- optim(eg_alt / eg_scale, function(u) efn(u * eg_scale), function(u) egr(u * eg_scale) * eg_scale,
             method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
fit_eg2 <- newton_polish(eg2$par * eg_scale, efn, egr, eg_scale)
eg_th <- fit_eg$theta; eg_nll <- fit_eg$value
check("egarch: max |scaled gradient| < 1e-9 and BFGS from another start (+ polish) agrees to 1e-9 relative",
      max(abs(fit_eg$grad_scaled)) < 1e-9 && reldiff(fit_eg2$theta, eg_th) < 1e-9 && abs(eg_th[6]) < 1,
      sprintf("grad %s, rel diff %s; optimizers alone: nlminb %s, BFGS %s", g3(max(abs(fit_eg$grad_scaled))),
              g3(reldiff(fit_eg2$theta, eg_th)), g3(reldiff(eg1$par * eg_scale, eg_th)),
              g3(reldiff(eg2$par * eg_scale, eg_th))))

## Parameter table for the market model and EGARCH.
write_out(rbind(
  data.frame(model = "garch11_market", param = c(names(th), "persistence", "loglik", "h1", "n_obs"),
    estimate = c(th, th[4] + th[5], -fit_mm$value, s2, T),
    se_hessian = c(fit_mm$se, NA, NA, NA, NA),
    truth = c(truth, truth[4] + truth[5], NA, NA, NA),
    start = c(start_mm, start_mm[4] + start_mm[5], -garch_nll(start_mm, y, Zmm, init_mm)$value, s2, T)),
  data.frame(model = "egarch11_market", param = c("alpha", "beta", "omega", "a", "g", "b", "loglik", "ln_h1", "n_obs"),
    estimate = c(eg_th, -eg_nll, log(s2), T), se_hessian = c(fit_eg$se, NA, NA, NA), truth = NA,
    start = c(eg_start, -efn(eg_start), log(s2), T))),
  "garch_params.csv")

## Log-likelihoods at fixed parameter values: pure function evaluations, no optimizer,
## so an independent implementation must match these to 1e-10 relative.
fixed_rows <- list()
addll <- function(model, label, theta, ll) fixed_rows[[length(fixed_rows) + 1]] <<- data.frame(
  model = model, label = label, p1 = theta[1], p2 = theta[2], p3 = theta[3], p4 = theta[4],
  p5 = if (length(theta) >= 5) theta[5] else NA, p6 = if (length(theta) >= 6) theta[6] else NA, loglik = ll)
for (lab in c("truth", "start", "estimate")) {
  tt <- switch(lab, truth = unname(truth), start = start_mm, estimate = unname(th))
  addll("garch11_market_fixed_h1", lab, tt, -garch_nll(tt, y, Zmm, init_mm)$value)
}
tc <- c(0.0005, 6e-6, 0.08, 0.90)
addll("garch11_const_fixed_h1", "round", tc, -garch_nll(tc, y, Z1, list(type = "fixed", h1 = s2c))$value)
addll("garch11_const_fixed_h1", "estimate", fit_c_fixed$theta, -fit_c_fixed$value)
addll("garch11_const_fgarch_init", "round", tc, -garch_nll(tc, y, Z1, list(type = "fgarch"))$value)
addll("garch11_const_fgarch_init", "fgarch_estimate", fg_th, -own_fg_at_fg$value)
addll("garch11_const_fgarch_init", "estimate", fit_c_fg$theta, -fit_c_fg$value)
te <- c(0.0002, 1.1, -0.3, 0.15, -0.05, 0.96)
addll("egarch11_market", "round", te, -efn(te))
addll("egarch11_market", "estimate", eg_th, -eg_nll)
write_out(do.call(rbind, fixed_rows), "garch_loglik_fixed.csv")
})

## =========================================================================================
## e. Calendar-time portfolio regressions
## =========================================================================================
tick("calendar", {
ct <- read.csv(file.path(dir, "calendar_time_input.csv"), stringsAsFactors = FALSE)
cforms <- list(capm = port ~ mkt_rf, ff3 = port ~ mkt_rf + smb + hml,
               carhart = port ~ mkt_rf + smb + hml + mom)
NW_LAG <- 5L   # = floor(4 * (300/100)^(2/9)) = floor(5.10)
stopifnot(NW_LAG == floor(4 * (nrow(ct) / 100)^(2 / 9)))
crow <- list(); frow <- list()
for (mname in names(cforms)) {
  fit <- lm(cforms[[mname]], data = ct)
  wfit <- lm(cforms[[mname]], data = ct, weights = n_securities)
  X <- model.matrix(fit); e <- unname(resid(fit)); n <- nrow(X); k <- ncol(X)
  XtXi <- solve(crossprod(X)); U <- X * e
  S <- crossprod(U)
  for (l in 1:NW_LAG) { Gl <- crossprod(U[(l + 1):n, , drop = FALSE], U[1:(n - l), , drop = FALSE])
    S <- S + (1 - l / (NW_LAG + 1)) * (Gl + t(Gl)) }
  Vnw_hand <- XtXi %*% S %*% XtXi
  V <- list(ols = vcov(fit),
            ols_nw = NeweyWest(fit, lag = NW_LAG, prewhite = FALSE, adjust = FALSE),
            ols_nw_adj = NeweyWest(fit, lag = NW_LAG, prewhite = FALSE, adjust = TRUE),
            wls = vcov(wfit))
  check(sprintf("calendar %s Newey-West equals the README formula (adjust=FALSE and TRUE)", mname),
        reldiff(V$ols_nw, Vnw_hand) < 1e-11 && reldiff(V$ols_nw_adj, n / (n - k) * Vnw_hand) < 1e-11,
        g3(reldiff(V$ols_nw, Vnw_hand)))
  w <- ct$n_securities; XtWXi <- solve(crossprod(X * sqrt(w)))
  bw_hand <- XtWXi %*% crossprod(X * w, ct$port)
  ew <- as.vector(ct$port - X %*% bw_hand)
  check(sprintf("calendar %s WLS equals (X'WX)^-1 X'Wy with sigma^2 = sum(w e^2)/(n-k)", mname),
        reldiff(coef(wfit), as.vector(bw_hand)) < 1e-10 &&
          reldiff(V$wls, sum(w * ew^2) / (n - k) * XtWXi) < 1e-10)
  for (v in names(V)) {
    b <- if (v == "wls") coef(wfit) else coef(fit)
    se <- sqrt(diag(V[[v]])); tval <- b / se
    crow[[length(crow) + 1]] <- data.frame(model = mname, estimator = v, term = names(b),
      estimate = unname(b), se = unname(se), t = unname(tval), df_resid = as.integer(n - k),
      p_resid = unname(p2(tval, n - k)), p_normal = unname(pn2(tval)))
  }
  for (est in c("ols", "wls")) {
    s <- summary(if (est == "wls") wfit else fit)
    frow[[length(frow) + 1]] <- data.frame(model = mname, estimator = est, n = as.integer(n),
      k = as.integer(k), df_resid = as.integer(n - k), sigma = s$sigma, r_squared = s$r.squared,
      adj_r_squared = s$adj.r.squared, f_statistic = unname(s$fstatistic[1]),
      f_p = unname(pf(s$fstatistic[1], s$fstatistic[2], s$fstatistic[3], lower.tail = FALSE)))
  }
}
write_out(do.call(rbind, crow), "calendar_time_coefficients.csv")
write_out(do.call(rbind, frow), "calendar_time_fit.csv")
})

## =========================================================================================
## f. Multiple-testing corrections
## =========================================================================================
tick("padjust", {
pv <- read.csv(file.path(dir, "pvalues_input.csv"), stringsAsFactors = FALSE)
p <- pv$p; m <- length(p)
o <- order(p); ro <- order(o)
holm_hand <- pmin(1, cummax((m - seq_len(m) + 1) * p[o]))[ro]
od <- order(p, decreasing = TRUE); rod <- order(od)
bh_hand <- pmin(1, cummin(m / (m:1) * p[od]))[rod]
check("p.adjust holm and BH equal the README formulas",
      max(abs(holm_hand - p.adjust(p, "holm"))) == 0 && max(abs(bh_hand - p.adjust(p, "BH"))) == 0)
write_out(data.frame(test_id = pv$test_id, p = p, holm = p.adjust(p, "holm"), BH = p.adjust(p, "BH"),
  bonferroni = p.adjust(p, "bonferroni"), hochberg = p.adjust(p, "hochberg"), BY = p.adjust(p, "BY")),
  "pvalues_adjusted.csv")
})

## =========================================================================================
## g. Abnormal volatility: variance-ratio F test and Beaver's U
## =========================================================================================
tick("volatility", {
vi <- read.csv(file.path(dir, "volatility_input.csv"), stringsAsFactors = FALSE)
ev_rows <- list(); day_rows <- list()
for (id in unique(vi$event_id)) {
  d <- vi[vi$event_id == id, ]; d <- d[order(d$tau), ]
  s2 <- d$est_ar_var[1]; df2 <- d$est_df[1]; L2 <- nrow(d)
  vr <- var(d$ar) / s2; df1 <- L2 - 1
  pu <- pf(vr, df1, df2, lower.tail = FALSE); pl <- pf(vr, df1, df2)
  U <- d$ar^2 / s2
  ev_rows[[length(ev_rows) + 1]] <- data.frame(event_id = id, est_length = d$est_length[1],
    est_df = as.integer(df2), est_ar_var = s2, event_length = L2, ar_mean = mean(d$ar),
    event_var = var(d$ar), var_ratio = vr, f_df1 = as.integer(df1), f_df2 = as.integer(df2),
    f_p_upper = pu, f_p_lower = pl, f_p_two_sided = min(1, 2 * min(pu, pl)),
    u_mean = mean(U), u_sum = sum(U), u_mean_df1 = L2, u_mean_df2 = as.integer(df2),
    u_mean_p_upper = pf(mean(U), L2, df2, lower.tail = FALSE))
  day_rows[[length(day_rows) + 1]] <- data.frame(event_id = id, tau = d$tau, ar = d$ar, u = U,
    u_p_upper = pf(U, 1, df2, lower.tail = FALSE))
}
days <- do.call(rbind, day_rows)
cross <- do.call(rbind, lapply(sort(unique(days$tau)), function(tt) {
  u <- days$u[days$tau == tt]; nn <- length(u)
  sdv <- if (nn >= 2) sd(u) else NA_real_
  tv <- if (nn >= 2) (mean(u) - 1) / (sdv / sqrt(nn)) else NA_real_
  data.frame(tau = tt, n_events = nn, u_bar = mean(u), u_sd = sdv, t_vs_1 = tv,
             df = if (nn >= 2) as.integer(nn - 1) else NA_integer_,
             p_two_sided = if (nn >= 2) p2(tv, nn - 1) else NA_real_)
}))
check("volatility: tau -1..+1 present for all 5 events", all(cross$n_events[cross$tau %in% -1:1] == 5))
write_out(do.call(rbind, ev_rows), "volatility_events.csv")
write_out(days, "volatility_days.csv")
write_out(cross, "volatility_beaver_cross.csv")
})

## ---- checks, versions, timing ----------------------------------------------------------
writeLines(c("# Sanity checks asserted by scripts/golden/second_stage.R (it stops on a FAIL).", checks),
           file.path(dir, "checks.txt"))
pkgs <- c("sandwich", "lmtest", "tseries", "fGarch", "zoo", "fBasics", "timeDate", "timeSeries")
deb <- c("r-base-core", "r-cran-sandwich", "r-cran-lmtest", "r-cran-tseries", "r-cran-fgarch",
         "r-cran-zoo", "r-cran-fbasics", "r-cran-timedate", "r-cran-timeseries", "libblas3", "liblapack3")
debv <- tryCatch(system2("dpkg-query", c("-W", "-f", "'${Package} ${Version}\\n'", deb), stdout = TRUE),
                 error = function(e) "dpkg-query unavailable")
si <- sessionInfo()
writeLines(c(
  paste("date:", format(Sys.Date())),
  paste("R:", R.version.string),
  paste("platform:", R.version$platform),
  paste("running under:", si$running),
  paste("BLAS:", si$BLAS), paste("LAPACK:", si$LAPACK),
  paste("RNG (inputs):", "Mersenne-Twister / Inversion / Rejection"),
  "R packages:", paste0("  ", pkgs, " ", sapply(pkgs, function(p) as.character(packageVersion(p)))),
  "Debian packages:", paste0("  ", debv),
  "scripts: scripts/golden/make_inputs.R, scripts/golden/second_stage.R"),
  file.path(dir, "VERSIONS"))
cat("\ntimings (s, elapsed):\n"); print(round(unlist(timings), 2))
