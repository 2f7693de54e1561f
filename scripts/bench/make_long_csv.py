#!/usr/bin/env python3
"""Concatenates a price directory (`<security>.csv` files, as `evimpact synth` writes them) into
one long CSV with a leading `security` column, in sorted security order: the layout of
`write_long_prices` in tests/it/independent.rs (header `security,` + the files' header, every
data line prefixed with `<security>,`, blank lines dropped). Byte-level copy, no parsing.

    make_long_csv.py PRICES_DIR OUT.csv
"""

import os
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, out = sys.argv[1], sys.argv[2]
    names = sorted(f for f in os.listdir(src) if f.endswith(".csv"))
    header = None
    with open(out, "wb") as w:
        for f in names:
            sec = f[:-4].encode()
            with open(os.path.join(src, f), "rb") as r:
                lines = r.read().split(b"\n")
            h = lines[0].rstrip(b"\r")
            if header is None:
                header = h
                w.write(b"security," + h + b"\n")
            elif h != header:
                print(f"{f}: header {h!r} differs from {header!r}", file=sys.stderr)
                return 1
            prefix = sec + b","
            w.write(b"".join(prefix + l + b"\n" for l in lines[1:] if l.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
