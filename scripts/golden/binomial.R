#!/usr/bin/env Rscript
# Golden values for evimpact's exact two-sided binomial p-values (the generalized sign test),
# computed with R's binom.test. Run by hand (not in CI) from the repository root:
#
#     Rscript scripts/golden/binomial.R
#
# Writes tests/golden/binomial/binom_test.csv: w, n, p, minlike (binom.test's two-sided
# p-value: outcomes no more likely than the observed one, relative tolerance 1e-7) and
# central (twice the smaller tail, at most 1), every number as sprintf("%.17g"), and
# tests/golden/binomial/VERSIONS.
dir <- file.path("tests", "golden", "binomial")
if (!dir.exists(dir)) stop("run from the repository root (", dir, " not found)")
cases <- expand.grid(w = c(0, 1, 2, 3, 4, 7, 10, 13, 20), n = c(4, 10, 20), p = c(0.5, 0.4812, 0.3, 0.62))
cases <- cases[cases$w <= cases$n, ]
fmt <- function(x) sprintf("%.17g", x)
out <- data.frame(
  w = cases$w, n = cases$n, p = fmt(cases$p),
  minlike = fmt(mapply(function(w, n, p) binom.test(w, n, p)$p.value, cases$w, cases$n, cases$p)),
  central = fmt(mapply(function(w, n, p) min(1, 2 * min(pbinom(w, n, p), pbinom(w - 1, n, p, lower.tail = FALSE))),
                       cases$w, cases$n, cases$p))
)
write.csv(out, file.path(dir, "binom_test.csv"), row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string, paste("platform", R.version$platform)), file.path(dir, "VERSIONS"))
cat("wrote", nrow(out), "rows to", file.path(dir, "binom_test.csv"), "\n")
