# apt-source.sh — sourced: find_uri prints the URI(s) of the Debian main
# archive named in this machine's apt sources (deb822 and one-line formats,
# -security entries skipped), so no test names an archive host itself.
# Used by fetch-openssl11.sh, fetch-glibc231.sh and tests/fresh/check-fresh.sh.

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


# fetch_bullseye WHO DEST PACKAGE... — PACKAGEs of Debian bullseye (main)
# unpacked into DEST/root without touching the system: a private apt
# configuration in DEST/apt (the archive's address from find_uri, Debian's
# archive keyring), `apt-get download`, then `dpkg -x` into DEST/root.tmp,
# moved to DEST/root once complete. WHO names the caller in its messages.
# Returns 1 after a message when no archive or keyring is found; the
# callers' `set -e` stops them at any other failure. Used by
# fetch-openssl11.sh and fetch-glibc231.sh.
fetch_bullseye() {
    who=$1 dest=$2
    shift 2
    pkgs=$*
    uri=$(find_uri | head -n 1)
    if [ -z "$uri" ]; then
        echo "$who: no Debian archive URI found in /etc/apt sources" >&2
        return 1
    fi
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [ -r "$keyring" ] || { echo "$who: $keyring missing" >&2; return 1; }

    apt="$dest/apt"
    rm -rf "$apt"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
    echo "deb [signed-by=$keyring] $uri bullseye main" > "$apt/sources.list"
    : > "$apt/status"
    set -- -o Dir::Etc::SourceList="$apt/sources.list" \
           -o Dir::Etc::SourceParts=/nonexistent \
           -o Dir::State::Lists="$apt/lists" \
           -o Dir::Cache="$apt/cache" \
           -o Dir::State::status="$apt/status" \
           -o APT::Get::List-Cleanup=0 \
           -o Debug::NoLocking=1 \
           -o APT::Sandbox::User=root
    echo "$who: fetching bullseye $pkgs" >&2
    apt-get -q "$@" update >&2
    # shellcheck disable=SC2086 # package names: one word each
    (cd "$apt/debs" && apt-get -q "$@" download $pkgs >&2)
    rm -rf "$dest/root.tmp"
    mkdir -p "$dest/root.tmp"
    for deb in "$apt/debs"/*.deb; do
        dpkg -x "$deb" "$dest/root.tmp"
    done
    rm -rf "$dest/root"
    mv "$dest/root.tmp" "$dest/root"
    rm -rf "$apt/lists" "$apt/cache"
}
