#!/bin/sh
# pki.sh DIR — a throw-away test PKI, made with the openssl CLI at test time.
#
#   DIR/ca.pem                    "tlsguard test CA" (the only trust anchor the
#                                 clients get, via SSL_CERT_FILE)
#   DIR/otherca.pem               a second CA nobody trusts
#   DIR/<name>.pem, <name>.key    server certificates and keys, for <name> in
#       good        test CA, SAN DNS:localhost, IP:127.0.0.1
#       selfsigned  self-signed, same SANs
#       untrusted   signed by the other CA, same SANs
#       wrongname   test CA, SAN DNS:wrong.example only
#       expired     test CA, same SANs as good, validity entirely in the past
#       multi       test CA, SANs api.test.example, a.b.test.example,
#                   test.example and the local ones (host-pattern tests)
#   DIR/pins/<name>.pin           sha256 of the DER SubjectPublicKeyInfo, base64
#                                 (the sha256/ pin form), for every cert above
#                                 and for the CAs (ca, otherca)
# Keys are EC P-256 (fast to make). Idempotent: skips when DIR/expired.pem exists.
set -eu

DIR=${1:?usage: pki.sh DIR}
OPENSSL=${OPENSSL:-openssl}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ -e "$DIR/expired.pem" ] && [ -e "$DIR/pins/multi.pin" ] && exit 0
cd "$DIR"
mkdir -p pins

SANS_LOCAL="DNS:localhost,IP:127.0.0.1"

key() { "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# A self-signed CA: ca NAME "CN"
ca() {
    key "$1.key"
    "$OPENSSL" req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" \
        -out "$1.pem"
}

# A leaf signed by a CA: leaf NAME CA SANS
leaf() {
    key "$1.key"
    "$OPENSSL" req -new -key "$1.key" -subj "/CN=tlsguard test $1" -out "$1.csr"
    printf '%s\n' \
        "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" \
        "subjectAltName=$3" > "$1.ext"
    "$OPENSSL" x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
        -sha256 -days 825 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

ca ca "tlsguard test CA"
ca otherca "tlsguard untrusted CA"

leaf good ca "$SANS_LOCAL"
leaf untrusted otherca "$SANS_LOCAL"
leaf wrongname ca "DNS:wrong.example"
# For host-pattern tests: names under test.example, reached with curl --resolve.
leaf multi ca "DNS:api.test.example,DNS:a.b.test.example,DNS:test.example,$SANS_LOCAL"

key selfsigned.key
"$OPENSSL" req -x509 -new -key selfsigned.key -sha256 -days 825 \
    -subj "/CN=tlsguard test selfsigned" \
    -addext "subjectAltName=$SANS_LOCAL" \
    -addext "extendedKeyUsage=serverAuth" \
    -out selfsigned.pem

# expired: `openssl x509 -req` cannot backdate, `openssl ca` can (-startdate/-enddate).
key expired.key
"$OPENSSL" req -new -key expired.key -subj "/CN=tlsguard test expired" -out expired.csr
mkdir -p caDB
: > caDB/index.txt
echo 1000 > caDB/serial
cat > caDB/ca.cnf <<EOF
[ ca ]
default_ca = testca
[ testca ]
dir           = $DIR
database      = $DIR/caDB/index.txt
serial        = $DIR/caDB/serial
new_certs_dir = $DIR/caDB
certificate   = $DIR/ca.pem
private_key   = $DIR/ca.key
default_md    = sha256
policy        = anything
unique_subject = no
copy_extensions = none
x509_extensions = leaf_ext
[ anything ]
commonName = supplied
[ leaf_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $SANS_LOCAL
EOF
"$OPENSSL" ca -batch -config caDB/ca.cnf -notext \
    -startdate 20200101000000Z -enddate 20210101000000Z \
    -in expired.csr -out expired.pem 2>/dev/null
rm -f expired.csr

for name in ca otherca good selfsigned untrusted wrongname expired multi; do
    "$OPENSSL" x509 -in "$name.pem" -pubkey -noout \
        | "$OPENSSL" pkey -pubin -outform der \
        | "$OPENSSL" dgst -sha256 -binary \
        | "$OPENSSL" base64 -A > "pins/$name.pin"
    echo >> "pins/$name.pin"
done
