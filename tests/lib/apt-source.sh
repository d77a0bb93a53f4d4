# apt-source.sh — sourced: find_uri prints the URI(s) of the Debian main
# archive named in this machine's apt sources (deb822 and one-line formats,
# -security entries skipped), so no test names an archive host itself.
# Used by fetch-openssl11.sh and tests/fresh/check-fresh.sh.

find_uri() {
    # deb822 files: a stanza's URIs: line, skipping stanzas for -security.
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        awk '
            function flush() {
                if (uris != "" && suites !~ /-security/ && uris !~ /security/) {
                    n = split(uris, u, /[ \t]+/)
                    for (i = 1; i <= n; i++) if (u[i] != "") { print u[i]; exit }
                }
                uris = ""; suites = ""
            }
            /^[ \t]*$/        { flush(); next }
            /^[ \t]*#/        { next }
            tolower($1) == "uris:"   { $1 = ""; uris = $0 }
            tolower($1) == "suites:" { $1 = ""; suites = $0 }
            END { flush() }
        ' "$f"
    done
    # one-line format: deb [opts] URI SUITE COMPONENTS...
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        awk '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                uri = $i; suite = $(i + 1)
                if (uri !~ /security/ && suite !~ /-security/) { print uri; exit }
            }
        ' "$f"
    done
}

